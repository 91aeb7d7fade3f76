-- mart: the analyst-facing views. Deleted leads are excluded everywhere; days are local to the
-- portal's time zone (the date keys of dw); rates are fractions between 0 and 1.

CREATE VIEW mart.lead AS
SELECT f.portal_id, p.host AS portal, f.lead_id, f.title,
       f.status_id, st.name AS status_name, f.status_semantic,
       f.source_id, src.name AS source_name,
       f.assigned_by_id, u.name AS assigned_by_name,
       f.company_id, co.title AS company_title,
       f.contact_id, c.name AS contact_name,
       f.opportunity, f.currency_id, f.is_return_customer,
       f.created_at, f.modified_at, f.closed_at,
       cd.date AS created_date, cl.date AS closed_date,
       f.utm_source, f.utm_medium, f.utm_campaign, f.utm_content, f.utm_term,
       coalesce(pr.product_amount, 0) AS product_amount,
       coalesce(pr.product_count, 0) AS product_count,
       coalesce(lc.contact_count, 0) AS contact_count,
       f.custom_fields
FROM dw.fact_lead f
JOIN etl.portal p ON p.portal_id = f.portal_id
LEFT JOIN dw.dim_status st ON st.portal_id = f.portal_id AND st.status_id = f.status_id
LEFT JOIN dw.dim_source src ON src.portal_id = f.portal_id AND src.source_id = f.source_id
LEFT JOIN dw.dim_user u ON u.portal_id = f.portal_id AND u.user_id = f.assigned_by_id
LEFT JOIN dw.dim_company co ON co.portal_id = f.portal_id AND co.company_id = f.company_id
LEFT JOIN dw.dim_contact c ON c.portal_id = f.portal_id AND c.contact_id = f.contact_id
LEFT JOIN dw.dim_date cd ON cd.date_key = f.created_date_key AND f.created_date_key <> 0
LEFT JOIN dw.dim_date cl ON cl.date_key = f.closed_date_key AND f.closed_date_key <> 0
LEFT JOIN (SELECT portal_id, lead_id, sum(amount) AS product_amount, count(*) AS product_count
           FROM dw.fact_lead_product GROUP BY portal_id, lead_id) pr
       ON pr.portal_id = f.portal_id AND pr.lead_id = f.lead_id
LEFT JOIN (SELECT portal_id, lead_id, count(*) AS contact_count
           FROM dw.bridge_lead_contact GROUP BY portal_id, lead_id) lc
       ON lc.portal_id = f.portal_id AND lc.lead_id = f.lead_id
WHERE NOT f.is_deleted;

COMMENT ON VIEW mart.lead IS 'One readable row per live lead: names instead of ids, product amount and count, contact count.';
COMMENT ON COLUMN mart.lead.portal IS 'Portal host.';
COMMENT ON COLUMN mart.lead.status_semantic IS 'P in progress, S converted (success), F junk (failure).';
COMMENT ON COLUMN mart.lead.created_date IS 'Creation day in the portal''s time zone.';
COMMENT ON COLUMN mart.lead.closed_date IS 'Day the lead reached a final stage, in the portal''s time zone; NULL while open.';
COMMENT ON COLUMN mart.lead.product_amount IS 'Sum of price × quantity over the lead''s product rows (0 without rows).';
COMMENT ON COLUMN mart.lead.product_count IS 'Number of product rows.';
COMMENT ON COLUMN mart.lead.contact_count IS 'Number of bound contacts.';
COMMENT ON COLUMN mart.lead.opportunity IS 'The lead''s expected amount (OPPORTUNITY) in currency_id.';

CREATE VIEW mart.funnel_stage AS
WITH live AS (
    SELECT portal_id, lead_id, status_id FROM dw.fact_lead WHERE NOT is_deleted
), reached AS (
    SELECT r.portal_id, r.status_id, count(*) AS leads_reached
    FROM (SELECT h.portal_id, h.status_id, h.lead_id
          FROM dw.fact_lead_stage_history h JOIN live l ON l.portal_id = h.portal_id AND l.lead_id = h.lead_id
          UNION
          SELECT portal_id, status_id, lead_id FROM live) r
    GROUP BY r.portal_id, r.status_id
), now AS (
    SELECT portal_id, status_id, count(*) AS leads_now FROM live GROUP BY portal_id, status_id
)
SELECT s.portal_id, s.status_id, s.name AS status_name, s.sort, s.semantic,
       coalesce(n.leads_now, 0) AS leads_now, coalesce(r.leads_reached, 0) AS leads_reached
FROM dw.dim_status s
LEFT JOIN now n ON n.portal_id = s.portal_id AND n.status_id = s.status_id
LEFT JOIN reached r ON r.portal_id = s.portal_id AND r.status_id = s.status_id;

COMMENT ON VIEW mart.funnel_stage IS 'Lead stages in funnel order with how many live leads are in each now and how many ever reached it.';
COMMENT ON COLUMN mart.funnel_stage.sort IS 'Funnel order of the stage.';
COMMENT ON COLUMN mart.funnel_stage.semantic IS 'P in progress, S success, F failure.';
COMMENT ON COLUMN mart.funnel_stage.leads_now IS 'Live leads currently in this stage.';
COMMENT ON COLUMN mart.funnel_stage.leads_reached IS 'Live leads that ever had this stage (stage history, counting the current stage).';

CREATE VIEW mart.conversion_by_source AS
SELECT f.portal_id, f.source_id, coalesce(src.name, f.source_id, '(no source)') AS source_name,
       count(*) AS leads,
       count(*) FILTER (WHERE f.status_semantic = 'S') AS converted,
       count(*) FILTER (WHERE f.status_semantic = 'F') AS junk,
       count(*) FILTER (WHERE f.status_semantic = 'P' OR f.status_semantic IS NULL) AS open,
       round(count(*) FILTER (WHERE f.status_semantic = 'S')::numeric / count(*), 4) AS conversion_rate,
       round(count(*) FILTER (WHERE f.status_semantic = 'S')::numeric
             / nullif(count(*) FILTER (WHERE f.status_semantic IN ('S', 'F')), 0), 4) AS win_rate
FROM dw.fact_lead f
LEFT JOIN dw.dim_source src ON src.portal_id = f.portal_id AND src.source_id = f.source_id
WHERE NOT f.is_deleted
GROUP BY f.portal_id, f.source_id, src.name;

COMMENT ON VIEW mart.conversion_by_source IS 'Leads, outcomes and rates per source (live leads).';
COMMENT ON COLUMN mart.conversion_by_source.converted IS 'Leads in a success stage (semantic S).';
COMMENT ON COLUMN mart.conversion_by_source.junk IS 'Leads in a failure stage (semantic F).';
COMMENT ON COLUMN mart.conversion_by_source.open IS 'Leads still in progress (semantic P).';
COMMENT ON COLUMN mart.conversion_by_source.conversion_rate IS 'converted / leads, 0..1, rounded to 4 places.';
COMMENT ON COLUMN mart.conversion_by_source.win_rate IS 'converted / (converted + junk), 0..1; NULL while nothing is closed.';

CREATE VIEW mart.leads_daily AS
SELECT x.portal_id, d.date AS day,
       sum(x.created)::bigint AS created, sum(x.converted)::bigint AS converted, sum(x.junk)::bigint AS junk
FROM (SELECT portal_id, created_date_key AS date_key, 1 AS created, 0 AS converted, 0 AS junk
      FROM dw.fact_lead WHERE NOT is_deleted AND created_date_key <> 0
      UNION ALL
      SELECT portal_id, closed_date_key, 0, (status_semantic = 'S')::int, (status_semantic = 'F')::int
      FROM dw.fact_lead WHERE NOT is_deleted AND closed_date_key <> 0 AND status_semantic IN ('S', 'F')) x
JOIN dw.dim_date d ON d.date_key = x.date_key
GROUP BY x.portal_id, d.date;

COMMENT ON VIEW mart.leads_daily IS 'Per portal and local day: leads created, and leads converted or junked on the day they closed.';
COMMENT ON COLUMN mart.leads_daily.day IS 'Local date in the portal''s time zone.';
COMMENT ON COLUMN mart.leads_daily.created IS 'Live leads created that day.';
COMMENT ON COLUMN mart.leads_daily.converted IS 'Live leads that closed as success that day.';
COMMENT ON COLUMN mart.leads_daily.junk IS 'Live leads that closed as failure that day.';

CREATE VIEW mart.time_to_convert AS
SELECT f.portal_id, f.source_id, count(*) AS converted,
       round((percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM s.first_success - f.created_at) / 3600))::numeric, 2) AS median_hours,
       round((percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM s.first_success - f.created_at) / 3600))::numeric, 2) AS p90_hours
FROM dw.fact_lead f
JOIN (SELECT portal_id, lead_id, min(created_at) AS first_success
      FROM dw.fact_lead_stage_history WHERE status_semantic = 'S' GROUP BY portal_id, lead_id) s
  ON s.portal_id = f.portal_id AND s.lead_id = f.lead_id
WHERE NOT f.is_deleted AND f.created_at IS NOT NULL
GROUP BY f.portal_id, f.source_id;

COMMENT ON VIEW mart.time_to_convert IS 'Hours from a lead''s creation to its first success stage (stage history), per source.';
COMMENT ON COLUMN mart.time_to_convert.converted IS 'Live leads that ever reached a success stage.';
COMMENT ON COLUMN mart.time_to_convert.median_hours IS 'Median hours from creation to the first success stage.';
COMMENT ON COLUMN mart.time_to_convert.p90_hours IS '90th percentile of those hours.';

CREATE VIEW mart.product_revenue AS
SELECT p.portal_id, p.product_id, coalesce(dp.name, max(p.product_name)) AS product_name,
       count(DISTINCT p.lead_id) AS leads, sum(p.quantity) AS quantity, sum(p.amount) AS amount,
       coalesce(sum(p.amount) FILTER (WHERE f.status_semantic = 'S'), 0) AS converted_amount
FROM dw.fact_lead_product p
JOIN dw.fact_lead f ON f.portal_id = p.portal_id AND f.lead_id = p.lead_id AND NOT f.is_deleted
LEFT JOIN dw.dim_product dp ON dp.portal_id = p.portal_id AND dp.product_id = p.product_id
GROUP BY p.portal_id, p.product_id, dp.name;

COMMENT ON VIEW mart.product_revenue IS 'Per product (product_id 0: rows typed by hand): leads, quantity, amount and the amount on converted leads.';
COMMENT ON COLUMN mart.product_revenue.leads IS 'Live leads with this product.';
COMMENT ON COLUMN mart.product_revenue.amount IS 'Sum of price × quantity.';
COMMENT ON COLUMN mart.product_revenue.converted_amount IS 'Sum of price × quantity on leads in a success stage.';

CREATE VIEW mart.owner_performance AS
SELECT f.portal_id, f.assigned_by_id AS user_id, coalesce(u.name, 'user ' || f.assigned_by_id) AS user_name,
       count(*) AS leads, count(*) FILTER (WHERE f.status_semantic = 'S') AS converted,
       round(count(*) FILTER (WHERE f.status_semantic = 'S')::numeric / count(*), 4) AS conversion_rate,
       coalesce(sum(f.opportunity) FILTER (WHERE f.status_semantic = 'P' OR f.status_semantic IS NULL), 0) AS open_amount
FROM dw.fact_lead f
LEFT JOIN dw.dim_user u ON u.portal_id = f.portal_id AND u.user_id = f.assigned_by_id
WHERE NOT f.is_deleted
GROUP BY f.portal_id, f.assigned_by_id, u.name;

COMMENT ON VIEW mart.owner_performance IS 'Per responsible user: leads, converted leads, conversion rate and the amount still open.';
COMMENT ON COLUMN mart.owner_performance.conversion_rate IS 'converted / leads, 0..1.';
COMMENT ON COLUMN mart.owner_performance.open_amount IS 'Sum of OPPORTUNITY over the user''s leads still in progress (mixed currencies are summed as they are).';

-- mart.lead_custom_fields: one typed column per custom field, rebuilt by every sync from
-- dw.dim_lead_field (identifiers and labels quoted by format(%I, %L), never by hand).
CREATE FUNCTION etl.refresh_lead_custom_fields() RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    columns text := '';
    comments text[] := '{}';
    field record;
    column_name text;
    expression text;
BEGIN
    FOR field IN
        SELECT field_name, min(type) AS type, bool_or(is_multiple) AS is_multiple, min(label) AS label
        FROM dw.dim_lead_field WHERE is_custom GROUP BY field_name ORDER BY field_name
    LOOP
        column_name := lower(field.field_name);
        expression := CASE
            WHEN field.is_multiple AND field.type = 'enumeration' THEN
                format('ARRAY(SELECT e ->> ''value'' FROM jsonb_array_elements(CASE WHEN jsonb_typeof(f.custom_fields -> %L) = ''array'' THEN f.custom_fields -> %L ELSE ''[]''::jsonb END) e)', field.field_name, field.field_name)
            WHEN field.is_multiple THEN
                format('ARRAY(SELECT e #>> ''{}'' FROM jsonb_array_elements(CASE WHEN jsonb_typeof(f.custom_fields -> %L) = ''array'' THEN f.custom_fields -> %L ELSE ''[]''::jsonb END) e)', field.field_name, field.field_name)
            WHEN field.type IN ('double', 'integer', 'money') THEN
                format('CASE WHEN jsonb_typeof(f.custom_fields -> %L) = ''number'' THEN (f.custom_fields -> %L)::numeric END', field.field_name, field.field_name)
            WHEN field.type = 'boolean' THEN
                format('CASE WHEN jsonb_typeof(f.custom_fields -> %L) = ''boolean'' THEN (f.custom_fields -> %L)::boolean END', field.field_name, field.field_name)
            WHEN field.type IN ('datetime', 'date') THEN
                format('(f.custom_fields ->> %L)::timestamptz', field.field_name)
            WHEN field.type = 'enumeration' THEN
                format('f.custom_fields -> %L ->> ''value''', field.field_name)
            ELSE
                format('f.custom_fields ->> %L', field.field_name)
        END;
        columns := columns || format(', %s AS %I', expression, column_name);
        comments := comments || format('COMMENT ON COLUMN mart.lead_custom_fields.%I IS %L', column_name,
                                       coalesce(field.label, field.field_name) || ' (' || field.field_name || ', ' || field.type || ')');
    END LOOP;
    BEGIN
        DROP VIEW IF EXISTS mart.lead_custom_fields;
        EXECUTE 'CREATE VIEW mart.lead_custom_fields AS SELECT f.portal_id, f.lead_id' || columns
             || ' FROM dw.fact_lead f WHERE NOT f.is_deleted';
        EXECUTE 'COMMENT ON VIEW mart.lead_custom_fields IS ''One typed column per custom lead field (live leads); rebuilt by every sync.''';
        FOR i IN 1 .. coalesce(array_length(comments, 1), 0) LOOP
            EXECUTE comments[i];
        END LOOP;
        GRANT SELECT ON mart.lead_custom_fields TO b24pg_reader;
    EXCEPTION WHEN dependent_objects_still_exist THEN
        RAISE WARNING 'mart.lead_custom_fields is used by other views; it was not rebuilt';
    END;
END
$$;
COMMENT ON FUNCTION etl.refresh_lead_custom_fields() IS 'Rebuilds mart.lead_custom_fields from dw.dim_lead_field.';
SELECT etl.refresh_lead_custom_fields();

CREATE INDEX fact_lead_closed ON dw.fact_lead (portal_id, closed_date_key) WHERE closed_date_key <> 0;
CREATE INDEX fact_lead_owner ON dw.fact_lead (portal_id, assigned_by_id);
CREATE INDEX fact_lead_stage_history_success ON dw.fact_lead_stage_history (portal_id, lead_id, created_at) WHERE status_semantic = 'S';

GRANT SELECT ON ALL TABLES IN SCHEMA mart TO b24pg_reader;
