-- Speed for 1M-lead portals: the stages each lead ever reached are kept as a set the loader
-- maintains (current stage of every lead loaded, every stage-history row), so mart.funnel_stage
-- counts an index instead of de-duplicating the whole history; mart.lead computes product and
-- contact figures per row only when a query asks for them.

CREATE TABLE dw.lead_stage_reached (
    portal_id  integer NOT NULL REFERENCES etl.portal ON DELETE CASCADE,
    status_id  text    NOT NULL,
    lead_id    bigint  NOT NULL,
    PRIMARY KEY (portal_id, status_id, lead_id)
);
COMMENT ON TABLE dw.lead_stage_reached IS 'Stages each lead ever had (stage history plus the current stage); maintained by b24pg sync.';

INSERT INTO dw.lead_stage_reached (portal_id, status_id, lead_id)
SELECT portal_id, status_id, lead_id FROM dw.fact_lead_stage_history WHERE status_id IS NOT NULL
UNION
SELECT portal_id, status_id, lead_id FROM dw.fact_lead WHERE status_id IS NOT NULL
ON CONFLICT DO NOTHING;

CREATE OR REPLACE VIEW mart.funnel_stage AS
WITH now AS (
    SELECT portal_id, status_id, count(*) AS leads_now FROM dw.fact_lead WHERE NOT is_deleted GROUP BY portal_id, status_id
), reached AS (
    SELECT r.portal_id, r.status_id, count(*) AS leads_all FROM dw.lead_stage_reached r GROUP BY r.portal_id, r.status_id
), reached_by_deleted AS (
    SELECT r.portal_id, r.status_id, count(*) AS leads_deleted
    FROM dw.fact_lead f JOIN dw.lead_stage_reached r ON r.portal_id = f.portal_id AND r.lead_id = f.lead_id
    WHERE f.is_deleted GROUP BY r.portal_id, r.status_id
)
SELECT s.portal_id, s.status_id, s.name AS status_name, s.sort, s.semantic,
       coalesce(n.leads_now, 0) AS leads_now,
       coalesce(r.leads_all, 0) - coalesce(d.leads_deleted, 0) AS leads_reached
FROM dw.dim_status s
LEFT JOIN now n ON n.portal_id = s.portal_id AND n.status_id = s.status_id
LEFT JOIN reached r ON r.portal_id = s.portal_id AND r.status_id = s.status_id
LEFT JOIN reached_by_deleted d ON d.portal_id = s.portal_id AND d.status_id = s.status_id;

CREATE INDEX lead_stage_reached_lead ON dw.lead_stage_reached (portal_id, lead_id);
CREATE INDEX fact_lead_created_at ON dw.fact_lead (portal_id, created_at);
CREATE INDEX fact_lead_deleted ON dw.fact_lead (portal_id) WHERE is_deleted;

CREATE OR REPLACE VIEW mart.lead AS
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
       coalesce((SELECT sum(pr.amount) FROM dw.fact_lead_product pr
                 WHERE pr.portal_id = f.portal_id AND pr.lead_id = f.lead_id), 0) AS product_amount,
       (SELECT count(*) FROM dw.fact_lead_product pr WHERE pr.portal_id = f.portal_id AND pr.lead_id = f.lead_id) AS product_count,
       (SELECT count(*) FROM dw.bridge_lead_contact b WHERE b.portal_id = f.portal_id AND b.lead_id = f.lead_id) AS contact_count,
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
WHERE NOT f.is_deleted;

GRANT SELECT ON dw.lead_stage_reached TO b24pg_reader;
