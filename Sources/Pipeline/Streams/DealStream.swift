import B24Core
import Extract
import Load
import Star
import Transform

/// Deals: keyset pages of `crm.deal.list` since the watermark (minus the overlap), each chunk's
/// product rows and contact bindings read as leads' are (owner sets with their own probe, binding
/// sets, exact bindings where a set changed), a chunk per transaction with the keyset cursor, the
/// watermark moved only when the pass is complete. Deletes are found by an ID-only scan of deals,
/// within the same mass-delete guard.
public struct DealStream: SyncStream {
    /// The stream.
    public init() {}

    /// `deals`.
    public var name: String { StreamProgress.deals }

    /// Where this run's pass starts, and how many deals the portal counted for it.
    public typealias Pass = CountedPass

    /// Resumes an unfinished incremental pass where its last chunk committed; otherwise starts
    /// one from the watermark (incremental), the given time (`since`) or the beginning (`full`).
    public func begin(_ run: RunContext) async throws -> Pass {
        try await CountedPass.begin(
            StreamProgress.deals, run: run, sinceKey: "modified_since", extra: ["first_load": "\(!run.dealsKnown)"])
    }

    /// Pages of deals become rows as they arrive, a chunk every `leadsPerChunk` deals, sent with
    /// its deals' children.
    public func read(
        _ pass: Pass, _ run: RunContext, send: @escaping @Sendable (DealChunk) async throws -> Void
    ) async throws {
        let chunkSize = run.options.leadsPerChunk
        let transformer = run.dealTransformer
        let children = ChildrenFetcher(run: run, owner: .deal, comparesWithStar: run.dealsKnown)
        let dimensions = DimensionFetcher(run: run, refreshesKnown: false)
        var pending = DealChunk()
        pending.cursor = pass.start.cursor
        let expected = pass.expected
        try await DealReader(client: run.client).forEachPage(
            modifiedSince: pass.start.modifiedSince, after: pass.start.cursor, onTotal: { expected.value = $0 }
        ) { page in
            Self.transform(page, with: transformer, into: &pending, log: run.log)
            if pending.deals.count + pending.rejected.count >= chunkSize {
                var chunk = pending
                pending = DealChunk()
                pending.cursor = chunk.cursor
                try await Self.attachChildren(to: &chunk, children, dimensions, log: run.log)
                try await send(chunk)
            }
        }
        if !pending.deals.isEmpty || !pending.rejected.isEmpty {
            try await Self.attachChildren(to: &pending, children, dimensions, log: run.log)
            try await send(pending)
        }
    }

    /// Reads the children of the chunk's deals, and the contacts and companies they name that
    /// `dw` lacks: a deal the portal no longer has leaves the chunk (the delete scan flags it), a
    /// deal with a child that cannot be loaded becomes a reject.
    static func attachChildren(
        to chunk: inout DealChunk, _ fetcher: ChildrenFetcher, _ dimensions: DimensionFetcher, log: RunLog
    ) async throws {
        let children = try await fetcher.read(of: chunk.deals.map(\.dealID))
        var kept: [DealRow] = []
        for deal in chunk.deals {
            if children.missing.contains(deal.dealID) {
                log.event(LogKey.Event.dealVanished, level: .warning, ["deal": "\(deal.dealID)"])
                continue
            }
            if let error = children.failures[deal.dealID] {
                chunk.rejected.append(error)
                log.event(LogKey.Event.recordSkipped, level: .warning, [LogKey.reason: "\(error.description)"])
                continue
            }
            kept.append(deal)
            chunk.productRows += children.productRows[deal.dealID] ?? []
            if let links = children.contactLinks[deal.dealID] {
                chunk.contactLinks += links
            } else {
                chunk.linksKept.append(deal.dealID)
            }
        }
        chunk.deals = kept
        let read = try await dimensions.read(
            DimensionIDs(
                contacts: Set(chunk.contactLinks.map(\.contactID)), companies: Set(kept.compactMap(\.companyID))))
        chunk.contacts = read.contacts
        chunk.companies = read.companies
        for error in read.rejected {
            chunk.rejected.append(error)
            log.event(LogKey.Event.recordSkipped, level: .warning, [LogKey.reason: "\(error.description)"])
        }
    }

    /// Deal records into rows; a record that cannot be loaded is kept as a reject (and logged).
    static func transform(_ page: [JSON], with transformer: DealTransformer, into chunk: inout DealChunk, log: RunLog) {
        appendRows(of: page, to: &chunk.deals, rejected: &chunk.rejected, cursor: &chunk.cursor, log: log) {
            (record: JSON) throws(TransformError) in try transformer.deal(record)
        }
    }

    /// Writes the chunk and its cursor in one transaction.
    public func load(_ chunk: DealChunk, _ pass: Pass, _ run: RunContext) async throws -> StreamCounts {
        let progress = StreamProgress(
            stream: StreamProgress.deals, cursor: chunk.cursor, passStartedAt: pass.start.startedAt,
            passMode: pass.start.mode, passFilter: pass.start.modifiedSince)
        let (portalID, runID, counters, now) = (run.portalID, run.runID, run.requestCounters, run.portalNow)
        return try await run.database.run {
            try $0.loadDeals(
                chunk, portalID: portalID, runID: runID, portalNow: now, progress: progress, requests: counters)
        }
    }

    /// The pass's start becomes the watermark (a `since` pass after the stored one keeps it).
    public func finish(_ pass: Pass, _ run: RunContext, totals: StreamCounts) async throws {
        let (portalID, runID) = (run.portalID, run.runID)
        try await run.database.run {
            try $0.completePass(
                portalID: portalID, stream: StreamProgress.deals, runID: runID, passStartedAt: pass.start.startedAt,
                keepWatermark: pass.start.keepsWatermark)
        }
    }

    /// Lists every deal with its contact set (`crm.item.list`; skipped on a portal's first load:
    /// everything the star holds was just listed) and reads again each deal whose set differs from
    /// `dw` and, on an audit run, each deal whose product rows differ (a child written without
    /// moving the deal's `DATE_MODIFY`). Flags the deals the portal no longer lists within the
    /// mass-delete guard, and reads again those flagged deleted that it lists again.
    public func reconcile(_ run: RunContext) async throws -> ReconcileCounts {
        let portalID = run.portalID
        guard run.dealsKnown else { return ReconcileCounts() }
        let fetcher = ChildrenFetcher(run: run, owner: .deal)
        var listed: [Int64] = []
        var differing: Set<Int64> = []
        var (setsDiffered, rowsDiffered) = (0, 0)
        func compare(_ items: [JSON]) async throws {
            guard !items.isEmpty else { return }
            let (ids, byID) = ChildrenFetcher.keyed(items)
            let sets = try await fetcher.differingSets(ids, items: byID)
            let setDiffers = Set(sets.differing).union(sets.failures.keys)
            setsDiffered += setDiffers.count
            differing.formUnion(setDiffers)
            guard run.auditsChildren else { return }
            let rows = try await fetcher.readProductRows(of: ids)
            let rowsDiffer = try await run.database.run {
                try $0.ownersWithDifferentProductRows(
                    portalID: portalID, owner: .deal, ids: rows.read, rows: rows.records)
            }
            rowsDiffered += rowsDiffer.count
            differing.formUnion(rowsDiffer)
            differing.formUnion(rows.failed)
        }
        var pending: [JSON] = []
        let scan = try await DealReader(client: run.client).allBindingSets { page in
            listed += page.compactMap { $0["id"]?.lenientInt }
            pending += page
            if pending.count >= run.options.leadsPerChunk {
                try await compare(pending)
                pending = []
            }
        }
        try await compare(pending)
        if let counted = scan.portalTotal, listed.count < counted {
            throw SyncError(
                kind: .refused,
                message: DeleteGuard.incompleteScan(listed: listed.count, counted: counted, entity: "deal"))
        }
        let (runID, guardian) = (run.runID, run.options.deleteGuard)
        let deletedAt = run.portalNow + Int64(run.elapsed())
        let scanned = listed
        let outcome = try await run.database.run {
            try $0.reconcileDeals(
                liveIDs: scanned, portalID: portalID, runID: runID, deletedAt: deletedAt, allow: guardian.allows)
        }
        var counts = ReconcileCounts()
        counts.dealsDeleted = outcome.marked
        counts.dealsUndeleted = outcome.reappeared.count
        let repaired = differing.subtracting(outcome.reappeared)
        counts.dealsRepaired = repaired.count
        counts.reread = try await reread(repaired.union(outcome.reappeared).sorted(), run)
        guard guardian.allows(outcome.plan) else {
            throw SyncError(kind: .refused, message: guardian.refusal(outcome.plan, entity: "deals"))
        }
        run.log.event(
            LogKey.Event.reconciled,
            [
                LogKey.stream: "\(name)", "portal_deals": "\(listed.count)", "newly_deleted": "\(outcome.marked)",
                "undeleted": "\(outcome.reappeared.count)", "sets_differed": "\(setsDiffered)",
                "product_rows_differed": "\(run.auditsChildren ? String(rowsDiffered) : "not audited")",
                "repaired": "\(repaired.count)",
            ])
        return counts
    }

    /// Reads the given deals again with their children and loads them (live again, a new version
    /// where a tracked attribute changed), a chunk per transaction, without moving the cursor.
    private func reread(_ ids: [Int64], _ run: RunContext) async throws -> StreamCounts {
        var total = StreamCounts()
        let fetcher = ChildrenFetcher(run: run, owner: .deal)
        let dimensions = DimensionFetcher(run: run, refreshesKnown: false)
        let (portalID, runID) = (run.portalID, run.runID)
        for start in stride(from: 0, to: ids.count, by: run.options.leadsPerChunk) {
            let part = Array(ids[start..<min(start + run.options.leadsPerChunk, ids.count)])
            var read = DealChunk()
            Self.transform(
                try await DealReader(client: run.client).deals(ids: part), with: run.dealTransformer, into: &read,
                log: run.log)
            try await Self.attachChildren(to: &read, fetcher, dimensions, log: run.log)
            guard !read.deals.isEmpty || !read.rejected.isEmpty else { continue }
            let (chunk, counters, now) = (read, run.requestCounters, run.portalNow + Int64(run.elapsed()))
            total.add(
                try await run.database.run {
                    try $0.loadDeals(
                        chunk, portalID: portalID, runID: runID, portalNow: now, progress: nil, requests: counters)
                })
        }
        return total
    }
}
