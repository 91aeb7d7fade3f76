-- After staged stage history is merged: the stages its rows show reached.
INSERT INTO dw.lead_stage_reached (portal_id, status_id, lead_id)
SELECT DISTINCT portal_id, status_id, lead_id FROM pg_temp.stage_fact_lead_stage_history WHERE status_id IS NOT NULL
ON CONFLICT DO NOTHING;
