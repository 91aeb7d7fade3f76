import LibPQ

/// Deletes: leads the portal no longer lists are flagged, never removed.
extension StarLoader {
    /// Marks every live lead of the portal that is not in `liveIDs` as deleted at `deletedAt`.
    /// - Returns: how many leads were newly marked.
    public func reconcile(liveIDs: [Int64], portalID: Int64, runID: Int64, deletedAt: Int64) throws -> Int {
        try prepare()
        var marked = 0
        try connection.transaction {
            _ = try copy(liveIDs, into: "pg_temp.stage_ids", columns: ["lead_id"]) { $0.append($1) }
            try connection.execute("ANALYZE pg_temp.stage_ids")
            var affected = 0
            for statement in SQLScript.reconcileMarkDeleted.statements {
                affected += try connection.execute(statement, ids: [portalID, runID, deletedAt]).affectedRows
            }
            marked = affected
            try connection.execute(
                "UPDATE etl.sync_run SET leads_deleted = leads_deleted + $2 WHERE run_id = $1",
                ids: [runID, Int64(marked)])
        }
        return marked
    }

    /// Live (not deleted) leads of the portal in `dw.fact_lead`.
    public func liveLeadCount(portalID: Int64) throws -> Int {
        Int(
            try connection.execute(
                "SELECT count(*) FROM dw.fact_lead WHERE portal_id = $1 AND NOT is_deleted", ids: [portalID]
            ).scalar ?? "0") ?? 0
    }

    /// Which of the given contacts and companies are already in `dw.dim_contact` / `dw.dim_company`.
    public func existingDimensions(portalID: Int64, ids: DimensionIDs) throws -> DimensionIDs {
        func present(_ table: StarTable, _ wanted: Set<Int64>) throws -> Set<Int64> {
            guard !wanted.isEmpty else { return [] }
            let column = table.key[1]
            let list = "{" + wanted.map(String.init).joined(separator: ",") + "}"
            let rows = try connection.execute(
                "SELECT \(column) FROM \(table.name) WHERE portal_id = $1 AND \(column) = ANY($2::bigint[])",
                [String(portalID), list]
            ).rows
            return Set(rows.compactMap { $0[0].flatMap { Int64($0) } })
        }
        return DimensionIDs(
            contacts: try present(.dimContact, ids.contacts), companies: try present(.dimCompany, ids.companies))
    }
}

/// Contact and company ids, named (never told apart by position).
public struct DimensionIDs: Sendable, Equatable {
    /// Contact ids.
    public var contacts: Set<Int64>
    /// Company ids.
    public var companies: Set<Int64>

    /// A set of ids.
    public init(contacts: Set<Int64> = [], companies: Set<Int64> = []) {
        self.contacts = contacts
        self.companies = companies
    }

    /// Whether there is no id at all.
    public var isEmpty: Bool { contacts.isEmpty && companies.isEmpty }

    /// These ids without `other`'s.
    public func subtracting(_ other: DimensionIDs) -> DimensionIDs {
        DimensionIDs(contacts: contacts.subtracting(other.contacts), companies: companies.subtracting(other.companies))
    }
}
