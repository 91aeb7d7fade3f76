-- One currency. Every amount in mart keeps its original value and currency and gains a column in
-- the portal's base currency (dw.dim_currency: the currency flagged base; a currency's AMOUNT is
-- what AMOUNT_CNT units of it are worth in the base currency). No column adds amounts of
-- different currencies: mart.product_revenue has a row per product and currency, and
-- mart.owner_performance keeps its open amounts per currency as a JSON object beside their sum
-- in the base currency. An amount whose currency has no rate has no base value (NULL), and a sum
-- that would need one is NULL too rather than short.

-- mart.product_revenue reads what each product row keeps of its lead (currency, current stage
-- semantics, deletion; kept by the sync whenever the lead is written or marked deleted) and
-- whether an earlier row of the lead has the same product, so it needs no join with a million
-- leads and no DISTINCT.

CREATE VIEW dw.currency_rate AS
SELECT c.portal_id, c.currency_id, b.currency_id AS base_currency_id,
       (c.amount / nullif(c.amount_cnt, 0)) / nullif(b.amount / nullif(b.amount_cnt, 0), 0) AS rate
FROM dw.dim_currency c
JOIN dw.dim_currency b ON b.portal_id = c.portal_id AND b.is_base;
COMMENT ON VIEW dw.currency_rate IS 'Per portal and currency: what one unit is worth in the portal''s base currency.';

CREATE OR REPLACE VIEW mart.portal AS
SELECT p.portal_id, p.host, p.time_zone,
       (SELECT c.currency_id FROM dw.dim_currency c WHERE c.portal_id = p.portal_id AND c.is_base
        ORDER BY c.currency_id LIMIT 1) AS base_currency_id
FROM etl.portal p;
COMMENT ON COLUMN mart.portal.base_currency_id IS 'The portal''s base currency (crm.currency.list BASE = Y): every *_base amount in mart is in it.';

CREATE OR REPLACE VIEW mart.lead AS
SELECT f.portal_id, p.host AS portal, f.lead_id, f.title,
       f.status_id, st.name AS status_name, f.status_semantic,
       f.source_id, src.name AS source_name,
       f.assigned_by_id, u.name AS assigned_by_name,
       f.company_id, co.title AS company_title,
       f.contact_id, c.name AS contact_name,
       f.opportunity, f.currency_id, f.is_return_customer,
       f.created_at, f.modified_at, f.closed_at,
       cd.date AS created_date, cl.date AS closed_date,
       f.utm_source, f.utm_medium, f.utm_campaign, f.utm_content, f.utm_term,
       coalesce((SELECT sum(pr.amount) FROM dw.fact_lead_product pr
                 WHERE pr.portal_id = f.portal_id AND pr.lead_id = f.lead_id), 0) AS product_amount,
       (SELECT count(*) FROM dw.fact_lead_product pr WHERE pr.portal_id = f.portal_id AND pr.lead_id = f.lead_id) AS product_count,
       (SELECT count(*) FROM dw.bridge_lead_contact b WHERE b.portal_id = f.portal_id AND b.lead_id = f.lead_id) AS contact_count,
       f.custom_fields,
       round(f.opportunity * x.rate, 2) AS opportunity_base,
       round(coalesce((SELECT sum(pr.amount) FROM dw.fact_lead_product pr
                       WHERE pr.portal_id = f.portal_id AND pr.lead_id = f.lead_id), 0) * x.rate, 2) AS product_amount_base,
       x.base_currency_id
FROM dw.fact_lead f
JOIN etl.portal p ON p.portal_id = f.portal_id
LEFT JOIN dw.dim_status st ON st.portal_id = f.portal_id AND st.status_id = f.status_id
LEFT JOIN dw.dim_source src ON src.portal_id = f.portal_id AND src.source_id = f.source_id
LEFT JOIN dw.dim_user u ON u.portal_id = f.portal_id AND u.user_id = f.assigned_by_id
LEFT JOIN dw.dim_company co ON co.portal_id = f.portal_id AND co.company_id = f.company_id
LEFT JOIN dw.dim_contact c ON c.portal_id = f.portal_id AND c.contact_id = f.contact_id
LEFT JOIN dw.dim_date cd ON cd.date_key = f.created_date_key AND f.created_date_key <> 0
LEFT JOIN dw.dim_date cl ON cl.date_key = f.closed_date_key AND f.closed_date_key <> 0
LEFT JOIN dw.currency_rate x ON x.portal_id = f.portal_id AND x.currency_id = f.currency_id
WHERE NOT f.is_deleted;
COMMENT ON COLUMN mart.lead.product_amount IS 'Sum of price × quantity over the lead''s product rows (0 without rows), in the lead''s currency_id.';
COMMENT ON COLUMN mart.lead.opportunity_base IS 'opportunity in the portal''s base currency (base_currency_id), rounded to cents; NULL when currency_id has no rate.';
COMMENT ON COLUMN mart.lead.product_amount_base IS 'product_amount in the portal''s base currency, rounded to cents; NULL when currency_id has no rate.';
COMMENT ON COLUMN mart.lead.base_currency_id IS 'The portal''s base currency, in which the *_base columns are.';

DROP VIEW mart.product_revenue;
ALTER TABLE dw.fact_lead_product
    ADD COLUMN lead_currency_id     text,
    ADD COLUMN lead_status_semantic char(1),
    ADD COLUMN lead_is_deleted      boolean NOT NULL DEFAULT false,
    ADD COLUMN repeats_product      boolean NOT NULL DEFAULT false;
COMMENT ON COLUMN dw.fact_lead_product.lead_currency_id IS 'The lead''s currency_id (product rows are priced in it); kept by b24pg sync.';
COMMENT ON COLUMN dw.fact_lead_product.lead_status_semantic IS 'The lead''s current stage semantics (P, S, F); kept by b24pg sync.';
COMMENT ON COLUMN dw.fact_lead_product.lead_is_deleted IS 'Whether the lead is marked deleted; kept by b24pg sync.';
COMMENT ON COLUMN dw.fact_lead_product.repeats_product IS 'An earlier row (lower row_id) of the same lead has the same product_id.';

UPDATE dw.fact_lead_product p
SET lead_currency_id = f.currency_id, lead_status_semantic = f.status_semantic, lead_is_deleted = f.is_deleted
FROM dw.fact_lead f
WHERE f.portal_id = p.portal_id AND f.lead_id = p.lead_id;

UPDATE dw.fact_lead_product p SET repeats_product = true
FROM (SELECT portal_id, row_id,
             row_number() OVER (PARTITION BY portal_id, lead_id, product_id ORDER BY row_id) > 1 AS repeats
      FROM dw.fact_lead_product) r
WHERE r.portal_id = p.portal_id AND r.row_id = p.row_id AND r.repeats;

CREATE VIEW mart.product_revenue AS
WITH sums AS (
    SELECT p.portal_id, p.product_id, p.lead_currency_id AS currency_id, max(p.product_name) AS row_name,
           count(*) FILTER (WHERE NOT p.repeats_product) AS leads, sum(p.quantity) AS quantity, sum(p.amount) AS amount,
           coalesce(sum(p.amount) FILTER (WHERE p.lead_status_semantic = 'S'), 0) AS converted_amount
    FROM dw.fact_lead_product p
    WHERE NOT p.lead_is_deleted
    GROUP BY p.portal_id, p.product_id, p.lead_currency_id
)
SELECT s.portal_id, s.product_id, coalesce(dp.name, s.row_name) AS product_name, s.currency_id,
       s.leads, s.quantity, s.amount, s.converted_amount,
       round(s.amount * x.rate, 2) AS amount_base, round(s.converted_amount * x.rate, 2) AS converted_amount_base,
       (SELECT c.currency_id FROM dw.dim_currency c WHERE c.portal_id = s.portal_id AND c.is_base
        ORDER BY c.currency_id LIMIT 1) AS base_currency_id
FROM sums s
LEFT JOIN dw.dim_product dp ON dp.portal_id = s.portal_id AND dp.product_id = s.product_id
LEFT JOIN dw.currency_rate x ON x.portal_id = s.portal_id AND x.currency_id = s.currency_id;

COMMENT ON VIEW mart.product_revenue IS 'Per product (product_id 0: rows typed by hand) and currency of the leads: live leads, quantity, amount and the amount on converted leads, each amount also in the base currency. Sum amount_base over currencies for a product''s total.';
COMMENT ON COLUMN mart.product_revenue.currency_id IS 'Currency of the leads (product rows are priced in their lead''s currency); amount and converted_amount are in it.';
COMMENT ON COLUMN mart.product_revenue.leads IS 'Live leads in this currency with this product.';
COMMENT ON COLUMN mart.product_revenue.amount IS 'Sum of price × quantity, in currency_id.';
COMMENT ON COLUMN mart.product_revenue.converted_amount IS 'Sum of price × quantity on converted leads (current stage semantic S), in currency_id.';
COMMENT ON COLUMN mart.product_revenue.amount_base IS 'amount in the portal''s base currency (base_currency_id); NULL when currency_id has no rate.';
COMMENT ON COLUMN mart.product_revenue.converted_amount_base IS 'converted_amount in the portal''s base currency; NULL when currency_id has no rate.';
GRANT SELECT ON mart.product_revenue TO b24pg_reader;

DROP VIEW mart.owner_performance;
CREATE VIEW mart.owner_performance AS
WITH per_currency AS (
    SELECT f.portal_id, f.assigned_by_id, f.currency_id, count(*) AS leads,
           count(*) FILTER (WHERE f.status_semantic = 'S') AS converted,
           sum(f.opportunity) FILTER (WHERE f.status_semantic = 'P' OR f.status_semantic IS NULL) AS open_amount
    FROM dw.fact_lead f
    WHERE NOT f.is_deleted
    GROUP BY f.portal_id, f.assigned_by_id, f.currency_id
)
SELECT o.portal_id, o.assigned_by_id AS user_id, coalesce(u.name, 'user ' || o.assigned_by_id) AS user_name,
       sum(o.leads)::bigint AS leads, sum(o.converted)::bigint AS converted,
       round(sum(o.converted) / sum(o.leads), 4) AS conversion_rate,
       CASE WHEN bool_and(o.open_amount IS NULL OR x.rate IS NOT NULL)
            THEN round(coalesce(sum(o.open_amount * x.rate), 0), 2) END AS open_amount_base,
       (SELECT c.currency_id FROM dw.dim_currency c WHERE c.portal_id = o.portal_id AND c.is_base
        ORDER BY c.currency_id LIMIT 1) AS base_currency_id,
       coalesce(jsonb_object_agg(coalesce(o.currency_id, '?'), o.open_amount ORDER BY o.currency_id)
                FILTER (WHERE o.open_amount IS NOT NULL), '{}'::jsonb) AS open_amounts
FROM per_currency o
LEFT JOIN dw.dim_user u ON u.portal_id = o.portal_id AND u.user_id = o.assigned_by_id
LEFT JOIN dw.currency_rate x ON x.portal_id = o.portal_id AND x.currency_id = o.currency_id
GROUP BY o.portal_id, o.assigned_by_id, u.name;

COMMENT ON VIEW mart.owner_performance IS 'Per responsible user: live leads, converted leads, conversion rate and the amount still open, in the base currency and per currency.';
COMMENT ON COLUMN mart.owner_performance.converted IS 'Live leads now in a success stage (semantic S): converted.';
COMMENT ON COLUMN mart.owner_performance.conversion_rate IS 'converted / leads, 0..1, rounded to 4 places.';
COMMENT ON COLUMN mart.owner_performance.open_amount_base IS 'Sum of OPPORTUNITY over the user''s open leads (in progress), each converted to the base currency (base_currency_id); NULL when a currency among them has no rate.';
COMMENT ON COLUMN mart.owner_performance.open_amounts IS 'The same open amounts per original currency, e.g. {"EUR": 1200.00, "USD": 300.00}; never added across currencies.';
GRANT SELECT ON mart.owner_performance TO b24pg_reader;
GRANT SELECT ON dw.currency_rate TO b24pg_reader;

-- Names beside ids where an analyst reads them: time_to_convert gains the source's name.
CREATE OR REPLACE VIEW mart.time_to_convert AS
WITH first_success AS (
    SELECT portal_id, lead_id, min(created_at) AS first_success
    FROM dw.fact_lead_stage_history WHERE status_semantic = 'S' GROUP BY portal_id, lead_id
), durations AS (
    SELECT f.portal_id, f.source_id, extract(epoch FROM s.first_success - f.created_at) / 3600 AS hours
    FROM dw.fact_lead f JOIN first_success s ON s.portal_id = f.portal_id AND s.lead_id = f.lead_id
    WHERE NOT f.is_deleted AND f.created_at IS NOT NULL
), per_source AS (
    SELECT portal_id, source_id, count(*) AS ever_converted,
           round((percentile_cont(0.5) WITHIN GROUP (ORDER BY greatest(hours, 0)))::numeric, 2) AS median_hours,
           round((percentile_cont(0.9) WITHIN GROUP (ORDER BY greatest(hours, 0)))::numeric, 2) AS p90_hours,
           count(*) FILTER (WHERE hours < 0) AS negative_durations
    FROM durations
    GROUP BY portal_id, source_id
)
SELECT t.portal_id, t.source_id, t.ever_converted, t.median_hours, t.p90_hours, t.negative_durations,
       coalesce(src.name, t.source_id, '(no source)') AS source_name
FROM per_source t
LEFT JOIN dw.dim_source src ON src.portal_id = t.portal_id AND src.source_id = t.source_id;
COMMENT ON COLUMN mart.time_to_convert.source_name IS 'The source''s name (its id when the portal has no name for it).';
