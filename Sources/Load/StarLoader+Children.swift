import LibPQ
import Star

/// What `dw` holds of lead children, to compare with the portal's answers; how a portal answers
/// product rows; when its children were audited; the cheap delete check.
extension StarLoader {
    /// The contact sets `dw` holds for the given leads or deals (those without bindings are absent).
    public func bindingSets(portalID: Int64, ids: [Int64], owner: CRMOwner = .lead) throws -> [Int64: BindingSet] {
        guard !ids.isEmpty else { return [:] }
        let rows = try connection.execute(
            """
            SELECT \(owner.rawValue)_id, contact_id, is_primary FROM dw.bridge_\(owner.rawValue)_contact
            WHERE portal_id = $1 AND \(owner.rawValue)_id = ANY($2::bigint[])
            """, [String(portalID), Self.arrayLiteral(ids)]
        ).rows
        var contacts: [Int64: Set<Int64>] = [:]
        var primary: [Int64: Int64] = [:]
        for row in rows {
            guard let lead = row[0].flatMap({ Int64($0) }), let contact = row[1].flatMap({ Int64($0) }) else {
                continue
            }
            contacts[lead, default: []].insert(contact)
            if row[2] == "t" { primary[lead] = contact }
        }
        return contacts.reduce(into: [:]) { sets, entry in
            sets[entry.key] = BindingSet(contactIDs: entry.value, primary: primary[entry.key])
        }
    }

    /// The leads or deals among `ids` whose product rows in `dw` differ from `rows` (the portal's
    /// rows of exactly those owners): a row added, gone or with any column changed.
    public func ownersWithDifferentProductRows(
        portalID: Int64, owner: CRMOwner = .lead, ids: [Int64], rows: [ProductRowRecord]
    ) throws -> [Int64] {
        guard !ids.isEmpty else { return [] }
        try prepare()
        let table: StarTable = owner == .lead ? .factLeadProduct : .factDealProduct
        let id = "\(owner.rawValue)_id"
        let columns = table.columns.joined(separator: ", ")
        return try connection.transaction {
            try stage(table, rows) { $0.append(productRow: $1, portalID: portalID) }
            _ = try copy(ids, into: "pg_temp.stage_ids", columns: ["lead_id"]) { $0.append($1) }
            let dwRows = """
                SELECT \(columns) FROM \(table.name) p
                WHERE p.portal_id = $1 AND p.\(id) IN (SELECT lead_id FROM pg_temp.stage_ids)
                """
            let staged = "SELECT \(columns) FROM \(table.staging)"
            return try connection.execute(
                """
                SELECT DISTINCT \(id) FROM (
                    (\(staged) EXCEPT ALL \(dwRows)) UNION ALL (\(dwRows) EXCEPT ALL \(staged))
                ) differing ORDER BY \(id)
                """, ids: [portalID]
            ).rows.compactMap { $0[0].flatMap { Int64($0) } }
        }
    }

    /// Up to `limit` live leads or deals with product rows in `dw`, spread over the id range
    /// (probe samples).
    public func ownersWithProductRows(portalID: Int64, owner: CRMOwner, limit: Int) throws -> [Int64] {
        let id = "\(owner.rawValue)_id"
        return try connection.execute(
            """
            SELECT \(id) FROM (
                SELECT DISTINCT p.\(id) FROM dw.fact_\(owner.rawValue)_product p
                JOIN dw.fact_\(owner.rawValue) f ON f.portal_id = p.portal_id AND f.\(id) = p.\(id) AND NOT f.is_deleted
                WHERE p.portal_id = $1) l
            ORDER BY hashint8(\(id)) LIMIT $2
            """, ids: [portalID, Int64(limit)]
        ).rows.compactMap { $0[0].flatMap { Int64($0) } }
    }

    /// `product_rows_` (leads) or `deal_product_rows_`: the `etl.portal` columns of a probe.
    private static func accessPrefix(_ owner: CRMOwner) -> String {
        owner == .lead ? "product_rows_" : "deal_product_rows_"
    }

    /// How the portal answered `owner`'s product rows when last probed.
    public func productRowAccess(portalID: Int64, owner: CRMOwner) throws -> ProductRowAccess {
        let prefix = Self.accessPrefix(owner)
        let row = try connection.execute(
            """
            SELECT \(prefix)mode, \(prefix)reason, extract(epoch FROM \(prefix)probed_at)::bigint
            FROM etl.portal WHERE portal_id = $1
            """, ids: [portalID]
        ).rows.first
        return ProductRowAccess(
            ownerSets: row?[0].map { $0 == "owner_sets" }, reason: row?[1] ?? nil,
            probedAt: row?[2].flatMap { Int64($0) })
    }

    /// Records what a probe (or a refusal during a run) decided; `probedAt` nil keeps the last probe time.
    public func recordProductRowAccess(portalID: Int64, owner: CRMOwner, _ access: ProductRowAccess) throws {
        let prefix = Self.accessPrefix(owner)
        try connection.execute(
            """
            UPDATE etl.portal SET \(prefix)mode = $2, \(prefix)reason = $3,
                   \(prefix)probed_at = COALESCE(to_timestamp($4::bigint), \(prefix)probed_at)
            WHERE portal_id = $1
            """,
            [
                String(portalID), access.ownerSets.map { $0 ? "owner_sets" : "per_\(owner.rawValue)" }, access.reason,
                access.probedAt.map(String.init),
            ])
    }

    /// When the portal's children were last audited (unix seconds), if ever.
    public func childrenAuditedAt(portalID: Int64) throws -> Int64? {
        try connection.execute(
            "SELECT extract(epoch FROM children_audited_at)::bigint FROM etl.portal WHERE portal_id = $1",
            ids: [portalID]
        ).scalar.flatMap { Int64($0) }
    }

    /// Records a finished audit: its time on the portal, and on the run whether it ran and what it repaired.
    public func recordAudit(portalID: Int64, runID: Int64, at time: Int64, repaired: Int) throws {
        try connection.transaction {
            try connection.execute(
                "UPDATE etl.portal SET children_audited_at = to_timestamp($2) WHERE portal_id = $1",
                ids: [portalID, time])
            try connection.execute(
                "UPDATE etl.sync_run SET children_audited = true, children_repaired = $2 WHERE run_id = $1",
                ids: [runID, Int64(repaired)])
        }
    }

    /// The leads the star knows (loaded, deleted or rejected) cut into up to `parts` id ranges of
    /// about as many live leads each, with how many leads in each range the portal should list if
    /// nothing was deleted or restored there: the live ones and the rejected ones not loaded. The
    /// last range ends at the highest id the star knows. `nil` when the star knows no lead.
    public func deleteCheckBasis(portalID: Int64, parts: Int = 39) throws -> DeleteCheckBasis? {
        let rows = try connection.execute(
            """
            WITH rejected AS (
                SELECT DISTINCT r.record_id AS lead_id FROM etl.rejected_record r
                WHERE r.portal_id = $1 AND r.record_id IS NOT NULL
                  AND r.entity IN ('lead', 'product row of lead', 'contact binding of lead', 'contact set of lead')
                  AND NOT EXISTS (SELECT 1 FROM dw.fact_lead f WHERE f.portal_id = $1 AND f.lead_id = r.record_id)),
            expected AS (
                SELECT lead_id FROM dw.fact_lead WHERE portal_id = $1 AND NOT is_deleted
                UNION ALL SELECT lead_id FROM rejected),
            parts AS (SELECT lead_id, ntile($2::int) OVER (ORDER BY lead_id) AS part FROM expected),
            top AS (SELECT greatest((SELECT max(lead_id) FROM dw.fact_lead WHERE portal_id = $1),
                                    (SELECT max(lead_id) FROM rejected)) AS max_id)
            SELECT t.max_id, p.high, p.leads
            FROM top t
            LEFT JOIN (SELECT max(lead_id) AS high, count(*) AS leads FROM parts GROUP BY part) p ON true
            ORDER BY p.high
            """, ids: [portalID, Int64(max(1, parts))]
        ).rows
        // Every row carries the highest known id; with no live or rejected lead, one row without parts.
        guard let maxID = rows.first?[0].flatMap({ Int64($0) }) else { return nil }
        let parts = rows.compactMap { row -> (high: Int64, leads: Int)? in
            guard let high = row[1].flatMap({ Int64($0) }), let leads = row[2].flatMap({ Int($0) }) else { return nil }
            return (high, leads)
        }
        var ranges: [CountRange] = []
        var after: Int64 = 0
        for (index, part) in parts.enumerated() {
            // The last range reaches the highest id known, deleted leads' included (a restore shows there).
            let upTo = index == parts.count - 1 ? maxID : part.high
            ranges.append(CountRange(after: after, upTo: upTo, expected: part.leads))
            after = upTo
        }
        return DeleteCheckBasis(ranges: ranges.isEmpty ? [CountRange(after: 0, upTo: maxID, expected: 0)] : ranges)
    }

    /// Records how the run looked for deletes.
    public func recordDeleteCheck(runID: Int64, _ how: String) throws {
        try connection.execute("UPDATE etl.sync_run SET delete_check = $2 WHERE run_id = $1", [String(runID), how])
    }

    /// `{1,2,3}`: a bigint array parameter.
    static func arrayLiteral(_ ids: [Int64]) -> String {
        "{" + ids.map(String.init).joined(separator: ",") + "}"
    }
}

/// How a portal answers product rows of owner sets, as last probed.
public struct ProductRowAccess: Sendable, Equatable {
    /// `true`: owner sets; `false`: per lead; `nil`: never probed.
    public var ownerSets: Bool?
    /// What the probe saw, or what the portal refused.
    public var reason: String?
    /// When it was probed (unix seconds).
    public var probedAt: Int64?

    /// A decision.
    public init(ownerSets: Bool?, reason: String?, probedAt: Int64?) {
        self.ownerSets = ownerSets
        self.reason = reason
        self.probedAt = probedAt
    }
}

/// What the star expects the portal to count, range by range, for the delete check.
public struct DeleteCheckBasis: Sendable, Equatable {
    /// Consecutive id ranges from 0 to the highest id the star knows.
    public var ranges: [CountRange]

    /// A basis.
    public init(ranges: [CountRange]) {
        self.ranges = ranges
    }

    /// The highest lead id the star knows.
    public var maxLeadID: Int64 { ranges.last?.upTo ?? 0 }
}

/// Leads with an id in `after <.. upTo`, and how many of them the portal should list.
public struct CountRange: Sendable, Equatable {
    /// The range starts after this id.
    public var after: Int64
    /// The range ends at this id.
    public var upTo: Int64
    /// Leads the portal lists in it when none was deleted or restored.
    public var expected: Int

    /// A range.
    public init(after: Int64, upTo: Int64, expected: Int) {
        self.after = after
        self.upTo = upTo
        self.expected = expected
    }
}
