import Foundation

/// Which leads a sync reads.
public enum SyncMode: Sendable, Equatable {
    /// Leads modified since the stored watermark (minus the safety overlap); all on the first run.
    case incremental
    /// Every lead.
    case full
    /// Leads modified since a date or time, as the user wrote it (a backfill): `YYYY-MM-DD` is
    /// midnight in the portal's zone, an ISO 8601 time with an offset is that instant. The
    /// stored watermark is kept when it is older than this, so changes in between are not skipped.
    case since(String)

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
    /// When the delete scan may mark leads deleted.
    public var deleteGuard: DeleteGuard
    /// A run that rejected any record fails (after loading everything else).
    public var strict: Bool
    /// Seconds after the last children audit before a run audits again.
    public var auditEvery: Int64
    /// Audit the children of every live lead in this run, whenever the last audit was.
    public var auditChildren: Bool
    /// The worker running the sync (recorded in `etl.sync_run.worker`); `nil` for `b24pg sync`.
    public var worker: String?

    /// Options with production defaults.
    public init(
        mode: SyncMode = .incremental, reconcile: Bool = true, overlapSeconds: Int64 = 300, leadsPerChunk: Int = 2_500,
        detailConcurrency: Int = 2, deleteGuard: DeleteGuard = DeleteGuard(), strict: Bool = false,
        auditEvery: Int64 = 86_400, auditChildren: Bool = false, worker: String? = nil
    ) {
        self.mode = mode
        self.reconcile = reconcile
        self.overlapSeconds = overlapSeconds
        self.leadsPerChunk = max(1, leadsPerChunk)
        self.detailConcurrency = max(1, detailConcurrency)
        self.deleteGuard = deleteGuard
        self.strict = strict
        self.auditEvery = max(0, auditEvery)
        self.auditChildren = auditChildren
        self.worker = worker
    }
}
