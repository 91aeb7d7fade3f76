-- One vocabulary for outcomes. converted, junk and open are a live lead's current stage
-- semantics (S, F, P) in every view; the measure from stage history is ever_converted.
-- mart.time_to_convert clamps durations that come out negative (a success stage dated before
-- the lead's creation) to zero and counts them. mart.leads_daily runs over a dense calendar —
-- every local day from a portal's first event to its last, quiet days with zeros — and counts
-- a closed lead on the day it closed: its DATE_CLOSED, or when the portal left that empty, the
-- day stage history shows it entering its final semantics.

DROP VIEW mart.time_to_convert;
CREATE VIEW mart.time_to_convert AS
WITH first_success AS (
    SELECT portal_id, lead_id, min(created_at) AS first_success
    FROM dw.fact_lead_stage_history WHERE status_semantic = 'S' GROUP BY portal_id, lead_id
), durations AS (
    SELECT f.portal_id, f.source_id, extract(epoch FROM s.first_success - f.created_at) / 3600 AS hours
    FROM dw.fact_lead f JOIN first_success s ON s.portal_id = f.portal_id AND s.lead_id = f.lead_id
    WHERE NOT f.is_deleted AND f.created_at IS NOT NULL
)
SELECT portal_id, source_id, count(*) AS ever_converted,
       round((percentile_cont(0.5) WITHIN GROUP (ORDER BY greatest(hours, 0)))::numeric, 2) AS median_hours,
       round((percentile_cont(0.9) WITHIN GROUP (ORDER BY greatest(hours, 0)))::numeric, 2) AS p90_hours,
       count(*) FILTER (WHERE hours < 0) AS negative_durations
FROM durations
GROUP BY portal_id, source_id;

COMMENT ON VIEW mart.time_to_convert IS 'Hours from a live lead''s creation to its first success stage in stage history, per source.';
COMMENT ON COLUMN mart.time_to_convert.ever_converted IS 'Live leads whose stage history ever reached a success stage (whatever their stage now; not the same as converted, which is the current stage).';
COMMENT ON COLUMN mart.time_to_convert.median_hours IS 'Median hours from creation to the first success stage; negative durations count as 0.';
COMMENT ON COLUMN mart.time_to_convert.p90_hours IS '90th percentile of those hours; negative durations count as 0.';
COMMENT ON COLUMN mart.time_to_convert.negative_durations IS 'Leads whose first success stage is dated before their creation (clamped to 0 above).';
GRANT SELECT ON mart.time_to_convert TO b24pg_reader;

CREATE OR REPLACE VIEW mart.leads_daily AS
WITH closed AS (
    SELECT f.portal_id, f.status_semantic,
           CASE WHEN f.closed_date_key <> 0 THEN f.closed_date_key
                ELSE (SELECT min(h.created_date_key) FROM dw.fact_lead_stage_history h
                      WHERE h.portal_id = f.portal_id AND h.lead_id = f.lead_id
                        AND h.status_semantic = f.status_semantic AND h.created_date_key <> 0) END AS date_key
    FROM dw.fact_lead f
    WHERE NOT f.is_deleted AND f.status_semantic IN ('S', 'F')
), events AS (
    SELECT portal_id, created_date_key AS date_key, 1 AS created, 0 AS converted, 0 AS junk
    FROM dw.fact_lead WHERE NOT is_deleted AND created_date_key <> 0
    UNION ALL
    SELECT portal_id, date_key, 0, (status_semantic = 'S')::int, (status_semantic = 'F')::int
    FROM closed WHERE date_key IS NOT NULL
), per_day AS (
    SELECT portal_id, date_key, sum(created) AS created, sum(converted) AS converted, sum(junk) AS junk
    FROM events GROUP BY portal_id, date_key
), span AS (
    SELECT portal_id, min(date_key) AS first_key, max(date_key) AS last_key FROM per_day GROUP BY portal_id
)
SELECT s.portal_id, d.date AS day, coalesce(p.created, 0)::bigint AS created,
       coalesce(p.converted, 0)::bigint AS converted, coalesce(p.junk, 0)::bigint AS junk
FROM span s
JOIN dw.dim_date d ON d.date_key BETWEEN s.first_key AND s.last_key AND d.date_key <> 0
LEFT JOIN per_day p ON p.portal_id = s.portal_id AND p.date_key = d.date_key;

COMMENT ON VIEW mart.leads_daily IS 'Per portal and local day, every day from its first lead to its last event (quiet days as zeros): live leads created, and live leads that closed as converted or junk that day.';
COMMENT ON COLUMN mart.leads_daily.day IS 'Local date in the portal''s time zone (a date, not a timestamp: no zone to shift it).';
COMMENT ON COLUMN mart.leads_daily.converted IS 'Live leads now in a success stage (converted) that closed that day: DATE_CLOSED, or the day stage history shows them entering success when the portal left DATE_CLOSED empty.';
COMMENT ON COLUMN mart.leads_daily.junk IS 'Live leads now in a failure stage (junk) that closed that day, the same way.';
COMMENT ON COLUMN mart.conversion_by_source.converted IS 'Live leads now in a success stage (semantic S): converted.';
COMMENT ON COLUMN mart.conversion_by_source.junk IS 'Live leads now in a failure stage (semantic F): junk.';
COMMENT ON COLUMN mart.conversion_by_source.open IS 'Live leads now in progress (semantic P, or none): open.';
COMMENT ON COLUMN mart.owner_performance.converted IS 'Live leads now in a success stage (semantic S): converted.';
