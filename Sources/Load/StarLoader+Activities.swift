import LibPQ
import Star

/// Activities of the leads' timelines: staged, merged by (activity, lead), each activity's lead
/// bindings replaced as a set, with the stream's progress in the same transaction; activities the
/// portal no longer lists are flagged, never removed.
extension StarLoader {
    /// Writes a chunk of activities (live again if they were flagged deleted) with their lead
    /// bindings, its rejects, the stream's progress and the run's counters in one transaction.
    public func loadActivities(
        _ chunk: ActivityChunk, portalID: Int64, runID: Int64, progress: StreamProgress?, requests: RunCounters
    ) throws -> ChunkCounts {
        try prepare()
        var counts = ChunkCounts()
        try connection.transaction {
            let rows = StarLoader.unique(chunk.leadRows, keepLast: true) { SIMD2($0.activity.activityID, $0.leadID) }
            let copied = try stage(.factLeadActivity, rows) {
                $0.append(activity: $1.activity, leadID: $1.leadID, portalID: portalID)
            }
            let read = Array(Set(chunk.activities.map(\.activityID)))
            _ = try copy(read, into: "pg_temp.stage_ids", columns: ["lead_id"]) { $0.append($1) }
            let boundBefore = try connection.execute(
                """
                SELECT DISTINCT a.lead_id FROM dw.fact_lead_activity a JOIN pg_temp.stage_ids s ON s.lead_id = a.activity_id
                WHERE a.portal_id = $1
                """, ids: [portalID]
            ).rows.compactMap { $0[0].flatMap { Int64($0) } }
            try SQLScript.activityBindings.run(on: connection, ids: [portalID])
            try connection.execute(Self.activityUpsert, ids: [portalID, runID])
            try touchLeads(Set(boundBefore).union(rows.map(\.leadID)), portalID: portalID)
            if let progress { try saveProgress(progress, portalID: portalID, runID: runID) }
            try recordRejected(chunk.rejected, runID: runID, portalID: portalID)
            counts = ChunkCounts(
                nulStripped: copied.strippedNULs, skipped: chunk.rejected.count, activities: read.count)
            try addCounts(counts, runID: runID, requests: requests)
        }
        return counts
    }

    /// Activity rows from staging, live again if they were marked deleted. `$2`: run_id.
    static let activityUpsert = StarTable.factLeadActivity.upsertFromStaging(extra: [
        ("is_deleted", "false"), ("deleted_at", "NULL::timestamptz"), ("last_run_id", "$2::bigint"),
        ("loaded_at", "now()"),
    ])

    /// Whether the star holds no activity of the portal (flagged deleted or not).
    public func activityStarIsEmpty(portalID: Int64) throws -> Bool {
        try areEmpty([.factLeadActivity], portalID: portalID)
    }

    /// Recomputes the first touch of the given leads (`dw.lead_first_touch`) in the caller's
    /// transaction, so it commits with the activities that moved it.
    func touchLeads(_ leads: Set<Int64>, portalID: Int64) throws {
        guard !leads.isEmpty else { return }
        try connection.execute(
            "SELECT etl.touch_leads($1::integer, $2::bigint[])", [String(portalID), Self.arrayLiteral(leads.sorted())])
    }

    /// The lead bindings `dw` holds for the given live activities.
    public func activityLeads(portalID: Int64, activityIDs: [Int64]) throws -> [Int64: Set<Int64>] {
        guard !activityIDs.isEmpty else { return [:] }
        var found: [Int64: Set<Int64>] = [:]
        for row in try connection.execute(
            """
            SELECT activity_id, lead_id FROM dw.fact_lead_activity
            WHERE portal_id = $1 AND activity_id = ANY($2::bigint[]) AND NOT is_deleted
            """, [String(portalID), Self.arrayLiteral(activityIDs)]
        ).rows {
            guard let activity = row[0].flatMap({ Int64($0) }), let lead = row[1].flatMap({ Int64($0) }) else {
                continue
            }
            found[activity, default: []].insert(lead)
        }
        return found
    }

    /// Compares the portal's activity ids with the star: every live activity not in `liveIDs` is
    /// flagged deleted at `deletedAt` (all its lead rows) — unless `allow` refuses the plan (counted
    /// in activities), and then nothing is. Returns the plan, how many were flagged and the flagged
    /// activities listed again.
    public func reconcileActivities(
        liveIDs: [Int64], portalID: Int64, runID: Int64, deletedAt: Int64, allow: (DeletePlan) -> Bool
    ) throws -> ReconcileOutcome {
        try prepare()
        var outcome = ReconcileOutcome(plan: DeletePlan(missing: 0, live: 0), marked: 0, reappeared: [])
        try connection.transaction {
            _ = try copy(liveIDs, into: "pg_temp.stage_ids", columns: ["lead_id"]) { $0.append($1) }
            try connection.execute("ANALYZE pg_temp.stage_ids")
            let counts = try connection.execute(
                """
                SELECT count(DISTINCT f.activity_id) FILTER (
                           WHERE NOT EXISTS (SELECT 1 FROM pg_temp.stage_ids s WHERE s.lead_id = f.activity_id)),
                       count(DISTINCT f.activity_id)
                FROM dw.fact_lead_activity f WHERE f.portal_id = $1 AND NOT f.is_deleted
                """, ids: [portalID]
            ).rows.first
            outcome.plan = DeletePlan(
                missing: counts?[0].flatMap { Int($0) } ?? 0, live: counts?[1].flatMap { Int($0) } ?? 0)
            outcome.reappeared = try connection.execute(
                """
                SELECT DISTINCT f.activity_id FROM dw.fact_lead_activity f
                JOIN pg_temp.stage_ids s ON s.lead_id = f.activity_id
                WHERE f.portal_id = $1 AND f.is_deleted ORDER BY f.activity_id
                """, ids: [portalID]
            ).rows.compactMap { $0[0].flatMap { Int64($0) } }
            guard allow(outcome.plan) else { return }
            let marked = try connection.execute(
                """
                WITH marked AS (
                    UPDATE dw.fact_lead_activity f SET is_deleted = true, deleted_at = to_timestamp($3), last_run_id = $2
                    WHERE f.portal_id = $1 AND NOT f.is_deleted
                      AND NOT EXISTS (SELECT 1 FROM pg_temp.stage_ids s WHERE s.lead_id = f.activity_id)
                    RETURNING f.activity_id, f.lead_id)
                SELECT count(DISTINCT activity_id), array_agg(DISTINCT lead_id) FROM marked
                """, ids: [portalID, runID, deletedAt]
            ).rows.first
            outcome.marked = marked?[0].flatMap { Int($0) } ?? 0
            try connection.execute(
                "SELECT etl.touch_leads($1::integer, $2::bigint[]) WHERE $2::bigint[] IS NOT NULL",
                [String(portalID), marked?[1] ?? nil])
            try connection.execute(
                "UPDATE etl.sync_run SET activities_deleted = activities_deleted + $2 WHERE run_id = $1",
                ids: [runID, Int64(outcome.marked)])
        }
        return outcome
    }
}
