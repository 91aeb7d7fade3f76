import B24Core
import Bitrix24
import Foundation
import PortalSim

/// An in-memory transport that hands requests straight to the simulator's router: real API
/// behaviour, no sockets. Records every request with the virtual time it was sent at.
public final class SimulatorTransport: HTTPTransport, @unchecked Sendable {
    // Safe: `log` is only accessed while holding `lock`.
    private let lock = NSLock()
    /// The simulator's router.
    public let router: PortalRouter
    /// The clock requests are stamped with.
    public let clock: VirtualClientClock
    private var log: [(time: Double, request: TransportRequest)] = []
    private var answers: [(time: Double, request: TransportRequest, response: TransportResponse?)] = []

    /// A transport into `router`.
    public init(router: PortalRouter, clock: VirtualClientClock) {
        self.router = router
        self.clock = clock
    }

    /// Every request so far with its virtual send time.
    public var requests: [(time: Double, request: TransportRequest)] {
        lock.withLock { log }
    }

    /// Every request with its virtual send time and the answer (nil for a dropped connection).
    public var exchanges: [(time: Double, request: TransportRequest, response: TransportResponse?)] {
        lock.withLock { answers }
    }

    /// Answers from the simulator.
    public func send(_ request: TransportRequest) async throws(BitrixError) -> TransportResponse {
        let sentAt = clock.now()
        lock.withLock { log.append((sentAt, request)) }
        guard let schemeEnd = request.url.range(of: "://"),
            let pathStart = request.url[schemeEnd.upperBound...].firstIndex(of: "/")
        else { throw BitrixError(code: .transport, message: "bad URL") }
        let uri = String(request.url[pathStart...])
        let contentType = request.headers.first { $0.0.lowercased() == "content-type" }?.1
        let answer = router.respond(
            SimHTTPRequest(method: request.method, uri: uri, contentType: contentType, body: request.body))
        if answer.drop {
            lock.withLock { answers.append((sentAt, request, nil)) }
            throw BitrixError(code: .transport, message: "connection reset")
        }
        if answer.delay > 0 { clock.advance(by: answer.delay) }
        let response = TransportResponse(
            status: answer.status, headers: [("Content-Type", answer.contentType)], body: answer.body)
        lock.withLock { answers.append((sentAt, request, response)) }
        return response
    }
}

/// The simulator reading the client's virtual clock, so both sides agree on time.
public struct VirtualPortalClock: PortalClock {
    /// The client's clock.
    public let clock: VirtualClientClock
    /// Reads `clock`.
    public init(_ clock: VirtualClientClock) { self.clock = clock }
    /// The client's unix time.
    public func now() -> Double { clock.unixTime() }
}
