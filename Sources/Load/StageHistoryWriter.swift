import LibPQ
import Star

/// How stage-history rows reach `dw.fact_lead_stage_history`, inside the batch's transaction.
public protocol StageHistoryWriter: Sendable {
    /// The `pass_mode` this writer records with the stream's progress (`nil`: none), so a run
    /// that stops and is started again goes on with the same writer.
    var passMode: String? { get }
    /// Writes the rows and what they imply; returns the COPY summary.
    func write(_ rows: [StageHistoryRecord], portalID: Int64, loader: StarLoader) throws -> CopySummary
    /// Ends the pass (in its own transaction).
    func finish(portalID: Int64, loader: StarLoader) throws
}

/// The usual path: staged, merged by history id, the stages reached derived per batch.
public struct StagedHistoryWriter: StageHistoryWriter {
    /// The staged writer.
    public init() {}

    /// No mark: a resumed pass may stage again.
    public var passMode: String? { nil }

    /// Stages the rows and merges them.
    public func write(_ rows: [StageHistoryRecord], portalID: Int64, loader: StarLoader) throws -> CopySummary {
        let table = StarTable.factLeadStageHistory
        let copied = try loader.stage(table, rows) { $0.append(history: $1, portalID: portalID) }
        try loader.connection.execute(table.upsertFromStaging())
        try SQLScript.stagedHistoryDerived.run(on: loader.connection)
        return copied
    }

    /// Nothing left to do.
    public func finish(portalID: Int64, loader: StarLoader) throws {}
}

/// A portal's first load of stage history: rows copied straight into the empty table, the
/// stages they show reached derived once at the end (per batch, the conflict checks cost twice
/// as much). The stream is marked `first_load` meanwhile, so a rerun after a crash goes on the
/// same way and still derives at the end.
public struct DirectHistoryWriter: StageHistoryWriter {
    /// The direct writer.
    public init() {}

    /// `first_load`.
    public var passMode: String? { StreamProgress.firstLoad }

    /// Copies the rows (one per history id, the last wins) into the table.
    public func write(_ rows: [StageHistoryRecord], portalID: Int64, loader: StarLoader) throws -> CopySummary {
        let table = StarTable.factLeadStageHistory
        return try loader.copy(
            StarLoader.unique(rows, keepLast: true, by: \.historyID), into: table.name, columns: table.columns
        ) { $0.append(history: $1, portalID: portalID) }
    }

    /// Derives the stages reached and clears the mark, in one transaction.
    public func finish(portalID: Int64, loader: StarLoader) throws {
        try loader.connection.transaction {
            try SQLScript.historyFirstLoadFinish.run(on: loader.connection, ids: [portalID])
        }
    }
}
