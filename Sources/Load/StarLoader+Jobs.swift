import LibPQ

/// The worker's queue in `etl.portal_job`: registering configured portals, claiming a due one
/// under a lease (`FOR UPDATE SKIP LOCKED`: workers never wait on each other), renewing the lease
/// and ending the job. Every time comes from the database's clock, shared by all workers.
extension StarLoader {
    /// Registers each portal (name, host, schedule text) with a job, due at once when new; jobs of
    /// portals not in the list are disabled (their rows and data stay). Returns the portal ids.
    public func registerJobs(_ portals: [(name: String, host: String, schedule: String)]) throws -> [Int64] {
        var ids: [Int64] = []
        try connection.transaction {
            for portal in portals {
                let id = try registerPortal(name: portal.name, host: portal.host, timeZone: nil)
                try connection.execute(
                    """
                    INSERT INTO etl.portal_job (portal_id, schedule) VALUES ($1::int, $2)
                    ON CONFLICT (portal_id) DO UPDATE SET schedule = EXCLUDED.schedule, enabled = true
                    """, [String(id), portal.schedule])
                ids.append(id)
            }
            try connection.execute(
                "UPDATE etl.portal_job SET enabled = false WHERE enabled AND NOT (portal_id = ANY($1::int[]))",
                [Self.arrayLiteral(ids)])
        }
        return ids
    }

    /// Claims the portal due longest among those `names` (not in `excluded`) whose lease is free
    /// or expired, for `owner`, for `leaseSeconds`; `nil` when none is due.
    public func claimJob(
        owner: String, leaseSeconds: Int64, names: [String], excluded: [Int64] = []
    ) throws
        -> PortalJob?
    {
        let row = try connection.execute(
            """
            WITH due AS (
                SELECT j.portal_id FROM etl.portal_job j JOIN etl.portal p USING (portal_id)
                WHERE j.enabled AND j.due_at <= now() AND (j.lease_expires_at IS NULL OR j.lease_expires_at < now())
                  AND NOT (j.portal_id = ANY($3::int[])) AND p.name = ANY($4::text[])
                ORDER BY j.due_at, j.portal_id LIMIT 1 FOR UPDATE OF j SKIP LOCKED)
            UPDATE etl.portal_job j
            SET lease_owner = $1, lease_expires_at = now() + $2::bigint * interval '1 second', renewed_at = now(),
                last_started_at = now()
            FROM due, etl.portal p
            WHERE j.portal_id = due.portal_id AND p.portal_id = j.portal_id
            RETURNING j.portal_id, p.name, extract(epoch FROM j.due_at)::bigint, j.failures, p.time_zone,
                      extract(epoch FROM now())::bigint
            """, [owner, String(leaseSeconds), Self.arrayLiteral(excluded), Self.textArrayLiteral(names)]
        ).rows.first
        guard let row, let id = row[0].flatMap({ Int64($0) }), let name = row[1],
            let due = row[2].flatMap({ Int64($0) }), let now = row[5].flatMap({ Int64($0) })
        else { return nil }
        return PortalJob(
            portalID: id, name: name, dueAt: due, failures: row[3].flatMap { Int($0) } ?? 0,
            timeZone: row[4], claimedAt: now)
    }

    /// Extends `owner`'s lease on the portal; `false` when the lease is no longer `owner`'s.
    public func renewLease(portalID: Int64, owner: String, leaseSeconds: Int64) throws -> Bool {
        try connection.execute(
            """
            UPDATE etl.portal_job SET lease_expires_at = now() + $3::bigint * interval '1 second', renewed_at = now()
            WHERE portal_id = $1::int AND lease_owner = $2
            """, [String(portalID), owner, String(leaseSeconds)]
        ).affectedRows == 1
    }

    /// Ends `owner`'s job: the lease freed and the next due time set; `false` when the lease had
    /// passed to another worker (then nothing changes).
    @discardableResult
    public func finishJob(portalID: Int64, owner: String, outcome: PortalJobOutcome) throws -> Bool {
        let (due, status, error, failures): (Int64, String, String?, String)
        switch outcome {
        case .succeeded(let next): (due, status, error, failures) = (next, "succeeded", nil, "0")
        case .failed(let retry, let message):
            (due, status, error, failures) = (retry, "failed", message, "failures + 1")
        case .released(let again, let reason): (due, status, error, failures) = (again, "released", reason, "failures")
        }
        return try connection.execute(
            """
            UPDATE etl.portal_job SET due_at = to_timestamp($3::bigint), lease_owner = NULL, lease_expires_at = NULL,
                   failures = \(failures), last_finished_at = now(), last_status = $4, last_error = $5
            WHERE portal_id = $1::int AND lease_owner = $2
            """, [String(portalID), owner, String(due), status, error]
        ).affectedRows == 1
    }

    /// Each stream's lag behind the database's now, in seconds, for the portals with jobs.
    public func watermarkLags() throws -> [(portal: String, stream: String, seconds: Double)] {
        try connection.execute(
            """
            SELECT p.name, s.stream, extract(epoch FROM now() - s.watermark_time)
            FROM etl.sync_state s JOIN etl.portal p USING (portal_id) JOIN etl.portal_job j USING (portal_id)
            WHERE j.enabled AND s.watermark_time IS NOT NULL ORDER BY 1, 2
            """
        ).rows.compactMap { row in
            guard let portal = row[0], let stream = row[1], let seconds = row[2].flatMap({ Double($0) }) else {
                return nil
            }
            return (portal, stream, seconds)
        }
    }

    /// The database's clock, in unix seconds.
    public func databaseNow() throws -> Int64 {
        try connection.execute("SELECT extract(epoch FROM now())::bigint").scalar.flatMap { Int64($0) } ?? 0
    }

    /// A Postgres text array literal, every element quoted and escaped.
    static func textArrayLiteral(_ values: [String]) -> String {
        let quoted = values.map { value in
            "\"" + value.flatMap { $0 == "\"" || $0 == "\\" ? ["\\", $0] : [$0] }.map(String.init).joined() + "\""
        }
        return "{" + quoted.joined(separator: ",") + "}"
    }
}
