-- After a chunk was copied straight into the empty star (a portal's first load): the products
-- and stages its rows imply, their funnel positions (stage history comes later; its first load
-- places the whole portal again), typed custom fields and first touches. $1: portal_id; $3, $4: the chunk's
-- lowest and highest lead id.
INSERT INTO dw.dim_product (portal_id, product_id, name, measure_name)
SELECT DISTINCT ON (product_id) portal_id, product_id, product_name, measure_name FROM dw.fact_lead_product
WHERE portal_id = $1 AND lead_id BETWEEN $3 AND $4 AND product_id IS NOT NULL AND product_id > 0
ORDER BY product_id, row_id DESC
ON CONFLICT (portal_id, product_id) DO UPDATE SET name = EXCLUDED.name, measure_name = EXCLUDED.measure_name
WHERE (dw.dim_product.name, dw.dim_product.measure_name) IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.measure_name);
INSERT INTO dw.lead_stage_reached (portal_id, status_id, lead_id)
SELECT portal_id, status_id, lead_id FROM dw.fact_lead
WHERE portal_id = $1 AND lead_id BETWEEN $3 AND $4 AND status_id IS NOT NULL
ON CONFLICT DO NOTHING;
INSERT INTO dw.lead_funnel_position (portal_id, lead_id, status_id)
SELECT f.portal_id, f.lead_id, f.status_id FROM dw.fact_lead f
JOIN dw.dim_status s ON s.portal_id = f.portal_id AND s.status_id = f.status_id AND s.semantic IN ('P', 'S')
WHERE f.portal_id = $1 AND f.lead_id BETWEEN $3 AND $4
ON CONFLICT (portal_id, lead_id) DO UPDATE SET status_id = EXCLUDED.status_id;
SELECT etl.write_lead_custom_values($1::integer, ARRAY(SELECT lead_id FROM dw.fact_lead WHERE portal_id = $1 AND lead_id BETWEEN $3 AND $4));
SELECT etl.touch_leads($1::integer, ARRAY(SELECT lead_id FROM dw.fact_lead WHERE portal_id = $1 AND lead_id BETWEEN $3 AND $4));
