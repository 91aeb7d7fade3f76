-- The children of every staged lead are replaced as a set: what the portal no longer has goes.
-- $1: portal_id.
DELETE FROM dw.fact_lead_product p USING pg_temp.stage_fact_lead s
WHERE p.portal_id = $1 AND p.lead_id = s.lead_id;
DELETE FROM dw.bridge_lead_contact b USING pg_temp.stage_fact_lead s
WHERE b.portal_id = $1 AND b.lead_id = s.lead_id;
