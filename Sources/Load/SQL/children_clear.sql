-- The children of every staged lead are replaced as a set: what the portal no longer has goes.
-- Leads in stage_ids had a contact set equal to dw's: their bindings stay. $1: portal_id.
DELETE FROM dw.fact_lead_product p USING pg_temp.stage_fact_lead s
WHERE p.portal_id = $1 AND p.lead_id = s.lead_id;
DELETE FROM dw.bridge_lead_contact b USING pg_temp.stage_fact_lead s
WHERE b.portal_id = $1 AND b.lead_id = s.lead_id
  AND NOT EXISTS (SELECT 1 FROM pg_temp.stage_ids k WHERE k.lead_id = b.lead_id);
