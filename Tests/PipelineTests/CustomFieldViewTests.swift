import B24Core
import Foundation
import LibPQ
import Load
import Pipeline
import PortalSim
import Testing

@Suite("Typed custom fields and the lead card, against the simulator's own typed values")
struct CustomFieldViewTests {
    /// Every column of `mart.lead_custom_fields` of every lead, each value as JSON (`to_jsonb`).
    static func view(_ connection: Connection) throws -> [Int64: [String: JSON]] {
        let names = try connection.execute(
            """
            SELECT column_name FROM information_schema.columns
            WHERE table_schema = 'mart' AND table_name = 'lead_custom_fields' ORDER BY ordinal_position
            """
        ).rows.compactMap { $0[0] }
        let list = names.map { "to_jsonb(\(SQLIdentifier.quoted($0)))::text" }.joined(separator: ", ")
        var rows: [Int64: [String: JSON]] = [:]
        for row in try connection.execute("SELECT \(list) FROM mart.lead_custom_fields").rows {
            var values: [String: JSON] = [:]
            for (name, text) in zip(names, row) { values[name] = try text.map { try JSON.parse($0) } ?? .null }
            if let id = values["lead_id"]?.lenientInt { rows[id] = values }
        }
        return rows
    }

    /// The simulator's typed values of `field` on `lead` (empty when it has none).
    static func typed(_ lead: SimLead, _ field: String) -> [SimTypedValue] {
        if case .values(let list) = lead.custom[field] { return list }
        return []
    }

    @Test(
        "money, dates, employees, CRM bindings, files, addresses, links and multiple values of each arrive typed; a renamed option shows its new label without its leads changing; columns follow the card"
    )
    func everyType() async throws {
        let harness = try SyncHarness(leads: 500, seed: 51)
        try await withMigratedDatabase { connection, _ in
            _ = try await harness.sync(connection)
            let data = harness.portal.snapshot
            let leads = data.leadIDs.compactMap { data.leads[$0] }
            let view = try Self.view(connection)
            #expect(view.count == leads.count)
            let base = try #require(data.currencies.first { $0.isBase })
            let rates = Dictionary(
                uniqueKeysWithValues: data.currencies.map { ($0.code, $0.amount / Double($0.amountCount)) })
            let users = Dictionary(uniqueKeysWithValues: data.users.map { ($0.id, "\($0.name) \($0.lastName)") })
            func instant(_ json: JSON?) -> Int64? {
                json?.stringValue.flatMap { PortalTime(offsetSeconds: 0).parse($0) }
            }
            var seen: Set<String> = []
            for lead in leads {
                let row = try #require(view[lead.id])
                for (field, values) in lead.custom {
                    guard case .values(let list) = values,
                        let definition = data.customFields.first(where: { $0.fieldName == field })
                    else { continue }
                    let column = field.lowercased()
                    // One value or an array of them, in the field's order.
                    func cells(_ suffix: String = "") -> [JSON] {
                        let cell = row[column + suffix] ?? .null
                        return definition.multiple ? (cell.elements ?? []) : [cell]
                    }
                    #expect(cells().count == list.count, "\(field) of lead \(lead.id)")
                    seen.insert(definition.userTypeID + (definition.multiple ? "*" : ""))
                    for (index, value) in list.enumerated() where index < cells().count {
                        let cell = cells()[index]
                        switch value {
                        case .money(let cents, let currency):
                            let amount = Double(cents) / 100
                            #expect(cell.lenientDouble == amount, "\(field) of lead \(lead.id)")
                            #expect(cells("_currency")[index].stringValue == currency)
                            let expected =
                                ((amount * (rates[currency] ?? .nan) / (base.amount / Double(base.amountCount))) * 100)
                                .rounded() / 100
                            #expect(abs((cells("_base")[index].lenientDouble ?? -1) - expected) < 0.006)
                        case .day(let stamp):
                            #expect(
                                cell.stringValue == String(data.time.format(stamp).prefix(10)),
                                "\(field) of lead \(lead.id)")
                        case .instant(let stamp):
                            #expect(instant(cell) == stamp, "\(field) of lead \(lead.id)")
                        case .user(let id):
                            #expect(cell.stringValue == users[id])
                            #expect(cells("_id")[index].lenientInt == id)
                        case .crm(let prefix, let id):
                            #expect(cells("_type")[index].stringValue == (prefix == "L" ? "lead" : "contact"))
                            #expect(cells("_id")[index].lenientInt == id)
                        case .file(let id, _):
                            // The list answer has no file name: the file is named by its id.
                            #expect(cell.stringValue == "file \(id)")
                        case .address(let text, _, _, _):
                            #expect(cell.stringValue == text)
                        case .text(let text):
                            #expect(cell.stringValue == text)
                        case .number(let number):
                            #expect(cell.lenientDouble == number)
                        case .integer(let number):
                            #expect(cell.lenientInt == number)
                        }
                    }
                }
                // Enumerations: current labels, ids beside them.
                if case .enumeration(let ids) = lead.custom["UF_CRM_INTERESTS"] {
                    let labels = ids.compactMap { id in
                        data.customFields.first { $0.fieldName == "UF_CRM_INTERESTS" }?.items.first { $0.id == id }?
                            .value
                    }
                    #expect((row["uf_crm_interests"]?.elements ?? []).compactMap(\.stringValue) == labels)
                }
            }
            for type in [
                "money", "money*", "date", "date*", "datetime*", "employee", "employee*", "crm", "crm*",
                "file", "file*", "address", "address*", "url", "url*", "string*", "double*", "integer*",
            ] {
                #expect(seen.contains(type), "a value of \(type) arrived")
            }
            // No file URL (they carry the caller's token) reaches the star.
            #expect(
                try connection.execute("SELECT count(*) FROM dw.fact_lead WHERE custom_fields::text LIKE '%SIMTOKEN%'")
                    .scalar == "0")
            // Columns in the card's order: its sections in order, fields in order, then the rest by SORT.
            let order = try connection.execute(
                """
                SELECT column_name FROM information_schema.columns
                WHERE table_schema = 'mart' AND table_name = 'lead_custom_fields' ORDER BY ordinal_position
                """
            ).rows.compactMap { $0[0] }
            let onCard = (data.cardLayout ?? []).flatMap(\.fields).filter { $0.hasPrefix("UF_") }
            let offCard = data.customFields.sorted { $0.sort < $1.sort }.map(\.fieldName).filter {
                !onCard.contains($0)
            }
            #expect(
                order.filter { column in data.customFields.contains { $0.fieldName.lowercased() == column } }
                    == (onCard + offCard).map { $0.lowercased() })
            let placed = try connection.execute(
                "SELECT section_name, section_sort, field_sort FROM dw.dim_lead_field WHERE field_name = 'UF_CRM_BUDGET'"
            ).rows
            #expect(placed == [["Deal terms", "2", "1"]])
            let listed = try connection.execute(
                "SELECT field_name FROM mart.lead_field WHERE is_custom ORDER BY card_order"
            ).rows.compactMap { $0[0] }
            #expect(listed == onCard + offCard)

            // A renamed option (of a single and of a multiple field): the label changes in the view,
            // though no lead changed; a deleted lead leaves it.
            let before = try connection.execute("SELECT 'mart.lead_custom_fields'::regclass::oid").scalar
            let channel = try #require(data.customFields.first { $0.fieldName == "UF_CRM_CHANNEL" })
            harness.write(
                "crm.lead.userfield.update",
                ["id": .int(Int64(channel.id)), "fields": ["LIST": [["ID": "202", "VALUE": "Email ✉"]]]])
            let interests = try #require(data.customFields.first { $0.fieldName == "UF_CRM_INTERESTS" })
            let renamed = try #require(interests.items.last)
            harness.write(
                "crm.lead.userfield.update",
                [
                    "id": .int(Int64(interests.id)),
                    "fields": ["LIST": [["ID": .string(String(renamed.id)), "VALUE": "Renamed ★"]]],
                ])
            let interested = leads.filter {
                if case .enumeration(let ids) = $0.custom["UF_CRM_INTERESTS"] { return ids.contains(renamed.id) }
                return false
            }
            #expect(interested.count >= 2)
            let gone = interested[0].id
            harness.write("crm.lead.delete", ["id": .int(gone)])
            harness.clock.advance(by: 600)
            let second = try await harness.sync(connection)
            #expect(second.leads == 0)
            #expect(second.customFieldView == .unchanged)
            #expect(try connection.execute("SELECT 'mart.lead_custom_fields'::regclass::oid").scalar == before)
            #expect(try Self.view(connection).count == leads.count - 1)
            #expect(
                try connection.execute(
                    "SELECT count(*) FROM mart.lead_custom_fields WHERE lead_id = $1", [String(gone)]
                ).scalar == "0")
            for lead in interested.dropFirst() {
                guard case .enumeration(let ids) = lead.custom["UF_CRM_INTERESTS"] else { continue }
                let expected = ids.compactMap { id in
                    id == renamed.id ? "Renamed ★" : interests.items.first { $0.id == id }?.value
                }
                let shown = try connection.execute(
                    "SELECT array_to_string(uf_crm_interests, '|') FROM mart.lead_custom_fields WHERE lead_id = $1",
                    [String(lead.id)]
                ).scalar
                #expect(shown == expected.joined(separator: "|"), "lead \(lead.id)")
            }
            let emailLeads = leads.filter { $0.custom["UF_CRM_CHANNEL"] == .enumeration([202]) }
            #expect(!emailLeads.isEmpty)
            let labels = try connection.execute(
                "SELECT DISTINCT uf_crm_channel FROM mart.lead_custom_fields WHERE uf_crm_channel_id = 202"
            ).rows
            #expect(labels == [["Email ✉"]])
        }
    }

    @Test(
        "a value its definition does not allow (2023-02-30, an id out of range, a note where a date belongs) types as NULL instead of failing the chunk; the lead's other values stay"
    )
    func valuesOutsideTheirType() async throws {
        let harness = try SyncHarness(leads: 40, seed: 53)
        try await withMigratedDatabase { connection, _ in
            _ = try await harness.sync(connection)
            let lead = try #require(harness.portal.snapshot.leadIDs.first)
            try connection.execute(
                """
                UPDATE dw.fact_lead SET custom_fields = custom_fields || jsonb_build_object(
                    'UF_CRM_BIRTHDAY', '2023-02-30', 'UF_CRM_CURATOR', 1e30, 'UF_CRM_1704817278', 123456789012345678901234,
                    'UF_CRM_VISITS', jsonb_build_array('2024-05-01', '0000-01-01', 'soon'),
                    'UF_CRM_NEXT_CALL', '2024-05-01T25:00:00+03:00', 'UF_CRM_ORIGIN', jsonb_build_object('type', 'contact', 'id', 'x'),
                    'UF_CRM_BUDGET_NOTE', 'still here')
                WHERE lead_id = $1
                """, [String(lead)])
            let written = try connection.execute(
                "SELECT etl.write_lead_custom_values(portal_id, ARRAY[lead_id]) FROM dw.fact_lead WHERE lead_id = $1",
                [String(lead)]
            ).scalar
            #expect(written == "1")
            let row = try connection.execute(
                """
                SELECT uf_crm_birthday IS NULL, uf_crm_curator_id IS NULL, uf_crm_1704817278 IS NULL,
                       array_to_string(uf_crm_visits, ',', 'NULL'), uf_crm_next_call IS NULL, uf_crm_origin_id IS NULL,
                       uf_crm_origin_type, uf_crm_budget_note
                FROM mart.lead_custom_fields WHERE lead_id = $1
                """, [String(lead)]
            ).rows
            #expect(row == [["t", "t", "t", "2024-05-01,NULL,NULL", "t", "t", "contact", "still here"]])
        }
    }

    @Test(
        "the view is rebuilt only when the definitions change, a reader holding it makes the sync go on without it, and a sync role that does not own it rebuilds it"
    )
    func rebuildPolicy() async throws {
        let harness = try SyncHarness(leads: 200, seed: 52)
        try await withMigratedDatabase { connection, target in
            let first = try await harness.sync(connection)
            #expect(first.customFieldView == .rebuilt)
            func oid() throws -> String? {
                try connection.execute("SELECT 'mart.lead_custom_fields'::regclass::oid").scalar
            }
            let built = try oid()
            harness.clock.advance(by: 600)
            #expect(try await harness.sync(connection).customFieldView == .unchanged)
            #expect(try oid() == built)

            // A relabelled field while a dashboard query holds the view.
            let score = try #require(harness.portal.snapshot.customFields.first { $0.fieldName == "UF_CRM_SCORE" })
            harness.write(
                "crm.lead.userfield.update",
                ["id": .int(Int64(score.id)), "fields": ["LIST_COLUMN_LABEL": "Score (0–100)"]])
            harness.write(
                "crm.lead.update", ["id": .int(harness.portal.snapshot.leadIDs[0]), "fields": ["TITLE": "Busy day"]])
            let reader = try Connection(target)
            try reader.execute("BEGIN")
            _ = try reader.execute("SELECT * FROM mart.lead_custom_fields LIMIT 1")
            harness.clock.advance(by: 600)
            let busy = try await harness.sync(connection)
            #expect(busy.customFieldView == .busy)
            #expect(busy.leads == 1, "the sync went on")
            #expect(try oid() == built)
            try reader.execute("COMMIT")

            // A sync role that owns none of the views rebuilds it (as the view's owner).
            let role = "b24pg_sync_only_\(UInt32.random(in: 0...UInt32.max))"
            try connection.executeScript(
                """
                DROP ROLE IF EXISTS \(role);
                CREATE ROLE \(role) NOLOGIN;
                GRANT USAGE ON SCHEMA etl, dw, mart TO \(role);
                GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA etl, dw TO \(role);
                GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA etl, dw TO \(role);
                GRANT EXECUTE ON FUNCTION etl.refresh_lead_custom_fields() TO \(role);
                GRANT EXECUTE ON FUNCTION etl.write_lead_custom_values(integer, bigint[]) TO \(role);
                """)
            // Its own session, as a nightly job would have.
            let syncSession = try Connection(target)
            try syncSession.execute("SET ROLE \(role)")
            harness.clock.advance(by: 600)
            let rebuilt = try await harness.sync(syncSession)
            #expect(rebuilt.customFieldView == .rebuilt)
            #expect(try oid() != built)
            #expect(
                try connection.execute(
                    "SELECT col_description('mart.lead_custom_fields'::regclass, attnum) FROM pg_attribute WHERE attrelid = 'mart.lead_custom_fields'::regclass AND attname = 'uf_crm_score'"
                ).scalar?.hasPrefix("Score (0–100)") == true)
            #expect(
                try connection.execute(
                    "SELECT pg_get_userbyid(relowner) <> $1 FROM pg_class WHERE oid = 'mart.lead_custom_fields'::regclass",
                    [role]
                ).scalar == "t")
            try connection.executeScript("DROP OWNED BY \(role); DROP ROLE \(role)")
        }
    }
}
