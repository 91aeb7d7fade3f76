import B24Core
import Extract
import Load
import Star
import Transform

/// Deals: keyset pages of `crm.deal.list` since the watermark (minus the overlap), a chunk per
/// transaction with the keyset cursor, the watermark moved only when the pass is complete, as
/// leads. Deletes are found by an ID-only scan of deals, within the same mass-delete guard.
public struct DealStream: SyncStream {
    /// The stream.
    public init() {}

    /// `deals`.
    public var name: String { StreamProgress.deals }

    /// Where this run's pass starts.
    public struct Pass: Sendable {
        /// The portal time the pass began (the next watermark).
        var startedAt: Int64
        /// The keyset cursor to continue after.
        var cursor: Int64
        /// `DATE_MODIFY` lower bound (portal text), or `nil` for every deal.
        var modifiedSince: String?
        /// The pass's mode, as `etl.sync_state` keeps it for a resumed pass.
        var mode: String
        /// Whether the stored watermark stays (a `since` pass that did not read everything since it).
        var keepsWatermark: Bool
        /// How many deals the portal counted for the pass.
        var expected: ExpectedCount
    }

    /// How many deals the pass has, for the progress line.
    public func expectedTotal(_ pass: Pass) -> Int? {
        pass.expected.value
    }

    /// Resumes an unfinished incremental pass where its last chunk committed; otherwise starts
    /// one from the watermark (incremental), the given time (`since`) or the beginning (`full`).
    public func begin(_ run: RunContext) async throws -> Pass {
        let portalID = run.portalID
        let (state, empty) = try await run.database.run {
            (
                try $0.streamState(portalID: portalID, stream: StreamProgress.deals),
                try $0.dealStarIsEmpty(portalID: portalID)
            )
        }
        let start = WatermarkPass(state: state, run: run)
        run.log.event(
            LogKey.Event.passStarted,
            [
                LogKey.stream: "\(name)", "modified_since": "\(start.modifiedSince ?? "beginning")",
                "after_id": "\(start.cursor)", "resumed": "\(start.resumed)", "first_load": "\(empty)",
            ])
        return Pass(
            startedAt: start.startedAt, cursor: start.cursor, modifiedSince: start.modifiedSince, mode: start.mode,
            keepsWatermark: start.keepsWatermark, expected: ExpectedCount())
    }

    /// Pages of deals become rows as they arrive, a chunk every `leadsPerChunk` deals.
    public func read(
        _ pass: Pass, _ run: RunContext, send: @escaping @Sendable (DealChunk) async throws -> Void
    ) async throws {
        let chunkSize = run.options.leadsPerChunk
        let transformer = run.dealTransformer
        var pending = DealChunk()
        pending.cursor = pass.cursor
        let expected = pass.expected
        try await DealReader(client: run.client).forEachPage(
            modifiedSince: pass.modifiedSince, after: pass.cursor, onTotal: { expected.value = $0 }
        ) { page in
            Self.transform(page, with: transformer, into: &pending, log: run.log)
            if pending.deals.count + pending.rejected.count >= chunkSize {
                let chunk = pending
                pending = DealChunk()
                pending.cursor = chunk.cursor
                try await send(chunk)
            }
        }
        if !pending.deals.isEmpty || !pending.rejected.isEmpty { try await send(pending) }
    }

    /// Deal records into rows; a record that cannot be loaded is kept as a reject (and logged).
    static func transform(_ page: [JSON], with transformer: DealTransformer, into chunk: inout DealChunk, log: RunLog) {
        for record in page {
            let id = record["ID"]?.lenientInt ?? chunk.cursor
            do throws(TransformError) {
                chunk.deals.append(try transformer.deal(record))
            } catch {
                chunk.rejected.append(error)
                log.event(LogKey.Event.recordSkipped, level: .warning, [LogKey.reason: "\(error.description)"])
            }
            chunk.cursor = max(chunk.cursor, id)
        }
    }

    /// Writes the chunk and its cursor in one transaction.
    public func load(_ chunk: DealChunk, _ pass: Pass, _ run: RunContext) async throws -> StreamCounts {
        let progress = StreamProgress(
            stream: StreamProgress.deals, cursor: chunk.cursor, passStartedAt: pass.startedAt, passMode: pass.mode,
            passFilter: pass.modifiedSince)
        let (portalID, runID, counters) = (run.portalID, run.runID, run.requestCounters)
        return try await run.database.run {
            try $0.loadDeals(chunk, portalID: portalID, runID: runID, progress: progress, requests: counters)
        }
    }

    /// The pass's start becomes the watermark (a `since` pass after the stored one keeps it).
    public func finish(_ pass: Pass, _ run: RunContext, totals: StreamCounts) async throws {
        let (portalID, runID) = (run.portalID, run.runID)
        try await run.database.run {
            try $0.completePass(
                portalID: portalID, stream: StreamProgress.deals, runID: runID, passStartedAt: pass.startedAt,
                keepWatermark: pass.keepsWatermark)
        }
    }

    /// Lists every deal id (skipped when the star held no deal at the start: everything it holds
    /// was just listed), flags the deals the portal no longer lists within the mass-delete guard,
    /// and reads again those flagged deleted that it lists again.
    public func reconcile(_ run: RunContext) async throws -> ReconcileCounts {
        let portalID = run.portalID
        let hadDeals = try await run.database.run { !(try $0.dealStarIsEmpty(portalID: portalID)) }
        guard hadDeals, run.deleteCheck != nil || run.options.mode == .full else { return ReconcileCounts() }
        let scan = try await DealReader(client: run.client).allIDs()
        if let counted = scan.portalCount, scan.ids.count < counted {
            throw SyncError(
                kind: .refused,
                message: DeleteGuard.incompleteScan(listed: scan.ids.count, counted: counted, entity: "deal"))
        }
        let (runID, guardian) = (run.runID, run.options.deleteGuard)
        let deletedAt = run.portalNow + Int64(run.elapsed())
        let outcome = try await run.database.run {
            try $0.reconcileDeals(
                liveIDs: scan.ids, portalID: portalID, runID: runID, deletedAt: deletedAt, allow: guardian.allows)
        }
        var counts = ReconcileCounts()
        counts.dealsDeleted = outcome.marked
        counts.dealsUndeleted = outcome.reappeared.count
        if !outcome.reappeared.isEmpty {
            var read = DealChunk()
            Self.transform(
                try await DealReader(client: run.client).deals(ids: outcome.reappeared), with: run.dealTransformer,
                into: &read, log: run.log)
            let (chunk, counters) = (read, run.requestCounters)
            counts.reread = try await run.database.run {
                try $0.loadDeals(chunk, portalID: portalID, runID: runID, progress: nil, requests: counters)
            }
        }
        guard guardian.allows(outcome.plan) else {
            throw SyncError(kind: .refused, message: guardian.refusal(outcome.plan, entity: "deals"))
        }
        run.log.event(
            LogKey.Event.reconciled,
            [
                LogKey.stream: "\(name)", "portal_deals": "\(scan.ids.count)", "newly_deleted": "\(outcome.marked)",
                "undeleted": "\(outcome.reappeared.count)",
            ])
        return counts
    }
}
