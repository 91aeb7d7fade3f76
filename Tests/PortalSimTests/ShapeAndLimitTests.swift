import B24Core
import Foundation
import PortalSim
import Testing

@Suite("Simulator value shapes, time envelope, rate and operating limits, faults, stats")
struct ShapeAndLimitTests {
    @Test("legacy methods write strings, Y/N, \"\" dates, \"0\" companies and false for empty multiple fields")
    func legacyShapes() async throws {
        try await withPortal(leads: 200, timeZone: "+05:30") { portal in
            let data = portal.portal.snapshot
            let rows = try await portal.call(
                "crm.lead.list", ["select": ["*", "UF_*", "UF_CRM_INTERESTS"], "order": ["ID": "ASC"], "start": 0]
            ).body.rows
            #expect(rows.count == 50)
            for row in rows {
                let id = try #require(row.integer("ID"))
                let lead = try #require(data.leads[id])
                #expect(row["ID"] == .string(String(id)))
                let opportunity = try #require(row["OPPORTUNITY"]?.stringValue)
                #expect(opportunity.split(separator: ".").last?.count == 2, "money has two decimals: \(opportunity)")
                #expect(row["OPENED"] == .string(lead.opened ? "Y" : "N"))
                #expect(row["DATE_MODIFY"]?.stringValue?.hasSuffix("+05:30") == true)
                #expect(
                    row["DATE_CLOSED"]
                        == (lead.dateClosed == nil ? .string("") : .string(data.time.format(lead.dateClosed ?? 0))))
                #expect(row["COMPANY_ID"] == .string(lead.companyID.map(String.init) ?? "0"))
                if case .enumeration(let ids) = lead.custom["UF_CRM_INTERESTS"], ids.isEmpty {
                    #expect(row["UF_CRM_INTERESTS"] == .bool(false))
                }
            }
            let any = try #require(rows.first?.integer("ID"))
            let single = try await portal.call("crm.lead.get", ["ID": .int(any)]).body["result"]
            if data.leads[any]?.companyID == nil { #expect(single?["COMPANY_ID"] == .null) }
        }
    }

    @Test("children and engine methods write numbers; product rows page by owner list")
    func childShapes() async throws {
        try await withPortal(leads: 150) { portal in
            let data = portal.portal.snapshot
            let lead = try #require(
                data.leadIDs.first { (data.productRows[$0]?.count ?? 0) >= 2 && (data.bindings[$0]?.count ?? 0) >= 2 })
            let rows =
                try await portal.call("crm.lead.productrows.get", ["id": .int(lead)]).body["result"]?.elements ?? []
            #expect(rows.count == data.productRows[lead]?.count)
            #expect(rows.first?["ID"]?.stringValue != nil)
            #expect(rows.first?["PRODUCT_ID"].map { if case .int = $0 { true } else { false } } == true)
            #expect(rows.first?["TAX_INCLUDED"]?.stringValue != nil)

            let bindings =
                try await portal.call("crm.lead.contact.items.get", ["id": .int(lead)]).body["result"]?.elements ?? []
            #expect(bindings.count == data.bindings[lead]?.count)
            #expect(bindings.first?["CONTACT_ID"] == .int(data.bindings[lead]?.first?.contactID ?? -1))
            #expect(bindings.first?["IS_PRIMARY"] == "Y")

            let owners = Array(data.leadIDs.prefix(40))
            let expected = owners.flatMap { data.productRows[$0] ?? [] }.map(\.id).sorted()
            var collected: [Int64] = []
            var start: Int64 = 0
            while true {
                let page = try await portal.call(
                    "crm.item.productrow.list",
                    [
                        "filter": ["=ownerType": "L", "=ownerId": .array(owners.map { .int($0) })],
                        "order": ["id": "asc"], "start": .int(start),
                    ])
                let items = page.body["result"]?["productRows"]?.elements ?? []
                collected += items.compactMap { if case .int(let id) = $0["id"] { id } else { nil } }
                guard let next = page.body.integer("next") else { break }
                start = next
            }
            #expect(collected == expected)
            let missing = try await portal.call("crm.item.productrow.list", ["filter": ["=ownerId": 5]])
            #expect(missing.status == 400)
        }
    }

    @Test("every response carries the time envelope with operating fields")
    func timeEnvelope() async throws {
        try await withPortal { portal in
            let answer = try await portal.call("crm.status.list", ["filter": ["ENTITY_ID": "STATUS"]])
            let time = try #require(answer.body["time"])
            for key in [
                "start", "finish", "duration", "processing", "date_start", "date_finish", "operating",
                "operating_reset_at",
            ] {
                #expect(time[key] != nil, "time.\(key)")
            }
            #expect(time["date_start"]?.stringValue?.hasSuffix("+03:00") == true)
            let stages = answer.body.rows
            #expect(
                stages.map { $0["STATUS_ID"] } == [
                    "NEW", "IN_PROCESS", "UC_QUALIFY", "PROCESSED", "CONVERTED", "JUNK", "UC_NO_BUDGET",
                ])
            #expect(stages.first { $0["STATUS_ID"] == "CONVERTED" }?["SEMANTICS"] == "S")
            #expect(stages.first { $0["STATUS_ID"] == "UC_NO_BUDGET" }?["EXTRA"]?["SEMANTICS"] == "failure")
            #expect(stages.first { $0["STATUS_ID"] == "UC_QUALIFY" }?["SEMANTICS"] == .null)
        }
    }

    @Test("a burst past the bucket earns 503 QUERY_LIMIT_EXCEEDED; the bucket drains at the rate")
    func leakyBucket() async throws {
        try await withPortal(limits: PortalLimits(rate: 2, burst: 50)) { portal in
            var statuses: [Int] = []
            for _ in 0..<60 { statuses.append(try await portal.form("crm.lead.fields").status) }
            #expect(statuses.prefix(50).allSatisfy { $0 == 200 })
            #expect(statuses.suffix(10).allSatisfy { $0 == 503 })
            let refused = try await portal.form("crm.lead.fields")
            #expect(refused.body["error"] == "QUERY_LIMIT_EXCEEDED")
            portal.clock.advance(by: 1)
            #expect(try await portal.form("crm.lead.fields").status == 200)
            #expect(try await portal.form("crm.lead.fields").status == 200)
            #expect(try await portal.form("crm.lead.fields").status == 503)
            #expect(portal.portal.statistics.throttled == 12)
        }
    }

    @Test("a method over its operating budget gets 429 until the reset time; others are unaffected")
    func operatingLimit() async throws {
        try await withPortal(limits: PortalLimits(rate: 0, burst: 50, operatingLimit: 1.0)) { portal in
            let cheap = try await portal.call("crm.lead.list", ["start": -1])
            let cheapCost = cheap.body["time"]?["operating"]
            let counted = try await portal.call("crm.lead.list", ["start": 0])
            guard case .double(let afterCheap) = cheapCost,
                case .double(let afterCounted) = counted.body["time"]?["operating"]
            else {
                Issue.record("operating missing")
                return
            }
            #expect(afterCounted - afterCheap > afterCheap, "a counted list costs more than start=-1")
            var status = 200
            var calls = 0
            while status == 200, calls < 20 {
                status = try await portal.call("crm.lead.list", ["start": 0]).status
                calls += 1
            }
            #expect(status == 429)
            let blocked = try await portal.call("crm.lead.list", ["start": -1])
            #expect(blocked.body["error"] == "OPERATION_TIME_LIMIT")
            #expect(try await portal.call("crm.lead.fields").status == 200)
            portal.clock.advance(by: 601)
            #expect(try await portal.call("crm.lead.list", ["start": -1]).status == 200)
        }
    }

    @Test("injected faults: HTML 500, 503, dropped connection, slow answer, truncated JSON; all counted")
    func faults() async throws {
        try await withPortal { portal in
            func setFaults(_ json: JSON) async throws {
                _ = try await portal.raw(
                    portal.server.baseURL + "/_sim/faults", method: "POST", body: Array(json.serialized().utf8),
                    contentType: "application/json")
            }
            try await setFaults(["500": 1])
            let html = try await portal.raw(portal.webhook + "crm.lead.fields")
            #expect(html.status == 500)
            #expect(html.contentType.hasPrefix("text/html"))
            #expect(throws: JSONParseError.self) { try JSON.parse(html.body) }

            try await setFaults(["500": 0, "503": 1])
            let busy = try await portal.raw(portal.webhook + "crm.lead.fields")
            #expect(busy.status == 503)

            try await setFaults(["503": 0, "drop": 1])
            await #expect(throws: (any Error).self) { _ = try await portal.raw(portal.webhook + "crm.lead.fields") }

            try await setFaults(["drop": 0, "truncate": 1])
            let cut = try await portal.raw(portal.webhook + "crm.lead.fields")
            #expect(cut.status == 200)
            let parseError = #expect(throws: JSONParseError.self) { try JSON.parse(cut.body) }
            #expect(parseError?.isTruncated == true)

            try await setFaults(["truncate": 0, "slow": 1, "slow_seconds": 0.3])
            let started = Date()
            let slow = try await portal.raw(portal.webhook + "crm.lead.fields")
            #expect(slow.status == 200)
            #expect(Date().timeIntervalSince(started) >= 0.3)

            try await setFaults(["slow": 0])
            let stats = try JSON.parse(try await portal.raw(portal.server.baseURL + "/_sim/stats").body)
            for kind in ["500", "503", "drop", "truncate", "slow"] {
                #expect(stats["faults"]?[kind] != nil && stats["faults"]?[kind] != .int(0), "fault \(kind) counted")
            }
            #expect(stats["methods"]?["crm.lead.fields"] == .int(2))
        }
    }
}
