-- After a staged chunk is merged: the products its rows name, the stages its leads are in or
-- had (stage history read before the lead joins the set now), their funnel positions, their
-- typed custom fields and their first touches (a lead's activities may be loaded before it).
-- $1: portal_id.
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
SELECT etl.write_lead_custom_values($1::integer, ARRAY(SELECT lead_id FROM pg_temp.stage_fact_lead));
SELECT etl.touch_leads($1::integer, ARRAY(SELECT lead_id FROM pg_temp.stage_fact_lead));
