import LibPQ
import Star

/// Deals, their children and their stage history: staged, merged by key, with the stream's
/// progress in the same transaction; deals the portal no longer lists are flagged, never removed.
extension StarLoader {
    /// Writes a chunk of deals (live again if they were flagged deleted) with their product rows
    /// and bindings (each deal's replaced as a set; bindings of `linksKept` stay), a version for
    /// each deal whose tracked attributes changed (`portalNow`: the portal's clock for a deal that
    /// says no time), its rejects, the stream's progress and the run's counters, in one transaction.
    public func loadDeals(
        _ chunk: DealChunk, portalID: Int64, runID: Int64, portalNow: Int64, progress: StreamProgress?,
        requests: RunCounters
    ) throws -> ChunkCounts {
        try prepare()
        var counts = ChunkCounts()
        try connection.transaction {
            let copied = try stage(.factDeal, StarLoader.unique(chunk.deals, keepLast: true, by: \.dealID)) {
                $0.append(deal: $1, portalID: portalID)
            }
            let rows = try stage(.factDealProduct, StarLoader.unique(chunk.productRows, keepLast: true, by: \.rowID)) {
                $0.append(productRow: $1, portalID: portalID)
            }
            let links = try stage(
                .bridgeDealContact,
                StarLoader.unique(chunk.contactLinks, keepLast: true, by: { SIMD2($0.ownerID, $0.contactID) })
            ) { $0.append(link: $1, portalID: portalID) }
            _ = try copy(chunk.linksKept, into: "pg_temp.stage_ids", columns: ["lead_id"]) { $0.append($1) }
            try stageDimensions(contacts: chunk.contacts, companies: chunk.companies, portalID: portalID)
            try mergeDimensions()
            try connection.execute(Self.dealUpsert, ids: [portalID, runID])
            try SQLScript.dealChildren.run(on: connection, ids: [portalID])
            try connection.execute(StarTable.factDealProduct.upsertFromStaging())
            try connection.execute(StarTable.bridgeDealContact.upsertFromStaging())
            try connection.execute(VersionStatements.deal.closeChanged, ids: [portalID, runID, portalNow])
            try connection.execute(VersionStatements.deal.openMissing, ids: [portalID, runID, portalNow])
            if let progress { try saveProgress(progress, portalID: portalID, runID: runID) }
            try recordRejected(chunk.rejected, runID: runID, portalID: portalID)
            counts = ChunkCounts(
                nulStripped: copied.strippedNULs + rows.strippedNULs + links.strippedNULs,
                skipped: chunk.rejected.count, deals: copied.rows, dealProductRows: rows.rows,
                dealContactLinks: links.rows)
            try addCounts(counts, runID: runID, requests: requests)
        }
        return counts
    }

    /// Whether the star holds no deal of the portal (flagged deleted or not).
    public func dealStarIsEmpty(portalID: Int64) throws -> Bool {
        try areEmpty([.factDeal], portalID: portalID)
    }

    /// Flags the deals the scan did not list, with a deleted version each.
    static let markDealsDeleted = VersionStatements.deal.markDeleted()

    /// Deals from staging, live again if they were marked deleted. `$2`: run_id.
    static let dealUpsert = StarTable.factDeal.upsertFromStaging(extra: [
        ("is_deleted", "false"), ("deleted_at", "NULL::timestamptz"), ("last_run_id", "$2::bigint"),
        ("loaded_at", "now()"),
    ])

    /// Writes deal stage-history rows (a record read again replaces itself), the cursor after
    /// `lastID`, rejects and counters in one transaction.
    public func loadDealHistory(
        _ rows: [DealStageHistoryRecord], portalID: Int64, runID: Int64, lastID: Int64, rejected: [TransformError],
        requests: RunCounters
    ) throws -> ChunkCounts {
        try prepare()
        var counts = ChunkCounts()
        try connection.transaction {
            let copied = try stage(.factDealStageHistory, StarLoader.unique(rows, keepLast: true, by: \.historyID)) {
                $0.append(dealHistory: $1, portalID: portalID)
            }
            try connection.execute(StarTable.factDealStageHistory.upsertFromStaging())
            try saveProgress(
                StreamProgress(stream: StreamProgress.dealStageHistory, cursor: lastID), portalID: portalID,
                runID: runID)
            try recordRejected(rejected, runID: runID, portalID: portalID)
            counts = ChunkCounts(
                nulStripped: copied.strippedNULs, skipped: rejected.count, dealStageHistory: copied.rows)
            try addCounts(counts, runID: runID, requests: requests)
        }
        return counts
    }

    /// Compares the portal's deal ids with the star: every live deal of the portal not in
    /// `liveIDs` is flagged deleted at `deletedAt` — unless `allow` refuses the plan, and then
    /// nothing is. Returns the plan, how many were flagged and the flagged deals listed again.
    public func reconcileDeals(
        liveIDs: [Int64], portalID: Int64, runID: Int64, deletedAt: Int64, allow: (DeletePlan) -> Bool
    ) throws -> ReconcileOutcome {
        try prepare()
        var outcome = ReconcileOutcome(plan: DeletePlan(missing: 0, live: 0), marked: 0, reappeared: [])
        try connection.transaction {
            (outcome.plan, outcome.reappeared) = try compareListedIDs(
                liveIDs, table: StarTable.factDeal.name, idColumn: "deal_id", portalID: portalID)
            guard allow(outcome.plan) else { return }
            outcome.marked = try connection.execute(
                Self.markDealsDeleted, ids: [portalID, runID, deletedAt]
            ).affectedRows
            try connection.execute(
                "UPDATE etl.sync_run SET deals_deleted = deals_deleted + $2 WHERE run_id = $1",
                ids: [runID, Int64(outcome.marked)])
        }
        return outcome
    }
}
