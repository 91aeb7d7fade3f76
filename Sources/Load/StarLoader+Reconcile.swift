import LibPQ

/// Deletes: leads the portal no longer lists are flagged, never removed.
extension StarLoader {
    /// Compares the portal's ids with the star, and marks every live lead of the portal that is
    /// not in `liveIDs` as deleted at `deletedAt` — unless `allow` refuses what that would mark,
    /// in which case nothing is marked. Also returns the leads marked deleted that the portal
    /// lists again.
    public func reconcile(
        liveIDs: [Int64], portalID: Int64, runID: Int64, deletedAt: Int64, allow: (DeletePlan) -> Bool
    ) throws -> ReconcileOutcome {
        try prepare()
        var outcome = ReconcileOutcome(plan: DeletePlan(missing: 0, live: 0), marked: 0, reappeared: [])
        try connection.transaction {
            (outcome.plan, outcome.reappeared) = try compareListedIDs(
                liveIDs, table: StarTable.factLead.name, idColumn: "lead_id", portalID: portalID)
            guard allow(outcome.plan) else {
                try connection.execute(
                    "UPDATE etl.sync_run SET deletes_refused = $2 WHERE run_id = $1",
                    ids: [runID, Int64(outcome.plan.missing)])
                return
            }
            let affected = try connection.execute(Self.markDeleted, ids: [portalID, runID, deletedAt]).affectedRows
            outcome.marked = affected
            if affected > 0 { try connection.execute(Self.forgetTypedCustomFields, ids: [portalID]) }
            try connection.execute(
                "UPDATE etl.sync_run SET leads_deleted = leads_deleted + $2 WHERE run_id = $1",
                ids: [runID, Int64(affected)])
        }
        return outcome
    }

    /// Removes the typed custom fields of every lead of the portal missing from the staged scan
    /// (those `markDeleted` just marked), so `mart.lead_custom_fields` holds live leads only.
    /// `$1` portal_id.
    static let forgetTypedCustomFields = """
        SELECT etl.write_lead_custom_values($1::integer, ARRAY(
            SELECT c.lead_id FROM dw.lead_custom_value c
            WHERE c.portal_id = $1 AND NOT EXISTS (SELECT 1 FROM pg_temp.stage_ids s WHERE s.lead_id = c.lead_id)))
        """

    /// Marks every live lead missing from the staged scan deleted at the portal time `$3` (its
    /// product rows too), closes its current version there and opens one with `is_deleted` (its
    /// attributes as last seen).
    /// `$1` portal_id, `$2` run_id. Its row count is the number of leads marked.
    static let markDeleted = VersionStatements.lead.markDeleted(
        also: """
            , products AS (
                UPDATE dw.fact_lead_product p SET lead_is_deleted = true
                FROM marked m WHERE p.portal_id = $1 AND p.lead_id = m.lead_id
            )
            """)

    /// Stages the ids the portal listed (in `pg_temp.stage_ids`, for the marking that follows)
    /// and compares them with the rows of `table` keyed by `idColumn`: how many live rows the
    /// listing misses, and which rows flagged deleted it lists again (in id order).
    func compareListedIDs(
        _ liveIDs: [Int64], table: String, idColumn: String, portalID: Int64
    ) throws -> (plan: DeletePlan, reappeared: [Int64]) {
        _ = try copy(liveIDs, into: "pg_temp.stage_ids", columns: ["lead_id"]) { $0.append($1) }
        try connection.execute("ANALYZE pg_temp.stage_ids")
        let id = "f." + idColumn
        let counts = try connection.execute(
            """
            SELECT count(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM pg_temp.stage_ids s WHERE s.lead_id = \(id))),
                   count(*)
            FROM \(table) f WHERE f.portal_id = $1 AND NOT f.is_deleted
            """, ids: [portalID]
        ).rows.first
        let plan = DeletePlan(missing: counts?[0].flatMap { Int($0) } ?? 0, live: counts?[1].flatMap { Int($0) } ?? 0)
        let reappeared = try connection.execute(
            """
            SELECT \(id) FROM \(table) f JOIN pg_temp.stage_ids s ON s.lead_id = \(id)
            WHERE f.portal_id = $1 AND f.is_deleted ORDER BY \(id)
            """, ids: [portalID]
        ).rows.compactMap { $0[0].flatMap { Int64($0) } }
        return (plan, reappeared)
    }

    /// Counts a run's leads that were marked deleted and came back.
    public func recordUndeleted(runID: Int64, count: Int) throws {
        try connection.execute(
            "UPDATE etl.sync_run SET leads_undeleted = leads_undeleted + $2 WHERE run_id = $1",
            ids: [runID, Int64(count)])
    }

    /// Which of the given contacts and companies are already in `dw.dim_contact` / `dw.dim_company`.
    public func existingDimensions(portalID: Int64, ids: DimensionIDs) throws -> DimensionIDs {
        func present(_ table: StarTable, _ wanted: Set<Int64>) throws -> Set<Int64> {
            guard !wanted.isEmpty else { return [] }
            let column = table.key[1]
            let rows = try connection.execute(
                "SELECT \(column) FROM \(table.name) WHERE portal_id = $1 AND \(column) = ANY($2::bigint[])",
                [String(portalID), Self.arrayLiteral(Array(wanted))]
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

/// What a delete scan would do: how many live leads of the star the portal did not list.
public struct DeletePlan: Sendable, Equatable {
    /// Live leads in the star that the portal did not list.
    public var missing: Int
    /// Live leads in the star.
    public var live: Int

    /// A plan.
    public init(missing: Int, live: Int) {
        self.missing = missing
        self.live = live
    }

    /// `missing` as a share of `live` (0 when there are none).
    public var share: Double { live == 0 ? 0 : Double(missing) / Double(live) }
}

/// What a delete scan did.
public struct ReconcileOutcome: Sendable, Equatable {
    /// What it would mark.
    public var plan: DeletePlan
    /// Leads newly marked deleted (0 when refused).
    public var marked: Int
    /// Leads marked deleted that the portal lists again.
    public var reappeared: [Int64]
}
