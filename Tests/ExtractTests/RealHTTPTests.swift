import B24Core
import Bitrix24
import Extract
import PortalSim
import SimTestSupport
import Testing

/// Reads every lead with its children the way a first load does: keyset pages, then binding sets
/// and owner-set product rows, then the exact bindings of every lead with a contact.
func fullRead(_ client: BitrixClient) async throws -> (leads: [JSON], children: ChildAnswers) {
    var leads: [JSON] = []
    try await KeysetPager(
        client: client, method: "crm.lead.list", select: ["*", "UF_*", "PHONE", "EMAIL"]
    ).forEachPage { leads += $0 }
    let ids = leads.compactMap { $0["ID"]?.lenientInt }
    let reader = ChildrenReader(client: client, concurrency: 2)
    var children = try await reader.runToCompletion(
        stride(from: 0, to: ids.count, by: 50).map { ChildQuery.bindingSets(Array(ids[$0..<min($0 + 50, ids.count)])) }
            + stride(from: 0, to: ids.count, by: 20).map {
                ChildQuery.productRowsOfSet(Array(ids[$0..<min($0 + 20, ids.count)]), after: 0)
            })
    let bound = ids.filter { !(children.bindingSets[$0]?["contactIds"]?.elements ?? []).isEmpty }
    children.merge(try await reader.runToCompletion(bound.map { .contactItems($0) }))
    return (leads, children)
}

@Suite(
    "The client over real HTTP against the simulator, with real rate limiting and faults", .serialized,
    .timeLimit(.minutes(10)))
struct RealHTTPTests {
    static func start(
        faults: FaultPlan
    ) async throws -> (PortalServer, SimulatedPortal, BitrixClient, AsyncHTTPTransport) {
        let served = try await ServedPortal.start(
            leads: 5_000, seed: 5, anchor: 1_767_225_600, webhookCode: "realhttpcode",
            limits: PortalLimits(rate: 2, burst: 50), faults: faults, faultSeed: 3)
        let (server, portal) = (served.server, served.portal)
        let transport = AsyncHTTPTransport()
        let clock = SystemClientClock()
        let client = BitrixClient(
            credentials: .webhook(try WebhookCredentials(url: served.webhook)),
            transport: transport, clock: clock, limiter: RateLimiter(rate: 2, burst: 50, clock: clock),
            retryPolicy: RetryPolicy(maxAttempts: 10, baseDelay: 0.25, maxDelay: 4, maxTotal: 120))
        return (server, portal, client, transport)
    }

    @Test(
        "5,000 leads with children under 2 req/s, burst 50: exact data, a handful of 503s at most; the same with 10% faults"
    )
    func fullReadUnderLimits() async throws {
        let (server, portal, client, transport) = try await Self.start(faults: FaultPlan())
        let faults = FaultPlan(
            serverError: 0.03, unavailable: 0.02, drop: 0.02, slow: 0.01, truncate: 0.02, slowSeconds: 0.5)
        let (faultyServer, faultyPortal, faultyClient, faultyTransport) = try await Self.start(faults: faults)

        async let clean = fullRead(client)
        async let faulty = fullRead(faultyClient)
        let (read, faultyRead) = try await (clean, faulty)

        let data = portal.snapshot
        #expect(read.leads.compactMap { $0["ID"]?.lenientInt } == data.leadIDs)
        for lead in read.leads {
            let id = try #require(lead["ID"]?.lenientInt)
            let expected = try #require(data.leads[id])
            #expect(lead["TITLE"]?.stringValue == expected.title)
            #expect(lead["DATE_MODIFY"]?.stringValue == data.time.format(expected.dateModify))
            let rows = try #require(read.children.productRows[id])
            #expect(rows.compactMap { $0["ID"]?.lenientInt } == (data.productRows[id] ?? []).map(\.id))
            #expect(
                (read.children.contacts[id] ?? []).compactMap { $0["CONTACT_ID"]?.lenientInt }
                    == (data.bindings[id] ?? []).map(\.contactID))
        }
        let stats = portal.statistics
        #expect(stats.throttled <= 3, "503s earned: \(stats.throttled)")
        #expect(client.statistics.snapshot.requests == stats.httpRequests)
        #expect(stats.httpRequests < 200)

        #expect(faultyRead.leads == read.leads)
        #expect(faultyRead.children.productRows == read.children.productRows)
        #expect(faultyRead.children.contacts == read.children.contacts)
        #expect(faultyRead.children.bindingSets == read.children.bindingSets)
        let faultStats = faultyPortal.statistics
        #expect(faultStats.faults.values.reduce(0, +) > 5, "faults were injected: \(faultStats.faults)")
        #expect(faultyClient.statistics.snapshot.retries > 0)

        try await transport.shutdown()
        try await faultyTransport.shutdown()
        try await server.shutdown()
        try await faultyServer.shutdown()
    }

    @Test("a portal that is down for good: retries end with one error naming the portal and method, not the secret")
    func portalDown() async throws {
        let transport = AsyncHTTPTransport(connectTimeout: 1, readTimeout: 2)
        let clock = SystemClientClock()
        let client = BitrixClient(
            credentials: .webhook(try WebhookCredentials(url: "http://127.0.0.1:1/rest/1/downsecret/")),
            transport: transport,
            clock: clock, limiter: RateLimiter(rate: 0, clock: clock),
            retryPolicy: RetryPolicy(maxAttempts: 3, baseDelay: 0.05, maxDelay: 0.1, maxTotal: 10))
        let error = await #expect(throws: BitrixError.self) { try await client.call("crm.lead.list") }
        #expect(error?.code == .retriesExhausted)
        #expect(error?.description.contains("http://127.0.0.1:1") == true)
        #expect(error?.description.contains("crm.lead.list") == true)
        #expect(error?.description.contains("downsecret") == false)
        try await transport.shutdown()
    }
}
