import LibPQ
import Star

/// Writes into the star schema on one connection: COPY into the session's staging tables (or
/// straight into an empty star), set-based merges, and the stream's progress and run counters
/// in the same transaction.
///
/// Not thread-safe: use it from one thread (`DatabaseWorker` keeps it on its own queue).
public final class StarLoader {
    /// The connection (the session-level advisory lock and the staging tables live on it).
    public let connection: Connection
    private var prepared = false

    /// A loader on `connection`.
    public init(connection: Connection) {
        self.connection = connection
    }

    /// Creates the session's staging tables (emptied at every commit).
    func prepare() throws {
        guard !prepared else { return }
        for table in StarTable.staged { try connection.execute(table.stagingDDL) }
        try connection.execute(
            "CREATE TEMP TABLE IF NOT EXISTS stage_ids (lead_id bigint PRIMARY KEY) ON COMMIT DELETE ROWS")
        prepared = true
    }

    /// Loads reference data (stages, sources, users, currencies, fields) in one transaction, and
    /// says what became of `mart.lead_custom_fields` (rebuilt only when the field definitions
    /// changed; `busy` when a reader held it past the wait, the old view then stays).
    @discardableResult
    public func loadReference(portalID: Int64, _ reference: ReferenceData) throws -> CustomFieldViewState {
        try prepare()
        var state = CustomFieldViewState.unchanged
        try connection.transaction {
            // One portal's reference load at a time in the database: each may rebuild the shared
            // mart.lead_custom_fields, and two rebuilds interleaved deadlock.
            try connection.execute("SELECT pg_advisory_xact_lock($1)", ids: [Self.referenceLockKey])
            try stage(.dimStatus, reference.stages) { writer, row in writer.append(status: row, portalID: portalID) }
            try stage(.dimSource, reference.sources) { writer, row in writer.append(source: row, portalID: portalID) }
            try stage(.dimUser, reference.users) { writer, row in writer.append(user: row, portalID: portalID) }
            try stage(.dimCurrency, reference.currencies) { writer, row in
                writer.append(currency: row, portalID: portalID)
            }
            try stage(.dimLeadField, reference.fields) { writer, row in writer.append(field: row, portalID: portalID) }
            try stage(.dimDealCategory, reference.dealCategories) { writer, row in
                writer.append(dealCategory: row, portalID: portalID)
            }
            try stage(.dimDealStage, reference.dealStages) { writer, row in
                writer.append(dealStage: row, portalID: portalID)
            }
            for table in [
                StarTable.dimStatus, .dimSource, .dimUser, .dimCurrency, .dimLeadField, .dimDealCategory, .dimDealStage,
            ] {
                try connection.execute(table.upsertFromStaging())
            }
            try SQLScript.referenceFinish.run(on: connection, ids: [portalID])
            // A reader or another portal's sync holding what the rebuild needs past its wait: the
            // old view stays (`busy`) and the next run tries again; the reference data commits.
            try connection.execute("SAVEPOINT refresh_view")
            do {
                let answer = try connection.execute("SELECT etl.refresh_lead_custom_fields()").scalar
                state = CustomFieldViewState(rawValue: answer ?? "") ?? .usedByOtherViews
                try connection.execute("RELEASE SAVEPOINT refresh_view")
            } catch let error as PostgresError where ["55P03", "40P01"].contains(error.sqlState ?? "") {
                try connection.execute("ROLLBACK TO SAVEPOINT refresh_view")
                state = .busy
            }
        }
        return state
    }

    /// The transaction-level advisory lock that serialises reference loads across portals.
    static let referenceLockKey = Int64(bitPattern: StableHash.fnv1a64("b24pg.reference"))

    /// COPYs `rows` into `table`'s staging table, each encoded by `encode`.
    @discardableResult
    func stage<Row>(
        _ table: StarTable, _ rows: [Row], _ encode: (inout CopyWriter, Row) -> Void
    ) throws -> CopySummary {
        try copy(rows, into: table.staging, columns: table.columns, encode)
    }

    /// COPYs `rows` into `target` (a table named by `schema.name`) with the given columns.
    func copy<Row>(
        _ rows: [Row], into target: String, columns: [String], _ encode: (inout CopyWriter, Row) -> Void
    ) throws -> CopySummary {
        try connection.copyFrom(table: target, columns: columns) { writer in
            for row in rows {
                encode(&writer, row)
                try writer.endRow()
            }
        }
    }

    /// Whether none of `tables` has a row of the portal, or of any portal when `portalID` is `nil`.
    func areEmpty(_ tables: [StarTable], portalID: Int64?) throws -> Bool {
        let filter = portalID == nil ? "" : " WHERE portal_id = $1"
        let test = tables.map { "NOT EXISTS (SELECT 1 FROM \($0.name)\(filter))" }.joined(separator: " AND ")
        return try connection.execute("SELECT \(test)", ids: portalID.map { [$0] } ?? []).scalar == "t"
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
}
