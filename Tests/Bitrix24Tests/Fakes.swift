import B24Core
import Bitrix24
import Foundation
import PortalSim
import SimTestSupport

/// A transport that answers from a script, one entry per request, and records what it was sent.
final class ScriptedTransport: HTTPTransport, @unchecked Sendable {
    // Safe: `script` and `sent` are only accessed while holding `lock`.
    private let lock = NSLock()
    private var script: [(TransportRequest) -> Result<TransportResponse, BitrixError>]
    private var sent: [TransportRequest] = []

    init(_ script: [(TransportRequest) -> Result<TransportResponse, BitrixError>]) {
        self.script = script
    }

    var requests: [TransportRequest] {
        lock.withLock { sent }
    }

    func send(_ request: TransportRequest) async throws(BitrixError) -> TransportResponse {
        let next = lock.withLock { () -> ((TransportRequest) -> Result<TransportResponse, BitrixError>)? in
            sent.append(request)
            return script.isEmpty ? nil : script.removeFirst()
        }
        guard let next else { throw BitrixError(code: .transport, message: "script exhausted") }
        return try next(request).get()
    }

    /// A JSON answer.
    static func json(_ status: Int, _ body: String) -> (TransportRequest) -> Result<TransportResponse, BitrixError> {
        { _ in .success(TransportResponse(status: status, body: Array(body.utf8))) }
    }

    /// A network failure.
    static func failure(_ message: String) -> (TransportRequest) -> Result<TransportResponse, BitrixError> {
        { _ in .failure(BitrixError(code: .transport, message: message)) }
    }
}

/// A simulated portal reachable through `SimulatorTransport`, with a client on a virtual clock.
struct SimulatedSetup {
    let portal: SimulatedPortal
    let router: PortalRouter
    let transport: SimulatorTransport
    let clock: VirtualClientClock
    let client: BitrixClient

    init(
        leads: Int, limits: PortalLimits = PortalLimits(rate: 0), clientRate: Double = 0,
        faults: FaultPlan = FaultPlan()
    ) throws {
        let dataset = PortalDataset.generate(
            seed: 11, leadCount: leads, time: PortalTime(offsetSeconds: 7200), anchor: 1_767_225_600)
        clock = VirtualClientClock(unixStart: 1_767_300_000)
        let portalClock = VirtualPortalClock(clock)
        portal = SimulatedPortal(dataset: dataset, limits: limits, clock: portalClock)
        router = PortalRouter(portal: portal, auth: SimAuth(seed: 11, webhookCode: "secretcode123"), faults: faults)
        transport = SimulatorTransport(router: router, clock: clock)
        let credentials = try WebhookCredentials(url: "http://127.0.0.1:9/rest/1/secretcode123/")
        client = BitrixClient(
            credentials: .webhook(credentials), transport: transport, clock: clock,
            limiter: RateLimiter(rate: clientRate, burst: 50, clock: clock), random: { 0.5 })
    }
}
