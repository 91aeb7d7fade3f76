import B24Core
import Extract
import Load
import Star
import Transform

/// Lead stage history: `crm.stagehistory.list` by keyset on its id from the last id loaded,
/// 2,500 changes per transaction; a portal's first load copies straight in and derives the
/// stages reached once at the end.
public struct StageHistoryStream: SyncStream {
    /// The stream.
    public init() {}

    /// `stage_history`.
    public var name: String { StreamProgress.stageHistory }

    /// Where the pass starts and how it writes.
    public struct Pass: Sendable {
        /// The last history id loaded.
        var cursor: Int64
        /// Staged, or straight in for a first load.
        var writer: any StageHistoryWriter
        /// Records created since this portal time (and with an id up to the cursor) are read
        /// again: ids can become visible out of order. `nil` on a first pass.
        var windowStart: Int64?
    }

    /// How far back before the previous pass records are read again (seconds).
    static let safetyWindow: Int64 = 600

    /// Stage-history rows read and waiting to be loaded, with the cursor they move to.
    public typealias Batch = HistoryBatch<StageHistoryRecord>

    /// Starts after the last id loaded.
    public func begin(_ run: RunContext) async throws -> Pass {
        let portalID = run.portalID
        return try await run.database.run { loader in
            let state = try loader.streamState(portalID: portalID, stream: StreamProgress.stageHistory)
            let writer = try loader.historyWriter(portalID: portalID, state: state)
            // A first load has nothing to read again; a staged pass re-reads the window before the last one.
            let window = writer is StagedHistoryWriter ? state.watermarkTime.map { $0 - Self.safetyWindow } : nil
            return Pass(cursor: state.cursor, writer: writer, windowStart: window)
        }
    }

    /// Pages of history become rows as they arrive, sent every 2,500 rows.
    public func read(
        _ pass: Pass, _ run: RunContext, send: @escaping @Sendable (Batch) async throws -> Void
    ) async throws {
        // With a window, the scan starts before the previous pass whatever the id: records
        // already read come again (the merge absorbs them; those it rejected were recorded then),
        // and one that became visible late with a lower id than the cursor is read now. New
        // records are all in the window, so this is the whole pass, in as many requests as before.
        let transformer = run.transformer
        try await Batch.read(
            with: StageHistoryReader(client: run.client), after: pass.cursor,
            createdSince: pass.windowStart.map(run.time.format), log: run.log,
            transform: { record throws(TransformError) in try transformer.stageHistory(record) }, send: send)
    }

    /// Writes the rows and the cursor in one transaction.
    public func load(_ batch: Batch, _ pass: Pass, _ run: RunContext) async throws -> StreamCounts {
        let counters = run.requestCounters
        let (portalID, runID) = (run.portalID, run.runID)
        return try await run.database.run {
            try $0.loadHistory(
                batch.rows, portalID: portalID, runID: runID, lastID: batch.lastID, rejected: batch.rejected,
                requests: counters, writer: pass.writer)
        }
    }

    /// The writer ends the pass (a first load derives the stages reached and clears its mark),
    /// and the pass's start is kept, so the next pass knows which window to read again.
    public func finish(_ pass: Pass, _ run: RunContext, totals: StreamCounts) async throws {
        let (portalID, portalNow) = (run.portalID, run.portalNow)
        try await run.database.run { loader in
            try pass.writer.finish(portalID: portalID, loader: loader)
            try loader.markHistoryPass(portalID: portalID, at: portalNow)
        }
    }
}
