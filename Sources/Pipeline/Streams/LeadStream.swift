import B24Core
import Extract
import Load
import Star
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
    }

    /// Resumes an unfinished incremental pass where its last chunk committed; otherwise starts
    /// one from the watermark (incremental), the given time (`since`) or the beginning (`full`).
    public func begin(_ run: RunContext) async throws -> Pass {
        let portalID = run.portalID
        let state = try await run.database.run { try $0.streamState(portalID: portalID, stream: StreamProgress.leads) }
        let options = run.options
        let resume = state.passStartedAt != nil && options.mode == .incremental
        let modifiedSince: String?
        if resume {
            modifiedSince = state.passFilter
        } else {
            switch options.mode {
            case .full: modifiedSince = nil
            case .since(let text): modifiedSince = Self.portalFilterTime(text)
            case .incremental: modifiedSince = state.watermarkTime.map { run.time.format($0 - options.overlapSeconds) }
            }
        }
        // A portal's first load writes straight into the empty star (no staging, no merges).
        let direct = try await run.database.run { try $0.leadStarIsEmpty(portalID: portalID) }
        let mode = resume ? (state.passMode ?? options.mode.name) : options.mode.name
        // A `since` pass reads nothing before its start: the watermark may move only when it
        // was already at or after that start (a day of margin for the portal's offset there).
        let keepsWatermark =
            mode == "since"
            && (state.watermarkTime == nil
                || state.watermarkTime ?? 0 < (modifiedSince.flatMap(run.time.parse) ?? .max) + 86_400)
        let pass = Pass(
            startedAt: resume ? (state.passStartedAt ?? run.portalNow) : run.portalNow,
            cursor: resume ? state.cursor : 0, modifiedSince: modifiedSince,
            mode: mode, keepsWatermark: keepsWatermark,
            writer: direct ? DirectLeadWriter() : StagedLeadWriter(),
            builder: LeadChunkBuilder(run: run, refreshesKnownDimensions: options.mode != .incremental))
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
        try await LeadReader(client: run.client, multipleFields: run.reference.multipleCustomFields).forEachPage(
            modifiedSince: pass.modifiedSince, after: pass.cursor
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

    /// Flags every loaded lead the portal no longer lists, within the mass-delete guard, and re-reads
    /// (lead, children, version) every lead marked deleted that it lists again, whatever its
    /// `DATE_MODIFY`. A scan that lists fewer ids than the portal counts, or that the guard
    /// refuses, marks nothing and fails the run.
    public func reconcile(_ run: RunContext) async throws -> ReconcileCounts {
        let log = run.log
        let scan = try await LeadReader(client: run.client).allIDs { log.progress("reconcile", done: $0, unit: "ids") }
        if let counted = scan.portalCount, scan.ids.count < counted {
            throw SyncError(
                kind: .refused, message: DeleteGuard.incompleteScan(listed: scan.ids.count, counted: counted))
        }
        let (portalID, runID, guardian) = (run.portalID, run.runID, run.options.deleteGuard)
        let deletedAt = run.portalNow + Int64(run.elapsed())
        let outcome = try await run.database.run {
            try $0.reconcile(
                liveIDs: scan.ids, portalID: portalID, runID: runID, deletedAt: deletedAt, allow: guardian.allows)
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
                "portal_leads": "\(scan.ids.count)", "newly_deleted": "\(outcome.marked)",
                "undeleted": "\(counts.undeleted)",
            ])
        return counts
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
