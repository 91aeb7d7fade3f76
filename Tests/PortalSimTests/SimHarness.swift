import B24Core
import Foundation
import PortalSim
import SimTestSupport

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A simulated portal served over real HTTP on loopback, with a clock the test moves.
struct SimHarness {
    let server: PortalServer
    let router: PortalRouter
    let portal: SimulatedPortal
    let clock: ManualPortalClock
    let session: URLSession

    /// The anchor of generated data: 2026-01-01T00:00:00+03:00.
    static let anchor: Int64 = 1_767_214_800

    /// Starts a portal; the rate limit is off unless `limits` says otherwise.
    static func start(
        leads: Int = 300, seed: UInt64 = 42, timeZone: String = "+03:00",
        limits: PortalLimits = PortalLimits(rate: 0), faults: FaultPlan = FaultPlan()
    ) async throws -> SimHarness {
        let clock = ManualPortalClock(start: Double(anchor) + 86_400)
        let served = try await ServedPortal.start(
            leads: leads, seed: seed, time: PortalTime(offset: timeZone) ?? PortalTime(offsetSeconds: 0),
            anchor: anchor, webhookCode: "testcode", limits: limits, faults: faults, clock: clock)
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = 20
        return SimHarness(
            server: served.server, router: served.router, portal: served.portal, clock: clock,
            session: URLSession(configuration: configuration))
    }

    /// `http://127.0.0.1:PORT/rest/1/testcode/`.
    var webhook: String {
        "\(server.baseURL)/rest/1/testcode/"
    }

    /// Sends a raw request and returns status, body and content type.
    func raw(
        _ url: String, method: String = "GET", body: [UInt8]? = nil, contentType: String? = nil
    ) async throws -> (status: Int, body: [UInt8], contentType: String) {
        guard let target = URL(string: url) else { throw HarnessError.badURL(url) }
        var request = URLRequest(url: target)
        request.httpMethod = method
        if let body { request.httpBody = Data(body) }
        if let contentType { request.setValue(contentType, forHTTPHeaderField: "Content-Type") }
        let (data, response) = try await session.data(for: request)
        let http = response as? HTTPURLResponse
        return (http?.statusCode ?? 0, Array(data), http?.value(forHTTPHeaderField: "Content-Type") ?? "")
    }

    /// Calls a method through the webhook with a JSON body.
    func call(_ method: String, _ params: JSON = [:]) async throws -> (status: Int, body: JSON) {
        let answer = try await raw(
            webhook + method, method: "POST", body: Array(params.serialized().utf8), contentType: "application/json")
        return (answer.status, try JSON.parse(answer.body))
    }

    /// Calls a method through the webhook with a form-encoded query string and optional form body.
    func form(_ method: String, query: String = "", body: String? = nil) async throws -> (status: Int, body: JSON) {
        let url = webhook + method + (query.isEmpty ? "" : "?" + query)
        let answer = try await raw(
            url, method: body == nil ? "GET" : "POST", body: body.map { Array($0.utf8) },
            contentType: body == nil ? nil : "application/x-www-form-urlencoded")
        return (answer.status, try JSON.parse(answer.body))
    }

    /// Every lead id of the current data, ascending.
    var leadIDs: [Int64] {
        portal.snapshot.leadIDs
    }

    /// Stops the server.
    func stop() async {
        try? await server.shutdown()
        session.invalidateAndCancel()
    }

    enum HarnessError: Error {
        case badURL(String)
    }
}

extension JSON {
    /// Rows of a list result as `[JSON]`.
    var rows: [JSON] {
        self["result"]?.elements ?? []
    }

    /// The `ID` of every row, as integers (strings or numbers accepted).
    var ids: [Int64] {
        rows.compactMap { row in
            switch row["ID"] {
            case .string(let text): return Int64(text)
            case .int(let value): return value
            default: return nil
            }
        }
    }

    /// An integer member, whether written as a number or a string.
    func integer(_ key: String) -> Int64? {
        switch self[key] {
        case .int(let value): return value
        case .string(let text): return Int64(text)
        default: return nil
        }
    }
}

/// Runs `body` against a fresh simulated portal and always stops it afterwards.
func withPortal(
    leads: Int = 300, seed: UInt64 = 42, timeZone: String = "+03:00",
    limits: PortalLimits = PortalLimits(rate: 0), faults: FaultPlan = FaultPlan(),
    _ body: (SimHarness) async throws -> Void
) async throws {
    let harness = try await SimHarness.start(
        leads: leads, seed: seed, timeZone: timeZone, limits: limits, faults: faults)
    do {
        try await body(harness)
    } catch {
        await harness.stop()
        throw error
    }
    await harness.stop()
}
