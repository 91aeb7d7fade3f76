-- Live funnels. mart.funnel_stage counts live leads only: stage history of leads that are not
-- live leads (rejected by the transform, created after the lead pass read, history orphans,
-- deleted) is left out, as 006 promised. mart.funnel_cumulative is the classic funnel chart:
-- a live lead counts for every in-progress or success stage up to the furthest one it reached
-- by the stage order, so a lead that jumped NEW → CONVERTED counts for the stages between.

CREATE OR REPLACE VIEW mart.funnel_stage AS
WITH live AS (
    SELECT portal_id, lead_id, status_id FROM dw.fact_lead WHERE NOT is_deleted
), now AS (
    SELECT portal_id, status_id, count(*) AS leads_now FROM live GROUP BY portal_id, status_id
), reached AS (
    SELECT r.portal_id, r.status_id, count(*) AS leads_reached
    FROM dw.lead_stage_reached r JOIN live l ON l.portal_id = r.portal_id AND l.lead_id = r.lead_id
    GROUP BY r.portal_id, r.status_id
)
SELECT s.portal_id, s.status_id, s.name AS status_name, s.sort, s.semantic,
       coalesce(n.leads_now, 0) AS leads_now, coalesce(r.leads_reached, 0) AS leads_reached
FROM dw.dim_status s
LEFT JOIN now n ON n.portal_id = s.portal_id AND n.status_id = s.status_id
LEFT JOIN reached r ON r.portal_id = s.portal_id AND r.status_id = s.status_id;

COMMENT ON VIEW mart.funnel_stage IS 'Lead stages in funnel order: live leads in each now, and live leads that ever had it (not cumulative: a lead that skipped a stage does not count for it; see mart.funnel_cumulative).';
COMMENT ON COLUMN mart.funnel_stage.leads_reached IS 'Live leads whose stage history (or current stage) contains this stage; history of leads that are not live is not counted.';

CREATE VIEW mart.funnel_cumulative AS
WITH live AS (
    SELECT portal_id, lead_id FROM dw.fact_lead WHERE NOT is_deleted
), furthest AS (
    SELECT r.portal_id, r.lead_id, max(s.sort) AS furthest_sort
    FROM dw.lead_stage_reached r
    JOIN live l ON l.portal_id = r.portal_id AND l.lead_id = r.lead_id
    JOIN dw.dim_status s ON s.portal_id = r.portal_id AND s.status_id = r.status_id AND s.semantic IN ('P', 'S')
    GROUP BY r.portal_id, r.lead_id
), by_sort AS (
    SELECT portal_id, furthest_sort, count(*) AS leads FROM furthest GROUP BY portal_id, furthest_sort
)
SELECT s.portal_id, s.status_id, s.name AS status_name, s.sort, s.semantic,
       coalesce((SELECT sum(b.leads) FROM by_sort b
                 WHERE b.portal_id = s.portal_id AND b.furthest_sort >= s.sort), 0)::bigint AS leads_reached
FROM dw.dim_status s
WHERE s.semantic IN ('P', 'S');

COMMENT ON VIEW mart.funnel_cumulative IS 'The classic funnel chart: per in-progress or success stage in funnel order, live leads that reached it or any later one (failure stages are exits, not steps, and are left out).';
COMMENT ON COLUMN mart.funnel_cumulative.leads_reached IS 'Live leads whose furthest in-progress or success stage reached (by sort) is this one or later.';
GRANT SELECT ON mart.funnel_cumulative TO b24pg_reader;
