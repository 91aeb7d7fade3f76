-- Deal children and history: product rows and contact bindings of deals (read like leads', with
-- their own owner-set probe), deal versions (SCD2 like leads'), deal custom fields, the product
-- rows of live deals in mart, and a faster mart.revenue_by_source. Deals loaded before this migration have no children: their
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

-- mart.revenue_by_source sums leads per combination of its five dimensions before the five
-- groupings (few combinations for many leads) and takes medians from the won deals alone; the
-- planner needs to know how few combinations there are to hash them (1M leads: 3.2 s -> 1.5 s).
CREATE STATISTICS dw.fact_lead_attribution (ndistinct)
    ON portal_id, source_id, utm_source, utm_campaign, assigned_by_id, (nullif(created_date_key, 0) / 100)
    FROM dw.fact_lead;

CREATE OR REPLACE VIEW mart.revenue_by_source AS
WITH lead_deals AS (
    SELECT d.portal_id, d.lead_id, count(*) AS deals, count(*) FILTER (WHERE d.stage_semantic = 'S') AS won_deals,
           sum(round(d.opportunity * r.rate, 2)) FILTER (WHERE d.stage_semantic = 'S') AS won_amount_base,
           min(d.moved_at) FILTER (WHERE d.stage_semantic = 'S') AS won_at
    FROM dw.fact_deal d
    LEFT JOIN dw.currency_rate r ON r.portal_id = d.portal_id AND r.currency_id = d.currency_id
    WHERE NOT d.is_deleted AND d.lead_id IS NOT NULL
    GROUP BY d.portal_id, d.lead_id
), won AS (
    -- Days from each live lead to its first won deal: the won deals alone, each lead found by its key.
    SELECT f.portal_id, f.source_id, f.utm_source, f.utm_campaign, f.assigned_by_id,
           nullif(f.created_date_key, 0) / 100 AS month_key,
           CASE WHEN w.won_at < f.created_at THEN 0 ELSE extract(epoch FROM w.won_at - f.created_at) / 86400 END AS days
    FROM (SELECT d.portal_id, d.lead_id, min(d.moved_at) AS won_at FROM dw.fact_deal d
          WHERE d.stage_semantic = 'S' AND NOT d.is_deleted AND d.lead_id IS NOT NULL
          GROUP BY d.portal_id, d.lead_id) w
    JOIN dw.fact_lead f ON f.portal_id = w.portal_id AND f.lead_id = w.lead_id AND NOT f.is_deleted
), attributed AS MATERIALIZED (
    -- Leads and their deals summed per combination of the five dimensions first (few combinations
    -- for many leads); deals without a lead likewise, by their own attributes.
    SELECT f.portal_id, f.source_id, f.utm_source, f.utm_campaign, f.assigned_by_id,
           nullif(f.created_date_key, 0) / 100 AS month_key, count(*) AS leads,
           count(*) FILTER (WHERE f.status_semantic = 'S') AS converted_leads,
           count(dl.lead_id) AS leads_with_deal, coalesce(sum(dl.deals), 0) AS deals,
           coalesce(sum(dl.won_deals), 0) AS won_deals, coalesce(sum(dl.won_amount_base), 0) AS won_amount_base,
           coalesce(sum(dl.won_amount_base), 0) AS won_from_leads_base
    FROM dw.fact_lead f
    LEFT JOIN lead_deals dl ON dl.portal_id = f.portal_id AND dl.lead_id = f.lead_id
    WHERE NOT f.is_deleted
    GROUP BY 1, 2, 3, 4, 5, 6
    UNION ALL
    SELECT d.portal_id, d.source_id, d.utm_source, d.utm_campaign, d.assigned_by_id,
           nullif(d.created_date_key, 0) / 100, 0, 0, 0, count(*), count(*) FILTER (WHERE d.stage_semantic = 'S'),
           coalesce(sum(round(d.opportunity * r.rate, 2)) FILTER (WHERE d.stage_semantic = 'S'), 0), 0
    FROM dw.fact_deal d
    LEFT JOIN dw.currency_rate r ON r.portal_id = d.portal_id AND r.currency_id = d.currency_id
    WHERE NOT d.is_deleted AND d.lead_id IS NULL
    GROUP BY 1, 2, 3, 4, 5, 6
), grouped AS (
    -- Few combinations: one pass over them serves all five groupings.
    SELECT portal_id,
           CASE WHEN GROUPING(source_id) = 0 THEN 'source' WHEN GROUPING(utm_source) = 0 THEN 'utm_source'
                WHEN GROUPING(utm_campaign) = 0 THEN 'utm_campaign' WHEN GROUPING(assigned_by_id) = 0 THEN 'owner'
                ELSE 'created_month' END AS dimension,
           CASE WHEN GROUPING(source_id) = 0 THEN source_id WHEN GROUPING(utm_source) = 0 THEN utm_source
                WHEN GROUPING(utm_campaign) = 0 THEN utm_campaign WHEN GROUPING(assigned_by_id) = 0 THEN assigned_by_id::text
                ELSE (month_key / 100) || '-' || lpad((month_key % 100)::text, 2, '0') END AS key,
           sum(leads)::bigint AS leads, sum(converted_leads)::bigint AS converted_leads,
           sum(leads_with_deal)::bigint AS leads_with_deal, sum(deals) AS deals, sum(won_deals) AS won_deals,
           sum(won_amount_base) AS won_revenue_base, sum(won_from_leads_base) AS won_from_leads_base
    FROM attributed
    GROUP BY GROUPING SETS ((portal_id, source_id), (portal_id, utm_source), (portal_id, utm_campaign),
                            (portal_id, assigned_by_id), (portal_id, month_key))
), medians AS (
    SELECT portal_id,
           CASE WHEN GROUPING(source_id) = 0 THEN 'source' WHEN GROUPING(utm_source) = 0 THEN 'utm_source'
                WHEN GROUPING(utm_campaign) = 0 THEN 'utm_campaign' WHEN GROUPING(assigned_by_id) = 0 THEN 'owner'
                ELSE 'created_month' END AS dimension,
           CASE WHEN GROUPING(source_id) = 0 THEN source_id WHEN GROUPING(utm_source) = 0 THEN utm_source
                WHEN GROUPING(utm_campaign) = 0 THEN utm_campaign WHEN GROUPING(assigned_by_id) = 0 THEN assigned_by_id::text
                ELSE (month_key / 100) || '-' || lpad((month_key % 100)::text, 2, '0') END AS key,
           round((percentile_cont(0.5) WITHIN GROUP (ORDER BY days))::numeric, 1) AS median_days_lead_to_won
    FROM won
    GROUP BY GROUPING SETS ((portal_id, source_id), (portal_id, utm_source), (portal_id, utm_campaign),
                            (portal_id, assigned_by_id), (portal_id, month_key))
)
SELECT g.portal_id, g.dimension, g.key,
       coalesce(CASE g.dimension WHEN 'source' THEN src.name WHEN 'owner' THEN u.name ELSE g.key END, '(none)') AS label,
       g.leads, g.converted_leads, g.deals, g.won_deals, g.won_revenue_base, b.base_currency_id,
       round(g.won_from_leads_base / nullif(g.leads, 0), 2) AS revenue_per_lead_base,
       round(g.leads_with_deal::numeric / nullif(g.leads, 0), 4) AS lead_to_deal_rate,
       round(g.won_deals::numeric / nullif(g.deals, 0), 4) AS deal_to_won_rate,
       m.median_days_lead_to_won
FROM grouped g
LEFT JOIN medians m ON m.portal_id = g.portal_id AND m.dimension = g.dimension AND m.key IS NOT DISTINCT FROM g.key
LEFT JOIN dw.dim_source src ON g.dimension = 'source' AND src.portal_id = g.portal_id AND src.source_id = g.key
LEFT JOIN dw.dim_user u ON g.dimension = 'owner' AND u.portal_id = g.portal_id AND u.user_id::text = g.key
LEFT JOIN mart.portal b ON b.portal_id = g.portal_id;
