-- Children at scale: how a portal answers product rows, when its children were last audited,
-- and what each run's audit and delete check did.

ALTER TABLE etl.portal
    ADD COLUMN product_rows_mode      text CHECK (product_rows_mode IN ('owner_sets', 'per_lead')),
    ADD COLUMN product_rows_reason    text,
    ADD COLUMN product_rows_probed_at timestamptz,
    ADD COLUMN children_audited_at    timestamptz;
COMMENT ON COLUMN etl.portal.product_rows_mode IS 'How product rows are read: owner_sets (crm.item.productrow.list, 50 leads per command) or per_lead (crm.lead.productrows.get); NULL until the first probe.';
COMMENT ON COLUMN etl.portal.product_rows_reason IS 'Why: what the probe compared, or what the portal refused or answered differently.';
COMMENT ON COLUMN etl.portal.product_rows_probed_at IS 'When the owner-set answer was last compared with per-lead answers; probed again after a week.';
COMMENT ON COLUMN etl.portal.children_audited_at IS 'When a run last compared the product rows and contact sets of every live lead with dw (the children audit).';

ALTER TABLE etl.sync_run
    ADD COLUMN children_audited  boolean NOT NULL DEFAULT false,
    ADD COLUMN children_repaired bigint  NOT NULL DEFAULT 0,
    ADD COLUMN delete_check      text;
COMMENT ON COLUMN etl.sync_run.children_audited IS 'Whether this run audited the children of every live lead.';
COMMENT ON COLUMN etl.sync_run.children_repaired IS 'Leads whose product rows or contact set differed from dw in the audit and were read again.';
COMMENT ON COLUMN etl.sync_run.delete_check IS 'How deletes were looked for: scan (every id listed), audit (the audit''s listing), counts agree (the portal counted as many leads up to the highest known id as dw holds live, so no scan), first load.';
