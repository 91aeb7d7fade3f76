-- Deals, the second stream: funnels and their stages, deals as an accumulating snapshot with the
-- lead they came from, deal stage history with moves between funnels, and the lead-to-revenue
-- views. A deal is live until the delete scan finds it gone (is_deleted, like leads).

ALTER TABLE etl.sync_run
    ADD COLUMN deals_upserted     integer NOT NULL DEFAULT 0,
    ADD COLUMN deal_stage_history integer NOT NULL DEFAULT 0,
    ADD COLUMN deals_deleted      integer NOT NULL DEFAULT 0;

CREATE TABLE dw.dim_deal_category (
    portal_id    integer NOT NULL REFERENCES etl.portal ON DELETE CASCADE,
    category_id  bigint  NOT NULL,
    name         text,
    sort         integer,
    is_default   boolean NOT NULL DEFAULT false,
    PRIMARY KEY (portal_id, category_id)
);
COMMENT ON TABLE dw.dim_deal_category IS 'Deal funnels (crm.category.list, entityTypeId 2); 0 is the default funnel.';

CREATE TABLE dw.dim_deal_stage (
    portal_id    integer NOT NULL REFERENCES etl.portal ON DELETE CASCADE,
    stage_id     text    NOT NULL,
    category_id  bigint  NOT NULL,
    name         text,
    sort         integer,
    semantic     char(1) NOT NULL CHECK (semantic IN ('P', 'S', 'F')),
    color        text,
    is_system    boolean,
    PRIMARY KEY (portal_id, stage_id)
);
COMMENT ON TABLE dw.dim_deal_stage IS 'Deal stages of every funnel (crm.status.list ENTITY_ID DEAL_STAGE, DEAL_STAGE_<n>): order within the funnel, semantics P (in progress), S (won), F (lost).';

CREATE TABLE dw.fact_deal (
    portal_id             integer NOT NULL REFERENCES etl.portal ON DELETE CASCADE,
    deal_id               bigint  NOT NULL,
    title                 text,
    lead_id               bigint,
    category_id           bigint  NOT NULL DEFAULT 0,
    stage_id              text,
    stage_semantic        char(1) CHECK (stage_semantic IN ('P', 'S', 'F')),
    opportunity           numeric,
    currency_id           text,
    begin_date            date,
    close_date            date,
    closed                boolean,
    created_at            timestamptz,
    modified_at           timestamptz,
    moved_at              timestamptz,
    assigned_by_id        bigint,
    source_id             text,
    company_id            bigint,
    utm_source            text,
    utm_medium            text,
    utm_campaign          text,
    utm_content           text,
    utm_term              text,
    is_return_customer    boolean,
    is_repeated_approach  boolean,
    created_date_key      integer NOT NULL DEFAULT 0,
    closed_date_key       integer NOT NULL DEFAULT 0,
    is_deleted            boolean NOT NULL DEFAULT false,
    deleted_at            timestamptz,
    last_run_id           bigint,
    loaded_at             timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (portal_id, deal_id)
);
CREATE INDEX fact_deal_lead ON dw.fact_deal (portal_id, lead_id) WHERE lead_id IS NOT NULL;
COMMENT ON TABLE dw.fact_deal IS 'One row per deal the portal ever listed (crm.deal.list), as last read; lead_id is the lead it was converted from (NULL for a deal made without one); is_deleted when the delete scan no longer finds it.';
COMMENT ON COLUMN dw.fact_deal.closed_date_key IS 'Local day (yyyymmdd) the deal moved to its won or lost stage (MOVED_TIME); 0 while open.';
COMMENT ON COLUMN dw.fact_deal.close_date IS 'CLOSEDATE as the portal keeps it: the planned close day while open.';

CREATE TABLE dw.fact_deal_stage_history (
    portal_id         integer NOT NULL REFERENCES etl.portal ON DELETE CASCADE,
    history_id        bigint  NOT NULL,
    deal_id           bigint  NOT NULL,
    type_id           smallint,
    category_id       bigint  NOT NULL DEFAULT 0,
    stage_id          text,
    stage_semantic    char(1),
    created_at        timestamptz,
    created_date_key  integer NOT NULL DEFAULT 0,
    PRIMARY KEY (portal_id, history_id)
);
CREATE INDEX fact_deal_stage_history_deal ON dw.fact_deal_stage_history (portal_id, deal_id);
COMMENT ON TABLE dw.fact_deal_stage_history IS 'Every stage a deal entered (crm.stagehistory.list, entityTypeId 2): type 1 created, 2 intermediate, 3 final, 5 moved to another funnel (category_id is the funnel after the change).';

CREATE VIEW mart.deal AS
SELECT d.portal_id, d.deal_id, d.title, d.lead_id, d.category_id, c.name AS category_name, d.stage_id,
       s.name AS stage_name, d.stage_semantic,
       CASE d.stage_semantic WHEN 'S' THEN 'won' WHEN 'F' THEN 'lost' ELSE 'open' END AS outcome,
       d.opportunity, d.currency_id, round(d.opportunity * r.rate, 2) AS opportunity_base,
       r.base_currency_id, d.created_at, CASE WHEN d.stage_semantic IN ('S', 'F') THEN d.moved_at END AS closed_at,
       d.begin_date, d.close_date, d.assigned_by_id, u.name AS assigned_by_name, d.source_id, src.name AS source_name,
       d.utm_source, d.utm_medium, d.utm_campaign, d.is_return_customer, d.is_repeated_approach
FROM dw.fact_deal d
LEFT JOIN dw.dim_deal_category c ON c.portal_id = d.portal_id AND c.category_id = d.category_id
LEFT JOIN dw.dim_deal_stage s ON s.portal_id = d.portal_id AND s.stage_id = d.stage_id
LEFT JOIN dw.currency_rate r ON r.portal_id = d.portal_id AND r.currency_id = d.currency_id
LEFT JOIN dw.dim_user u ON u.portal_id = d.portal_id AND u.user_id = d.assigned_by_id
LEFT JOIN dw.dim_source src ON src.portal_id = d.portal_id AND src.source_id = d.source_id
WHERE NOT d.is_deleted;
COMMENT ON VIEW mart.deal IS 'One live deal per row with its funnel, stage, owner and source names; outcome won (stage semantics S), lost (F) or open.';
COMMENT ON COLUMN mart.deal.outcome IS 'won: the deal is in a success stage now; lost: in a failure stage; open: in progress.';
COMMENT ON COLUMN mart.deal.closed_at IS 'When a won or lost deal moved to that stage (MOVED_TIME); NULL while open.';
COMMENT ON COLUMN mart.deal.opportunity_base IS 'OPPORTUNITY in the portal''s base currency (base_currency_id); NULL when its currency has no rate.';

CREATE VIEW mart.lead_journey AS
WITH history AS (
    SELECT h.portal_id, h.lead_id,
           min(h.created_at) FILTER (WHERE h.type_id <> 1) AS first_progress_at,
           min(h.created_at) FILTER (WHERE h.status_semantic = 'S') AS converted_at
    FROM dw.fact_lead_stage_history h
    GROUP BY h.portal_id, h.lead_id
), deals AS (
    SELECT d.portal_id, d.lead_id, count(*) AS deals,
           count(*) FILTER (WHERE d.stage_semantic = 'S') AS won_deals,
           sum(round(d.opportunity * r.rate, 2)) FILTER (WHERE d.stage_semantic = 'S') AS won_amount_base,
           -- The earliest created, then the lowest id: one comparison per deal, no sort per lead.
           (min(ARRAY[extract(epoch FROM d.created_at), d.deal_id]))[2]::bigint AS first_deal_id,
           min(d.created_at) AS deal_created_at,
           min(d.moved_at) FILTER (WHERE d.stage_semantic = 'S') AS won_at
    FROM dw.fact_deal d
    LEFT JOIN dw.currency_rate r ON r.portal_id = d.portal_id AND r.currency_id = d.currency_id
    WHERE NOT d.is_deleted AND d.lead_id IS NOT NULL
    GROUP BY d.portal_id, d.lead_id
)
SELECT f.portal_id, f.lead_id, f.created_at, f.source_id, src.name AS source_name, f.utm_source, f.utm_campaign,
       f.assigned_by_id, u.name AS assigned_by_name, f.status_id, f.status_semantic,
       CASE f.status_semantic WHEN 'S' THEN 'converted' WHEN 'F' THEN 'junk' ELSE 'open' END AS lead_outcome,
       h.first_progress_at,
       coalesce(h.converted_at, CASE WHEN f.status_semantic = 'S' THEN f.closed_at END) AS converted_at,
       round(f.opportunity * r.rate, 2) AS lead_amount_base,
       coalesce(dl.deals, 0) AS deals, dl.first_deal_id AS deal_id, dl.deal_created_at,
       CASE fd.stage_semantic WHEN 'S' THEN 'won' WHEN 'F' THEN 'lost' WHEN 'P' THEN 'open' END AS deal_outcome,
       CASE WHEN fd.stage_semantic IN ('S', 'F') THEN fd.moved_at END AS deal_closed_at,
       coalesce(dl.won_deals, 0) AS won_deals, dl.won_at, coalesce(dl.won_amount_base, 0) AS won_amount_base,
       r.base_currency_id,
       -- Clocks that disagree give 0, a step not taken NULL.
       round(CASE WHEN lag.first_progress < 0 THEN 0 ELSE lag.first_progress END / 3600, 1) AS hours_to_first_progress,
       round(CASE WHEN lag.convert < 0 THEN 0 ELSE lag.convert END / 3600, 1) AS hours_to_convert,
       round(CASE WHEN lag.convert_to_deal < 0 THEN 0 ELSE lag.convert_to_deal END / 3600, 1) AS hours_convert_to_deal,
       round(CASE WHEN lag.deal_to_close < 0 THEN 0 ELSE lag.deal_to_close END / 3600, 1) AS hours_deal_to_close,
       round(CASE WHEN lag.won < 0 THEN 0 ELSE lag.won END / 3600, 1) AS hours_to_won
FROM dw.fact_lead f
LEFT JOIN history h ON h.portal_id = f.portal_id AND h.lead_id = f.lead_id
LEFT JOIN deals dl ON dl.portal_id = f.portal_id AND dl.lead_id = f.lead_id
LEFT JOIN dw.fact_deal fd ON fd.portal_id = f.portal_id AND fd.deal_id = dl.first_deal_id
LEFT JOIN dw.currency_rate r ON r.portal_id = f.portal_id AND r.currency_id = f.currency_id
LEFT JOIN dw.dim_source src ON src.portal_id = f.portal_id AND src.source_id = f.source_id
LEFT JOIN dw.dim_user u ON u.portal_id = f.portal_id AND u.user_id = f.assigned_by_id
CROSS JOIN LATERAL (
    -- Seconds between the steps: NULL when a step was not taken.
    SELECT extract(epoch FROM h.first_progress_at - f.created_at) AS first_progress,
           extract(epoch FROM coalesce(h.converted_at, CASE WHEN f.status_semantic = 'S' THEN f.closed_at END) - f.created_at) AS convert,
           extract(epoch FROM dl.deal_created_at - coalesce(h.converted_at, CASE WHEN f.status_semantic = 'S' THEN f.closed_at END)) AS convert_to_deal,
           extract(epoch FROM CASE WHEN fd.stage_semantic IN ('S', 'F') THEN fd.moved_at END - dl.deal_created_at) AS deal_to_close,
           extract(epoch FROM dl.won_at - f.created_at) AS won
) lag
WHERE NOT f.is_deleted;
COMMENT ON VIEW mart.lead_journey IS 'One live lead per row, from its first touch to the revenue of the deals it became: created, first move, converted, its first deal and that deal''s outcome, won revenue in the base currency, and the hours between the steps (negative lags, from clocks that disagree, count as 0).';
COMMENT ON COLUMN mart.lead_journey.lead_outcome IS 'converted (the lead is in a success stage now), junk (a failure stage) or open: the same definitions as every lead view.';
COMMENT ON COLUMN mart.lead_journey.first_progress_at IS 'When the lead first moved to another stage after it was created (stage history); NULL when it never moved or its history is not kept.';
COMMENT ON COLUMN mart.lead_journey.converted_at IS 'When the lead first entered a success stage (stage history), else its DATE_CLOSED when it is converted now.';
COMMENT ON COLUMN mart.lead_journey.deals IS 'Live deals whose LEAD_ID is this lead.';
COMMENT ON COLUMN mart.lead_journey.deal_id IS 'The first of them (earliest created).';
COMMENT ON COLUMN mart.lead_journey.deal_outcome IS 'won, lost or open: the first deal''s stage semantics now; NULL without a deal.';
COMMENT ON COLUMN mart.lead_journey.won_deals IS 'Its live deals in a success stage now.';
COMMENT ON COLUMN mart.lead_journey.won_at IS 'When the first of its won deals moved to its success stage.';
COMMENT ON COLUMN mart.lead_journey.won_amount_base IS 'Σ OPPORTUNITY of its won deals in the portal''s base currency (base_currency_id); 0 without one.';
COMMENT ON COLUMN mart.lead_journey.lead_amount_base IS 'The lead''s OPPORTUNITY in the base currency.';
COMMENT ON COLUMN mart.lead_journey.hours_to_won IS 'Hours from the lead''s creation to won_at; NULL without a won deal, 0 when the clocks disagree (as every hours_* column: NULL when a step was not taken).';

CREATE VIEW mart.revenue_by_source AS
WITH lead_deals AS (
    SELECT d.portal_id, d.lead_id, count(*) AS deals, count(*) FILTER (WHERE d.stage_semantic = 'S') AS won_deals,
           sum(round(d.opportunity * r.rate, 2)) FILTER (WHERE d.stage_semantic = 'S') AS won_amount_base,
           min(d.moved_at) FILTER (WHERE d.stage_semantic = 'S') AS won_at
    FROM dw.fact_deal d
    LEFT JOIN dw.currency_rate r ON r.portal_id = d.portal_id AND r.currency_id = d.currency_id
    WHERE NOT d.is_deleted AND d.lead_id IS NOT NULL
    GROUP BY d.portal_id, d.lead_id
), attributed AS (
    -- Every live lead with its deals, and every live deal without a lead on its own.
    SELECT f.portal_id, f.source_id, f.utm_source, f.utm_campaign, f.assigned_by_id,
           nullif(f.created_date_key, 0) / 100 AS month_key, 1 AS leads,
           CASE WHEN f.status_semantic = 'S' THEN 1 ELSE 0 END AS converted_leads,
           CASE WHEN dl.deals > 0 THEN 1 ELSE 0 END AS leads_with_deal, coalesce(dl.deals, 0) AS deals,
           coalesce(dl.won_deals, 0) AS won_deals, coalesce(dl.won_amount_base, 0) AS won_amount_base,
           coalesce(dl.won_amount_base, 0) AS won_from_leads_base,
           CASE WHEN dl.won_at < f.created_at THEN 0 ELSE extract(epoch FROM dl.won_at - f.created_at) / 86400 END
               AS days_to_won
    FROM dw.fact_lead f
    LEFT JOIN lead_deals dl ON dl.portal_id = f.portal_id AND dl.lead_id = f.lead_id
    WHERE NOT f.is_deleted
    UNION ALL
    SELECT d.portal_id, d.source_id, d.utm_source, d.utm_campaign, d.assigned_by_id,
           nullif(d.created_date_key, 0) / 100, 0, 0, 0, 1, CASE WHEN d.stage_semantic = 'S' THEN 1 ELSE 0 END,
           CASE WHEN d.stage_semantic = 'S' THEN coalesce(round(d.opportunity * r.rate, 2), 0) ELSE 0 END, 0, NULL
    FROM dw.fact_deal d
    LEFT JOIN dw.currency_rate r ON r.portal_id = d.portal_id AND r.currency_id = d.currency_id
    WHERE NOT d.is_deleted AND d.lead_id IS NULL
), grouped AS (
    -- One hashed pass per dimension (a sort of every lead per grouping set would be slower).
    SELECT portal_id, 'source' AS dimension, source_id AS key, sum(leads) AS leads, sum(converted_leads) AS converted_leads,
           sum(leads_with_deal) AS leads_with_deal, sum(deals) AS deals, sum(won_deals) AS won_deals,
           sum(won_amount_base) AS won_revenue_base, sum(won_from_leads_base) AS won_from_leads_base
    FROM attributed GROUP BY portal_id, source_id
    UNION ALL
    SELECT portal_id, 'utm_source' AS dimension, utm_source AS key, sum(leads) AS leads, sum(converted_leads) AS converted_leads,
           sum(leads_with_deal) AS leads_with_deal, sum(deals) AS deals, sum(won_deals) AS won_deals,
           sum(won_amount_base) AS won_revenue_base, sum(won_from_leads_base) AS won_from_leads_base
    FROM attributed GROUP BY portal_id, utm_source
    UNION ALL
    SELECT portal_id, 'utm_campaign' AS dimension, utm_campaign AS key, sum(leads) AS leads, sum(converted_leads) AS converted_leads,
           sum(leads_with_deal) AS leads_with_deal, sum(deals) AS deals, sum(won_deals) AS won_deals,
           sum(won_amount_base) AS won_revenue_base, sum(won_from_leads_base) AS won_from_leads_base
    FROM attributed GROUP BY portal_id, utm_campaign
    UNION ALL
    SELECT portal_id, 'owner' AS dimension, assigned_by_id::text AS key, sum(leads) AS leads, sum(converted_leads) AS converted_leads,
           sum(leads_with_deal) AS leads_with_deal, sum(deals) AS deals, sum(won_deals) AS won_deals,
           sum(won_amount_base) AS won_revenue_base, sum(won_from_leads_base) AS won_from_leads_base
    FROM attributed GROUP BY portal_id, assigned_by_id
    UNION ALL
    SELECT portal_id, 'created_month' AS dimension, (month_key / 100) || '-' || lpad((month_key % 100)::text, 2, '0') AS key, sum(leads) AS leads, sum(converted_leads) AS converted_leads,
           sum(leads_with_deal) AS leads_with_deal, sum(deals) AS deals, sum(won_deals) AS won_deals,
           sum(won_amount_base) AS won_revenue_base, sum(won_from_leads_base) AS won_from_leads_base
    FROM attributed GROUP BY portal_id, month_key
), medians AS (
    SELECT portal_id,
           CASE WHEN GROUPING(source_id) = 0 THEN 'source' WHEN GROUPING(utm_source) = 0 THEN 'utm_source'
                WHEN GROUPING(utm_campaign) = 0 THEN 'utm_campaign' WHEN GROUPING(assigned_by_id) = 0 THEN 'owner'
                ELSE 'created_month' END AS dimension,
           CASE WHEN GROUPING(source_id) = 0 THEN source_id WHEN GROUPING(utm_source) = 0 THEN utm_source
                WHEN GROUPING(utm_campaign) = 0 THEN utm_campaign WHEN GROUPING(assigned_by_id) = 0 THEN assigned_by_id::text
                ELSE (month_key / 100) || '-' || lpad((month_key % 100)::text, 2, '0') END AS key,
           round((percentile_cont(0.5) WITHIN GROUP (ORDER BY days_to_won))::numeric, 1) AS median_days_lead_to_won
    FROM attributed
    WHERE days_to_won IS NOT NULL
    GROUP BY GROUPING SETS ((portal_id, source_id), (portal_id, utm_source), (portal_id, utm_campaign),
                            (portal_id, assigned_by_id), (portal_id, month_key))
)
SELECT g.portal_id, g.dimension, g.key,
       coalesce(CASE g.dimension WHEN 'source' THEN src.name WHEN 'owner' THEN u.name ELSE g.key END, '(none)') AS label,
       g.leads, g.converted_leads, g.deals, g.won_deals, g.won_revenue_base, b.base_currency_id,
       round(g.won_from_leads_base / nullif(g.leads, 0), 2) AS revenue_per_lead_base,
       round(g.leads_with_deal::numeric / nullif(g.leads, 0), 4) AS lead_to_deal_rate,
       round(g.won_deals::numeric / nullif(g.deals, 0), 4) AS deal_to_won_rate,
       m.median_days_lead_to_won
FROM grouped g
LEFT JOIN medians m ON m.portal_id = g.portal_id AND m.dimension = g.dimension AND m.key IS NOT DISTINCT FROM g.key
LEFT JOIN dw.dim_source src ON g.dimension = 'source' AND src.portal_id = g.portal_id AND src.source_id = g.key
LEFT JOIN dw.dim_user u ON g.dimension = 'owner' AND u.portal_id = g.portal_id AND u.user_id::text = g.key
LEFT JOIN mart.portal b ON b.portal_id = g.portal_id;
COMMENT ON VIEW mart.revenue_by_source IS 'Leads, deals and won revenue per source, UTM source, UTM campaign, owner and month created (dimension says which; key is the source code, UTM value, user id or YYYY-MM, NULL when the lead has none). A deal counts where its lead does; a deal without a lead counts by its own source, UTM, owner and month.';
COMMENT ON COLUMN mart.revenue_by_source.deals IS 'Live deals: those of the leads counted here and those without a lead attributed here.';
COMMENT ON COLUMN mart.revenue_by_source.won_deals IS 'Of them, in a success stage now.';
COMMENT ON COLUMN mart.revenue_by_source.won_revenue_base IS 'Σ OPPORTUNITY of the won deals in the base currency (base_currency_id).';
COMMENT ON COLUMN mart.revenue_by_source.revenue_per_lead_base IS 'Won revenue of deals that came from these leads ÷ leads (deals without a lead left out).';
COMMENT ON COLUMN mart.revenue_by_source.lead_to_deal_rate IS 'Share of the leads with at least one live deal (0 to 1).';
COMMENT ON COLUMN mart.revenue_by_source.deal_to_won_rate IS 'won_deals ÷ deals (0 to 1).';
COMMENT ON COLUMN mart.revenue_by_source.median_days_lead_to_won IS 'Median days from a lead''s creation to its first won deal, over the leads that have one.';

CREATE VIEW mart.deal_funnel AS
WITH live AS (
    SELECT portal_id, deal_id, stage_id FROM dw.fact_deal WHERE NOT is_deleted
), reached AS (
    SELECT h.portal_id, h.deal_id, h.stage_id
    FROM dw.fact_deal_stage_history h JOIN live l ON l.portal_id = h.portal_id AND l.deal_id = h.deal_id
    WHERE h.stage_id IS NOT NULL
    UNION
    SELECT portal_id, deal_id, stage_id FROM live WHERE stage_id IS NOT NULL
), furthest AS (
    SELECT r.portal_id, r.deal_id, s.category_id, max(s.sort) FILTER (WHERE s.semantic IN ('P', 'S')) AS top_sort
    FROM reached r JOIN dw.dim_deal_stage s ON s.portal_id = r.portal_id AND s.stage_id = r.stage_id
    GROUP BY r.portal_id, r.deal_id, s.category_id
), tops AS MATERIALIZED (
    -- Deals per furthest stage position in each funnel: the cumulative counts add these up.
    SELECT portal_id, category_id, top_sort, count(*) AS deals FROM furthest GROUP BY portal_id, category_id, top_sort
), now_in AS (
    SELECT portal_id, stage_id, count(*) AS deals FROM live GROUP BY portal_id, stage_id
), ever AS (
    SELECT portal_id, stage_id, count(*) AS deals FROM reached GROUP BY portal_id, stage_id
)
SELECT s.portal_id, s.category_id, c.name AS category_name, s.stage_id, s.name AS stage_name, s.sort, s.semantic,
       coalesce(n.deals, 0) AS deals_now, coalesce(e.deals, 0) AS deals_reached,
       CASE WHEN s.semantic = 'F' THEN coalesce(e.deals, 0)
            ELSE coalesce((SELECT sum(t.deals) FROM tops t
                           WHERE t.portal_id = s.portal_id AND t.category_id = s.category_id AND t.top_sort >= s.sort), 0)
       END
           AS reached_or_passed
FROM dw.dim_deal_stage s
LEFT JOIN dw.dim_deal_category c ON c.portal_id = s.portal_id AND c.category_id = s.category_id
LEFT JOIN now_in n ON n.portal_id = s.portal_id AND n.stage_id = s.stage_id
LEFT JOIN ever e ON e.portal_id = s.portal_id AND e.stage_id = s.stage_id;
COMMENT ON VIEW mart.deal_funnel IS 'Per funnel and stage, in stage order (sort): live deals in it now, live deals that ever reached it (history or now), and reached_or_passed, the classic cumulative funnel: deals whose furthest in-progress or won stage in this funnel is this one or a later one (lost stages count those that reached them).';
COMMENT ON COLUMN mart.deal_funnel.deals_now IS 'Live deals in this stage now.';
COMMENT ON COLUMN mart.deal_funnel.deals_reached IS 'Live deals that were ever in this stage (stage history) or are in it now.';
COMMENT ON COLUMN mart.deal_funnel.reached_or_passed IS 'Live deals that reached this stage or a later one of the same funnel by stage order (lost stages: those that reached them).';
