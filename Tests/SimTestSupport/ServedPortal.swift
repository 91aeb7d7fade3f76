import B24Core
import PortalSim

/// A generated portal served over real HTTP on loopback: the one way tests start the simulator's
/// server in-process (`SimulatedSetup` reaches it in memory; the end-to-end tests run `b24pg sim`).
public struct ServedPortal: Sendable {
    /// The server (stop it with `shutdown()`).
    public let server: PortalServer
    /// The router behind it.
    public let router: PortalRouter
    /// The portal behind the router.
    public let portal: SimulatedPortal

    /// Starts a portal of `leads` leads generated from `seed` in `time`'s zone up to `anchor`,
    /// accepting `webhookCode`, behind `limits` and `faults`, reading time from `clock`.
    public static func start(
        leads: Int, seed: UInt64, time: PortalTime = PortalTime(offsetSeconds: 10_800),
        anchor: Int64 = 1_767_214_800, webhookCode: String, limits: PortalLimits = PortalLimits(rate: 0),
        faults: FaultPlan = FaultPlan(), faultSeed: UInt64 = 7, clock: any PortalClock = SystemPortalClock()
    ) async throws -> ServedPortal {
        let dataset = PortalDataset.generate(seed: seed, leadCount: leads, time: time, anchor: anchor)
        let portal = SimulatedPortal(dataset: dataset, limits: limits, clock: clock)
        let router = PortalRouter(
            portal: portal, auth: SimAuth(seed: seed, webhookCode: webhookCode), faults: faults, faultSeed: faultSeed)
        return ServedPortal(server: try await PortalServer.start(router: router), router: router, portal: portal)
    }

    /// `http://127.0.0.1:PORT/rest/1/CODE/`.
    public var webhook: String {
        "\(server.baseURL)/rest/1/\(router.credentials.webhookCode)/"
    }
}
