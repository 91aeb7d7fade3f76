import Prometheus

/// What a worker exposes to Prometheus: per portal the last success, the watermark's lag, leads
/// and requests per run, failures and the portal's 503/429 answers; per worker the running syncs,
/// claims and lease renewals. Rendered in the text exposition format.
public final class WorkerMetrics: Sendable {
    private let registry = PrometheusCollectorRegistry()
    private let running: Gauge
    private let claims: Counter
    private let renewals: Counter

    /// Metrics with the per-worker series at zero.
    public init() {
        running = registry.makeGauge(
            descriptor: Self.name("worker", "running", "syncs", "Syncs this worker is running now."))
        claims = registry.makeCounter(
            descriptor: Self.name("worker", "claims", "total", "Portals this worker claimed."))
        renewals = registry.makeCounter(
            descriptor: Self.name("worker", "lease_renewals", "total", "Leases this worker renewed."))
    }

    private static func name(
        _ subsystem: String, _ metric: String, _ unit: String, _ help: String
    )
        -> MetricNameDescriptor
    {
        MetricNameDescriptor(
            namespace: "b24pg", subsystem: subsystem, metricName: metric, unitName: unit, helpText: help)
    }

    private func gauge(_ metric: String, _ unit: String, _ help: String, _ labels: [(String, String)]) -> Gauge {
        registry.makeGauge(descriptor: Self.name("portal", metric, unit, help), labels: labels)
    }

    private func counter(_ metric: String, _ unit: String, _ help: String, _ labels: [(String, String)]) -> Counter {
        registry.makeCounter(descriptor: Self.name("portal", metric, unit, help), labels: labels)
    }

    /// A sync started.
    func started() {
        claims.increment()
        running.increment()
    }

    /// A sync ended (whatever its outcome).
    func ended() {
        running.decrement()
    }

    /// A lease was renewed.
    func renewed() {
        renewals.increment()
    }

    /// A sync of `portal` succeeded at `unixTime` with `summary`.
    func succeeded(portal: String, summary: SyncSummary, unixTime: Double) {
        let labels = [("portal", portal)]
        gauge("last_success", "timestamp_seconds", "When the portal's last sync succeeded.", labels).set(unixTime)
        gauge("last_run_leads", "count", "Leads the portal's last successful sync loaded.", labels)
            .set(Int64(summary.leads))
        gauge("last_run_requests", "count", "Requests the portal's last successful sync sent.", labels)
            .set(Int64(summary.requests))
        gauge("last_run_duration", "seconds", "How long the portal's last successful sync took.", labels)
            .set(summary.seconds)
        counter("leads", "total", "Leads loaded for the portal.", labels).increment(by: Int64(summary.leads))
        counter("syncs", "total", "Successful syncs of the portal.", labels).increment()
    }

    /// A sync of `portal` failed.
    func failed(portal: String) {
        counter("failures", "total", "Failed syncs of the portal.", [("portal", portal)]).increment()
    }

    /// The requests one sync of `portal` sent and how often the portal pushed back: 503
    /// (`QUERY_LIMIT_EXCEEDED`) and 429 (`OPERATION_TIME_LIMIT`), and the OAuth token refreshes
    /// it spent; counted whatever the outcome.
    public func traffic(portal: String, requests: Int, throttled: Int, operatingRefusals: Int, tokenRefreshes: Int = 0)
    {
        counter("requests", "total", "Requests sent to the portal.", [("portal", portal)])
            .increment(by: Int64(requests))
        let help = "Answers of the portal that pushed back, by HTTP status."
        counter("throttled", "total", help, [("portal", portal), ("status", "503")]).increment(by: Int64(throttled))
        counter("throttled", "total", help, [("portal", portal), ("status", "429")])
            .increment(by: Int64(operatingRefusals))
        counter(
            "token_refreshes", "total", "OAuth refresh tokens spent for the portal (application portals).",
            [("portal", portal)]
        )
        .increment(by: Int64(tokenRefreshes))
    }

    /// How far `stream` of `portal` is behind: the database's now minus the stream's watermark.
    func watermarkLag(portal: String, stream: String, seconds: Double) {
        gauge(
            "watermark_lag", "seconds", "How far a stream's watermark is behind now.",
            [("portal", portal), ("stream", stream)]
        ).set(seconds)
    }

    /// The metrics in Prometheus' text exposition format.
    public func render() -> String {
        registry.emitToString()
    }
}
