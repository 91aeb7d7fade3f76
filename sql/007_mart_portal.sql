-- mart.portal: the portals a BI tool may filter by (host and time zone only; b24pg_reader
-- cannot read etl).

CREATE VIEW mart.portal AS
SELECT portal_id, host, time_zone FROM etl.portal;

COMMENT ON VIEW mart.portal IS 'Synced portals: id, host and the UTC offset their dates and day buckets use.';
COMMENT ON COLUMN mart.portal.time_zone IS 'UTC offset of the portal, e.g. +03:00.';
GRANT SELECT ON mart.portal TO b24pg_reader;
