import Synchronization

/// Counters of one client's traffic, for the run log and `etl.sync_run`.
public struct ClientCounters: Sendable, Equatable {
    /// HTTP requests sent to the portal (a batch is one; token refreshes not included).
    public var requests = 0
    /// Requests repeated after a retryable failure (503, 429, 5xx, network, cut body, expired token).
    public var retries = 0
    /// 503 QUERY_LIMIT_EXCEEDED answers.
    public var throttled = 0
    /// 429 OPERATION_TIME_LIMIT answers, top-level or inside batches.
    public var operatingRefusals = 0
    /// OAuth token refreshes.
    public var tokenRefreshes = 0
    /// Commands sent inside batches.
    public var batchCommands = 0
    /// Response bytes received.
    public var bytesReceived = 0
    /// List rows the portal sent twice across adjacent pages and the pagers dropped.
    public var duplicateRows = 0
    /// Pages the portal cut short before the counted rows arrived (the scan went on after them).
    public var shortPages = 0
    /// Requests the portal cut on time (504, 408) or that got no answer within the timeout.
    public var timeCuts = 0
    /// Batches sent again as smaller ones after a cut on time.
    public var batchesSplit = 0
}

/// Thread-safe counters shared by every worker of a client.
public final class ClientStatistics: Sendable {
    private let counters = Mutex(ClientCounters())

    /// Empty counters.
    public init() {}

    /// A copy of the counters now.
    public var snapshot: ClientCounters {
        counters.withLock { $0 }
    }

    /// Changes the counters atomically.
    public func update(_ change: (inout ClientCounters) -> Void) {
        counters.withLock { change(&$0) }
    }
}
