/// How one portal is synced: its limits, retries, chunk size, audit and delete guard, and when it
/// is due. `[defaults]` sets them for every portal; a `[[portal]]` entry overrides any of them.
public struct PortalSettings: Sendable, Equatable {
    /// Requests per second the portal allows.
    public var rate = 2.0
    /// Requests allowed in a burst.
    public var burst = 50.0
    /// Operating seconds per method per 10 minutes to stay under (0: ignore operating time).
    public var operatingBudget = 480.0
    /// Attempts per read request before the run fails.
    public var maxAttempts = 8
    /// Longest time spent retrying one request, in seconds.
    public var maxRetrySeconds = 300.0
    /// Leads per load transaction.
    public var chunkSize = 2_500
    /// Audit children when the last audit is older than this many seconds.
    public var auditEvery: Int64 = 86_400
    /// Largest share of live leads one delete scan may flag.
    public var maxDeleteShare = 0.05
    /// When the portal is due.
    public var schedule = Schedule.every(seconds: 3_600)

    /// The defaults `b24pg sync` uses.
    public init() {}
}
