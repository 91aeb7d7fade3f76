-- What the times of a lead version mean; deletes and restores are versions too.

COMMENT ON TABLE dw.fact_lead_version IS 'History mode (SCD2): one row per observed version of a lead. A version opens when a sync sees a tracked attribute change (stage, semantics, source, owner, amount, currency, company, contact), when the delete scan finds the lead gone (is_deleted = true) and when a deleted lead comes back. Changes between two syncs collapse into one version.';
COMMENT ON COLUMN dw.fact_lead_version.valid_from IS 'When this version began, on the portal''s clock: the lead''s DATE_MODIFY as the sync that observed the change read it; for a delete, the portal time of the scan that found it gone; for a restore whose DATE_MODIFY did not move, the portal time of the sync that saw it again. Never the database''s clock.';
COMMENT ON COLUMN dw.fact_lead_version.valid_to IS 'When the next version began (NULL for the current one).';
COMMENT ON COLUMN dw.fact_lead_version.is_deleted IS 'The lead was deleted in the portal during this version.';
