import Bitrix24
import Config
import LibPQ
import Load
import Pipeline

/// The config's portals with their credentials checked, and how one of them is synced.
struct WorkerPortals: Sendable {
    /// The portals, for the worker's queue.
    let portals: [WorkerPortal]
    private let entries: [String: (credentials: Credentials, settings: PortalSettings)]

    /// Checks every portal's webhook (exit 2 naming the entry when one is not a webhook URL).
    init(_ file: ConfigFile) throws {
        var portals: [WorkerPortal] = []
        var entries: [String: (credentials: Credentials, settings: PortalSettings)] = [:]
        for entry in file.portals {
            let credentials: Credentials
            do {
                credentials = .webhook(try WebhookCredentials(url: entry.webhookURL))
            } catch {
                let problem = ConfigError(
                    file: file.path, line: entry.line, key: "portal \(entry.name)",
                    message: "the webhook is not usable: \(error)")
                throw RunFailure(message: problem.description, exitCode: ExitStatus.usage)
            }
            portals.append(
                WorkerPortal(name: entry.name, host: credentials.endpoint.host, schedule: entry.settings.schedule))
            entries[entry.name] = (credentials, entry.settings)
        }
        self.portals = portals
        self.entries = entries
    }

    /// One incremental sync of a claimed portal on a connection of its own, with the portal's own
    /// rate limiter and settings.
    func sync(
        connectionString: ConnectionString, transport: AsyncHTTPTransport, worker: String, log: RunLog,
        metrics: WorkerMetrics
    ) -> PortalWorker.Sync {
        let entries = self.entries
        return { portal, _ in
            guard let entry = entries[portal.name] else {
                throw RunFailure(message: "portal \(portal.name) is not configured here", exitCode: ExitStatus.usage)
            }
            let settings = entry.settings
            let connection = try Connection(connectionString)
            let clock = SystemClientClock()
            let client = BitrixClient(
                credentials: entry.credentials, transport: transport, clock: clock,
                limiter: RateLimiter(
                    rate: settings.rate, burst: settings.burst, operatingBudget: settings.operatingBudget, clock: clock),
                retryPolicy: RetryPolicy(maxAttempts: settings.maxAttempts, maxTotal: settings.maxRetrySeconds))
            let engine = SyncEngine(
                client: client, database: DatabaseWorker(connection: connection), host: portal.host, name: portal.name,
                options: SyncOptions(
                    leadsPerChunk: settings.chunkSize, deleteGuard: DeleteGuard(maxShare: settings.maxDeleteShare),
                    auditEvery: settings.auditEvery, worker: worker),
                log: log.with(portal: portal.name), clock: clock)
            defer {
                let traffic = client.statistics.snapshot
                metrics.traffic(
                    portal: portal.name, requests: traffic.requests, throttled: traffic.throttled,
                    operatingRefusals: traffic.operatingRefusals)
            }
            return try await engine.run()
        }
    }
}
