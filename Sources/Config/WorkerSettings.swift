/// How a worker process runs: `[worker]` in the config file, each overridden by its flag.
public struct WorkerSettings: Sendable, Equatable {
    /// Syncs run at once in one process.
    public var concurrency = 4
    /// Seconds a claim holds a portal unless renewed; another worker takes it over when it expires.
    public var leaseSeconds: Int64 = 120
    /// Seconds between looks for due portals when nothing finishes.
    public var pollSeconds: Int64 = 5
    /// Back-off after a portal's first failure, in seconds; doubled with each further failure.
    public var backoffSeconds: Int64 = 60
    /// The longest back-off, in seconds.
    public var backoffMaxSeconds: Int64 = 21_600
    /// The port `/metrics` is served on for Prometheus; `nil`: not served.
    public var metricsPort: Int?
    /// The address `/metrics` listens on.
    public var metricsHost = "127.0.0.1"

    /// The defaults.
    public init() {}

    /// Seconds to wait after the `failures`-th failure in a row (1 or more).
    public func backoff(afterFailures failures: Int) -> Int64 {
        let doublings = max(0, min(failures - 1, 30))
        let (scaled, overflow) = backoffSeconds.multipliedReportingOverflow(by: Int64(1) << doublings)
        return overflow ? backoffMaxSeconds : min(scaled, backoffMaxSeconds)
    }
}
