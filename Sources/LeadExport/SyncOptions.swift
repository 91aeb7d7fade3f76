import Foundation

/// Which leads a sync reads.
public enum SyncMode: Sendable, Equatable {
    /// Leads modified since the stored watermark (minus the safety overlap); all on the first run.
    case incremental
    /// Every lead.
    case full
    /// Leads modified since a unix time (a backfill).
    case since(Int64)

    /// `incremental`, `full` or `since`, as `etl.sync_run.mode` stores it.
    public var name: String {
        switch self {
        case .incremental: return "incremental"
        case .full: return "full"
        case .since: return "since"
        }
    }
}

/// How a sync runs.
public struct SyncOptions: Sendable {
    /// Which leads to read.
    public var mode: SyncMode
    /// Run the ID-only reconciliation scan that flags deleted leads.
    public var reconcile: Bool
    /// Seconds subtracted from the watermark, for changes the portal committed late.
    public var overlapSeconds: Int64
    /// Leads per load transaction (one keyset request reads 2,500).
    public var leadsPerChunk: Int
    /// Detail batch requests in flight at once.
    public var detailConcurrency: Int

    /// Options with production defaults.
    public init(
        mode: SyncMode = .incremental, reconcile: Bool = true, overlapSeconds: Int64 = 300, leadsPerChunk: Int = 2_500,
        detailConcurrency: Int = 2
    ) {
        self.mode = mode
        self.reconcile = reconcile
        self.overlapSeconds = overlapSeconds
        self.leadsPerChunk = max(1, leadsPerChunk)
        self.detailConcurrency = max(1, detailConcurrency)
    }
}

/// What one sync did.
public struct SyncSummary: Sendable, Equatable {
    /// The `etl.sync_run` id.
    public var runID: Int64 = 0
    /// The mode.
    public var mode = "incremental"
    /// Leads upserted.
    public var leads = 0
    /// Product rows written.
    public var productRows = 0
    /// Contact links written.
    public var contactLinks = 0
    /// Stage-history rows written.
    public var stageHistory = 0
    /// Leads newly flagged deleted.
    public var deleted = 0
    /// Records rejected.
    public var skipped = 0
    /// NUL characters stripped.
    public var nulStripped = 0
    /// HTTP requests.
    public var requests = 0
    /// Retries.
    public var retries = 0
    /// 503 and 429 answers.
    public var throttled = 0
    /// Wall time, seconds.
    public var seconds = 0.0
    /// Seconds spent in database calls (they overlap with reading the portal, so this is not a share of `seconds`).
    public var databaseSeconds = 0.0

    /// The final summary line.
    public var line: String {
        "sync \(mode) finished: run=\(runID) leads=\(leads) product_rows=\(productRows) links=\(contactLinks) "
            + "stage_history=\(stageHistory) deleted=\(deleted) skipped=\(skipped) requests=\(requests) "
            + "retries=\(retries) throttled=\(throttled) duration=\(String(format: "%.1f", seconds))s "
            + "database=\(String(format: "%.1f", databaseSeconds))s"
    }
}

/// Why a sync did not run or stopped.
public struct SyncError: Error, CustomStringConvertible, Sendable {
    /// Another sync of the same portal holds the lock (exit code 3).
    public var isLocked: Bool
    /// One line for the user.
    public var message: String

    /// Another sync holds the portal's lock.
    public static func locked(_ portal: String) -> SyncError {
        SyncError(
            isLocked: true, message: "another b24pg sync of \(portal) is running (advisory lock held); try again later")
    }

    /// The message.
    public var description: String { message }
}
