-- Ends a first load of stage history: the stages its rows show reached by leads the star holds,
-- in one set-based statement for the whole history (per chunk, the conflict checks cost twice
-- as much), the portal's funnel positions, and the first-load mark cleared. The sync's advisory lock makes it the only writer of the portal's
-- rows. $1: portal_id.
SET LOCAL work_mem = '128MB';
INSERT INTO dw.lead_stage_reached (portal_id, status_id, lead_id)
SELECT DISTINCT h.portal_id, h.status_id, h.lead_id FROM dw.fact_lead_stage_history h
WHERE h.portal_id = $1 AND h.status_id IS NOT NULL
  AND EXISTS (SELECT 1 FROM dw.fact_lead f WHERE f.portal_id = h.portal_id AND f.lead_id = h.lead_id)
  AND NOT EXISTS (
      SELECT 1 FROM dw.lead_stage_reached r
      WHERE r.portal_id = h.portal_id AND r.status_id = h.status_id AND r.lead_id = h.lead_id);
SELECT etl.place_leads_in_funnel($1::integer, NULL);
UPDATE etl.sync_state SET pass_mode = NULL WHERE portal_id = $1 AND stream = 'stage_history';
