import B24Core
import PortalSim
import Testing

@Suite("Simulator write methods change data like the real portal")
struct WriteMethodTests {
    @Test("update moves DATE_MODIFY to now, records the stage move and closes the lead")
    func updateStage() async throws {
        try await withPortal(leads: 100) { portal in
            let data = portal.portal.snapshot
            let id = try #require(data.leadIDs.first { data.leads[$0]?.statusID == "NEW" })
            portal.clock.advance(by: 3600)
            let now = Int64(portal.clock.now())
            let updated = try await portal.call(
                "crm.lead.update", ["id": .int(id), "fields": ["STATUS_ID": "CONVERTED", "TITLE": "Won"]])
            #expect(updated.body["result"] == .bool(true))
            let lead = try #require(portal.portal.snapshot.leads[id])
            #expect(lead.dateModify == now)
            #expect(lead.dateClosed == now)
            #expect(lead.title == "Won")
            let last = portal.portal.snapshot.history.last
            #expect(
                last?.ownerID == id && last?.statusID == "CONVERTED" && last?.typeID == 3 && last?.semanticID == "S")
            #expect((last?.id ?? 0) > (data.history.last?.id ?? 0))

            let since = data.time.format(now)
            let changed = try await portal.call(
                "crm.lead.list", ["filter": [">=DATE_MODIFY": .string(since)], "select": ["ID"], "start": 0])
            #expect(changed.body.ids == [id])
            let invalid = try await portal.call(
                "crm.lead.update", ["id": .int(id), "fields": ["STATUS_ID": "NO_SUCH"]])
            #expect(invalid.status == 400)
        }
    }

    @Test("add creates the next id with a created event; delete removes the lead and its children")
    func addAndDelete() async throws {
        try await withPortal(leads: 50) { portal in
            let before = portal.portal.snapshot
            let added = try await portal.call(
                "crm.lead.add", ["fields": ["TITLE": "New one", "SOURCE_ID": "WEB", "OPPORTUNITY": "99.5"]])
            let id = try #require(added.body.integer("result"))
            #expect(id > (before.leadIDs.last ?? 0))
            let fetched = try await portal.call("crm.lead.get", ["id": .int(id)])
            #expect(fetched.body["result"]?["OPPORTUNITY"] == "99.50")
            #expect(portal.portal.snapshot.history.last?.ownerID == id)

            let victim = try #require(
                before.leadIDs.first { (before.productRows[$0]?.isEmpty == false) && before.bindings[$0] != nil })
            #expect(try await portal.call("crm.lead.delete", ["id": .int(victim)]).body["result"] == .bool(true))
            #expect(try await portal.call("crm.lead.get", ["id": .int(victim)]).status == 400)
            #expect(
                try await portal.call("crm.lead.productrows.get", ["id": .int(victim)]).body["result"] == .array([]))
            let bindings = try await portal.call("crm.lead.contact.items.get", ["id": .int(victim)])
            #expect(bindings.body["error"] == "NOT_FOUND")
            let all = try await portal.call(
                "crm.lead.list", ["select": ["ID"], "filter": ["ID": .int(victim)], "start": 0])
            #expect(all.body.ids.isEmpty)
            // Stage history of a deleted lead: kept by default (the harsher reading), removed when told.
            #expect(portal.portal.snapshot.history.contains { $0.ownerID == victim })
            portal.portal.childBehaviour.deletedLeadHistory = .remove
            let second = try #require(
                before.leadIDs.first { id in id != victim && before.history.contains { $0.ownerID == id } })
            #expect(try await portal.call("crm.lead.delete", ["id": .int(second)]).body["result"] == .bool(true))
            #expect(portal.portal.snapshot.history.allSatisfy { $0.ownerID != second })
        }
    }

    @Test(
        "setting product rows replaces them and recomputes the amount; the lead's DATE_MODIFY moves only when the portal is told child writes move it"
    )
    func productRowsSet() async throws {
        try await withPortal(leads: 80) { portal in
            let data = portal.portal.snapshot
            let id = try #require(data.leadIDs.first { data.leads[$0]?.isManualOpportunity == false })
            portal.clock.advance(by: 60)
            let rows: JSON = [
                ["PRODUCT_ID": 1000, "PRICE": 100, "QUANTITY": 3],
                ["PRODUCT_NAME": "Hand typed", "PRICE": "12.25", "QUANTITY": 2],
            ]
            _ = try await portal.call("crm.lead.productrows.set", ["id": .int(id), "rows": rows])
            let stored =
                try await portal.call("crm.lead.productrows.get", ["id": .int(id)]).body["result"]?.elements ?? []
            #expect(stored.count == 2)
            #expect(stored.last?["PRODUCT_NAME"] == "Hand typed")
            let lead = try #require(portal.portal.snapshot.leads[id])
            #expect(lead.opportunityCents == 32_450)
            #expect(lead.dateModify == data.leads[id]?.dateModify)
            portal.portal.childBehaviour = ChildBehaviour(bumpsModify: true)
            _ = try await portal.call("crm.lead.productrows.set", ["id": .int(id), "rows": rows])
            #expect(portal.portal.snapshot.leads[id]?.dateModify == Int64(portal.clock.now()))

            _ = try await portal.call(
                "crm.lead.contact.items.set",
                ["id": .int(id), "items": [["CONTACT_ID": 7, "SORT": 10], ["CONTACT_ID": 9, "IS_PRIMARY": "Y"]]])
            let bindings =
                try await portal.call("crm.lead.contact.items.get", ["id": .int(id)]).body["result"]?.elements ?? []
            #expect(bindings.compactMap { $0["CONTACT_ID"] } == [.int(7), .int(9)])
            #expect(bindings.last?["IS_PRIMARY"] == "Y")
            let get = try await portal.call("crm.lead.get", ["id": .int(id)])
            #expect(get.body["result"]?["CONTACT_ID"] == "9")
        }
    }

    @Test("contacts, companies, users, currencies and custom fields are served for the star's dimensions")
    func referenceData() async throws {
        try await withPortal(leads: 200) { portal in
            let data = portal.portal.snapshot
            let wanted = Array(Set(data.bindings.values.flatMap { $0.map(\.contactID) })).sorted().prefix(30)
            let contacts = try await portal.call(
                "crm.contact.list",
                [
                    "filter": ["@ID": .array(wanted.map { .int($0) })], "select": ["ID", "NAME", "LAST_NAME"],
                    "start": -1,
                ])
            #expect(contacts.body.ids.sorted() == Array(wanted))
            #expect(contacts.body.rows.allSatisfy { $0["NAME"]?.stringValue != nil })
            let companies = try await portal.call("crm.company.list", ["filter": ["@ID": [1, 2, 3]], "start": -1])
            #expect(companies.body.ids.sorted() == [1, 2, 3])

            let users = try await portal.call("user.get", ["sort": "ID", "order": "ASC"])
            #expect(users.body.rows.count == data.users.count)
            #expect(users.body.rows.first?["ACTIVE"] == .bool(true))
            #expect(users.body["total"] == .int(Int64(data.users.count)))
            let currencies = try await portal.call("crm.currency.list")
            #expect(currencies.body.rows.first { $0["BASE"] == "Y" }?["CURRENCY"] == "USD")
            let fields = try await portal.call("crm.lead.userfield.list", ["filter": ["LANG": "en"]])
            #expect(fields.body.rows.first { $0["FIELD_NAME"] == "UF_CRM_INTERESTS" }?["LIST"]?.elements?.count == 5)
            #expect(fields.body.rows.first?["EDIT_FORM_LABEL"]?.stringValue != nil)
            let described = try await portal.call("crm.lead.fields")
            #expect(described.body["result"]?["UF_CRM_CHANNEL"]?["items"]?.elements?.count == 4)
            #expect(described.body["result"]?["STATUS_ID"]?["statusType"] == "STATUS")
            let binding = try await portal.call("crm.lead.contact.fields")
            #expect(binding.body["result"]?["CONTACT_ID"]?["isRequired"] == .bool(true))
        }
    }
}
