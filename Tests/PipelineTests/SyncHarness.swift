import B24Core
import Bitrix24
import Foundation
import LibPQ
import Load
import Pipeline
import PortalSim
import PostgresTestSupport
import Schema
import SimTestSupport

/// The shared in-memory simulated portal (`SimulatedSetup`) with a sync engine that loads it
/// into a real database.
struct SyncHarness {
    /// The simulated portal, its transport and clock.
    let setup: SimulatedSetup
    /// The portal.
    var portal: SimulatedPortal { setup.portal }
    /// The router.
    var router: PortalRouter { setup.router }
    /// The virtual clock both sides read.
    var clock: VirtualClientClock { setup.clock }
    /// The transport (its hooks make outages and crafted answers).
    var transport: SimulatorTransport { setup.transport }

    init(
        leads: Int, seed: UInt64 = 21, time: PortalTime = PortalTime(offsetSeconds: 10_800),
        limits: PortalLimits = PortalLimits(rate: 0), faults: FaultPlan = FaultPlan(),
        clientOperatingBudget: Double = 480
    ) throws {
        setup = try SimulatedSetup(
            leads: leads, seed: seed, time: time, anchor: 1_767_214_800,
            clockStart: 1_767_301_200, webhookCode: "synccode", limits: limits, faults: faults, faultSeed: seed,
            operatingBudget: clientOperatingBudget, retryPolicy: RetryPolicy(maxAttempts: 8, baseDelay: 0.1))
    }

    /// A fresh client (its own counters) over the shared transport.
    func client() throws -> BitrixClient {
        try setup.freshClient()
    }

    /// Runs one sync (of `streams`) into the database at `connection`, as the portal `host`.
    func sync(
        _ connection: Connection, options: SyncOptions = SyncOptions(), host: String = "sim.example",
        streams: [any SyncStream] = SyncStreams.standard
    ) async throws -> SyncSummary {
        let engine = SyncEngine(
            client: try client(), database: DatabaseWorker(connection: connection), host: host,
            options: options, log: .discarding, clock: clock, streams: streams)
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

/// A migrated database of its own for one test, with a connection to it.
func withMigratedDatabase<Result>(_ body: (Connection, ConnectionString) async throws -> Result) async throws -> Result
{
    try await TestDatabase.with(migrated: true) { target in try await body(try Connection(target), target) }
}
