import B24Core
import Bitrix24
import PortalSim

/// A simulated portal reachable through `SimulatorTransport`, with a client on a virtual clock.
public struct SimulatedSetup {
    /// The portal.
    public let portal: SimulatedPortal
    /// The router.
    public let router: PortalRouter
    /// The transport.
    public let transport: SimulatorTransport
    /// The clock.
    public let clock: VirtualClientClock
    /// The client.
    public let client: BitrixClient

    /// A portal of `leads` leads generated from `seed` in `time`'s zone up to `anchor`, behind
    /// `limits` and `faults`, on a virtual clock starting at `clockStart`, with a client limited to
    /// `clientRate` (its operating budget `operatingBudget`, its retries `retryPolicy`).
    public init(
        leads: Int, seed: UInt64 = 11, time: PortalTime = PortalTime(offsetSeconds: 7200),
        anchor: Int64 = 1_767_225_600, clockStart: Double = 1_767_300_000, webhookCode: String = "secretcode123",
        limits: PortalLimits = PortalLimits(rate: 0), faults: FaultPlan = FaultPlan(), faultSeed: UInt64 = 7,
        clientRate: Double = 0, operatingBudget: Double = 480, retryPolicy: RetryPolicy = RetryPolicy()
    ) throws {
        let dataset = PortalDataset.generate(seed: seed, leadCount: leads, time: time, anchor: anchor)
        clock = VirtualClientClock(unixStart: clockStart)
        portal = SimulatedPortal(dataset: dataset, limits: limits, clock: VirtualPortalClock(clock))
        router = PortalRouter(
            portal: portal, auth: SimAuth(seed: seed, webhookCode: webhookCode), faults: faults, faultSeed: faultSeed)
        transport = SimulatorTransport(router: router, clock: clock)
        self.webhookCode = webhookCode
        self.clientRate = clientRate
        self.operatingBudget = operatingBudget
        self.retryPolicy = retryPolicy
        client = try Self.client(
            transport: transport, clock: clock, webhookCode: webhookCode, rate: clientRate,
            operatingBudget: operatingBudget, retryPolicy: retryPolicy)
    }

    private let webhookCode: String
    private let clientRate: Double
    private let operatingBudget: Double
    private let retryPolicy: RetryPolicy

    /// Another client over the same transport, with counters of its own.
    public func freshClient() throws -> BitrixClient {
        try Self.client(
            transport: transport, clock: clock, webhookCode: webhookCode, rate: clientRate,
            operatingBudget: operatingBudget, retryPolicy: retryPolicy)
    }

    private static func client(
        transport: SimulatorTransport, clock: VirtualClientClock, webhookCode: String, rate: Double,
        operatingBudget: Double, retryPolicy: RetryPolicy
    ) throws -> BitrixClient {
        BitrixClient(
            credentials: .webhook(try WebhookCredentials(url: "http://127.0.0.1:9/rest/1/\(webhookCode)/")),
            transport: transport, clock: clock,
            limiter: RateLimiter(rate: rate, burst: 50, operatingBudget: operatingBudget, clock: clock),
            retryPolicy: retryPolicy, random: { 0.5 })
    }
}
