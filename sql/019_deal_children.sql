-- Deal children and history: product rows and contact bindings of deals (read like leads', with
-- their own owner-set probe), deal versions (SCD2 like leads'), deal custom fields, and the
-- product rows of live deals in mart. Deals loaded before this migration have no children: their
-- watermark is cleared, so the next sync reads every deal again (once).

ALTER TABLE etl.portal
    ADD COLUMN deal_product_rows_mode      text CHECK (deal_product_rows_mode IN ('owner_sets', 'per_deal')),
    ADD COLUMN deal_product_rows_reason    text,
    ADD COLUMN deal_product_rows_probed_at timestamptz;
COMMENT ON COLUMN etl.portal.deal_product_rows_mode IS 'How deal product rows are read: owner_sets (crm.item.productrow.list, ownerType D, 50 deals per command) or per_deal (crm.deal.productrows.get); NULL until the first probe.';
COMMENT ON COLUMN etl.portal.deal_product_rows_reason IS 'Why: what the probe compared, or what the portal refused or answered differently.';
COMMENT ON COLUMN etl.portal.deal_product_rows_probed_at IS 'When the owner-set answer for deals was last compared with per-deal answers; probed again after a week.';

ALTER TABLE etl.sync_run
    ADD COLUMN deal_product_rows  integer NOT NULL DEFAULT 0,
    ADD COLUMN deal_contact_links integer NOT NULL DEFAULT 0;

ALTER TABLE dw.fact_deal ADD COLUMN custom_fields jsonb NOT NULL DEFAULT '{}'::jsonb;
COMMENT ON COLUMN dw.fact_deal.custom_fields IS 'UF_ custom fields of the deal keyed by field name, as the portal sent them (numbers, text, lists); URLs of files left out (they carry a token).';

CREATE TABLE dw.fact_deal_product (
    portal_id         integer  NOT NULL REFERENCES etl.portal ON DELETE CASCADE,
    row_id            bigint   NOT NULL,
    deal_id           bigint   NOT NULL,
    product_id        bigint,
    product_name      text,
    price             numeric,
    price_exclusive   numeric,
    price_netto       numeric,
    price_brutto      numeric,
    quantity          numeric,
    discount_type_id  smallint,
    discount_rate     numeric,
    discount_sum      numeric,
    tax_rate          numeric,
    tax_included      boolean,
    customized        boolean,
    measure_code      integer,
    measure_name      text,
    sort              integer,
    type              smallint,
    amount            numeric GENERATED ALWAYS AS (price * quantity) STORED,
    PRIMARY KEY (portal_id, row_id)
);
CREATE INDEX fact_deal_product_deal ON dw.fact_deal_product (portal_id, deal_id);
CREATE INDEX fact_deal_product_product ON dw.fact_deal_product (portal_id, product_id);
COMMENT ON TABLE dw.fact_deal_product IS 'Product rows of deals (crm.item.productrow.list ownerType D, or crm.deal.productrows.get); replaced as a set whenever their deal is read.';
COMMENT ON COLUMN dw.fact_deal_product.amount IS 'price × quantity (price is the final unit price).';

CREATE TABLE dw.bridge_deal_contact (
    portal_id   integer NOT NULL REFERENCES etl.portal ON DELETE CASCADE,
    deal_id     bigint  NOT NULL,
    contact_id  bigint  NOT NULL,
    is_primary  boolean NOT NULL DEFAULT false,
    sort        integer,
    role_id     integer,
    PRIMARY KEY (portal_id, deal_id, contact_id)
);
CREATE INDEX bridge_deal_contact_contact ON dw.bridge_deal_contact (portal_id, contact_id);
COMMENT ON TABLE dw.bridge_deal_contact IS 'Deal-contact bindings (crm.deal.contact.items.get, read when the deal''s contact set differs from dw); replaced as a set per deal.';

CREATE TABLE dw.fact_deal_version (
    portal_id        integer     NOT NULL REFERENCES etl.portal ON DELETE CASCADE,
    deal_id          bigint      NOT NULL,
    version          integer     NOT NULL,
    valid_from       timestamptz NOT NULL,
    valid_to         timestamptz,
    is_current       boolean     NOT NULL DEFAULT true,
    category_id      bigint,
    stage_id         text,
    stage_semantic   char(1),
    assigned_by_id   bigint,
    opportunity      numeric,
    currency_id      text,
    company_id       bigint,
    is_deleted       boolean     NOT NULL DEFAULT false,
    run_id           bigint,
    PRIMARY KEY (portal_id, deal_id, version)
);
CREATE UNIQUE INDEX fact_deal_version_current ON dw.fact_deal_version (portal_id, deal_id) WHERE is_current;
COMMENT ON TABLE dw.fact_deal_version IS 'History mode (SCD2) of deals: a version opens when a sync sees a tracked attribute change (funnel, stage, semantics, owner, amount, currency, company), when the delete scan finds the deal gone (is_deleted) and when a deleted deal comes back. valid_from is on the portal''s clock (DATE_MODIFY, or the scan''s time); changes between two syncs collapse into one version.';
COMMENT ON COLUMN dw.fact_deal_version.valid_to IS 'When the next version began (NULL for the current one).';

-- Deals already loaded get their first version now (deleted ones as deleted).
INSERT INTO dw.fact_deal_version (portal_id, deal_id, version, valid_from, is_current, category_id, stage_id,
                                  stage_semantic, assigned_by_id, opportunity, currency_id, company_id, is_deleted, run_id)
SELECT portal_id, deal_id, 1, COALESCE(deleted_at, modified_at, created_at, now()), true, category_id, stage_id,
       stage_semantic, assigned_by_id, opportunity, currency_id, company_id, is_deleted, last_run_id
FROM dw.fact_deal;

-- Their children were never read: the next sync reads every deal again.
DELETE FROM etl.sync_state WHERE stream = 'deals';

CREATE VIEW mart.deal_product AS
SELECT p.portal_id, p.deal_id, p.row_id, p.product_id, coalesce(dp.name, p.product_name) AS product_name,
       p.quantity, p.price, p.amount, d.currency_id, round(p.amount * r.rate, 2) AS amount_base, r.base_currency_id,
       d.category_id, d.stage_semantic,
       CASE d.stage_semantic WHEN 'S' THEN 'won' WHEN 'F' THEN 'lost' ELSE 'open' END AS outcome,
       d.lead_id, d.created_at AS deal_created_at
FROM dw.fact_deal_product p
JOIN dw.fact_deal d ON d.portal_id = p.portal_id AND d.deal_id = p.deal_id AND NOT d.is_deleted
LEFT JOIN dw.dim_product dp ON dp.portal_id = p.portal_id AND dp.product_id = p.product_id
LEFT JOIN dw.currency_rate r ON r.portal_id = d.portal_id AND r.currency_id = d.currency_id;
COMMENT ON VIEW mart.deal_product IS 'Product rows of live deals with the deal''s outcome and the amount in the base currency: what was sold (won), lost or is still in play.';
COMMENT ON COLUMN mart.deal_product.amount IS 'price × quantity in the deal''s currency (price is the final unit price).';
COMMENT ON COLUMN mart.deal_product.amount_base IS 'amount in the portal''s base currency (base_currency_id); NULL when the deal''s currency has no rate.';
COMMENT ON COLUMN mart.deal_product.outcome IS 'won, lost or open: the deal''s current stage semantics.';
GRANT SELECT ON mart.deal_product TO b24pg_reader;
