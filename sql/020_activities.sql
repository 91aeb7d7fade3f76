-- Activities on the leads' timelines, the third stream: every CRM activity bound to a lead, one
-- row per activity and lead it is bound to (an activity bound to two leads is on both
-- timelines); its kind named in dw.dim_activity_type; speed to lead, touches and overdue work in
-- mart. Descriptions, communications and files are never read (personal data).

ALTER TABLE etl.sync_run
    ADD COLUMN activities_upserted integer NOT NULL DEFAULT 0,
    ADD COLUMN activities_deleted  integer NOT NULL DEFAULT 0;

CREATE TABLE dw.dim_activity_type (
    portal_id         integer NOT NULL REFERENCES etl.portal ON DELETE CASCADE,
    type_id           smallint NOT NULL,
    provider_id       text    NOT NULL DEFAULT '',
    provider_type_id  text    NOT NULL DEFAULT '',
    name              text    NOT NULL,
    PRIMARY KEY (portal_id, type_id, provider_id, provider_type_id)
);
COMMENT ON TABLE dw.dim_activity_type IS 'Kinds of activity seen on a portal: TYPE_ID (1 meeting, 2 call, 3 task, 4 e-mail, 5 calendar import, 6 provider activity) with PROVIDER_ID and PROVIDER_TYPE_ID, and a readable name for the system kinds.';

CREATE TABLE dw.fact_lead_activity (
    portal_id         integer  NOT NULL REFERENCES etl.portal ON DELETE CASCADE,
    activity_id       bigint   NOT NULL,
    lead_id           bigint   NOT NULL,
    owner_type_id     smallint,
    owner_id          bigint,
    type_id           smallint,
    provider_id       text,
    provider_type_id  text,
    direction         smallint,
    completed         boolean,
    status            smallint,
    priority          smallint,
    created_at        timestamptz,
    last_updated_at   timestamptz,
    start_at          timestamptz,
    end_at            timestamptz,
    deadline_at       timestamptz,
    responsible_id    bigint,
    author_id         bigint,
    subject           text,
    created_date_key  integer  NOT NULL DEFAULT 0,
    is_deleted        boolean  NOT NULL DEFAULT false,
    deleted_at        timestamptz,
    last_run_id       bigint,
    loaded_at         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (portal_id, activity_id, lead_id)
);
CREATE INDEX fact_lead_activity_lead ON dw.fact_lead_activity (portal_id, lead_id);
CREATE INDEX fact_lead_activity_open ON dw.fact_lead_activity (portal_id, deadline_at)
    WHERE NOT completed AND NOT is_deleted;
COMMENT ON TABLE dw.fact_lead_activity IS 'One row per CRM activity and lead it is bound to (crm.activity.list with BINDINGS of owner type 1; bindings from crm.activity.binding.list). An activity''s leads are replaced as a set whenever it is read; is_deleted when the delete scan no longer finds it.';
COMMENT ON COLUMN dw.fact_lead_activity.owner_type_id IS 'OWNER_TYPE_ID of the activity: the entity that owns it (1 lead, 2 deal, 3 contact, 4 company); it may be bound to this lead without being owned by it.';
COMMENT ON COLUMN dw.fact_lead_activity.deadline_at IS 'DEADLINE; NULL when the activity has none (the portal writes 9999-12-31).';
COMMENT ON COLUMN dw.fact_lead_activity.direction IS '1 incoming, 2 outgoing (calls and e-mails); 0 or NULL otherwise.';

-- A real touch: an outgoing call or e-mail, a meeting, or a completed to-do or task.
CREATE FUNCTION etl.is_touch(type_id smallint, provider_type_id text, direction smallint, completed boolean)
RETURNS boolean LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT (direction = 2 AND (type_id IN (2, 4) OR provider_type_id IN ('CALL', 'EMAIL')))
        OR type_id = 1 OR provider_type_id = 'MEETING'
        OR (coalesce(completed, false) AND (type_id = 3 OR provider_type_id IN ('TODO', 'TASK', 'TASKS_TASK')))
$$;
COMMENT ON FUNCTION etl.is_touch IS 'Whether an activity is a real touch of the lead: an outgoing call or e-mail, a meeting, or a completed to-do or task.';

CREATE VIEW mart.speed_to_lead AS
WITH touches AS (
    SELECT a.portal_id, a.lead_id,
           -- The earliest touch, then the lowest id: one comparison per activity.
           min(ARRAY[extract(epoch FROM coalesce(a.start_at, a.created_at)), a.activity_id]) AS first_touch
    FROM dw.fact_lead_activity a
    JOIN dw.fact_lead f ON f.portal_id = a.portal_id AND f.lead_id = a.lead_id
    WHERE NOT a.is_deleted AND etl.is_touch(a.type_id, a.provider_type_id, a.direction, a.completed)
      AND coalesce(a.start_at, a.created_at) >= f.created_at
    GROUP BY a.portal_id, a.lead_id
)
SELECT f.portal_id, f.lead_id, f.created_at, to_date(nullif(f.created_date_key, 0)::text, 'YYYYMMDD') AS created_date,
       f.source_id, src.name AS source_name, f.assigned_by_id, u.name AS assigned_by_name,
       t.first_touch IS NOT NULL AS touched, t.first_touch[2]::bigint AS first_touch_activity_id,
       to_timestamp(t.first_touch[1]) AS first_touch_at,
       round((t.first_touch[1] - extract(epoch FROM f.created_at)) / 60, 1) AS minutes_to_first_touch
FROM dw.fact_lead f
LEFT JOIN touches t ON t.portal_id = f.portal_id AND t.lead_id = f.lead_id
LEFT JOIN dw.dim_source src ON src.portal_id = f.portal_id AND src.source_id = f.source_id
LEFT JOIN dw.dim_user u ON u.portal_id = f.portal_id AND u.user_id = f.assigned_by_id
WHERE NOT f.is_deleted;
COMMENT ON VIEW mart.speed_to_lead IS 'One live lead per row: its first real touch at or after its creation (an outgoing call or e-mail, a meeting, or a completed to-do or task; touches dated before the lead was created, as with imported leads, do not count) and the minutes it took.';
COMMENT ON COLUMN mart.speed_to_lead.touched IS 'Whether the lead had a real touch at or after its creation.';
COMMENT ON COLUMN mart.speed_to_lead.first_touch_at IS 'When the first touch happened (START_TIME, else CREATED of the activity).';
COMMENT ON COLUMN mart.speed_to_lead.minutes_to_first_touch IS 'Minutes from the lead''s creation to its first touch; NULL when never touched.';

CREATE VIEW mart.speed_to_lead_daily AS
SELECT portal_id, created_date, source_id, source_name, assigned_by_id, assigned_by_name, count(*) AS leads,
       count(*) FILTER (WHERE touched) AS touched,
       round((percentile_cont(0.5) WITHIN GROUP (ORDER BY minutes_to_first_touch))::numeric, 1) AS median_minutes,
       round((percentile_cont(0.9) WITHIN GROUP (ORDER BY minutes_to_first_touch))::numeric, 1) AS p90_minutes,
       round(count(*) FILTER (WHERE minutes_to_first_touch <= 5)::numeric / count(*), 4) AS share_within_5_minutes,
       round(count(*) FILTER (WHERE minutes_to_first_touch <= 60)::numeric / count(*), 4) AS share_within_1_hour,
       round(count(*) FILTER (WHERE minutes_to_first_touch <= 1440)::numeric / count(*), 4) AS share_within_1_day,
       round(count(*) FILTER (WHERE NOT touched)::numeric / count(*), 4) AS share_never_touched
FROM mart.speed_to_lead
GROUP BY portal_id, created_date, source_id, source_name, assigned_by_id, assigned_by_name;
COMMENT ON VIEW mart.speed_to_lead_daily IS 'Speed to lead per local day of creation, source and owner: medians and shares over the live leads created that day (sum leads and touched, and weigh shares by leads, to roll up).';
COMMENT ON COLUMN mart.speed_to_lead_daily.median_minutes IS 'Median minutes from creation to the first touch, over the leads touched.';
COMMENT ON COLUMN mart.speed_to_lead_daily.p90_minutes IS '90th percentile of those minutes, over the leads touched.';
COMMENT ON COLUMN mart.speed_to_lead_daily.share_within_5_minutes IS 'Share of all the group''s leads touched within 5 minutes of creation (0 to 1).';
COMMENT ON COLUMN mart.speed_to_lead_daily.share_never_touched IS 'Share of the group''s leads never touched (0 to 1).';

CREATE VIEW mart.lead_touches AS
WITH converted AS (
    SELECT h.portal_id, h.lead_id, min(h.created_at) AS converted_at
    FROM dw.fact_lead_stage_history h WHERE h.status_semantic = 'S' GROUP BY h.portal_id, h.lead_id
), counted AS (
    SELECT a.portal_id, a.lead_id,
           count(*) FILTER (WHERE a.type_id = 2 AND a.direction = 2) AS calls_out,
           count(*) FILTER (WHERE a.type_id = 2 AND a.direction = 1) AS calls_in,
           count(*) FILTER (WHERE a.type_id = 4 AND a.direction = 2) AS emails_out,
           count(*) FILTER (WHERE a.type_id = 4 AND a.direction = 1) AS emails_in,
           count(*) FILTER (WHERE a.type_id = 1 OR a.provider_type_id = 'MEETING') AS meetings,
           count(*) FILTER (WHERE a.completed AND (a.type_id = 3 OR a.provider_type_id IN ('TODO', 'TASK', 'TASKS_TASK')))
               AS tasks_done,
           count(*) FILTER (WHERE etl.is_touch(a.type_id, a.provider_type_id, a.direction, a.completed)) AS touches,
           count(*) AS activities
    FROM dw.fact_lead_activity a
    JOIN dw.fact_lead f ON f.portal_id = a.portal_id AND f.lead_id = a.lead_id AND NOT f.is_deleted
    LEFT JOIN converted c ON c.portal_id = a.portal_id AND c.lead_id = a.lead_id
    WHERE NOT a.is_deleted
      AND coalesce(a.start_at, a.created_at) <= coalesce(c.converted_at,
                                                          CASE WHEN f.status_semantic = 'S' THEN f.closed_at END, 'infinity')
    GROUP BY a.portal_id, a.lead_id
)
SELECT f.portal_id, f.lead_id, f.source_id, src.name AS source_name, f.assigned_by_id, u.name AS assigned_by_name,
       CASE f.status_semantic WHEN 'S' THEN 'converted' WHEN 'F' THEN 'junk' ELSE 'open' END AS lead_outcome,
       coalesce(c.converted_at, CASE WHEN f.status_semantic = 'S' THEN f.closed_at END) AS converted_at,
       coalesce(n.calls_out, 0) AS calls_out, coalesce(n.calls_in, 0) AS calls_in,
       coalesce(n.emails_out, 0) AS emails_out, coalesce(n.emails_in, 0) AS emails_in,
       coalesce(n.meetings, 0) AS meetings, coalesce(n.tasks_done, 0) AS tasks_done,
       coalesce(n.touches, 0) AS touches, coalesce(n.activities, 0) AS activities
FROM dw.fact_lead f
LEFT JOIN converted c ON c.portal_id = f.portal_id AND c.lead_id = f.lead_id
LEFT JOIN counted n ON n.portal_id = f.portal_id AND n.lead_id = f.lead_id
LEFT JOIN dw.dim_source src ON src.portal_id = f.portal_id AND src.source_id = f.source_id
LEFT JOIN dw.dim_user u ON u.portal_id = f.portal_id AND u.user_id = f.assigned_by_id
WHERE NOT f.is_deleted;
COMMENT ON VIEW mart.lead_touches IS 'One live lead per row: its activities up to its conversion (its first success stage in history, else DATE_CLOSED when converted now), or up to now while not converted, by kind and direction.';
COMMENT ON COLUMN mart.lead_touches.touches IS 'Real touches among them: outgoing calls and e-mails, meetings, completed to-dos and tasks.';
COMMENT ON COLUMN mart.lead_touches.activities IS 'Every activity counted, touches or not (incoming ones, open to-dos, web forms…).';

CREATE VIEW mart.touches_per_conversion AS
WITH converted AS (
    -- Live leads converted now, with the time they converted (first success in history, else DATE_CLOSED).
    SELECT f.portal_id, f.lead_id, f.source_id, f.assigned_by_id, coalesce(h.converted_at, f.closed_at) AS converted_at
    FROM dw.fact_lead f
    LEFT JOIN (SELECT portal_id, lead_id, min(created_at) AS converted_at FROM dw.fact_lead_stage_history
               WHERE status_semantic = 'S' GROUP BY portal_id, lead_id) h
           ON h.portal_id = f.portal_id AND h.lead_id = f.lead_id
    WHERE NOT f.is_deleted AND f.status_semantic = 'S'
), touched AS (
    SELECT c.portal_id, c.lead_id, count(*) AS touches
    FROM converted c
    JOIN dw.fact_lead_activity a ON a.portal_id = c.portal_id AND a.lead_id = c.lead_id
    WHERE NOT a.is_deleted AND etl.is_touch(a.type_id, a.provider_type_id, a.direction, a.completed)
      AND coalesce(a.start_at, a.created_at) <= coalesce(c.converted_at, 'infinity')
    GROUP BY c.portal_id, c.lead_id
)
SELECT c.portal_id, c.source_id, src.name AS source_name, c.assigned_by_id, u.name AS assigned_by_name,
       count(*) AS converted_leads, coalesce(sum(t.touches), 0) AS touches_before_conversion,
       round(avg(coalesce(t.touches, 0)), 2) AS touches_per_converted_lead,
       count(*) FILTER (WHERE t.touches IS NULL) AS converted_untouched
FROM converted c
LEFT JOIN touched t ON t.portal_id = c.portal_id AND t.lead_id = c.lead_id
LEFT JOIN dw.dim_source src ON src.portal_id = c.portal_id AND src.source_id = c.source_id
LEFT JOIN dw.dim_user u ON u.portal_id = c.portal_id AND u.user_id = c.assigned_by_id
GROUP BY c.portal_id, c.source_id, src.name, c.assigned_by_id, u.name;
COMMENT ON VIEW mart.touches_per_conversion IS 'Per source and owner with leads converted now: those live leads, the real touches they had before converting (up to their first success stage in history, else DATE_CLOSED), and touches per converted lead.';
COMMENT ON COLUMN mart.touches_per_conversion.touches_per_converted_lead IS 'Mean real touches before conversion over the converted leads.';
COMMENT ON COLUMN mart.touches_per_conversion.converted_untouched IS 'Converted leads with no real touch before converting.';

CREATE VIEW mart.overdue_activities AS
SELECT a.portal_id, a.activity_id, a.lead_id, f.title AS lead_title, a.type_id, coalesce(t.name, a.provider_id) AS kind,
       a.subject, a.responsible_id, u.name AS responsible_name, a.deadline_at,
       round(extract(epoch FROM now() - a.deadline_at)::numeric / 86400, 1) AS days_overdue
FROM dw.fact_lead_activity a
JOIN dw.fact_lead f ON f.portal_id = a.portal_id AND f.lead_id = a.lead_id AND NOT f.is_deleted
LEFT JOIN dw.dim_activity_type t ON t.portal_id = a.portal_id AND t.type_id = a.type_id
     AND t.provider_id = coalesce(a.provider_id, '') AND t.provider_type_id = coalesce(a.provider_type_id, '')
LEFT JOIN dw.dim_user u ON u.portal_id = a.portal_id AND u.user_id = a.responsible_id
WHERE NOT a.completed AND NOT a.is_deleted AND a.deadline_at < now();
COMMENT ON VIEW mart.overdue_activities IS 'Open activities of live leads past their deadline (now, on the database''s clock), with the lead and the responsible user; an activity without a deadline is never overdue.';
COMMENT ON COLUMN mart.overdue_activities.days_overdue IS 'Days since the deadline passed.';
