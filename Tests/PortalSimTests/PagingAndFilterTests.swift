import B24Core
import PortalSim
import Testing

@Suite("Simulator list paging, filters, order and select over HTTP")
struct PagingAndFilterTests {
    @Test("pages hold 50 rows, start rounds down, total and next appear only with start >= 0")
    func paging() async throws {
        try await withPortal(leads: 180) { portal in
            let ids = portal.leadIDs
            func page(_ start: Int) async throws -> JSON {
                try await portal.call(
                    "crm.lead.list", ["order": ["ID": "ASC"], "select": ["ID"], "start": .int(Int64(start))]
                ).body
            }
            let first = try await page(0)
            #expect(first.ids == Array(ids[0..<50]))
            #expect(first["total"] == .int(180))
            #expect(first["next"] == .int(50))

            let rounded = try await page(75)
            #expect(rounded.ids == Array(ids[50..<100]))
            #expect(rounded["next"] == .int(100))

            let last = try await page(150)
            #expect(last.ids == Array(ids[150..<180]))
            #expect(last["next"] == nil)
            #expect(last["total"] == .int(180))

            let keyset = try await page(-1)
            #expect(keyset.ids == Array(ids[0..<50]))
            #expect(keyset["total"] == .int(0))
            #expect(keyset["next"] == nil)

            // Past the end the legacy path hands back page 1 (with next), so clients must follow `next`.
            let beyond = try await page(400)
            #expect(beyond.ids == Array(ids[0..<50]))
            #expect(beyond["next"] == .int(50))
        }
    }

    @Test("engine methods: start=-1 has neither total nor next; out of range is empty")
    func enginePaging() async throws {
        try await withPortal(leads: 100) { portal in
            let history = portal.portal.snapshot.history
            let keyset = try await portal.call(
                "crm.stagehistory.list", ["entityTypeId": 1, "order": ["ID": "ASC"], "filter": [">ID": 0], "start": -1])
            #expect(keyset.body["total"] == nil)
            #expect(keyset.body["next"] == nil)
            #expect(keyset.body["result"]?["items"]?.elements?.count == 50)
            let counted = try await portal.call("crm.stagehistory.list", ["entityTypeId": 1, "start": 0])
            #expect(counted.body["total"] == .int(Int64(history.count)))
            #expect(counted.body["next"] == .int(50))
            let beyond = try await portal.call("crm.stagehistory.list", ["entityTypeId": 1, "start": 100_000])
            #expect(beyond.body["result"]?["items"] == .array([]))
            let unsupported = try await portal.call("crm.stagehistory.list", ["entityTypeId": 7])
            #expect(unsupported.status == 400)
        }
    }

    /// Counts matching leads through the API (start=0 gives the total).
    static func count(_ portal: SimHarness, _ filter: JSON) async throws -> Int64 {
        let answer = try await portal.call("crm.lead.list", ["filter": filter, "select": ["ID"], "start": 0])
        return answer.body.integer("total") ?? -1
    }

    @Test("filter operators match what the data holds; unknown keys are silently dropped")
    func filterOperators() async throws {
        try await withPortal(leads: 400) { portal in
            let data = portal.portal.snapshot
            let leads = data.leadIDs.compactMap { data.leads[$0] }
            let pivot = data.leadIDs[123]
            func expect(
                _ filter: JSON, _ predicate: (SimLead) -> Bool, sourceLocation: SourceLocation = #_sourceLocation
            ) async throws {
                let got = try await Self.count(portal, filter)
                #expect(
                    got == Int64(leads.filter(predicate).count), "\(filter.serialized())",
                    sourceLocation: sourceLocation)
            }
            try await expect([">ID": .int(pivot)]) { $0.id > pivot }
            try await expect([">=ID": .int(pivot)]) { $0.id >= pivot }
            try await expect(["<ID": .string(String(pivot))]) { $0.id < pivot }
            try await expect(["<=ID": .int(pivot)]) { $0.id <= pivot }
            try await expect(["STATUS_ID": "CONVERTED"]) { $0.statusID == "CONVERTED" }
            try await expect(["=STATUS_ID": "JUNK"]) { $0.statusID == "JUNK" }
            try await expect(["!STATUS_ID": "NEW"]) { $0.statusID != "NEW" }
            try await expect(["@STATUS_ID": ["CONVERTED", "JUNK"]]) { ["CONVERTED", "JUNK"].contains($0.statusID) }
            try await expect(["!@SOURCE_ID": ["WEB", "CALL"]]) { !["WEB", "CALL"].contains($0.sourceID ?? "") }
            try await expect(["%TITLE": "REQUEST"]) { $0.title.lowercased().contains("request") }
            try await expect([">OPPORTUNITY": 10000]) { $0.opportunityCents > 1_000_000 }
            try await expect(["=UF_CRM_INTERESTS": 102]) {
                if case .enumeration(let ids) = $0.custom["UF_CRM_INTERESTS"] { return ids.contains(102) }
                return false
            }
            // LIKE on a status field is turned into '=': a partial code matches nothing.
            try await expect(["%STATUS_ID": "CONV"]) { _ in false }
            // An unknown key (a typo) is dropped: no filter at all.
            try await expect([">IDD": .int(pivot), "NOT_A_FIELD": "x"]) { _ in true }
            // Two conditions combine with AND.
            try await expect([">ID": .int(pivot), "STATUS_ID": "NEW"]) { $0.id > pivot && $0.statusID == "NEW" }
        }
    }

    @Test("date filters honour offsets; a raw + in a form value turns into a space and breaks the filter")
    func dateFilters() async throws {
        try await withPortal(leads: 400) { portal in
            let data = portal.portal.snapshot
            let leads = data.leadIDs.compactMap { data.leads[$0] }
            let cut = leads[200].dateModify
            let text = data.time.format(cut)
            let expected = Int64(leads.filter { $0.dateModify >= cut }.count)
            #expect(try await Self.count(portal, [">=DATE_MODIFY": .string(text)]) == expected)

            let utc = PortalTime(offsetSeconds: 0).format(cut)
            #expect(try await Self.count(portal, [">=DATE_MODIFY": .string(utc)]) == expected)

            let encoded = text.replacingOccurrences(of: "+", with: "%2B")
            let good = try await portal.form("crm.lead.list", query: "start=0&filter%5B%3E%3DDATE_MODIFY%5D=\(encoded)")
            #expect(good.body.integer("total") == expected)
            let raw = try await portal.form("crm.lead.list", query: "start=0&filter%5B%3E%3DDATE_MODIFY%5D=\(text)")
            #expect(raw.body.integer("total") != expected)
        }
    }

    @Test("order is honoured; STATUS_ID orders by stage sort; ties break by ID")
    func ordering() async throws {
        try await withPortal(leads: 120) { portal in
            let data = portal.portal.snapshot
            let byCreated = try await portal.call(
                "crm.lead.list", ["order": ["DATE_CREATE": "DESC"], "select": ["ID", "DATE_CREATE"], "start": 0])
            let created = byCreated.body.ids.compactMap { data.leads[$0]?.dateCreate }
            #expect(created.count == 50)
            #expect(created == created.sorted(by: >))
            #expect(created.first == data.leads.values.map(\.dateCreate).max())

            let byStage = try await portal.call(
                "crm.lead.list", ["order": ["STATUS_ID": "ASC"], "select": ["ID", "STATUS_ID"], "start": 0])
            let sorts = byStage.body.ids.compactMap { data.leads[$0].flatMap { data.stage($0.statusID)?.sort } }
            #expect(sorts == sorts.sorted())
        }
    }

    @Test(
        "select: * has no custom or multifields, UF_* adds the single custom fields, multiple ones and multifields only when named"
    )
    func select() async throws {
        try await withPortal(leads: 60) { portal in
            let data = portal.portal.snapshot
            let star = try await portal.call("crm.lead.list", ["select": ["*"], "order": ["ID": "ASC"], "start": -1])
                .body.rows
            #expect(star.count == 50)
            #expect(
                star.allSatisfy { row in
                    row.objectValue?.keys.contains { $0.hasPrefix("UF_") || $0 == "PHONE" } == false
                })
            #expect(star.allSatisfy { $0["TITLE"] != nil && $0["DATE_MODIFY"] != nil })

            let custom = try await portal.call("crm.lead.list", ["select": ["ID", "UF_*"], "start": -1]).body.rows
            #expect(custom.allSatisfy { $0["UF_CRM_VIP"] != nil && $0["TITLE"] == nil })
            #expect(custom.allSatisfy { $0["UF_CRM_INTERESTS"] == nil }, "a multiple field is not in UF_*")
            let named = try await portal.call(
                "crm.lead.list", ["select": ["ID", "UF_*", "UF_CRM_INTERESTS"], "start": -1]
            ).body.rows
            #expect(named.allSatisfy { $0["UF_CRM_INTERESTS"] != nil && $0["UF_CRM_VIP"] != nil })

            let phones = try await portal.call(
                "crm.lead.list", ["select": ["TITLE", "PHONE"], "order": ["ID": "ASC"], "start": -1])
            for row in phones.body.rows {
                let id = try #require(row.integer("ID"), "ID is added when a multifield is selected")
                let hasPhone = data.leads[id]?.multifields.contains { $0.typeID == "PHONE" } ?? false
                #expect((row["PHONE"] != nil) == hasPhone, "lead \(id): PHONE key only when the lead has one")
            }
        }
    }
}
