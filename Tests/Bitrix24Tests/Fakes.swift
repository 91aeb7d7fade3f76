import B24Core
import Bitrix24
import Foundation
import PortalSim
import SimTestSupport
import Synchronization

/// A transport that answers from a script, one entry per request, and records what it was sent.
final class ScriptedTransport: HTTPTransport, Sendable {
    private struct State {
        var script: [(TransportRequest) -> Result<TransportResponse, BitrixError>]
        var sent: [TransportRequest] = []
    }

    private let state: Mutex<State>

    init(_ script: sending [(TransportRequest) -> Result<TransportResponse, BitrixError>]) {
        state = Mutex(State(script: script))
    }

    var requests: [TransportRequest] {
        state.withLock { $0.sent }
    }

    func send(_ request: TransportRequest) async throws(BitrixError) -> TransportResponse {
        let next = state.withLock { state -> ((TransportRequest) -> Result<TransportResponse, BitrixError>)? in
            state.sent.append(request)
            return state.script.isEmpty ? nil : state.script.removeFirst()
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

/// Answers with the token each request carries: `first` is expired for crm.lead.fields; for
/// crm.deal.fields it is unknown once the refresh has begun (the server drops the old token when
/// it hands out the new one), so that answer waits for `refreshBegun`; `second` is fine.
final class GatedTransport: HTTPTransport, Sendable {
    private struct State {
        var sent: [String] = []
        var refreshBegun = false
        var refusedOldToken = false
    }

    private let state = Mutex(State())

    /// The bodies sent so far.
    var bodies: [String] { state.withLock { $0.sent } }

    /// Whether crm.deal.fields has been refused with the old token.
    var refusedOldToken: Bool { state.withLock { $0.refusedOldToken } }

    /// Marks the refresh as begun: the old token is refused from now on.
    func beginRefresh() {
        state.withLock { $0.refreshBegun = true }
    }

    func send(_ request: TransportRequest) async throws(BitrixError) -> TransportResponse {
        let body = String(decoding: request.body, as: UTF8.self)
        state.withLock { $0.sent.append(body) }
        if body.contains("second") { return try ClientBehaviourTests.ok(request).get() }
        if request.url.hasSuffix("crm.lead.fields") {
            return try ScriptedTransport.json(401, #"{"error":"expired_token"}"#)(request).get()
        }
        while !state.withLock({ $0.refreshBegun }) {
            try? await Task.sleep(for: .milliseconds(1))
        }
        state.withLock { $0.refusedOldToken = true }
        return try ScriptedTransport.json(
            401, #"{"error":"invalid_token","error_description":"Unable to get application by token"}"#
        )(request).get()
    }
}
