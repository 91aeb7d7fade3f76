import LibPQ

/// Index deferral for a database's first load, as `pg_restore` does it: the secondary indexes
/// the load does not use are set aside while the star is filled and built once at the end.
extension StarLoader {
    /// Secondary indexes a database's first load may set aside: non-unique, and used by no
    /// statement of the load itself (the per-lead lookups keep theirs). A schema test checks
    /// that each exists.
    public static let deferrableIndexes = [
        "bridge_lead_contact_contact", "fact_lead_closed", "fact_lead_created", "fact_lead_modified", "fact_lead_owner",
        "fact_lead_product_product", "fact_lead_source", "fact_lead_stage_history_lead",
        "fact_lead_stage_history_status", "fact_lead_stage_history_success", "fact_lead_status",
        "lead_stage_reached_lead",
    ]

    /// Serialises setting indexes aside and building them again across concurrent syncs.
    static let indexLockKey: Int64 = 0x6232_3470_6764_6978

    /// Sets the deferrable secondary indexes aside when the whole star is empty (the database's
    /// first load), recording each definition in `etl.deferred_index` in the transaction that
    /// drops it. Returns how many were set aside.
    public func deferIndexesIfStarEmpty() throws -> Int {
        var deferred = 0
        let tables: [StarTable] = [
            .factLead, .factLeadProduct, .bridgeLeadContact, .factLeadStageHistory,
            StarTable("dw.lead_stage_reached", columns: [], key: []),
        ]
        do {
            try connection.transaction {
                try connection.execute("SELECT pg_advisory_xact_lock($1)", ids: [Self.indexLockKey])
                // Every table at once, or not at all: other portals' syncs (a worker runs several)
                // may be reading them, and dropping indexes one table after another while they
                // wait could deadlock with them. A table in use means the star is not empty anyway.
                try connection.execute("SET LOCAL lock_timeout = '200ms'")
                try connection.execute(
                    "LOCK TABLE \(tables.map(\.name).joined(separator: ", ")) IN ACCESS EXCLUSIVE MODE")
                deferred = try dropDeferrableIndexes(ifEmpty: tables)
            }
        } catch let error as PostgresError where ["55P03", "40P01"].contains(error.sqlState ?? "") {
            return 0
        }
        return deferred
    }

    /// Drops the deferrable indexes when `tables` hold no row, recording each definition first.
    private func dropDeferrableIndexes(ifEmpty tables: [StarTable]) throws -> Int {
        guard try areEmpty(tables, portalID: nil) else { return 0 }
        let indexes = try connection.execute(
            """
            SELECT indexname, tablename, indexdef FROM pg_indexes
            WHERE schemaname = 'dw' AND indexname = ANY($1::text[]) ORDER BY indexname
            """, ["{" + Self.deferrableIndexes.joined(separator: ",") + "}"])
        var deferred = 0
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
        return deferred
    }

    /// Recreates every index a first load set aside, each in the transaction that deletes its
    /// `etl.deferred_index` row. Returns how many were built.
    public func restoreDeferredIndexes() throws -> Int {
        let pending = try connection.execute("SELECT index_name FROM etl.deferred_index ORDER BY index_name")
        var restored = 0
        for name in pending.rows.compactMap({ $0[0] }) {
            try connection.transaction {
                try connection.execute("SELECT pg_advisory_xact_lock($1)", ids: [Self.indexLockKey])
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
}
