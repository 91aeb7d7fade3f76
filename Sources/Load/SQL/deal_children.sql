-- The children of every staged deal are replaced as a set: what the portal no longer has goes.
-- Deals in stage_ids had a contact set equal to dw's: their bindings stay. Products the rows name
-- join dw.dim_product. $1: portal_id.
DELETE FROM dw.fact_deal_product p USING pg_temp.stage_fact_deal s
WHERE p.portal_id = $1 AND p.deal_id = s.deal_id;
DELETE FROM dw.bridge_deal_contact b USING pg_temp.stage_fact_deal s
WHERE b.portal_id = $1 AND b.deal_id = s.deal_id
  AND NOT EXISTS (SELECT 1 FROM pg_temp.stage_ids k WHERE k.lead_id = b.deal_id);
INSERT INTO dw.dim_product (portal_id, product_id, name, measure_name)
SELECT DISTINCT ON (product_id) $1, product_id, product_name, measure_name FROM pg_temp.stage_fact_deal_product
WHERE product_id IS NOT NULL AND product_id > 0 ORDER BY product_id, row_id DESC
ON CONFLICT (portal_id, product_id) DO NOTHING;
