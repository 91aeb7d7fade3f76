-- After a chunk of activities is staged: every activity read (in stage_ids) keeps exactly the
-- lead bindings staged for it, and the kinds they are join dw.dim_activity_type with a readable
-- name for the system ones. $1: portal_id.
DELETE FROM dw.fact_lead_activity a USING pg_temp.stage_ids s
WHERE a.portal_id = $1 AND a.activity_id = s.lead_id
  AND NOT EXISTS (SELECT 1 FROM pg_temp.stage_fact_lead_activity x
                  WHERE x.activity_id = a.activity_id AND x.lead_id = a.lead_id);
INSERT INTO dw.dim_activity_type (portal_id, type_id, provider_id, provider_type_id, name)
SELECT DISTINCT $1, type_id, coalesce(provider_id, ''), coalesce(provider_type_id, ''),
       CASE
           WHEN provider_type_id = 'CALL' OR type_id = 2 THEN 'Call'
           WHEN provider_type_id = 'EMAIL' OR type_id = 4 THEN 'E-mail'
           WHEN provider_type_id = 'MEETING' OR type_id = 1 THEN 'Meeting'
           WHEN provider_type_id = 'TODO' THEN 'To-do'
           WHEN provider_type_id IN ('TASK', 'TASKS_TASK') OR type_id = 3 THEN 'Task'
           WHEN provider_type_id = 'WEBFORM' THEN 'Web form'
           WHEN provider_id = 'IMOPENLINES_SESSION' THEN 'Open channel chat'
           WHEN type_id = 5 THEN 'Calendar import'
           ELSE coalesce(nullif(provider_id, ''), 'Activity type ' || type_id)
       END
FROM pg_temp.stage_fact_lead_activity WHERE type_id IS NOT NULL
ON CONFLICT DO NOTHING;
