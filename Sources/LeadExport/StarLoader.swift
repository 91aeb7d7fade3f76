import B24Core
import LibPQ

/// Writes into the star schema on one connection: COPY into temporary staging tables, then
/// set-based upserts, with the stream watermark and run counters in the same transaction.
///
/// Not thread-safe: use it from one thread (the pipeline keeps it on its own queue).
public final class StarLoader {
    /// The connection (session-level advisory lock and temp tables live on it).
    public let connection: Connection
    private var prepared = false

    /// A loader on `connection`.
    public init(connection: Connection) {
        self.connection = connection
    }

    /// Creates the session's staging tables (emptied at every commit).
    func prepare() throws {
        guard !prepared else { return }
        try connection.executeScript(Self.stagingDDL)
        prepared = true
    }

    /// The portal's id, creating its `etl.portal` row; the time zone is refreshed.
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
            """, [String(portalID)])
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

    /// The stored state of a stream.
    public func streamState(portalID: Int64, stream: String) throws -> StreamState {
        let result = try connection.execute(
            """
            SELECT extract(epoch FROM watermark_time)::bigint, watermark_id, extract(epoch FROM pass_started_at)::bigint,
                   pass_mode, pass_filter
            FROM etl.sync_state WHERE portal_id = $1 AND stream = $2
            """, [String(portalID), stream])
        guard let row = result.rows.first else { return StreamState() }
        return StreamState(
            watermarkTime: row[0].flatMap { Int64($0) }, cursor: row[1].flatMap { Int64($0) } ?? 0,
            passStartedAt: row[2].flatMap { Int64($0) }, passMode: row[3], passFilter: row[4])
    }

    /// Loads reference data (stages, sources, users, currencies, fields) in one transaction.
    public func loadReference(portalID: Int64, _ reference: ReferenceData) throws {
        try prepare()
        try connection.transaction {
            _ = try connection.copyFrom(
                "COPY pg_temp.stage_status (kind, status_id, name, sort, semantic, color, is_system) FROM STDIN"
            ) { writer in
                for (kind, rows) in [("STATUS", reference.stages), ("SOURCE", reference.sources)] {
                    for row in rows {
                        writer.append(kind)
                        writer.append(row.statusID)
                        writer.append(row.name)
                        writer.append(row.sort)
                        writer.append(row.semantic)
                        writer.append(row.color)
                        writer.append(row.isSystem)
                        try writer.endRow()
                    }
                }
            }
            _ = try connection.copyFrom("COPY pg_temp.stage_user FROM STDIN") { writer in
                for user in reference.users {
                    writer.append(user.userID)
                    writer.append(user.name)
                    writer.append(user.firstName)
                    writer.append(user.lastName)
                    writer.append(user.email)
                    writer.append(user.position)
                    writer.append(user.active)
                    try writer.endRow()
                }
            }
            _ = try connection.copyFrom("COPY pg_temp.stage_currency FROM STDIN") { writer in
                for currency in reference.currencies {
                    writer.append(currency.currencyID)
                    writer.append(currency.name)
                    writer.append(currency.amount)
                    writer.append(currency.amountCount)
                    writer.append(currency.isBase)
                    writer.append(currency.sort)
                    try writer.endRow()
                }
            }
            _ = try connection.copyFrom("COPY pg_temp.stage_field FROM STDIN") { writer in
                for field in reference.fields {
                    writer.append(field.fieldName)
                    writer.append(field.type)
                    writer.append(field.label)
                    writer.append(field.isMultiple)
                    writer.append(field.isRequired)
                    writer.append(field.isCustom)
                    writer.append(field.items)
                    writer.append(field.sort)
                    try writer.endRow()
                }
            }
            try connection.executeScript(Self.script(Self.referenceUpserts, ["$PORTAL": portalID]))
        }
    }

    /// Loads one chunk of leads with their children and dimensions, and moves the stream's cursor,
    /// all in one transaction: after a crash either all of it is there or none.
    public func loadChunk(
        _ chunk: LeadChunk, portalID: Int64, runID: Int64, progress: StreamProgress, requests: RunCounters,
        direct: Bool = false
    ) throws -> ChunkCounts {
        try prepare()
        var counts = ChunkCounts()
        try connection.transaction {
            let target = direct ? "dw.fact_lead" : "pg_temp.stage_lead"
            let runColumn = direct ? ", last_run_id" : ""
            let leads = try connection.copyFrom(
                "COPY \(target) (\(Self.leadColumns.joined(separator: ", "))\(runColumn)) FROM STDIN"
            ) { writer in
                for lead in chunk.leads {
                    writer.append(lead: lead, portalID: portalID)
                    if direct { writer.append(runID) }
                    try writer.endRow()
                }
            }
            let products = try connection.copyFrom(
                "COPY \(direct ? "dw.fact_lead_product" : "pg_temp.stage_product") "
                    + "(\(Self.productColumns.joined(separator: ", "))) FROM STDIN"
            ) { writer in
                for row in direct ? Self.unique(chunk.productRows, keepLast: true, by: \.rowID) : chunk.productRows {
                    writer.append(productRow: row, portalID: portalID)
                    try writer.endRow()
                }
            }
            let links = try connection.copyFrom(
                "COPY \(direct ? "dw.bridge_lead_contact" : "pg_temp.stage_link") "
                    + "(portal_id, lead_id, contact_id, is_primary, sort, role_id) FROM STDIN"
            ) { writer in
                let rows =
                    direct
                    ? Self.unique(chunk.contactLinks, keepLast: false, by: { SIMD2($0.leadID, $0.contactID) })
                    : chunk.contactLinks
                for link in rows {
                    writer.append(link: link, portalID: portalID)
                    try writer.endRow()
                }
            }
            try copyDimensions(contacts: chunk.contacts, companies: chunk.companies, portalID: portalID)
            let firstID = chunk.leads.lazy.map(\.leadID).min() ?? 0
            let lastID = chunk.leads.lazy.map(\.leadID).max() ?? 0
            try connection.executeScript(
                Self.script(
                    direct ? Self.directChunkFollowUp : Self.chunkUpserts,
                    ["$PORTAL": portalID, "$RUN": runID, "$FIRST": firstID, "$LAST": lastID]))
            try saveProgress(progress, portalID: portalID, runID: runID)
            counts = ChunkCounts(
                leads: leads.rows, productRows: products.rows, contactLinks: links.rows,
                nulStripped: leads.strippedNULs + products.strippedNULs + links.strippedNULs
                    + chunk.leads.reduce(0) { $0 + $1.strippedNULs },
                skipped: chunk.rejected.count)
            try addCounts(counts, runID: runID, requests: requests)
        }
        return counts
    }

    /// Loads stage-history rows and moves the history cursor in one transaction.
    public func loadHistory(
        _ rows: [StageHistoryRecord], portalID: Int64, runID: Int64, lastID: Int64, skipped: Int, requests: RunCounters,
        direct: Bool = false
    ) throws -> ChunkCounts {
        try prepare()
        var counts = ChunkCounts()
        try connection.transaction {
            let target = direct ? "dw.fact_lead_stage_history" : "pg_temp.stage_history"
            let copied = try connection.copyFrom("COPY \(target) FROM STDIN") { writer in
                for row in direct ? Self.unique(rows, keepLast: true, by: \.historyID) : rows {
                    writer.append(portalID)
                    writer.append(row.historyID)
                    writer.append(row.leadID)
                    writer.append(row.typeID)
                    writer.append(row.statusID)
                    writer.append(row.statusSemantic)
                    writer.append(timestamp: row.createdAt)
                    writer.append(dateKey: row.createdDateKey)
                    try writer.endRow()
                }
            }
            if !direct { try connection.executeScript(Self.historyUpsert) }
            // A first load marks the stream, so a rerun after a crash goes on copying straight in
            // and the stages the rows show reached are still derived when the stream ends.
            try saveProgress(
                StreamProgress(
                    stream: "stage_history", cursor: lastID, passStartedAt: nil,
                    passMode: direct ? Self.historyFirstLoad : nil, passFilter: nil),
                portalID: portalID, runID: runID)
            counts = ChunkCounts(stageHistory: copied.rows, nulStripped: copied.strippedNULs, skipped: skipped)
            try addCounts(counts, runID: runID, requests: requests)
        }
        return counts
    }

    /// Whether the portal has no leads, product rows, links or versions yet: its first load may
    /// COPY straight into the star's tables instead of going through staging and upserts.
    public func leadStarIsEmpty(portalID: Int64) throws -> Bool {
        try areEmpty(
            ["dw.fact_lead", "dw.fact_lead_product", "dw.bridge_lead_contact", "dw.fact_lead_version"],
            portalID: portalID)
    }

    /// Whether the portal's stage history may be copied straight into its table: it has none yet,
    /// or a first load of it was interrupted (`state` carries the first-load mark).
    public func historyLoadsDirectly(portalID: Int64, state: StreamState) throws -> Bool {
        if state.passMode == Self.historyFirstLoad { return true }
        return try areEmpty(["dw.fact_lead_stage_history"], portalID: portalID)
    }

    /// Whether none of `tables` (constants of this file) has a row of the portal, or of any
    /// portal when `portalID` is `nil`.
    private func areEmpty(_ tables: [String], portalID: Int64?) throws -> Bool {
        let filter = portalID == nil ? "" : " WHERE portal_id = $1"
        let test = tables.map { "NOT EXISTS (SELECT 1 FROM \($0)\(filter))" }.joined(separator: " AND ")
        return try connection.execute("SELECT \(test)", portalID.map { [String($0)] } ?? []).scalar == "t"
    }

    /// Ends a first load of stage history: the stages its rows show reached, derived in one
    /// statement for the whole history, and the first-load mark cleared, in one transaction.
    public func finishHistoryFirstLoad(portalID: Int64) throws {
        try connection.transaction {
            try connection.executeScript(Self.script(Self.historyFirstLoadFollowUp, ["$PORTAL": portalID]))
        }
    }

    /// Sets the deferrable secondary indexes aside when the whole star is empty (the database's
    /// first load), recording each definition in `etl.deferred_index` in the transaction that
    /// drops it. Returns how many were set aside.
    public func deferIndexesIfStarEmpty() throws -> Int {
        var deferred = 0
        try connection.transaction {
            try connection.execute("SELECT pg_advisory_xact_lock($1)", [String(Self.indexLockKey)])
            let tables = [
                "dw.fact_lead", "dw.fact_lead_product", "dw.bridge_lead_contact", "dw.fact_lead_stage_history",
                "dw.lead_stage_reached",
            ]
            guard try areEmpty(tables, portalID: nil) else { return }
            let indexes = try connection.execute(
                """
                SELECT indexname, tablename, indexdef FROM pg_indexes
                WHERE schemaname = 'dw' AND indexname = ANY($1::text[]) ORDER BY indexname
                """, ["{" + Self.deferrableIndexes.joined(separator: ",") + "}"])
            for row in indexes.rows {
                guard let name = row[0], let table = row[1], let definition = row[2] else { continue }
                try connection.execute(
                    """
                    INSERT INTO etl.deferred_index (index_name, table_name, definition) VALUES ($1, $2, $3)
                    ON CONFLICT (index_name) DO NOTHING
                    """, [name, table, definition])
                try connection.execute("DROP INDEX IF EXISTS \(SQLIdentifier.quoted(schema: "dw", name))")
                deferred += 1
            }
        }
        return deferred
    }

    /// Recreates every index a first load set aside, each in the transaction that deletes its
    /// `etl.deferred_index` row. Returns how many were built.
    public func restoreDeferredIndexes() throws -> Int {
        let pending = try connection.execute("SELECT index_name FROM etl.deferred_index ORDER BY index_name")
        var restored = 0
        for name in pending.rows.compactMap({ $0[0] }) {
            try connection.transaction {
                try connection.execute("SELECT pg_advisory_xact_lock($1)", [String(Self.indexLockKey)])
                let taken = try connection.execute(
                    "DELETE FROM etl.deferred_index WHERE index_name = $1 RETURNING definition", [name])
                guard let definition = taken.scalar else { return }
                try connection.execute("SET LOCAL maintenance_work_mem = '256MB'")
                try connection.execute(definition)
                restored += 1
            }
        }
        return restored
    }

    /// `template` with each placeholder (`$PORTAL`, `$RUN`…) replaced by its integer: ids are the
    /// only values that ever enter the loader's SQL text.
    static func script(_ template: String, _ values: [String: Int64]) -> String {
        values.reduce(template) { text, entry in text.replacingOccurrences(of: entry.key, with: String(entry.value)) }
    }

    /// One row per key, in the original order; the last (or first) of rows sharing a key wins.
    static func unique<Row, Key: Hashable>(_ rows: [Row], keepLast: Bool, by key: (Row) -> Key) -> [Row] {
        var position: [Key: Int] = [:]
        var kept: [Row] = []
        kept.reserveCapacity(rows.count)
        for row in rows {
            let rowKey = key(row)
            if let index = position[rowKey] {
                if keepLast { kept[index] = row }
            } else {
                position[rowKey] = kept.count
                kept.append(row)
            }
        }
        return kept
    }

    /// Marks every live lead of the portal that is not in `liveIDs` as deleted at `deletedAt`.
    /// - Returns: how many leads were newly marked.
    public func reconcile(liveIDs: [Int64], portalID: Int64, runID: Int64, deletedAt: Int64) throws -> Int {
        try prepare()
        var marked = 0
        try connection.transaction {
            _ = try connection.copyFrom("COPY pg_temp.stage_ids (lead_id) FROM STDIN") { writer in
                for id in liveIDs {
                    writer.append(id)
                    try writer.endRow()
                }
            }
            try connection.execute("ANALYZE pg_temp.stage_ids")
            let result = try connection.execute(
                """
                UPDATE dw.fact_lead f SET is_deleted = true, deleted_at = to_timestamp($2), last_run_id = $3
                WHERE f.portal_id = $1 AND NOT f.is_deleted
                  AND NOT EXISTS (SELECT 1 FROM pg_temp.stage_ids s WHERE s.lead_id = f.lead_id)
                """, [String(portalID), String(deletedAt), String(runID)])
            marked = result.affectedRows
            try connection.execute(
                "UPDATE etl.sync_run SET leads_deleted = leads_deleted + $2 WHERE run_id = $1",
                [String(runID), String(marked)])
        }
        return marked
    }

    /// Ends a pass over a stream: the pass's start (the earliest, if a crashed pass was resumed)
    /// becomes the watermark and the cursor resets.
    public func completePass(portalID: Int64, stream: String, runID: Int64, passStartedAt: Int64) throws {
        try connection.execute(
            """
            INSERT INTO etl.sync_state (portal_id, stream, watermark, watermark_time, watermark_id, run_id)
            VALUES ($1, $2, '', to_timestamp($4), 0, $3)
            ON CONFLICT (portal_id, stream) DO UPDATE SET
                watermark_time = COALESCE(etl.sync_state.pass_started_at, EXCLUDED.watermark_time),
                watermark_id = 0, pass_started_at = NULL, pass_mode = NULL, pass_filter = NULL,
                run_id = EXCLUDED.run_id, updated_at = now();
            """, [String(portalID), stream, String(runID), String(passStartedAt)])
        try connection.execute(
            """
            UPDATE etl.sync_state
            SET watermark = to_char(watermark_time AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"+00:00"')
            WHERE portal_id = $1 AND stream = $2
            """, [String(portalID), stream])
    }

    /// Which of the given contacts and companies are already in `dw.dim_contact` / `dw.dim_company`.
    public func existingDimensions(
        portalID: Int64, contacts: Set<Int64>, companies: Set<Int64>
    ) throws -> (Set<Int64>, Set<Int64>) {
        func present(_ table: String, _ column: String, _ ids: Set<Int64>) throws -> Set<Int64> {
            guard !ids.isEmpty else { return [] }
            let list = "{" + ids.map(String.init).joined(separator: ",") + "}"
            let rows = try connection.execute(
                "SELECT \(column) FROM \(table) WHERE portal_id = $1 AND \(column) = ANY($2::bigint[])",
                [String(portalID), list]
            ).rows
            return Set(rows.compactMap { $0[0].flatMap { Int64($0) } })
        }
        return (
            try present("dw.dim_contact", "contact_id", contacts),
            try present("dw.dim_company", "company_id", companies)
        )
    }

    /// Live (not deleted) leads of the portal in `dw.fact_lead`.
    public func liveLeadCount(portalID: Int64) throws -> Int {
        Int(
            try connection.execute(
                "SELECT count(*) FROM dw.fact_lead WHERE portal_id = $1 AND NOT is_deleted", [String(portalID)]
            ).scalar ?? "0") ?? 0
    }

    private func copyDimensions(contacts: [ContactRecord], companies: [CompanyRecord], portalID: Int64) throws {
        _ = try connection.copyFrom("COPY pg_temp.stage_contact FROM STDIN") { writer in
            for contact in contacts {
                writer.append(portalID)
                writer.append(contact.contactID)
                writer.append(contact.name)
                writer.append(contact.firstName)
                writer.append(contact.lastName)
                writer.append(contact.post)
                writer.append(contact.typeID)
                writer.append(contact.sourceID)
                writer.append(contact.companyID)
                writer.append(contact.assignedByID)
                writer.append(timestamp: contact.createdAt)
                writer.append(timestamp: contact.modifiedAt)
                try writer.endRow()
            }
        }
        _ = try connection.copyFrom("COPY pg_temp.stage_company FROM STDIN") { writer in
            for company in companies {
                writer.append(portalID)
                writer.append(company.companyID)
                writer.append(company.title)
                writer.append(company.companyType)
                writer.append(company.industry)
                writer.append(company.employees)
                writer.append(company.revenue)
                writer.append(company.currencyID)
                writer.append(company.assignedByID)
                writer.append(timestamp: company.createdAt)
                writer.append(timestamp: company.modifiedAt)
                try writer.endRow()
            }
        }
    }

    private func saveProgress(_ progress: StreamProgress, portalID: Int64, runID: Int64) throws {
        try connection.execute(
            """
            INSERT INTO etl.sync_state (portal_id, stream, watermark, watermark_id, run_id, pass_started_at, pass_mode, pass_filter)
            VALUES ($1, $2, $3, $4, $5, to_timestamp($6), $7, $8)
            ON CONFLICT (portal_id, stream) DO UPDATE SET
                watermark_id = EXCLUDED.watermark_id, run_id = EXCLUDED.run_id, updated_at = now(),
                watermark = CASE WHEN EXCLUDED.stream = 'stage_history' THEN EXCLUDED.watermark ELSE etl.sync_state.watermark END,
                pass_started_at = COALESCE(etl.sync_state.pass_started_at, EXCLUDED.pass_started_at),
                pass_mode = COALESCE(EXCLUDED.pass_mode, etl.sync_state.pass_mode),
                pass_filter = EXCLUDED.pass_filter
            """,
            [
                String(portalID), progress.stream, progress.stream == "stage_history" ? String(progress.cursor) : "",
                String(progress.cursor), String(runID), progress.passStartedAt.map(String.init), progress.passMode,
                progress.passFilter,
            ])
    }

    private func addCounts(_ counts: ChunkCounts, runID: Int64, requests: RunCounters) throws {
        try connection.execute(
            """
            UPDATE etl.sync_run SET leads_upserted = leads_upserted + $2, product_rows = product_rows + $3,
                   contact_links = contact_links + $4, stage_history = stage_history + $5,
                   records_skipped = records_skipped + $6, nul_stripped = nul_stripped + $7,
                   http_requests = $8, retries = $9, throttled = $10
            WHERE run_id = $1
            """,
            [
                String(runID), String(counts.leads), String(counts.productRows), String(counts.contactLinks),
                String(counts.stageHistory), String(counts.skipped), String(counts.nulStripped),
                String(requests.requests), String(requests.retries), String(requests.throttled),
            ])
    }
}

/// Where a stream stands.
public struct StreamState: Sendable, Equatable {
    /// Portal time up to which the stream is complete.
    public var watermarkTime: Int64?
    /// Cursor inside an unfinished pass (leads) or the last id (history).
    public var cursor: Int64 = 0
    /// Portal time the unfinished pass began.
    public var passStartedAt: Int64?
    /// Mode of the unfinished pass.
    public var passMode: String?
    /// DATE_MODIFY lower bound of the unfinished pass.
    public var passFilter: String?

    /// Creates a state.
    public init(
        watermarkTime: Int64? = nil, cursor: Int64 = 0, passStartedAt: Int64? = nil, passMode: String? = nil,
        passFilter: String? = nil
    ) {
        self.watermarkTime = watermarkTime
        self.cursor = cursor
        self.passStartedAt = passStartedAt
        self.passMode = passMode
        self.passFilter = passFilter
    }
}

/// The progress committed with a chunk.
public struct StreamProgress: Sendable {
    /// `leads` or `stage_history`.
    public var stream: String
    /// The keyset cursor after the chunk.
    public var cursor: Int64
    /// Portal time the pass began.
    public var passStartedAt: Int64?
    /// The pass's mode.
    public var passMode: String?
    /// The pass's DATE_MODIFY lower bound.
    public var passFilter: String?
}

/// What a chunk added.
public struct ChunkCounts: Sendable, Equatable {
    /// Leads upserted.
    public var leads = 0
    /// Product rows written.
    public var productRows = 0
    /// Contact links written.
    public var contactLinks = 0
    /// Stage-history rows written.
    public var stageHistory = 0
    /// NUL characters stripped.
    public var nulStripped = 0
    /// Records skipped as invalid.
    public var skipped = 0
}

extension ChunkCounts {
    /// Adds another chunk's counts.
    public static func += (total: inout ChunkCounts, part: ChunkCounts) {
        total.leads += part.leads
        total.productRows += part.productRows
        total.contactLinks += part.contactLinks
        total.stageHistory += part.stageHistory
        total.nulStripped += part.nulStripped
        total.skipped += part.skipped
    }
}

/// Request counters for the run row.
public struct RunCounters: Sendable {
    /// HTTP requests.
    public var requests: Int
    /// Retries.
    public var retries: Int
    /// 503 and 429 answers.
    public var throttled: Int

    /// Creates counters.
    public init(requests: Int, retries: Int, throttled: Int) {
        self.requests = requests
        self.retries = retries
        self.throttled = throttled
    }
}
