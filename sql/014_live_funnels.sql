-- Live funnels. dw.lead_stage_reached holds stages of leads the star has loaded only (stage
-- history of a lead it never loaded — created and deleted between two runs, rejected by the
-- transform, read before the lead pass saw it — waits in fact_lead_stage_history and joins the
-- set when its lead arrives), so mart.funnel_stage, which subtracts deleted leads, counts live
-- leads only as 006 promised. dw.lead_funnel_position keeps each loaded lead's furthest
-- in-progress or success stage by the stage order (maintained with the set, recomputed for a
-- portal when its stage order or semantics change), so mart.funnel_cumulative — the classic
-- funnel chart — counts an index, not a million-group aggregate.

DELETE FROM dw.lead_stage_reached r
WHERE NOT EXISTS (SELECT 1 FROM dw.fact_lead f WHERE f.portal_id = r.portal_id AND f.lead_id = r.lead_id);

CREATE TABLE dw.lead_funnel_position (
    portal_id  integer NOT NULL REFERENCES etl.portal ON DELETE CASCADE,
    lead_id    bigint  NOT NULL,
    status_id  text    NOT NULL,
    PRIMARY KEY (portal_id, lead_id)
);
CREATE INDEX lead_funnel_position_status ON dw.lead_funnel_position (portal_id, status_id);
COMMENT ON TABLE dw.lead_funnel_position IS 'Each loaded lead''s furthest in-progress or success stage (by dim_status.sort) among the stages it ever had; maintained by b24pg sync.';

ALTER TABLE etl.portal ADD COLUMN stage_order text;
COMMENT ON COLUMN etl.portal.stage_order IS 'Fingerprint of the lead stages'' order and semantics that dw.lead_funnel_position was computed with.';

CREATE FUNCTION etl.place_leads_in_funnel(p_portal integer, p_leads bigint[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF p_leads IS NULL THEN
        DELETE FROM dw.lead_funnel_position WHERE portal_id = p_portal;
        INSERT INTO dw.lead_funnel_position (portal_id, lead_id, status_id)
        SELECT DISTINCT ON (r.lead_id) r.portal_id, r.lead_id, r.status_id
        FROM dw.lead_stage_reached r
        JOIN dw.dim_status s ON s.portal_id = r.portal_id AND s.status_id = r.status_id AND s.semantic IN ('P', 'S')
        WHERE r.portal_id = p_portal
        ORDER BY r.lead_id, s.sort DESC NULLS LAST, r.status_id;
    ELSE
        DELETE FROM dw.lead_funnel_position WHERE portal_id = p_portal AND lead_id = ANY (p_leads);
        INSERT INTO dw.lead_funnel_position (portal_id, lead_id, status_id)
        SELECT DISTINCT ON (r.lead_id) r.portal_id, r.lead_id, r.status_id
        FROM dw.lead_stage_reached r
        JOIN dw.dim_status s ON s.portal_id = r.portal_id AND s.status_id = r.status_id AND s.semantic IN ('P', 'S')
        WHERE r.portal_id = p_portal AND r.lead_id = ANY (p_leads)
        ORDER BY r.lead_id, s.sort DESC NULLS LAST, r.status_id;
    END IF;
END
$$;
COMMENT ON FUNCTION etl.place_leads_in_funnel(integer, bigint[]) IS 'Recomputes dw.lead_funnel_position for the given leads of a portal (NULL: all of them).';

CREATE FUNCTION etl.follow_stage_order(p_portal integer) RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
    fingerprint text;
BEGIN
    SELECT md5(coalesce(string_agg(status_id || ':' || coalesce(sort::text, '') || ':' || semantic, ',' ORDER BY status_id), ''))
    INTO fingerprint FROM dw.dim_status WHERE portal_id = p_portal;
    IF fingerprint IS NOT DISTINCT FROM (SELECT stage_order FROM etl.portal WHERE portal_id = p_portal) THEN
        RETURN false;
    END IF;
    PERFORM etl.place_leads_in_funnel(p_portal, NULL);
    UPDATE etl.portal SET stage_order = fingerprint WHERE portal_id = p_portal;
    RETURN true;
END
$$;
COMMENT ON FUNCTION etl.follow_stage_order(integer) IS 'Recomputes a portal''s funnel positions when its stage order or semantics changed since they were computed; true when it did.';

SELECT etl.follow_stage_order(portal_id) FROM etl.portal;

COMMENT ON VIEW mart.funnel_stage IS 'Lead stages in funnel order: live leads in each now, and live leads that ever had it (not cumulative: a lead that skipped a stage does not count for it; see mart.funnel_cumulative).';
COMMENT ON COLUMN mart.funnel_stage.leads_reached IS 'Live leads whose stage history (or current stage) contains this stage; history of leads that are not live is not counted.';

CREATE VIEW mart.funnel_cumulative AS
WITH furthest AS (
    SELECT p.portal_id, p.status_id, count(*) AS leads
    FROM dw.lead_funnel_position p
    WHERE NOT EXISTS (SELECT 1 FROM dw.fact_lead d
                      WHERE d.portal_id = p.portal_id AND d.lead_id = p.lead_id AND d.is_deleted)
    GROUP BY p.portal_id, p.status_id
), steps AS (
    SELECT s.portal_id, s.status_id, s.name AS status_name, s.sort, s.semantic,
           sum(coalesce(f.leads, 0)) OVER (PARTITION BY s.portal_id ORDER BY s.sort DESC NULLS LAST) AS leads_reached
    FROM dw.dim_status s
    LEFT JOIN furthest f ON f.portal_id = s.portal_id AND f.status_id = s.status_id
    WHERE s.semantic IN ('P', 'S')
)
SELECT portal_id, status_id, status_name, sort, semantic, leads_reached::bigint AS leads_reached,
       round(leads_reached / nullif(max(leads_reached) OVER (PARTITION BY portal_id), 0), 4) AS share_of_first
FROM steps
ORDER BY portal_id, sort NULLS LAST, status_id;

COMMENT ON VIEW mart.funnel_cumulative IS 'The classic funnel chart: per in-progress or success stage in funnel order, live leads that reached it or any later one (failure stages are exits, not steps, and are left out; see mart.funnel_stage).';
COMMENT ON COLUMN mart.funnel_cumulative.leads_reached IS 'Live leads whose furthest in-progress or success stage (by sort, over stage history and the current stage) is this one or later: a lead that jumped from the first stage to success counts for every stage between.';
COMMENT ON COLUMN mart.funnel_cumulative.share_of_first IS 'leads_reached / leads_reached of the first stage, 0..1, rounded to 4 places.';
GRANT SELECT ON dw.lead_funnel_position TO b24pg_reader;
GRANT SELECT ON mart.funnel_cumulative TO b24pg_reader;
