import B24Core
import Extract
import Load
import Star
import Synchronization
import Transform

/// Leads with their product rows, contact bindings, contacts and companies: keyset pages of
/// `crm.lead.list` since the watermark (minus the overlap), a chunk per transaction with the
/// keyset cursor, and the watermark moved only when the pass is complete. Deletes are found by
/// an ID-only scan.
public struct LeadStream: SyncStream {
    /// The stream.
    public init() {}

    /// `leads`.
    public var name: String { StreamProgress.leads }

    /// Where this run's pass starts and how it writes.
    public struct Pass: Sendable {
        /// The portal time the pass began (the next watermark).
        var startedAt: Int64
        /// The keyset cursor to continue after.
        var cursor: Int64
        /// `DATE_MODIFY` lower bound (portal text), or `nil` for every lead.
        var modifiedSince: String?
        /// The pass's mode, as `etl.sync_state` keeps it for a resumed pass.
        var mode: String
        /// The watermark this pass may not move past (a `since` pass over a later start than the
        /// stored watermark keeps it); `nil` when the pass's start becomes the watermark.
        var keepsWatermark: Bool
        /// How chunks reach the star.
        var writer: any LeadChunkWriter
        /// Pages are turned into chunks here.
        var builder: LeadChunkBuilder
        /// How many leads the portal counted for the pass, once its first page said.
        var expected: ExpectedCount
    }

    /// How many leads the pass has, for the progress line.
    public func expectedTotal(_ pass: Pass) -> Int? {
        pass.expected.value
    }

    /// Resumes an unfinished incremental pass where its last chunk committed; otherwise starts
    /// one from the watermark (incremental), the given time (`since`) or the beginning (`full`).
    public func begin(_ run: RunContext) async throws -> Pass {
        let portalID = run.portalID
        let state = try await run.database.run { try $0.streamState(portalID: portalID, stream: StreamProgress.leads) }
        let options = run.options
        let start = WatermarkPass(state: state, run: run)
        let (resume, modifiedSince) = (start.resumed, start.modifiedSince)
        // A portal's first load writes straight into the empty star (no staging, no merges).
        let direct = try await run.database.run { try $0.leadStarIsEmpty(portalID: portalID) }
        let pass = Pass(
            startedAt: start.startedAt, cursor: start.cursor, modifiedSince: modifiedSince, mode: start.mode,
            keepsWatermark: start.keepsWatermark,
            writer: direct ? DirectLeadWriter() : StagedLeadWriter(),
            builder: LeadChunkBuilder(
                run: run, refreshesKnownDimensions: options.mode != .incremental, comparesWithStar: !direct),
            expected: ExpectedCount())
        run.log.event(
            LogKey.Event.passStarted,
            [
                LogKey.stream: "\(name)", "modified_since": "\(modifiedSince ?? "beginning")",
                "after_id": "\(pass.cursor)", "resumed": "\(resume)", "first_load": "\(direct)",
            ])
        if direct {
            let deferred = try await run.database.run { try $0.deferIndexesIfStarEmpty() }
            if deferred > 0 { run.log.event(LogKey.Event.indexesDeferred, [LogKey.indexes: "\(deferred)"]) }
        }
        return pass
    }

    /// Pages of leads become rows as they arrive; every `leadsPerChunk` of them, with their
    /// children and dimensions, make a chunk.
    public func read(
        _ pass: Pass, _ run: RunContext, send: @escaping @Sendable (LeadChunk) async throws -> Void
    ) async throws {
        let chunkSize = run.options.leadsPerChunk
        var pending = LeadBatch()
        let expected = pass.expected
        try await LeadReader(client: run.client, multipleFields: run.reference.multipleCustomFields).forEachPage(
            modifiedSince: pass.modifiedSince, after: pass.cursor, onTotal: { expected.value = $0 }
        ) {
            page in
            pass.builder.transform(page, into: &pending)
            if pending.count >= chunkSize {
                let batch = pending
                pending = LeadBatch()
                try await send(try await pass.builder.build(batch))
            }
        }
        if pending.count > 0 { try await send(try await pass.builder.build(pending)) }
    }

    /// Writes the chunk with the pass's writer, and its cursor, in one transaction.
    public func load(_ chunk: LeadChunk, _ pass: Pass, _ run: RunContext) async throws -> StreamCounts {
        let progress = StreamProgress(
            stream: StreamProgress.leads, cursor: chunk.cursor, passStartedAt: pass.startedAt, passMode: pass.mode,
            passFilter: pass.modifiedSince)
        let counters = run.requestCounters
        let (portalID, runID, writer) = (run.portalID, run.runID, pass.writer)
        let portalNow = run.portalNow + Int64(run.elapsed())
        return try await run.database.run {
            try $0.loadChunk(
                chunk, portalID: portalID, runID: runID, portalNow: portalNow, progress: progress,
                requests: counters, writer: writer)
        }
    }

    /// The pass's start becomes the watermark — unless this `since` pass began after the stored
    /// watermark, which then stays.
    public func finish(_ pass: Pass, _ run: RunContext, totals: StreamCounts) async throws {
        let (portalID, runID) = (run.portalID, run.runID)
        try await run.database.run {
            try $0.completePass(
                portalID: portalID, stream: StreamProgress.leads, runID: runID, passStartedAt: pass.startedAt,
                keepWatermark: pass.keepsWatermark)
        }
    }

    /// A `--since` value as the portal's filter reads it: a bare date is midnight of that day in
    /// the portal's own zone (sent without an offset, which the portal reads in its zone).
    static func portalFilterTime(_ text: String) -> String {
        text.count == 10 && PortalTime(offsetSeconds: 0).parse(text) != nil ? text + "T00:00:00" : text
    }

    /// Looks for deletes and, when due, audits the children of every live lead.
    ///
    /// An audit run (the last audit older than `--audit-every`, or `--audit-children`) lists every
    /// lead with its contact set, compares sets and product rows with `dw` and reads again each
    /// lead that differs; its listing is also the delete scan. Otherwise, when the portal counted
    /// in each of up to 39 id ranges as many leads as the star expects there (COUNTs sent with the
    /// reference data), nothing was deleted or restored and the ID scan is skipped; when not,
    /// every id is listed. Leads the portal no
    /// longer lists are flagged within the mass-delete guard, and leads marked deleted that it
    /// lists again are read again. A portal's first load and a `--full` run count as an audit.
    public func reconcile(_ run: RunContext) async throws -> ReconcileCounts {
        let (portalID, runID) = (run.portalID, run.runID)
        let complete = run.deleteCheck == nil || run.options.mode == .full
        if run.auditsChildren {
            var counts = ReconcileCounts()
            let audit = try await self.audit(run)
            counts.repaired = audit.repaired.count
            counts.audited = true
            counts.reread = audit.reread
            let marked = try await markDeletes(
                listed: audit.listed, portalCount: audit.portalCount, how: "audit", run)
            counts.add(marked)
            let auditedAt = run.portalNow + Int64(run.elapsed())
            let repaired = audit.repaired.count
            try await run.database.run {
                try $0.recordAudit(portalID: portalID, runID: runID, at: auditedAt, repaired: repaired)
            }
            run.log.event(
                LogKey.Event.childrenAudited,
                [
                    "leads": "\(audit.listed.count)", "repaired": "\(repaired)",
                    "sets_differed": "\(audit.setsDiffered)",
                    "product_rows_differed": "\(audit.rowsDiffered)",
                ])
            return counts
        }
        if complete {
            let finishedAt = run.portalNow + Int64(run.elapsed())
            try await run.database.run {
                try $0.recordAudit(portalID: portalID, runID: runID, at: finishedAt, repaired: 0)
            }
        }
        if let check = run.deleteCheck, check.agrees, run.options.mode != .full {
            try await run.database.run { try $0.recordDeleteCheck(runID: runID, "counts agree") }
            run.log.event(
                LogKey.Event.deleteScanSkipped,
                [
                    "up_to_id": "\(check.basis.maxLeadID)", "ranges": "\(check.basis.ranges.count)",
                    "leads": "\(check.basis.ranges.reduce(0) { $0 + $1.expected })",
                ])
            return ReconcileCounts()
        }
        if run.deleteCheck == nil {
            // The star was empty when the run began: everything it holds was listed just now.
            try await run.database.run { try $0.recordDeleteCheck(runID: runID, "first load") }
            return ReconcileCounts()
        }
        let log = run.log
        if let check = run.deleteCheck {
            let ranges = check.differing.prefix(3).map { "\($0.after + 1)…\($0.upTo)" }.joined(separator: ", ")
            log.event(
                LogKey.Event.deleteScanNeeded,
                [
                    "ranges_differing": "\(check.portalCounts == nil ? "not counted" : String(check.differing.count))",
                    "first": "\(ranges)",
                ])
        }
        let scan = try await LeadReader(client: run.client).allIDs { log.progress("reconcile", done: $0, unit: "ids") }
        return try await markDeletes(listed: scan.ids, portalCount: scan.portalCount, how: "scan", run)
    }

    /// Flags every loaded lead not in `listed` deleted, within the mass-delete guard, and re-reads
    /// (lead, children, version) every lead marked deleted that it lists again. A listing shorter
    /// than the portal's count, or one the guard refuses, marks nothing and fails the run.
    private func markDeletes(
        listed: [Int64], portalCount: Int?, how: String, _ run: RunContext
    ) async throws -> ReconcileCounts {
        let log = run.log
        if let counted = portalCount, listed.count < counted {
            throw SyncError(
                kind: .refused, message: DeleteGuard.incompleteScan(listed: listed.count, counted: counted))
        }
        let (portalID, runID, guardian) = (run.portalID, run.runID, run.options.deleteGuard)
        let deletedAt = run.portalNow + Int64(run.elapsed())
        let outcome = try await run.database.run {
            try $0.recordDeleteCheck(runID: runID, how)
            return try $0.reconcile(
                liveIDs: listed, portalID: portalID, runID: runID, deletedAt: deletedAt, allow: guardian.allows)
        }
        var counts = ReconcileCounts(deleted: outcome.marked, undeleted: outcome.reappeared.count)
        if !outcome.reappeared.isEmpty {
            counts.reread = try await reread(outcome.reappeared, run)
            let undeleted = outcome.reappeared.count
            try await run.database.run { try $0.recordUndeleted(runID: runID, count: undeleted) }
            log.event(LogKey.Event.leadsUndeleted, ["leads": "\(undeleted)"])
        }
        guard guardian.allows(outcome.plan) else {
            throw SyncError(kind: .refused, message: guardian.refusal(outcome.plan))
        }
        log.event(
            LogKey.Event.reconciled,
            [
                "portal_leads": "\(listed.count)", "newly_deleted": "\(outcome.marked)",
                "undeleted": "\(counts.undeleted)",
            ])
        return counts
    }

    /// What an audit found.
    struct AuditOutcome {
        /// Every lead the portal listed.
        var listed: [Int64] = []
        /// The portal's count for the listing.
        var portalCount: Int?
        /// Leads whose children differed, read again.
        var repaired: [Int64] = []
        /// Of those, leads whose contact set differed, and leads whose product rows differed.
        var setsDiffered = 0
        var rowsDiffered = 0
        /// What reading them again wrote.
        var reread = StreamCounts()
    }

    /// Lists every lead with its contact set and, 2,500 leads at a time, compares the sets and the
    /// product rows with `dw`; each lead that differs is read again whole (its amount may follow
    /// its rows).
    private func audit(_ run: RunContext) async throws -> AuditOutcome {
        var outcome = AuditOutcome()
        var pending: [JSON] = []
        let builder = LeadChunkBuilder(run: run, refreshesKnownDimensions: false)
        func compare(_ items: [JSON]) async throws {
            let (ids, byID) = ChildrenFetcher.keyed(items)
            let portalID = run.portalID
            let sets = try await builder.children.differingSets(ids, items: byID)
            let setDiffers = Set(sets.differing).union(sets.failures.keys)
            let rows = try await builder.children.readProductRows(of: ids)
            let rowsDiffer = Set(
                try await run.database.run {
                    try $0.ownersWithDifferentProductRows(portalID: portalID, ids: rows.read, rows: rows.records)
                })
            let repair = setDiffers.union(rowsDiffer).union(rows.failed).sorted()
            outcome.setsDiffered += setDiffers.count
            outcome.rowsDiffered += rowsDiffer.count
            if !repair.isEmpty {
                outcome.repaired += repair
                outcome.reread.add(try await reread(repair, run))
            }
        }
        let scan = try await LeadReader(client: run.client).allBindingSets { page in
            outcome.listed += page.compactMap { $0["id"]?.lenientInt }
            pending += page
            if pending.count >= run.options.leadsPerChunk {
                try await compare(pending)
                pending = []
                run.log.progress("audit", done: outcome.listed.count, unit: "leads")
            }
        }
        if !pending.isEmpty { try await compare(pending) }
        outcome.portalCount = scan.portalTotal
        return outcome
    }

    /// Reads the given leads again with their children and loads them (live again, a new version
    /// where a tracked attribute changed), a chunk per transaction, without moving the cursor.
    private func reread(_ ids: [Int64], _ run: RunContext) async throws -> StreamCounts {
        let builder = LeadChunkBuilder(run: run, refreshesKnownDimensions: false)
        var total = StreamCounts()
        for start in stride(from: 0, to: ids.count, by: run.options.leadsPerChunk) {
            let part = Array(ids[start..<min(start + run.options.leadsPerChunk, ids.count)])
            var batch = LeadBatch()
            let reader = LeadReader(client: run.client, multipleFields: run.reference.multipleCustomFields)
            builder.transform(try await reader.leads(ids: part), into: &batch)
            let chunk = try await builder.build(batch)
            let (portalID, runID, counters) = (run.portalID, run.runID, run.requestCounters)
            guard !chunk.leads.isEmpty || !chunk.rejected.isEmpty else { continue }
            let portalNow = run.portalNow + Int64(run.elapsed())
            total.add(
                try await run.database.run {
                    try $0.loadChunk(
                        chunk, portalID: portalID, runID: runID, portalNow: portalNow, progress: nil,
                        requests: counters, writer: StagedLeadWriter())
                })
        }
        return total
    }
}

/// A count one task writes and another reads.
final class ExpectedCount: Sendable {
    private let count = Mutex<Int?>(nil)

    /// The count, once known.
    var value: Int? {
        get { count.withLock { $0 } }
        set { count.withLock { $0 = newValue } }
    }
}
