import LibPQ
import Star

/// The run log: `etl.portal` and `etl.sync_run` rows.
extension StarLoader {
    /// The id of the portal named `name`, creating its `etl.portal` row; the host is recorded (a
    /// new host under the same name keeps the rows) and the time zone refreshed when given.
    public func registerPortal(name: String, host: String, timeZone: String?) throws -> Int64 {
        let result = try connection.execute(
            """
            INSERT INTO etl.portal (name, host, time_zone) VALUES ($1, $2, $3)
            ON CONFLICT (name) DO UPDATE SET host = EXCLUDED.host,
                time_zone = COALESCE(EXCLUDED.time_zone, etl.portal.time_zone), updated_at = now()
            RETURNING portal_id
            """, [name, host, timeZone])
        guard let id = result.scalar.flatMap({ Int64($0) }) else {
            throw PostgresError(code: .unexpectedResult, message: "etl.portal returned no id")
        }
        return id
    }

    /// Marks runs of this portal left `running` by a crash as failed.
    public func closeInterruptedRuns(portalID: Int64) throws {
        try connection.execute(
            """
            UPDATE etl.sync_run SET status = 'failed', finished_at = now(),
                   error = COALESCE(error, 'interrupted: the process stopped before finishing')
            WHERE portal_id = $1 AND status = 'running'
            """, ids: [portalID])
    }

    /// Starts a run row (committed at once, so a crash leaves a trace).
    public func startRun(portalID: Int64, mode: String, worker: String? = nil) throws -> Int64 {
        let result = try connection.execute(
            "INSERT INTO etl.sync_run (portal_id, mode, worker) VALUES ($1, $2, $3) RETURNING run_id",
            [String(portalID), mode, worker])
        guard let id = result.scalar.flatMap({ Int64($0) }) else {
            throw PostgresError(code: .unexpectedResult, message: "etl.sync_run returned no id")
        }
        return id
    }

    /// Ends a run with its status, request counters and error (if any).
    public func finishRun(runID: Int64, succeeded: Bool, counters: RunCounters, error: String?) throws {
        try connection.execute(
            """
            UPDATE etl.sync_run SET finished_at = now(), status = $2, http_requests = $3, retries = $4, throttled = $5,
                   error = $6
            WHERE run_id = $1
            """,
            [
                String(runID), succeeded ? "succeeded" : "failed", String(counters.requests), String(counters.retries),
                String(counters.throttled), error,
            ])
    }

    /// Adds a chunk's counts to the run row and sets its request counters (inside the chunk's transaction).
    func addCounts(_ counts: ChunkCounts, runID: Int64, requests: RunCounters) throws {
        try connection.execute(
            """
            UPDATE etl.sync_run SET leads_upserted = leads_upserted + $2, product_rows = product_rows + $3,
                   contact_links = contact_links + $4, stage_history = stage_history + $5,
                   records_skipped = records_skipped + $6, nul_stripped = nul_stripped + $7,
                   http_requests = $8, retries = $9, throttled = $10, deals_upserted = deals_upserted + $11,
                   deal_stage_history = deal_stage_history + $12, deal_product_rows = deal_product_rows + $13,
                   deal_contact_links = deal_contact_links + $14, activities_upserted = activities_upserted + $15
            WHERE run_id = $1
            """,
            ids: [
                runID, Int64(counts.leads), Int64(counts.productRows), Int64(counts.contactLinks),
                Int64(counts.stageHistory), Int64(counts.skipped), Int64(counts.nulStripped),
                Int64(requests.requests), Int64(requests.retries), Int64(requests.throttled), Int64(counts.deals),
                Int64(counts.dealStageHistory), Int64(counts.dealProductRows), Int64(counts.dealContactLinks),
                Int64(counts.activities),
            ])
    }

    /// Records who read the portal for this run.
    public func recordIdentity(runID: Int64, _ identity: PortalIdentity) throws {
        try connection.execute(
            "UPDATE etl.sync_run SET portal_user_id = $2, portal_user_admin = $3 WHERE run_id = $1",
            [String(runID), identity.userID.map(String.init), identity.isAdmin.map { $0 ? "t" : "f" }])
    }

    /// Removes a run that turned out to have nothing to do with this database (a portal with no
    /// leads), and its portal when this run created it: the database is left as it was.
    public func discardRun(runID: Int64, portalID: Int64) throws {
        try connection.transaction {
            try connection.execute("DELETE FROM etl.sync_run WHERE run_id = $1", ids: [runID])
            try connection.execute(
                """
                DELETE FROM etl.portal p WHERE p.portal_id = $1
                  AND NOT EXISTS (SELECT 1 FROM etl.sync_run r WHERE r.portal_id = p.portal_id)
                  AND NOT EXISTS (SELECT 1 FROM etl.sync_state s WHERE s.portal_id = p.portal_id)
                  AND NOT EXISTS (SELECT 1 FROM dw.fact_lead f WHERE f.portal_id = p.portal_id)
                """, ids: [portalID])
        }
    }

    /// Stores the records a chunk rejected (inside the chunk's transaction).
    func recordRejected(_ rejected: [TransformError], runID: Int64, portalID: Int64) throws {
        guard !rejected.isEmpty else { return }
        _ = try copy(
            rejected, into: "etl.rejected_record",
            columns: ["run_id", "portal_id", "entity", "record_id", "field", "reason"]
        ) { writer, error in
            writer.append(runID)
            writer.append(portalID)
            writer.append(error.entity)
            writer.append(error.id)
            writer.append(error.field)
            writer.append(error.reason)
        }
    }
}
