-- After a staged chunk is merged: the products its rows name, the stages its leads are in or
-- had (stage history read before the lead joins the set now), their funnel positions, and what
-- their product rows keep of them (currency, semantics, live; a repeated product). $1: portal_id.
INSERT INTO dw.dim_product (portal_id, product_id, name, measure_name)
SELECT DISTINCT ON (product_id) $1, product_id, product_name, measure_name FROM pg_temp.stage_fact_lead_product
WHERE product_id IS NOT NULL AND product_id > 0 ORDER BY product_id, row_id DESC
ON CONFLICT (portal_id, product_id) DO UPDATE SET name = EXCLUDED.name, measure_name = EXCLUDED.measure_name
WHERE (dw.dim_product.name, dw.dim_product.measure_name) IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.measure_name);
INSERT INTO dw.lead_stage_reached (portal_id, status_id, lead_id)
SELECT portal_id, status_id, lead_id FROM pg_temp.stage_fact_lead WHERE status_id IS NOT NULL
UNION
SELECT h.portal_id, h.status_id, h.lead_id FROM dw.fact_lead_stage_history h
JOIN pg_temp.stage_fact_lead s ON s.portal_id = h.portal_id AND s.lead_id = h.lead_id
WHERE h.status_id IS NOT NULL
ON CONFLICT DO NOTHING;
SELECT etl.place_leads_in_funnel($1::integer, ARRAY(SELECT lead_id FROM pg_temp.stage_fact_lead));
UPDATE dw.fact_lead_product p
SET lead_currency_id = f.currency_id, lead_status_semantic = f.status_semantic, lead_is_deleted = f.is_deleted
FROM dw.fact_lead f
WHERE f.portal_id = $1 AND f.lead_id IN (SELECT lead_id FROM pg_temp.stage_fact_lead)
  AND p.portal_id = f.portal_id AND p.lead_id = f.lead_id
  AND (p.lead_currency_id, p.lead_status_semantic, p.lead_is_deleted)
      IS DISTINCT FROM (f.currency_id, f.status_semantic, f.is_deleted);
UPDATE dw.fact_lead_product p SET repeats_product = r.repeats
FROM (SELECT row_id, row_number() OVER (PARTITION BY lead_id, product_id ORDER BY row_id) > 1 AS repeats
      FROM dw.fact_lead_product
      WHERE portal_id = $1 AND lead_id IN (SELECT lead_id FROM pg_temp.stage_fact_lead_product)) r
WHERE p.portal_id = $1 AND p.row_id = r.row_id AND p.repeats_product IS DISTINCT FROM r.repeats;
