/// What a worker did, for its exit line and the tests.
public struct WorkerReport: Sendable, Equatable {
    /// Syncs that succeeded.
    public var succeeded = 0
    /// Syncs that failed (each portal backed off).
    public var failed = 0
    /// Jobs given back unfinished: shutdown, a lost lease, or another sync holding the portal.
    public var released = 0
    /// Leases renewed while syncs ran.
    public var leaseRenewals = 0

    /// An empty report.
    public init() {}

    /// `succeeded=… failed=… released=… lease_renewals=…`.
    public var line: String {
        "succeeded=\(succeeded) failed=\(failed) released=\(released) lease_renewals=\(leaseRenewals)"
    }
}
