-- After staged stage history is merged: the stages its rows show reached by leads the star
-- holds (history of a lead not loaded waits for it), and those leads' funnel positions.
INSERT INTO dw.lead_stage_reached (portal_id, status_id, lead_id)
SELECT DISTINCT h.portal_id, h.status_id, h.lead_id FROM pg_temp.stage_fact_lead_stage_history h
WHERE h.status_id IS NOT NULL
  AND EXISTS (SELECT 1 FROM dw.fact_lead f WHERE f.portal_id = h.portal_id AND f.lead_id = h.lead_id)
ON CONFLICT DO NOTHING;
SELECT etl.place_leads_in_funnel(portal_id, array_agg(DISTINCT lead_id))
FROM pg_temp.stage_fact_lead_stage_history GROUP BY portal_id;
