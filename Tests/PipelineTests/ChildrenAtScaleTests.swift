import B24Core
import Bitrix24
import LibPQ
import Load
import Pipeline
import PortalSim
import PostgresTestSupport
import Testing

@Suite("Children at scale: owner sets, the children audit, a portal that pushes back", .timeLimit(.minutes(10)))
struct ChildrenAtScaleTests {
    /// Every product row and binding of the portal in `dw`, as one comparable text.
    static func children(_ connection: Connection) throws -> [String] {
        let rows = try connection.execute(
            """
            SELECT concat_ws('|', row_id, lead_id, product_id, product_name, price, price_exclusive, price_netto,
                             price_brutto, quantity, discount_type_id, discount_rate, discount_sum, tax_rate,
                             tax_included, customized, measure_code, measure_name, sort, type)
            FROM dw.fact_lead_product ORDER BY row_id
            """
        ).rows.map { $0[0] ?? "" }
        let links = try connection.execute(
            """
            SELECT concat_ws('|', lead_id, contact_id, is_primary, sort, role_id)
            FROM dw.bridge_lead_contact ORDER BY lead_id, contact_id
            """
        ).rows.map { $0[0] ?? "" }
        return rows + links
    }

    /// A lead of the portal with product rows and one with bindings (not the same lead).
    static func leadsWithChildren(_ data: PortalDataset) throws -> (rows: Int64, bindings: Int64) {
        let rows = try #require(data.leadIDs.first { data.productRows[$0] != nil && data.bindings[$0] == nil })
        let bindings = try #require(data.leadIDs.first { data.bindings[$0] != nil && $0 != rows })
        return (rows, bindings)
    }

    @Test(
        "child changes that do not move DATE_MODIFY reach dw at the next audit and not before; the lead's amount follows its rows",
        arguments: [false, true])
    func auditFindsChildChanges(bumpsModify: Bool) async throws {
        let harness = try SyncHarness(leads: 600, seed: 31)
        harness.portal.childBehaviour = ChildBehaviour(bumpsModify: bumpsModify)
        try await withMigratedDatabase { connection, _ in
            _ = try await harness.sync(connection)
            let (withRows, withBindings) = try Self.leadsWithChildren(harness.portal.snapshot)
            harness.write(
                "crm.lead.productrows.set",
                [
                    "id": .int(withRows),
                    "rows": [["PRODUCT_ID": 0, "PRODUCT_NAME": "Audit check", "PRICE": 123.45, "QUANTITY": 2]],
                ])
            harness.write(
                "crm.lead.contact.items.set",
                ["id": .int(withBindings), "items": [["CONTACT_ID": 3], ["CONTACT_ID": 4, "IS_PRIMARY": "Y"]]])
            let auditedRow = "SELECT count(*) FROM dw.fact_lead_product WHERE product_name = 'Audit check'"

            let quiet = try await harness.sync(connection)
            #expect(!quiet.audited)
            #expect(try connection.execute(auditedRow).scalar == (bumpsModify ? "1" : "0"))

            let audit = try await harness.sync(connection, options: SyncOptions(auditChildren: true))
            #expect(audit.audited)
            #expect(audit.repaired == (bumpsModify ? 0 : 2))
            #expect(try connection.execute(auditedRow).scalar == "1")
            try SyncTests.expectMatches(connection, harness.portal.snapshot)
            let run = try connection.execute(
                "SELECT children_audited, children_repaired, delete_check FROM etl.sync_run ORDER BY run_id DESC LIMIT 1"
            ).rows.first
            #expect(run == ["t", bumpsModify ? "0" : "2", "audit"])
            #expect(
                try connection.execute("SELECT children_audited_at IS NOT NULL FROM etl.portal").scalar == "t")
        }
    }

    @Test("an audit is due after --audit-every, and a first load counts as one")
    func auditSchedule() async throws {
        let harness = try SyncHarness(leads: 200, seed: 32)
        try await withMigratedDatabase { connection, _ in
            let first = try await harness.sync(connection)
            #expect(!first.audited)
            #expect(try connection.execute("SELECT children_audited_at IS NOT NULL FROM etl.portal").scalar == "t")
            harness.clock.advance(by: 3_600)
            #expect(!(try await harness.sync(connection, options: SyncOptions(auditEvery: 7_200))).audited)
            harness.clock.advance(by: 3_700)
            #expect(try await harness.sync(connection, options: SyncOptions(auditEvery: 7_200)).audited)
        }
    }

    @Test("a portal that refuses owner arrays falls back to per-lead calls: identical tables, the reason recorded")
    func fallbackIsIdentical() async throws {
        let sets = try SyncHarness(leads: 700, seed: 33)
        let perLead = try SyncHarness(leads: 700, seed: 33)
        perLead.portal.childBehaviour = ChildBehaviour(ownerArrays: .refuse)
        let (setTables, setMode, setRequests) = try await withMigratedDatabase { connection, _ in
            let summary = try await sets.sync(connection)
            #expect(try DealStreamTests.starDealRows(connection) == DealStreamTests.simDealRows(sets.portal.snapshot))
            #expect(
                try connection.execute("SELECT deal_product_rows_mode FROM etl.portal").scalar == "owner_sets")
            let mode = try connection.execute("SELECT product_rows_mode, product_rows_reason FROM etl.portal").rows
            return (try Self.children(connection), mode.first, summary.requests)
        }
        let (leadTables, leadMode, leadRequests) = try await withMigratedDatabase { connection, _ in
            let summary = try await perLead.sync(connection)
            try SyncTests.expectMatches(connection, perLead.portal.snapshot)
            // Deals fall back on their own, to crm.deal.productrows.get, with the same rows.
            let snapshot = perLead.portal.snapshot
            #expect(try DealStreamTests.starDealRows(connection) == DealStreamTests.simDealRows(snapshot))
            #expect(
                try connection.execute("SELECT deal_product_rows_mode FROM etl.portal").scalar == "per_deal")
            let mode = try connection.execute("SELECT product_rows_mode, product_rows_reason FROM etl.portal").rows
            return (try Self.children(connection), mode.first, summary.requests)
        }
        #expect(setTables.count > 1_000)
        #expect(setTables == leadTables)
        #expect(setMode?[0] == "owner_sets")
        #expect(setMode?[1]?.contains("equal per-lead answers") == true)
        #expect(leadMode?[0] == "per_lead")
        #expect(leadMode?[1]?.contains("refused") == true)
        #expect(setRequests < leadRequests)
        #expect((perLead.portal.statistics.methods["crm.lead.productrows.get"] ?? 0) >= 700)
        #expect((sets.portal.statistics.methods["crm.lead.productrows.get"] ?? 0) <= 50)
        let deals = perLead.portal.snapshot.dealIDs.count
        #expect((perLead.portal.statistics.methods["crm.deal.productrows.get"] ?? 0) >= deals)
        #expect((sets.portal.statistics.methods["crm.deal.productrows.get"] ?? 0) <= 50)
    }

    @Test(
        "owner arrays refused in the middle of a run: the rest of the run reads per lead, nothing is lost, the reason is recorded"
    )
    func refusedMidRun() async throws {
        let harness = try SyncHarness(leads: 800, seed: 38)
        try await withMigratedDatabase { connection, _ in
            _ = try await harness.sync(connection)
            #expect(try connection.execute("SELECT product_rows_mode FROM etl.portal").scalar == "owner_sets")
            // The probe holds for a week, so the next run asks owner sets and is refused at its first one.
            harness.portal.childBehaviour = ChildBehaviour(ownerArrays: .refuse)
            let summary = try await harness.sync(connection, options: SyncOptions(mode: .full))
            #expect(summary.leads == 800)
            try SyncTests.expectMatches(connection, harness.portal.snapshot)
            let mode = try connection.execute("SELECT product_rows_mode, product_rows_reason FROM etl.portal").rows
                .first
            #expect(mode?[0] == "per_lead")
            #expect(mode?[1]?.contains("during a run") == true)
        }
    }

    @Test(
        "a non-admin webhook that cannot see lead 1 is refused owner arrays (the server checks one owner) and reads per lead"
    )
    func nonAdminFallsBack() async throws {
        let harness = try SyncHarness(leads: 300, seed: 34)
        let data = harness.portal.snapshot
        let ownerOfFirst = try #require(data.leads[1]?.assignedByID)
        let other = try #require(data.users.map(\.id).first { $0 != ownerOfFirst })
        harness.portal.accessRights = PortalAccess(visibleTo: other)
        try await withMigratedDatabase { connection, _ in
            _ = try await harness.sync(connection)
            #expect(try connection.execute("SELECT product_rows_mode FROM etl.portal").scalar == "per_lead")
            let visible = data.leadIDs.filter { data.leads[$0]?.assignedByID == other }
            let expectedRows = visible.reduce(0) { $0 + (data.productRows[$1]?.count ?? 0) }
            #expect(try connection.execute("SELECT count(*) FROM dw.fact_lead_product").scalar == String(expectedRows))
        }
    }

    @Test("requests the portal cuts on time (60 s in the cloud, 4 s here) complete as smaller batches")
    func cutBatchesShrink() async throws {
        let harness = try SyncHarness(
            leads: 1_000, seed: 35, limits: PortalLimits(rate: 0, operatingLimit: 0, requestTimeLimit: 4))
        try await withMigratedDatabase { connection, _ in
            let summary = try await harness.sync(connection)
            #expect(summary.leads == 1_000)
            try SyncTests.expectMatches(connection, harness.portal.snapshot)
            #expect(harness.portal.statistics.timeCuts > 0)
        }
    }

    @Test("a renamed contact is right after the next incremental run, without its leads changing")
    func renamedContact() async throws {
        let harness = try SyncHarness(leads: 300, seed: 36)
        try await withMigratedDatabase { connection, _ in
            _ = try await harness.sync(connection)
            let contact = try #require(
                try connection.execute("SELECT min(contact_id) FROM dw.dim_contact").scalar.flatMap { Int64($0) })
            harness.write(
                "crm.contact.update", ["id": .int(contact), "fields": ["NAME": "Renamed", "LAST_NAME": "Person"]])
            let summary = try await harness.sync(connection)
            #expect(summary.leads == 0)
            let row = try connection.execute(
                "SELECT first_name, last_name FROM dw.dim_contact WHERE contact_id = $1", ids: [contact]
            ).rows.first
            #expect(row == ["Renamed", "Person"])
        }
    }

    @Test(
        "an incremental run skips the ID scan when the portal counts what the star expects, and scans when a lead is gone"
    )
    func deleteCheck() async throws {
        let harness = try SyncHarness(leads: 400, seed: 37)
        try await withMigratedDatabase { connection, _ in
            _ = try await harness.sync(connection)
            let last = "SELECT delete_check FROM etl.sync_run ORDER BY run_id DESC LIMIT 1"
            #expect(try connection.execute(last).scalar == "first load")
            _ = try await harness.sync(connection)
            #expect(try connection.execute(last).scalar == "counts agree")
            let gone = harness.portal.snapshot.leadIDs[17]
            harness.write("crm.lead.delete", ["id": .int(gone)])
            let summary = try await harness.sync(connection)
            #expect(summary.deleted == 1)
            #expect(try connection.execute(last).scalar == "scan")
            #expect(
                try connection.execute("SELECT is_deleted FROM dw.fact_lead WHERE lead_id = $1", ids: [gone]).scalar
                    == "t")
            _ = try await harness.sync(connection)
            #expect(try connection.execute(last).scalar == "counts agree")
        }
    }
}
