import B24Core
import Bitrix24
import Foundation
import PortalSim
import Synchronization

/// An in-memory transport that hands requests straight to the simulator's router: real API
/// behaviour, no sockets. Records every request with the virtual time it was sent at.
public final class SimulatorTransport: HTTPTransport, Sendable {
    private struct Record {
        var sent: [(time: Double, request: TransportRequest)] = []
        var answers: [(time: Double, request: TransportRequest, response: TransportResponse?)] = []
        var failFrom: Int?
        var onRequest: (@Sendable (Int) -> Void)?
        var rewrite: (@Sendable (TransportRequest, TransportResponse) -> TransportResponse)?
    }

    private let record = Mutex(Record())
    /// The simulator's router.
    public let router: PortalRouter
    /// The clock requests are stamped with.
    public let clock: VirtualClientClock

    /// A transport into `router`.
    public init(router: PortalRouter, clock: VirtualClientClock) {
        self.router = router
        self.clock = clock
    }

    /// Every request so far with its virtual send time.
    public var requests: [(time: Double, request: TransportRequest)] {
        record.withLock { $0.sent }
    }

    /// Every request with its virtual send time and the answer (nil for a dropped connection).
    public var exchanges: [(time: Double, request: TransportRequest, response: TransportResponse?)] {
        record.withLock { $0.answers }
    }

    /// From the `requests`-th request counted from now on, every request fails with 403
    /// `ACCESS_DENIED` (an outage); `nil` ends the outage.
    public func failAfter(_ requests: Int?) {
        record.withLock { record in record.failFrom = requests.map { record.sent.count + $0 } }
    }

    /// Rewrites every answer before the client sees it (crafted API answers); `nil` stops.
    public func rewriteAnswers(_ hook: (@Sendable (TransportRequest, TransportResponse) -> TransportResponse)?) {
        record.withLock { $0.rewrite = hook }
    }

    /// Runs `hook` with the running request number (1-based) before each request; `nil` stops.
    public func beforeEachRequest(_ hook: (@Sendable (Int) -> Void)?) {
        record.withLock { $0.onRequest = hook }
    }

    /// Answers from the simulator (or as the hooks say).
    public func send(_ request: TransportRequest) async throws(BitrixError) -> TransportResponse {
        let sentAt = clock.now()
        let (number, failFrom, hook) = record.withLock { record in
            record.sent.append((sentAt, request))
            return (record.sent.count, record.failFrom, record.onRequest)
        }
        hook?(number)
        if let failFrom, number > failFrom {
            return TransportResponse(
                status: 403, body: Array(#"{"error":"ACCESS_DENIED","error_description":"test outage"}"#.utf8))
        }
        guard let schemeEnd = request.url.range(of: "://"),
            let pathStart = request.url[schemeEnd.upperBound...].firstIndex(of: "/")
        else { throw BitrixError(code: .transport, message: "bad URL") }
        let uri = String(request.url[pathStart...])
        let contentType = request.headers.first { $0.0.lowercased() == "content-type" }?.1
        let answer = router.respond(
            SimHTTPRequest(method: request.method, uri: uri, contentType: contentType, body: request.body))
        if answer.drop {
            record.withLock { $0.answers.append((sentAt, request, nil)) }
            throw BitrixError(code: .transport, message: "connection reset")
        }
        if answer.delay > 0 { clock.advance(by: answer.delay) }
        let response = TransportResponse(
            status: answer.status, headers: [("Content-Type", answer.contentType)], body: answer.body)
        let rewrite = record.withLock { record in
            record.answers.append((sentAt, request, response))
            return record.rewrite
        }
        return rewrite?(request, response) ?? response
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
