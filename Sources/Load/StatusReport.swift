import LibPQ

/// What `b24pg status` shows, read from `etl` and `dw`: watermarks and lag per stream, the last
/// runs, row counts per table and indexes a first load set aside. Never a secret.
public struct StatusReport: Sendable {
    /// One titled table of text cells (`nil` is NULL).
    public struct Section: Sendable {
        /// What the table shows.
        public var title: String
        /// Column headings.
        public var header: [String]
        /// Rows of cells.
        public var rows: [[String?]]
    }

    /// The sections, in display order; the set-aside indexes only while there are any.
    public var sections: [Section]

    /// Reads the report, with the `runs` most recent runs.
    ///
    /// - Throws: `PostgresError` when a query fails.
    public static func read(_ connection: Connection, runs: Int) throws -> StatusReport {
        var sections: [Section] = []
        let streams = try connection.execute(
            """
            SELECT p.name, p.time_zone, s.stream,
                   to_char(s.watermark_time AT TIME ZONE coalesce(p.time_zone, '+00:00')::interval,
                           'YYYY-MM-DD HH24:MI:SS') || ' ' || coalesce(p.time_zone, 'UTC'),
                   s.watermark_id,
                   CASE WHEN s.watermark_time IS NULL THEN NULL
                        ELSE date_trunc('second', now() - s.watermark_time)::text END AS lag,
                   s.pass_started_at IS NOT NULL AS pass_unfinished
            FROM etl.portal p LEFT JOIN etl.sync_state s USING (portal_id) ORDER BY p.name, s.stream
            """)
        sections.append(
            Section(
                title: "watermarks",
                header: ["portal", "tz", "stream", "watermark (portal time)", "last id", "lag", "unfinished pass"],
                rows: streams.rows))
        let children = try connection.execute(
            """
            SELECT p.name, coalesce(replace(p.product_rows_mode, '_', ' '), 'not probed yet'),
                   coalesce(to_char(p.product_rows_probed_at AT TIME ZONE coalesce(p.time_zone, '+00:00')::interval,
                                    'YYYY-MM-DD HH24:MI'), ''),
                   coalesce(left(p.product_rows_reason, 100), ''),
                   coalesce(replace(p.deal_product_rows_mode, '_', ' '), 'not probed yet'),
                   coalesce(left(p.deal_product_rows_reason, 100), ''),
                   coalesce(to_char(p.children_audited_at AT TIME ZONE coalesce(p.time_zone, '+00:00')::interval,
                                    'YYYY-MM-DD HH24:MI'), 'never')
            FROM etl.portal p ORDER BY p.name
            """)
        sections.append(
            Section(
                title: "children",
                header: [
                    "portal", "lead product rows read by", "probed (portal time)", "why", "deal product rows read by",
                    "why (deals)", "last children audit",
                ],
                rows: children.rows))
        let jobs = try connection.execute(
            """
            SELECT p.name, p.host, j.schedule, CASE WHEN j.enabled THEN 'yes' ELSE 'no (not configured)' END,
                   to_char(j.due_at AT TIME ZONE coalesce(p.time_zone, '+00:00')::interval, 'YYYY-MM-DD HH24:MI:SS')
                       || ' ' || coalesce(p.time_zone, 'UTC'),
                   CASE WHEN j.lease_expires_at > now() THEN j.lease_owner END,
                   CASE WHEN j.lease_expires_at > now() THEN date_trunc('second', j.lease_expires_at - now())::text END,
                   j.failures, j.last_status, left(j.last_error, 80)
            FROM etl.portal_job j JOIN etl.portal p USING (portal_id) ORDER BY p.name
            """)
        if !jobs.rows.isEmpty {
            sections.append(
                Section(
                    title: "schedules (b24pg worker)",
                    header: [
                        "portal", "host", "schedule", "enabled", "next due (portal time)", "lease holder",
                        "lease left", "failures in a row", "last outcome", "last error",
                    ],
                    rows: jobs.rows))
        }
        let oauth = try connection.execute(
            """
            SELECT p.name, coalesce(p.member_id, ''), coalesce(o.client_id, ''),
                   CASE WHEN o.refresh_token IS NULL THEN 'none (give refresh_token_env or refresh_token_file)'
                        ELSE 'sealed' END,
                   coalesce(o.key_id, ''),
                   coalesce(to_char(o.access_expires_at AT TIME ZONE coalesce(p.time_zone, '+00:00')::interval,
                                    'YYYY-MM-DD HH24:MI:SS') || ' ' || coalesce(p.time_zone, 'UTC'), ''),
                   o.rotations,
                   coalesce(to_char(o.rotated_at AT TIME ZONE coalesce(p.time_zone, '+00:00')::interval,
                                    'YYYY-MM-DD HH24:MI:SS'), 'never') || coalesce(' by ' || o.rotated_by, '')
            FROM etl.portal_oauth o JOIN etl.portal p USING (portal_id) ORDER BY p.name
            """)
        if !oauth.rows.isEmpty {
            sections.append(
                Section(
                    title: "OAuth applications (tokens are never shown)",
                    header: [
                        "portal", "member_id", "client id", "refresh token", "sealed with key",
                        "access token expires (portal time)", "refreshes", "last refresh",
                    ],
                    rows: oauth.rows))
        }
        let recent = try connection.execute(
            """
            SELECT r.run_id, p.name, r.mode, r.status,
                   to_char(r.started_at AT TIME ZONE coalesce(p.time_zone, '+00:00')::interval, 'YYYY-MM-DD HH24:MI:SS')
                       || ' ' || coalesce(p.time_zone, 'UTC'),
                   round(extract(epoch FROM coalesce(r.finished_at, now()) - r.started_at)::numeric, 1),
                   r.portal_user_id::text || CASE WHEN r.portal_user_admin THEN ' (admin)'
                                                  WHEN NOT r.portal_user_admin THEN ' (not admin)' ELSE '' END,
                   r.leads_upserted, r.product_rows, r.contact_links, r.stage_history, r.leads_deleted,
                   r.leads_undeleted, r.records_skipped,
                   CASE WHEN r.children_audited THEN r.children_repaired::text ELSE '-' END, r.delete_check,
                   r.http_requests, r.retries, r.throttled, left(r.error, 80)
            FROM etl.sync_run r JOIN etl.portal p USING (portal_id) ORDER BY r.run_id DESC LIMIT $1
            """, ids: [Int64(runs)])
        sections.append(
            Section(
                title: "last runs",
                header: [
                    "run", "portal", "mode", "status", "started (portal time)", "seconds", "user", "leads", "products",
                    "links",
                    "history", "deleted", "undeleted", "skipped", "audit repairs", "delete check", "requests",
                    "retries", "503/429", "error",
                ], rows: recent.rows))
        let counts = try connection.execute(
            """
            SELECT 'dw.fact_lead', count(*) FILTER (WHERE NOT is_deleted)::text || ' live, '
                   || count(*) FILTER (WHERE is_deleted)::text || ' deleted' FROM dw.fact_lead
            UNION ALL SELECT 'dw.fact_lead_product', count(*)::text FROM dw.fact_lead_product
            UNION ALL SELECT 'dw.bridge_lead_contact', count(*)::text FROM dw.bridge_lead_contact
            UNION ALL SELECT 'dw.fact_lead_stage_history', count(*)::text FROM dw.fact_lead_stage_history
            UNION ALL SELECT 'dw.fact_lead_version', count(*)::text FROM dw.fact_lead_version
            UNION ALL SELECT 'dw.dim_status', count(*)::text FROM dw.dim_status
            UNION ALL SELECT 'dw.dim_source', count(*)::text FROM dw.dim_source
            UNION ALL SELECT 'dw.dim_user', count(*)::text FROM dw.dim_user
            UNION ALL SELECT 'dw.dim_contact', count(*)::text FROM dw.dim_contact
            UNION ALL SELECT 'dw.dim_company', count(*)::text FROM dw.dim_company
            UNION ALL SELECT 'dw.dim_product', count(*)::text FROM dw.dim_product
            UNION ALL SELECT 'dw.dim_lead_field', count(*)::text FROM dw.dim_lead_field
            UNION ALL SELECT 'dw.fact_deal', count(*) FILTER (WHERE NOT is_deleted)::text || ' live, '
                   || count(*) FILTER (WHERE is_deleted)::text || ' deleted' FROM dw.fact_deal
            UNION ALL SELECT 'dw.fact_deal_product', count(*)::text FROM dw.fact_deal_product
            UNION ALL SELECT 'dw.bridge_deal_contact', count(*)::text FROM dw.bridge_deal_contact
            UNION ALL SELECT 'dw.fact_deal_stage_history', count(*)::text FROM dw.fact_deal_stage_history
            UNION ALL SELECT 'dw.fact_deal_version', count(*)::text FROM dw.fact_deal_version
            """)
        sections.append(Section(title: "rows", header: ["table", "rows"], rows: counts.rows))
        let warnings = try connection.execute(
            """
            WITH last AS (
                SELECT DISTINCT ON (r.portal_id) r.* FROM etl.sync_run r ORDER BY r.portal_id, r.run_id DESC)
            SELECT p.name, l.run_id::text, w.text
            FROM last l JOIN etl.portal p USING (portal_id)
            CROSS JOIN LATERAL (
                SELECT 'the delete scan would have marked ' || l.deletes_refused
                       || ' leads deleted and was refused: nothing was marked (check the webhook user''s rights; '
                       || '--allow-mass-delete accepts a real clean-up once)'
                WHERE l.deletes_refused IS NOT NULL
                UNION ALL
                SELECT 'the webhook''s user ' || l.portal_user_id || ' is not an administrator: '
                       || 'leads this user cannot see are not exported'
                WHERE l.portal_user_admin = false) w(text)
            ORDER BY p.name, w.text
            """)
        if !warnings.rows.isEmpty {
            sections.append(Section(title: "warnings", header: ["portal", "run", "warning"], rows: warnings.rows))
        }
        let rejected = try connection.execute(
            """
            SELECT x.run_id::text, p.name, x.entity, x.record_id::text, x.field, left(x.reason, 80)
            FROM etl.rejected_record x JOIN etl.portal p USING (portal_id)
            ORDER BY x.run_id DESC, x.entity, x.record_id LIMIT 20
            """)
        if !rejected.rows.isEmpty {
            sections.append(
                Section(
                    title: "last rejected records (not loaded)",
                    header: ["run", "portal", "entity", "id", "field", "reason"], rows: rejected.rows))
        }
        let deferred = try connection.execute(
            """
            SELECT index_name, table_name, to_char(deferred_at, 'YYYY-MM-DD HH24:MI:SS')
            FROM etl.deferred_index ORDER BY index_name
            """)
        if !deferred.rows.isEmpty {
            sections.append(
                Section(
                    title: "indexes set aside by an unfinished first load (the next sync builds them again)",
                    header: ["index", "table", "since"], rows: deferred.rows))
        }
        return StatusReport(sections: sections)
    }
}
