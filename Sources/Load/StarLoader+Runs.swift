import LibPQ

/// The run log: `etl.portal` and `etl.sync_run` rows.
extension StarLoader {
    /// The portal's id, creating its `etl.portal` row; the time zone is refreshed when given.
    public func registerPortal(host: String, timeZone: String?) throws -> Int64 {
        let result = try connection.execute(
            """
            INSERT INTO etl.portal (host, time_zone) VALUES ($1, $2)
            ON CONFLICT (host) DO UPDATE SET time_zone = COALESCE(EXCLUDED.time_zone, etl.portal.time_zone), updated_at = now()
            RETURNING portal_id
            """, [host, timeZone])
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
    public func startRun(portalID: Int64, mode: String) throws -> Int64 {
        let result = try connection.execute(
            "INSERT INTO etl.sync_run (portal_id, mode) VALUES ($1, $2) RETURNING run_id", [String(portalID), mode])
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
                   http_requests = $8, retries = $9, throttled = $10
            WHERE run_id = $1
            """,
            ids: [
                runID, Int64(counts.leads), Int64(counts.productRows), Int64(counts.contactLinks),
                Int64(counts.stageHistory), Int64(counts.skipped), Int64(counts.nulStripped),
                Int64(requests.requests), Int64(requests.retries), Int64(requests.throttled),
            ])
    }
}
