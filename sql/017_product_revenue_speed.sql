-- mart.product_revenue without joining a million leads: each product row carries what the view
-- needs of its lead (currency, current stage semantics, whether it is deleted), kept by the sync
-- whenever the lead is written or marked deleted, and whether an earlier row of the same lead
-- has the same product (so leads per product are counted without DISTINCT).

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

CREATE OR REPLACE VIEW mart.product_revenue AS
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
