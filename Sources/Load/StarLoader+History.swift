import LibPQ
import Star

/// Lead stage history, written through a `StageHistoryWriter`.
extension StarLoader {
    /// Loads stage-history rows through `writer` and moves the history cursor, in one transaction.
    public func loadHistory(
        _ rows: [StageHistoryRecord], portalID: Int64, runID: Int64, lastID: Int64, rejected: [TransformError],
        requests: RunCounters, writer: any StageHistoryWriter
    ) throws -> ChunkCounts {
        try prepare()
        var counts = ChunkCounts()
        try connection.transaction {
            let copied = try writer.write(rows, portalID: portalID, loader: self)
            try saveProgress(
                StreamProgress(stream: StreamProgress.stageHistory, cursor: lastID, passMode: writer.passMode),
                portalID: portalID, runID: runID)
            try recordRejected(rejected, runID: runID, portalID: portalID)
            counts = ChunkCounts(stageHistory: copied.rows, nulStripped: copied.strippedNULs, skipped: rejected.count)
            try addCounts(counts, runID: runID, requests: requests)
        }
        return counts
    }

    /// The writer for the portal's stage history: `DirectHistoryWriter` when it has none yet or a
    /// first load of it was interrupted (`state` carries the first-load mark), else staged.
    public func historyWriter(portalID: Int64, state: StreamState) throws -> any StageHistoryWriter {
        if state.passMode == StreamProgress.firstLoad { return DirectHistoryWriter() }
        return try areEmpty([.factLeadStageHistory], portalID: portalID) ? DirectHistoryWriter() : StagedHistoryWriter()
    }

    /// Records the portal time a complete history pass of `stream` started at (the cursor stays).
    public func markHistoryPass(
        portalID: Int64, at portalTime: Int64, stream: String = StreamProgress.stageHistory
    )
        throws
    {
        try connection.execute(
            "UPDATE etl.sync_state SET watermark_time = to_timestamp($2) WHERE portal_id = $1 AND stream = $3",
            [String(portalID), String(portalTime), stream])
    }
}
