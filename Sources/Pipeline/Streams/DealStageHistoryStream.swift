import B24Core
import Extract
import Load
import Star
import Transform

/// Deal stage history: `crm.stagehistory.list` (entity type 2) by keyset on its id from the last
/// id loaded, 2,500 changes per transaction, each pass reading again the records created in a
/// safety window before the previous one (ids can become visible out of order).
public struct DealStageHistoryStream: SyncStream {
    /// The stream.
    public init() {}

    /// `deal_stage_history`.
    public var name: String { StreamProgress.dealStageHistory }

    /// Where the pass starts.
    public struct Pass: Sendable {
        /// The last history id loaded.
        var cursor: Int64
        /// Records created since this portal time are read again; `nil` on a first pass.
        var windowStart: Int64?
    }

    /// Rows read and waiting to be loaded, with the cursor they move to.
    public typealias Batch = HistoryBatch<DealStageHistoryRecord>

    /// Starts after the last id loaded.
    public func begin(_ run: RunContext) async throws -> Pass {
        let portalID = run.portalID
        let state = try await run.database.run {
            try $0.streamState(portalID: portalID, stream: StreamProgress.dealStageHistory)
        }
        return Pass(cursor: state.cursor, windowStart: state.watermarkTime.map { $0 - StageHistoryStream.safetyWindow })
    }

    /// Pages of history become rows as they arrive, sent every 2,500 rows (as lead history).
    public func read(
        _ pass: Pass, _ run: RunContext, send: @escaping @Sendable (Batch) async throws -> Void
    ) async throws {
        let transformer = run.dealTransformer
        try await Batch.read(
            with: StageHistoryReader(client: run.client, entityTypeID: 2), after: pass.cursor,
            createdSince: pass.windowStart.map(run.time.format), log: run.log,
            transform: { record throws(TransformError) in try transformer.stageHistory(record) }, send: send)
    }

    /// Writes the rows and the cursor in one transaction.
    public func load(_ batch: Batch, _ pass: Pass, _ run: RunContext) async throws -> StreamCounts {
        let (portalID, runID, counters) = (run.portalID, run.runID, run.requestCounters)
        return try await run.database.run {
            try $0.loadDealHistory(
                batch.rows, portalID: portalID, runID: runID, lastID: batch.lastID, rejected: batch.rejected,
                requests: counters)
        }
    }

    /// Keeps the pass's start, so the next pass knows which window to read again.
    public func finish(_ pass: Pass, _ run: RunContext, totals: StreamCounts) async throws {
        let (portalID, portalNow) = (run.portalID, run.portalNow)
        try await run.database.run {
            try $0.markHistoryPass(portalID: portalID, at: portalNow, stream: StreamProgress.dealStageHistory)
        }
    }
}
