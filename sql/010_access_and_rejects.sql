-- Who read the portal, deletes the guard refused, and the records a run rejected.

ALTER TABLE etl.sync_run
    ADD COLUMN portal_user_id    bigint,
    ADD COLUMN portal_user_admin boolean,
    ADD COLUMN leads_undeleted   bigint NOT NULL DEFAULT 0,
    ADD COLUMN deletes_refused   bigint;
COMMENT ON COLUMN etl.sync_run.portal_user_id IS 'The webhook''s (or token''s) user, from the portal''s profile method.';
COMMENT ON COLUMN etl.sync_run.portal_user_admin IS 'Whether that user is a portal administrator; a non-admin sees only the leads its rights allow, and the others are not exported.';
COMMENT ON COLUMN etl.sync_run.leads_undeleted IS 'Leads marked deleted that the portal listed again (restored), re-read by this run.';
COMMENT ON COLUMN etl.sync_run.deletes_refused IS 'Leads the delete scan would have marked deleted when the mass-delete guard refused it (nothing was marked).';

CREATE TABLE etl.rejected_record (
    run_id     bigint  NOT NULL REFERENCES etl.sync_run ON DELETE CASCADE,
    portal_id  integer NOT NULL REFERENCES etl.portal ON DELETE CASCADE,
    entity     text    NOT NULL,
    record_id  bigint,
    field      text    NOT NULL,
    reason     text    NOT NULL
);
CREATE INDEX rejected_record_run ON etl.rejected_record (run_id);
COMMENT ON TABLE etl.rejected_record IS 'Records a run could not load exactly (a value that is not what its field says), with the field and why; committed with the chunk they were read in.';
