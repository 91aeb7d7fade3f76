import B24Core
import Bitrix24
import Foundation
import LeadExport
import LibPQ
import PortalSim
import PostgresTestSupport
import Schema
import SimTestSupport

/// A simulated portal reached in memory, and a sync engine that loads it into a real database.
struct SyncHarness {
    let portal: SimulatedPortal
    let router: PortalRouter
    let clock: VirtualClientClock
    let transport: FailingTransport

    /// The operating budget the client believes each method has (seconds per 10 minutes).
    let clientOperatingBudget: Double

    init(
        leads: Int, seed: UInt64 = 21, limits: PortalLimits = PortalLimits(rate: 0), faults: FaultPlan = FaultPlan(),
        clientOperatingBudget: Double = 480
    ) {
        self.clientOperatingBudget = clientOperatingBudget
        let dataset = PortalDataset.generate(
            seed: seed, leadCount: leads, time: PortalTime(offsetSeconds: 10_800), anchor: 1_767_214_800)
        clock = VirtualClientClock(unixStart: 1_767_301_200)
        portal = SimulatedPortal(dataset: dataset, limits: limits, clock: VirtualPortalClock(clock))
        router = PortalRouter(
            portal: portal, auth: SimAuth(seed: seed, webhookCode: "synccode"), faults: faults, faultSeed: seed)
        transport = FailingTransport(inner: SimulatorTransport(router: router, clock: clock))
    }

    /// A fresh client (its own counters) over the shared transport.
    func client() throws -> BitrixClient {
        BitrixClient(
            credentials: .webhook(try WebhookCredentials(url: "http://127.0.0.1:9/rest/1/synccode/")),
            transport: transport,
            clock: clock, limiter: RateLimiter(rate: 0, operatingBudget: clientOperatingBudget, clock: clock),
            retryPolicy: RetryPolicy(maxAttempts: 8, baseDelay: 0.1),
            random: { 0.5 })
    }

    /// Runs one sync into the database at `connection`.
    func sync(_ connection: Connection, options: SyncOptions = SyncOptions()) async throws -> SyncSummary {
        let engine = SyncEngine(
            client: try client(), database: DatabaseWorker(connection: connection), host: "sim.example",
            options: options,
            log: RunLog(write: { _ in }), clock: clock)
        return try await engine.run()
    }

    /// Changes data in the portal as a user would, a minute after the last change.
    @discardableResult
    func write(_ method: String, _ params: JSONObject) -> MethodOutcome {
        clock.advance(by: 60)
        return portal.perform(method, params)
    }

    /// The REST methods a request calls (the commands of a batch, or the method in its URL).
    static func methods(of request: TransportRequest) -> [String] {
        let last = request.url.split(separator: "/").last.map(String.init) ?? ""
        guard last == "batch" else { return [last] }
        let body = try? JSON.parse(request.body)
        return (body?["cmd"]?.objectValue?.values ?? []).compactMap {
            $0.stringValue?.split(separator: "?").first.map(String.init)
        }
    }
}

/// Passes requests through until told to fail every request from a given count on.
final class FailingTransport: HTTPTransport, @unchecked Sendable {
    // Safe: `sent`, `failFrom` and `onRequest` are only accessed while holding `lock`.
    private let lock = NSLock()
    /// The simulator transport behind it (its exchanges show what the portal saw).
    let inner: SimulatorTransport
    private var sent = 0
    private var failFrom: Int?
    private var onRequest: (@Sendable (Int) -> Void)?
    private var rewrite: (@Sendable (TransportRequest, TransportResponse) -> TransportResponse)?

    init(inner: SimulatorTransport) {
        self.inner = inner
    }

    /// From request number `index` (1-based, counted from now on) every request fails with 403.
    func failAfter(_ requests: Int?) {
        lock.withLock { failFrom = requests.map { sent + $0 } }
    }

    /// Rewrites every answer before the client sees it (crafted API answers).
    func rewriteAnswers(_ hook: (@Sendable (TransportRequest, TransportResponse) -> TransportResponse)?) {
        lock.withLock { rewrite = hook }
    }

    /// Runs `hook` with the running request number before each request.
    func beforeEachRequest(_ hook: (@Sendable (Int) -> Void)?) {
        lock.withLock { onRequest = hook }
    }

    func send(_ request: TransportRequest) async throws(BitrixError) -> TransportResponse {
        let (number, limit, hook) = lock.withLock { () -> (Int, Int?, (@Sendable (Int) -> Void)?) in
            sent += 1
            return (sent, failFrom, onRequest)
        }
        hook?(number)
        if let limit, number > limit {
            return TransportResponse(
                status: 403, body: Array(#"{"error":"ACCESS_DENIED","error_description":"test outage"}"#.utf8))
        }
        let response = try await inner.send(request)
        let rewrite = lock.withLock { self.rewrite }
        return rewrite?(request, response) ?? response
    }
}

/// A migrated database of its own for one test.
func withMigratedDatabase<Result>(_ body: (Connection, ConnectionString) async throws -> Result) async throws -> Result
{
    let name = "b24pg_sync_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
    let admin = try TestDatabase.connect()
    try admin.execute("CREATE DATABASE \(SQLIdentifier.quoted(name))")
    let target = ConnectionString("dbname=\(name)")
    do {
        let connection = try Connection(target)
        _ = try Migrator().migrate(connection)
        let result = try await body(connection, target)
        _ = try? admin.execute("DROP DATABASE IF EXISTS \(SQLIdentifier.quoted(name)) WITH (FORCE)")
        return result
    } catch {
        _ = try? admin.execute("DROP DATABASE IF EXISTS \(SQLIdentifier.quoted(name)) WITH (FORCE)")
        throw error
    }
}
