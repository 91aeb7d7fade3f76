-- Many portals. A portal is keyed by its configured name (a single-portal run without a config
-- file: the host, with the port when it is not the default), so two portals on one host stay
-- apart and a host change under the same name keeps the rows; the host is recorded, no longer
-- unique. etl.portal_job is the worker's queue: one row per configured portal with its schedule,
-- when it is due and who holds it (a lease that expires, claimed with FOR UPDATE SKIP LOCKED).

ALTER TABLE etl.portal ADD COLUMN name text;
UPDATE etl.portal SET name = host;
ALTER TABLE etl.portal
    ALTER COLUMN name SET NOT NULL,
    ADD CONSTRAINT portal_name_key UNIQUE (name),
    DROP CONSTRAINT portal_host_key;
COMMENT ON COLUMN etl.portal.name IS 'The portal''s name: [[portal]] name in the config file, else its host (with :port when not the default). Rows are keyed by it; the host may change under it.';
COMMENT ON COLUMN etl.portal.host IS 'The host the portal was last read from, e.g. example.bitrix24.com (never the webhook secret); not unique.';

CREATE TABLE etl.portal_job (
    portal_id         integer     PRIMARY KEY REFERENCES etl.portal ON DELETE CASCADE,
    schedule          text        NOT NULL,
    enabled           boolean     NOT NULL DEFAULT true,
    due_at            timestamptz NOT NULL DEFAULT now(),
    lease_owner       text,
    lease_expires_at  timestamptz,
    renewed_at        timestamptz,
    failures          integer     NOT NULL DEFAULT 0,
    last_started_at   timestamptz,
    last_finished_at  timestamptz,
    last_status       text,
    last_error        text,
    registered_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX portal_job_due ON etl.portal_job (due_at) WHERE enabled;
COMMENT ON TABLE etl.portal_job IS 'b24pg worker''s queue: one row per configured portal. A worker claims a due row whose lease is free or expired (FOR UPDATE SKIP LOCKED), renews the lease while it syncs, and sets the next due time when it ends (the next slot of the schedule, or an exponential back-off after a failure).';
COMMENT ON COLUMN etl.portal_job.schedule IS 'As configured: every 15m, or daily 02:30 (in the portal''s own UTC offset).';
COMMENT ON COLUMN etl.portal_job.lease_owner IS 'The worker holding the portal (host:pid:nonce) while lease_expires_at is in the future.';
COMMENT ON COLUMN etl.portal_job.failures IS 'Failed runs in a row; the back-off doubles with each.';

ALTER TABLE etl.sync_run ADD COLUMN worker text;
COMMENT ON COLUMN etl.sync_run.worker IS 'The worker that ran it (b24pg worker); NULL for b24pg sync.';

CREATE OR REPLACE VIEW mart.portal AS
SELECT p.portal_id, p.host, p.time_zone,
       (SELECT c.currency_id FROM dw.dim_currency c WHERE c.portal_id = p.portal_id AND c.is_base
        ORDER BY c.currency_id LIMIT 1) AS base_currency_id,
       p.name
FROM etl.portal p;
COMMENT ON COLUMN mart.portal.name IS 'The portal''s configured name (its host when run without a config file).';
