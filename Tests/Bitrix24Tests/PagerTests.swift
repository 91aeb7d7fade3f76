import B24Core
import Bitrix24
import PortalSim
import SimTestSupport
import Testing

@Suite("Pagers and the detail fetcher against the simulator, in memory")
struct PagerTests {
    @Test("keyset paging reads every lead once, 2,500 per request, and stops at the short page")
    func keysetReadsAll() async throws {
        let setup = try SimulatedSetup(leads: 5_120)
        let pager = KeysetPager(client: setup.client, method: "crm.lead.list", select: ["ID", "TITLE"])
        var ids: [Int64] = []
        let last = try await pager.forEachPage { page in ids += page.compactMap { $0["ID"]?.lenientInt } }
        let expected = setup.portal.snapshot.leadIDs
        #expect(ids == expected)
        #expect(last == expected.last)
        #expect(setup.transport.requests.count == 3)
        #expect(setup.client.statistics.snapshot.requests == 3)
    }

    @Test("a multiple of 50 ends with an empty page; a filter narrows the scan; paging resumes after an id")
    func keysetEdges() async throws {
        let setup = try SimulatedSetup(leads: 100)
        let all = setup.portal.snapshot.leadIDs
        var ids: [Int64] = []
        try await KeysetPager(client: setup.client, method: "crm.lead.list", select: ["ID"]).forEachPage {
            ids += $0.compactMap { $0["ID"]?.lenientInt }
        }
        #expect(ids == all)

        let data = setup.portal.snapshot
        var converted: [Int64] = []
        try await KeysetPager(
            client: setup.client, method: "crm.lead.list", select: ["ID"], filter: ["STATUS_ID": "CONVERTED"]
        )
        .forEachPage { converted += $0.compactMap { $0["ID"]?.lenientInt } }
        #expect(converted == all.filter { data.leads[$0]?.statusID == "CONVERTED" })

        var tail: [Int64] = []
        try await KeysetPager(client: setup.client, method: "crm.lead.list", select: ["ID"]).forEachPage(after: all[59])
        {
            tail += $0.compactMap { $0["ID"]?.lenientInt }
        }
        #expect(tail == Array(all[60...]))
    }

    @Test("engine shape: stage history by its own id with result.items")
    func keysetEngineShape() async throws {
        let setup = try SimulatedSetup(leads: 900)
        var ids: [Int64] = []
        try await KeysetPager(
            client: setup.client, method: "crm.stagehistory.list", select: ["ID", "OWNER_ID", "STATUS_ID"],
            extraParameters: ["entityTypeId": 1], shape: .member("items")
        ).forEachPage { ids += $0.compactMap { $0["ID"]?.lenientInt } }
        #expect(ids == setup.portal.snapshot.history.map(\.id))
    }

    @Test("a failed command in the chain restarts after the last good page; nothing is lost or repeated")
    func keysetSurvivesCommandFailure() async throws {
        let setup = try SimulatedSetup(leads: 3_000, limits: PortalLimits(rate: 0, burst: 50, operatingLimit: 0.8))
        var ids: [Int64] = []
        try await KeysetPager(client: setup.client, method: "crm.lead.list", select: ["ID"]).forEachPage {
            ids += $0.compactMap { $0["ID"]?.lenientInt }
        }
        #expect(ids == setup.portal.snapshot.leadIDs)
        #expect(setup.client.statistics.snapshot.operatingRefusals > 0)
        #expect(setup.portal.statistics.operatingRefusals > 0)
    }

    @Test("a page the portal cuts short (49 rows, more data after) is followed, not taken for the end")
    func keysetFollowsCutPages() async throws {
        let setup = try SimulatedSetup(leads: 6_000)
        setup.portal.pageQuirks = PageQuirks(joinedTwiceShare: 0.002)
        let all = setup.portal.snapshot.leadIDs
        // The portal really answers a short page in the middle of the data.
        let doubled = try #require(all.first { PageQuirks(joinedTwiceShare: 0.002).isCountedTwice($0) })
        let position = try #require(all.firstIndex(of: doubled))
        let raw = setup.portal.call(
            "crm.lead.list",
            [
                "order": ["ID": "ASC"], "filter": [">ID": .int(position == 0 ? 0 : all[position - 1])],
                "select": ["ID"],
                "start": -1,
            ])
        guard case .success(let page, _, _) = raw else {
            Issue.record("crm.lead.list failed: \(raw)")
            return
        }
        #expect((page.elements?.count ?? 0) < 50)
        #expect(all.count - position > 50)

        var ids: [Int64] = []
        try await KeysetPager(client: setup.client, method: "crm.lead.list", select: ["ID"]).forEachPage {
            ids += $0.compactMap { $0["ID"]?.lenientInt }
        }
        #expect(ids == all)
        let counters = setup.client.statistics.snapshot
        #expect(counters.shortPages > 0)
        #expect(counters.requests <= 4 + counters.shortPages, "at most one more request per cut page")

        // A filtered scan (the incremental one) counts and follows the same way.
        let data = setup.portal.snapshot
        var converted: [Int64] = []
        try await KeysetPager(
            client: setup.client, method: "crm.lead.list", select: ["ID"], filter: ["STATUS_ID": "CONVERTED"]
        ).forEachPage { converted += $0.compactMap { $0["ID"]?.lenientInt } }
        #expect(converted == all.filter { data.leads[$0]?.statusID == "CONVERTED" })
    }

    /// A batch answer whose commands `p0`, `p1`… return rows with these ids; `total` for `p0` when given.
    static func pages(_ pages: [[Int]], total: Int?) -> (TransportRequest) -> Result<TransportResponse, BitrixError> {
        let results = pages.enumerated().map { index, ids in
            "\"p\(index)\":[" + ids.map { #"{"ID":"\#($0)","TITLE":"Lead \#($0)"}"# }.joined(separator: ",") + "]"
        }
        let totals = total.map { #"{"p0":\#($0)}"# } ?? "[]"
        return ScriptedTransport.json(
            200,
            #"{"result":{"result":{\#(results.joined(separator: ","))},"result_error":[],"result_total":\#(totals),"#
                + #""result_next":[],"result_time":[]},"time":{"start":1,"finish":1.1}}"#)
    }

    @Test("a row repeated across pages is loaded once; an id that steps back unseen stops the scan, naming it")
    func keysetDuplicatesAndDisorder() async throws {
        let clock = VirtualClientClock(unixStart: 1_767_300_000)
        let repeated = ScriptedTransport([Self.pages([Array(1...50), Array(50...59)], total: 59)])
        let client = try ClientBehaviourTests.client(repeated, clock: clock)
        var ids: [Int64] = []
        try await KeysetPager(client: client, method: "crm.lead.list", select: ["ID"], pagesPerRequest: 2)
            .forEachPage { ids += $0.compactMap { $0["ID"]?.lenientInt } }
        #expect(ids == (1...59).map(Int64.init))
        #expect(client.statistics.snapshot.duplicateRows == 1)
        #expect(repeated.requests.count == 1)

        let evens = Array(stride(from: 2, through: 100, by: 2))
        let disordered = ScriptedTransport([Self.pages([evens, [101, 3]], total: 60)])
        let strict = try ClientBehaviourTests.client(disordered, clock: clock)
        let error = await #expect(throws: BitrixError.self) {
            try await KeysetPager(client: strict, method: "crm.lead.list", select: ["ID"], pagesPerRequest: 2)
                .forEachPage { _ in }
        }
        #expect(error?.code == .malformedResponse)
        #expect(error?.message.contains("ID 3 after 101") == true)
        #expect(error?.method == "crm.lead.list")

        // Without a total (a portal that does not count), the first short page ends the scan.
        let uncounted = ScriptedTransport([Self.pages([Array(1...50), Array(51...60)], total: nil)])
        let plain = try ClientBehaviourTests.client(uncounted, clock: clock)
        var seen = 0
        try await KeysetPager(client: plain, method: "crm.lead.list", select: ["ID"], pagesPerRequest: 2)
            .forEachPage { seen += $0.count }
        #expect(seen == 60)
        #expect(uncounted.requests.count == 1)
    }

    @Test("offset paging follows next and stops without it, never looping on page 1")
    func offsetPaging() async throws {
        let setup = try SimulatedSetup(leads: 130)
        let rows = try await OffsetPager(
            client: setup.client, method: "crm.lead.list", parameters: ["order": ["ID": "ASC"], "select": ["ID"]]
        ).all()
        #expect(rows.compactMap { $0["ID"]?.lenientInt } == setup.portal.snapshot.leadIDs)
        #expect(setup.transport.requests.count == 3)
        let users = try await OffsetPager(
            client: setup.client, method: "user.get", parameters: ["sort": "ID", "order": "ASC"]
        ).all()
        #expect(users.count == setup.portal.snapshot.users.count)
    }

    @Test("the client paces itself: a burst, then the configured rate, and the simulator's bucket never overflows")
    func pacedAgainstBucket() async throws {
        let setup = try SimulatedSetup(leads: 100, limits: PortalLimits(rate: 2, burst: 50), clientRate: 2)
        for _ in 0..<80 { _ = try await setup.client.call("crm.lead.fields") }
        #expect(setup.portal.statistics.throttled == 0)
        #expect(setup.client.statistics.snapshot.throttled == 0)
        let elapsed = setup.clock.now()
        #expect(
            elapsed >= 15 && elapsed <= 16.5, "80 requests at 2/s after a burst of 49 take ~15.5 s, took \(elapsed)")
    }
}
