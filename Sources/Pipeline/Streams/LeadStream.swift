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
            case .since(let moment): modifiedSince = run.time.format(moment)
            case .incremental: modifiedSince = state.watermarkTime.map { run.time.format($0 - options.overlapSeconds) }
            }
        }
        // A portal's first load writes straight into the empty star (no staging, no merges).
        let direct = try await run.database.run { try $0.leadStarIsEmpty(portalID: portalID) }
        let pass = Pass(
            startedAt: resume ? (state.passStartedAt ?? run.portalNow) : run.portalNow,
            cursor: resume ? state.cursor : 0, modifiedSince: modifiedSince,
            mode: resume ? (state.passMode ?? options.mode.name) : options.mode.name,
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
        try await LeadReader(client: run.client).forEachPage(modifiedSince: pass.modifiedSince, after: pass.cursor) {
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
        return try await run.database.run {
            try $0.loadChunk(
                chunk, portalID: portalID, runID: runID, progress: progress, requests: counters, writer: writer)
        }
    }

    /// The pass's start becomes the watermark.
    public func finish(_ pass: Pass, _ run: RunContext, totals: StreamCounts) async throws {
        let (portalID, runID) = (run.portalID, run.runID)
        try await run.database.run {
            try $0.completePass(
                portalID: portalID, stream: StreamProgress.leads, runID: runID, passStartedAt: pass.startedAt)
        }
    }

    /// Flags every loaded lead the portal no longer lists. A scan that lists no lead at all while
    /// leads are loaded marks nothing and fails: the webhook's user most likely lost its rights.
    public func reconcile(_ run: RunContext) async throws -> Int {
        let log = run.log
        let ids = try await LeadReader(client: run.client).allIDs { log.progress("reconcile", done: $0, unit: "ids") }
        let portalID = run.portalID
        let live = try await run.database.run { try $0.liveLeadCount(portalID: portalID) }
        if ids.isEmpty, live > 0 {
            throw SyncError(
                kind: .refused,
                message: "the portal listed no leads at all while \(live) are loaded; refusing to mark them deleted "
                    + "(check the webhook's permissions)")
        }
        let deletedAt = run.portalNow + Int64(run.elapsed())
        let runID = run.runID
        let marked = try await run.database.run {
            try $0.reconcile(liveIDs: ids, portalID: portalID, runID: runID, deletedAt: deletedAt)
        }
        log.event(LogKey.Event.reconciled, ["portal_leads": "\(ids.count)", "newly_deleted": "\(marked)"])
        return marked
    }
}
