-- Marks every live lead of the portal missing from the staged scan as deleted.
-- $1: portal_id; $2: run_id; $3: the portal time of the scan (unix seconds).
UPDATE dw.fact_lead f SET is_deleted = true, deleted_at = to_timestamp($3), last_run_id = $2
WHERE f.portal_id = $1 AND NOT f.is_deleted
  AND NOT EXISTS (SELECT 1 FROM pg_temp.stage_ids s WHERE s.lead_id = f.lead_id);
