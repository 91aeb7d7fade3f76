/// A portal a worker claimed from `etl.portal_job`, under a lease.
public struct PortalJob: Sendable, Equatable {
    /// Its `etl.portal` id.
    public var portalID: Int64
    /// Its name.
    public var name: String
    /// The slot it was due at (unix seconds).
    public var dueAt: Int64
    /// Failed runs in a row before this claim.
    public var failures: Int
    /// The portal's UTC offset as `etl.portal.time_zone` keeps it (`+03:00`), when a sync has learned it.
    public var timeZone: String?
    /// The database's clock at the claim (unix seconds).
    public var claimedAt: Int64

    /// A claimed job.
    public init(portalID: Int64, name: String, dueAt: Int64, failures: Int, timeZone: String?, claimedAt: Int64) {
        self.portalID = portalID
        self.name = name
        self.dueAt = dueAt
        self.failures = failures
        self.timeZone = timeZone
        self.claimedAt = claimedAt
    }
}

/// How a claimed job ended, for `etl.portal_job`.
public enum PortalJobOutcome: Sendable, Equatable {
    /// Synced: due again at `nextDue`, failures reset.
    case succeeded(nextDue: Int64)
    /// Failed: due again at `retryAt`, failures counted.
    case failed(retryAt: Int64, error: String)
    /// Given back unfinished (shutdown, lease lost, another sync held the portal): due again at
    /// `dueAt`, failures unchanged.
    case released(dueAt: Int64, reason: String)
}
