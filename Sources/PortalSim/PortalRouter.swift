import B24Core
import Foundation
import Synchronization

/// An HTTP request as the router needs it (independent of the server library).
public struct SimHTTPRequest: Sendable {
    /// `GET`, `POST`…
    public var method: String
    /// Path and query, e.g. `/rest/1/abc/crm.lead.list.json?start=-1`.
    public var uri: String
    /// The `Content-Type` header, if any.
    public var contentType: String?
    /// The request body.
    public var body: [UInt8]

    /// Creates a request.
    public init(method: String, uri: String, contentType: String? = nil, body: [UInt8] = []) {
        self.method = method
        self.uri = uri
        self.contentType = contentType
        self.body = body
    }
}

/// What the server should do with a request.
public struct SimHTTPResponse: Sendable {
    /// HTTP status.
    public var status: Int
    /// `Content-Type` of the body.
    public var contentType: String
    /// The body.
    public var body: [UInt8]
    /// Seconds to wait before answering (slow-answer fault).
    public var delay: Double = 0
    /// Close the connection without answering (dropped-connection fault).
    public var drop = false

    static func json(_ status: Int, _ value: JSON) -> SimHTTPResponse {
        var bytes: [UInt8] = []
        value.write(into: &bytes, .php)
        return SimHTTPResponse(status: status, contentType: "application/json; charset=utf-8", body: bytes)
    }
}

/// Routes HTTP requests to the simulated portal: webhook and OAuth REST routes, the token
/// endpoint, and the `/_sim/*` control routes. Faults are injected here, per request.
public final class PortalRouter: Sendable {
    /// What the control routes change while the router serves.
    private struct State {
        var auth: SimAuth
        var faults: FaultPlan
        var faultRandom: SimRandom
    }

    private let state: Mutex<State>
    /// The portal requests are answered from.
    public let portal: SimulatedPortal

    /// A router for `portal`, accepting `auth`, injecting `faults` drawn from `faultSeed`.
    public init(portal: SimulatedPortal, auth: SimAuth, faults: FaultPlan = FaultPlan(), faultSeed: UInt64 = 7) {
        self.portal = portal
        self.state = Mutex(State(auth: auth, faults: faults, faultRandom: SimRandom(seed: faultSeed, stream: 0xFA17)))
    }

    /// The credentials in force.
    public var credentials: SimAuth {
        state.withLock { $0.auth }
    }

    /// Issues an OAuth token pair (printed at start so a client can use the OAuth route).
    public func issueTokens() -> (access: String, refresh: String) {
        let now = portal.clock.now()
        return state.withLock {
            let pair = $0.auth.issueTokens(now: now)
            return (pair.access, pair.refresh)
        }
    }

    /// Replaces the fault plan.
    public func setFaults(_ plan: FaultPlan) {
        state.withLock { $0.faults = plan }
    }

    /// Answers one request.
    public func respond(_ request: SimHTTPRequest) -> SimHTTPResponse {
        let pathAndQuery = request.uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        let path = String(pathAndQuery[0])
        let query = pathAndQuery.count > 1 ? pathAndQuery[1] : ""
        var params = PHPQueryString.parse(query)
        if !request.body.isEmpty {
            if request.contentType?.lowercased().contains("json") == true {
                guard let body = try? JSON.parse(request.body) else {
                    return .json(
                        400, MethodError(status: 400, code: "INVALID_REQUEST", description: "Invalid JSON body").json)
                }
                for (key, value) in body.objectValue ?? JSONObject() { params[key] = value }
            } else {
                let text = String(decoding: request.body, as: UTF8.self)
                for (key, value) in PHPQueryString.parse(text) { params[key] = value }
            }
        }
        let segments = path.split(separator: "/").map(String.init)
        switch segments.first {
        case "_sim": return control(segments.dropFirst(), request)
        case "oauth": return refresh(params)
        case "rest": return rest(Array(segments.dropFirst()), params)
        default:
            return .json(404, ["error": "NOT_FOUND", "error_description": "Unknown path"])
        }
    }

    private func rest(_ segments: [String], _ incoming: JSONObject) -> SimHTTPResponse {
        let start = portal.clock.now()
        var params = incoming
        let fault = state.withLock { $0.faults.draw(&$0.faultRandom) }
        if let fault, fault != .slow, fault != .truncate {
            portal.recordFault(fault)
            switch fault {
            case .serverError:
                let html =
                    "<html><head><title>500 Internal Server Error</title></head><body><h1>Internal Server Error</h1></body></html>"
                return SimHTTPResponse(status: 500, contentType: "text/html", body: Array(html.utf8))
            case .unavailable:
                return .json(503, MethodError.queryLimit.json)
            default:
                return SimHTTPResponse(status: 0, contentType: "", body: [], drop: true)
            }
        }
        let method: String
        switch segments.count {
        case 3:
            guard Int64(segments[0]) != nil, segments[1] == credentials.webhookCode,
                Int64(segments[0]) == credentials.webhookUser
            else {
                portal.recordAuthFailure()
                return .json(401, MethodError.wrongAuth.json)
            }
            method = segments[2]
        case 1:
            let token = params["auth"].map(ListQuery.scalarText) ?? ""
            params["auth"] = nil
            if let failure = state.withLock({ $0.auth.check(accessToken: token, now: start) }) {
                portal.recordAuthFailure()
                return .json(401, (token.isEmpty ? MethodError.wrongAuth : failure).json)
            }
            method = segments[0]
        default:
            return .json(404, MethodError.methodNotFound.json)
        }
        var name = method.lowercased()
        if name.hasSuffix(".json") { name.removeLast(5) }
        let outcome = portal.call(name, params)
        var response: SimHTTPResponse
        switch outcome {
        case .success(let result, let total, let next):
            var envelope: JSONObject = ["result": result]
            if let next { envelope["next"] = .int(Int64(next)) }
            if let total { envelope["total"] = .int(Int64(total)) }
            envelope["time"] = portal.responseTime(method: name == "batch" ? nil : name, start: start)
            response = .json(200, .object(envelope))
        case .failure(let error) where error == .gatewayTimeout:
            let html =
                "<html><head><title>504 Gateway Time-out</title></head><body><h1>504 Gateway Time-out</h1></body></html>"
            response = SimHTTPResponse(status: 504, contentType: "text/html", body: Array(html.utf8))
        case .failure(let error):
            response = .json(error.status, error.json)
        }
        if let fault {
            portal.recordFault(fault)
            if fault == .slow { response.delay = state.withLock { $0.faults.slowSeconds } }
            if fault == .truncate { response.body = Array(response.body.prefix(max(1, response.body.count / 2))) }
        }
        return response
    }

    private func refresh(_ params: JSONObject) -> SimHTTPResponse {
        let now = portal.clock.now()
        switch state.withLock({ $0.auth.refresh(params, now: now) }) {
        case .success(let body): return .json(200, body)
        case .failure(let error): return .json(error.status, error.json)
        }
    }

    private func control(_ segments: ArraySlice<String>, _ request: SimHTTPRequest) -> SimHTTPResponse {
        switch segments.first {
        case "stats":
            return .json(200, portal.statistics.json)
        case "faults":
            let body = (try? JSON.parse(request.body)) ?? [:]
            let plan = state.withLock {
                $0.faults.update(from: body)
                return $0.faults
            }
            return .json(
                200,
                [
                    "500": .double(plan.serverError), "503": .double(plan.unavailable), "drop": .double(plan.drop),
                    "slow": .double(plan.slow), "truncate": .double(plan.truncate),
                    "slow_seconds": .double(plan.slowSeconds),
                ])
        case "expire-tokens":
            state.withLock { $0.auth.expireAll() }
            return .json(200, ["result": true])
        case "oauth":
            return .json(200, state.withLock { $0.auth.counters.json })
        case "limits":
            let body = (try? JSON.parse(request.body)) ?? [:]
            portal.updateLimits(body)
            return .json(200, ["result": true])
        case "access":
            // {"visible_to": 3} narrows the webhook's user to one responsible user's leads,
            // {"visible_to": null} restores full rights; "admin" and "crm_mode" set the rest.
            let body = (try? JSON.parse(request.body)) ?? [:]
            var access = portal.accessRights
            if let visible = body["visible_to"] {
                access.visibleTo = visible.isNull ? nil : visible.lenientInt
                access.isAdmin = access.visibleTo == nil
            }
            if let admin = body["admin"]?.lenientBool { access.isAdmin = admin }
            if let mode = body["crm_mode"]?.lenientInt { access.crmMode = Int(mode) }
            portal.accessRights = access
            return .json(
                200,
                [
                    "visible_to": access.visibleTo.map(JSON.int) ?? .null, "admin": .bool(access.isAdmin),
                    "crm_mode": .int(Int64(access.crmMode)),
                ])
        case "history":
            // {"hold_next": true}: the next stage-history record stays invisible; {"release": true} shows it.
            let body = (try? JSON.parse(request.body)) ?? [:]
            if body["hold_next"]?.lenientBool == true { portal.holdNextHistoryRecord() }
            let released = body["release"]?.lenientBool == true ? portal.releaseHeldHistory() : []
            return .json(200, ["released": .array(released.map(JSON.int))])
        case "restore":
            // Puts a deleted lead back from the recycle bin: {"id": 42}.
            let body = (try? JSON.parse(request.body)) ?? [:]
            guard let id = body["id"]?.lenientInt, portal.restore(lead: id) else {
                return .json(404, ["error": "NOT_FOUND", "error_description": "No such lead in the recycle bin"])
            }
            return .json(200, ["result": true])
        default:
            return .json(404, ["error": "NOT_FOUND", "error_description": "Unknown control route"])
        }
    }
}

extension SimulatedPortal {
    /// Counts an injected fault (and the request it answered).
    func recordFault(_ kind: FaultKind) {
        locked {
            if kind != .slow, kind != .truncate { stats.httpRequests += 1 }
            stats.faults[kind.rawValue, default: 0] += 1
        }
    }

    /// Counts a request refused for bad credentials.
    func recordAuthFailure() {
        locked {
            stats.httpRequests += 1
            stats.authFailures += 1
        }
    }

    /// Changes limits from JSON such as `{"rate":2,"burst":50,"operating_limit":480,"reset":true}`.
    func updateLimits(_ json: JSON) {
        func number(_ key: String) -> Double? {
            switch json[key] {
            case .int(let value): return Double(value)
            case .double(let value): return value
            default: return nil
            }
        }
        locked {
            if let rate = number("rate") { limits.rate = rate }
            if let burst = number("burst") { limits.burst = burst }
            if let operating = number("operating_limit") { limits.operatingLimit = operating }
            if let cut = number("request_time_limit") { limits.requestTimeLimit = cut }
            if json["reset"] == .bool(true) { limits.reset() }
        }
    }
}
