import B24Core
import Bitrix24
import LibPQ
import Load
import Pipeline
import PortalSim
import PostgresTestSupport
import Testing

@Suite("b24pg sync into a real PostgreSQL from the simulated portal", .timeLimit(.minutes(10)))
struct SyncTests {
    /// Checks every lead, product row, binding and history record in `dw` against the portal's data.
    /// Orders `[lead, contact]` pairs by lead, then contact.
    static func pairOrder(_ left: [Int64], _ right: [Int64]) -> Bool {
        left.lexicographicallyPrecedes(right)
    }

    static func expectMatches(
        _ connection: Connection, _ data: PortalDataset, sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let leads = try connection.execute(
            """
            SELECT lead_id, status_id, status_semantic, opportunity::text, company_id, contact_id, created_date_key,
                   closed_date_key, title, extract(epoch FROM modified_at)::bigint, is_deleted
            FROM dw.fact_lead ORDER BY lead_id
            """
        ).rows
        let live = leads.filter { $0[10] == "f" }
        let liveIDs = live.compactMap { $0[0].flatMap { Int64($0) } }
        #expect(
            liveIDs == data.leadIDs,
            "leads differ: \(Set(liveIDs).symmetricDifference(data.leadIDs).sorted().prefix(10))",
            sourceLocation: sourceLocation)
        for row in live {
            guard let id = row[0].flatMap({ Int64($0) }), let lead = data.leads[id] else { continue }
            let primary = data.bindings[id]?.first(where: \.isPrimary)?.contactID
            let expected: [String?] = [
                String(id), lead.statusID, data.stage(lead.statusID)?.semanticID,
                "\(lead.opportunityCents / 100).\(String(format: "%02d", lead.opportunityCents % 100))",
                lead.companyID.map(String.init), primary.map(String.init), String(data.time.dateKey(lead.dateCreate)),
                String(lead.dateClosed.map(data.time.dateKey) ?? 0),
                lead.title.replacingOccurrences(of: "\u{0}", with: ""),
                String(lead.dateModify), "f",
            ]
            #expect(row == expected, "lead \(id)", sourceLocation: sourceLocation)
        }
        let rows = try connection.execute(
            """
            SELECT row_id, lead_id, amount::float8 FROM dw.fact_lead_product
            WHERE lead_id IN (SELECT lead_id FROM dw.fact_lead WHERE NOT is_deleted) ORDER BY row_id
            """
        ).rows
        let expectedRows = data.leadIDs.flatMap { data.productRows[$0] ?? [] }.sorted { $0.id < $1.id }
        let rowIDs = rows.compactMap { $0[0].flatMap { Int64($0) } }
        #expect(
            rowIDs == expectedRows.map(\.id),
            "product rows differ: \(Set(rowIDs).symmetricDifference(expectedRows.map(\.id)).sorted().prefix(10))",
            sourceLocation: sourceLocation)
        for (row, expected) in zip(rows, expectedRows) where row[0] == String(expected.id) {
            #expect(
                abs((row[2].flatMap(Double.init) ?? -1) - expected.price * expected.quantity) < 1e-6,
                sourceLocation: sourceLocation)
        }
        let links = try connection.execute(
            "SELECT lead_id, contact_id FROM dw.bridge_lead_contact WHERE lead_id IN (SELECT lead_id FROM dw.fact_lead WHERE NOT is_deleted)"
        ).rows
        let expectedLinks: [[Int64]] = data.leadIDs.flatMap { id in
            (data.bindings[id] ?? []).map { [id, $0.contactID] }
        }
        let shownLinks: [[Int64]] = links.map { $0.compactMap { $0.flatMap { Int64($0) } } }
        #expect(
            shownLinks.sorted(by: Self.pairOrder) == expectedLinks.sorted(by: Self.pairOrder),
            sourceLocation: sourceLocation)
        let history = try connection.execute("SELECT count(*), max(history_id) FROM dw.fact_lead_stage_history").rows
        #expect(history.first?[1] == data.history.last.map { String($0.id) }, sourceLocation: sourceLocation)
    }

    @Test("a full sync of the lead streams loads exactly the portal's leads with at most 45 requests per 1,000 leads")
    func fullSync() async throws {
        let harness = try SyncHarness(leads: 3_000)
        try await withMigratedDatabase { connection, _ in
            // The lead budget: deals and activities have their own (per 1,000 deals and activities, in make bench).
            let summary = try await harness.sync(connection, streams: SyncStreams.leads)
            let data = harness.portal.snapshot
            try Self.expectMatches(connection, data)
            #expect(summary.leads == 3_000)
            #expect(summary.productRows == data.productRows.values.reduce(0) { $0 + $1.count })
            #expect(summary.requests <= 135, "requests: \(summary.requests)")
            #expect(summary.requests == harness.portal.statistics.httpRequests)
            let run = try connection.execute("SELECT status, leads_upserted, http_requests FROM etl.sync_run").rows
            #expect(run == [["succeeded", "3000", String(summary.requests)]])
            let dims = try connection.execute(
                "SELECT (SELECT count(*) FROM dw.dim_status), (SELECT count(*) FROM dw.dim_source), (SELECT count(*) FROM dw.dim_user)"
            ).rows
            #expect(dims == [["7", "10", String(data.users.count)]])
            let missingContacts = try connection.execute(
                "SELECT count(*) FROM dw.bridge_lead_contact b LEFT JOIN dw.dim_contact c USING (portal_id, contact_id) WHERE c.contact_id IS NULL"
            )
            #expect(missingContacts.scalar == "0")
            let custom = try connection.execute(
                "SELECT count(*) FROM dw.fact_lead WHERE custom_fields ? 'UF_CRM_CHANNEL' AND jsonb_typeof(custom_fields -> 'UF_CRM_VIP') = 'boolean'"
            )
            #expect(custom.scalar == "3000")
        }
    }

    @Test("an incremental run after churn reads only what changed and ends equal to the portal")
    func incrementalAfterChurn() async throws {
        let harness = try SyncHarness(leads: 2_000)
        // Child writes move DATE_MODIFY here, so the incremental pass sees them (without that, only
        // the children audit does: ChildrenAtScaleTests).
        harness.portal.childBehaviour = ChildBehaviour(bumpsModify: true)
        try await withMigratedDatabase { connection, _ in
            let first = try await harness.sync(connection)
            let data = harness.portal.snapshot
            let ids = data.leadIDs
            let open = try #require(ids.first { data.leads[$0]?.statusID == "NEW" })
            harness.write(
                "crm.lead.update", ["id": .int(open), "fields": ["STATUS_ID": "CONVERTED", "OPPORTUNITY": "777.70"]])
            let withRows = try #require(ids.first { (data.productRows[$0]?.count ?? 0) >= 2 })
            harness.write(
                "crm.lead.productrows.set",
                ["id": .int(withRows), "rows": [["PRODUCT_ID": 1000, "PRICE": 10, "QUANTITY": 2]]])
            let withContacts = try #require(ids.first { (data.bindings[$0]?.count ?? 0) >= 2 && $0 != withRows })
            harness.write("crm.lead.contact.items.set", ["id": .int(withContacts), "items": [["CONTACT_ID": 5]]])
            harness.write("crm.lead.delete", ["id": .int(ids[10])])
            harness.write("crm.lead.add", ["fields": ["TITLE": "Brand new", "SOURCE_ID": "WEB"]])
            for index in stride(from: 100, to: 120, by: 1) {
                harness.write(
                    "crm.lead.update", ["id": .int(ids[index]), "fields": ["TITLE": .string("Renamed \(index)")]])
            }
            harness.clock.advance(by: 60)

            let second = try await harness.sync(connection)
            try Self.expectMatches(connection, harness.portal.snapshot)
            #expect(second.leads == 24)
            #expect(second.deleted == 1)
            #expect(
                Double(second.requests) <= Double(first.requests) * 0.3,
                "incremental \(second.requests) vs full \(first.requests)")
            let versions = try connection.execute(
                "SELECT version, status_id, opportunity::text, is_current FROM dw.fact_lead_version WHERE lead_id = $1 ORDER BY version",
                [String(open)]
            ).rows
            #expect(versions.count == 2)
            #expect(versions.last == ["2", "CONVERTED", "777.70", "t"])
            let renamedVersions = try connection.execute(
                "SELECT count(*) FROM dw.fact_lead_version WHERE lead_id = $1", [String(ids[100])]
            ).scalar
            #expect(renamedVersions == "1", "a title change is not a tracked attribute")

            // The next run re-reads only what changed in the 5-minute overlap before its watermark.
            let watermark =
                try connection.execute(
                    "SELECT extract(epoch FROM watermark_time)::bigint FROM etl.sync_state WHERE stream = 'leads'"
                ).scalar.flatMap { Int64($0) } ?? 0
            let inOverlap = harness.portal.snapshot.leads.values.filter { $0.dateModify >= watermark - 300 }.count
            harness.clock.advance(by: 3600)
            let third = try await harness.sync(connection)
            #expect(third.leads == inOverlap)
            #expect(third.deleted == 0)
            let fourth = try await harness.sync(connection)
            #expect(fourth.leads == 0)
        }
    }

    @Test("a lead modified while the run pages past it is picked up by the next run")
    func changesDuringPaging() async throws {
        let harness = try SyncHarness(leads: 6_000)
        try await withMigratedDatabase { connection, _ in
            let data = harness.portal.snapshot
            let early = data.leadIDs[5]
            let portal = harness.portal
            let clock = harness.clock
            harness.transport.beforeEachRequest { number in
                if number == 12 {
                    clock.advance(by: 1)
                    _ = portal.call("crm.lead.update", ["id": .int(early), "fields": ["TITLE": "changed mid-run"]])
                }
            }
            // The lead streams only: deals and activities have nothing to say here.
            _ = try await harness.sync(connection, options: SyncOptions(reconcile: false), streams: SyncStreams.leads)
            harness.transport.beforeEachRequest(nil)
            harness.clock.advance(by: 30)
            _ = try await harness.sync(connection, options: SyncOptions(reconcile: false), streams: SyncStreams.leads)
            let title = try connection.execute("SELECT title FROM dw.fact_lead WHERE lead_id = $1", [String(early)])
                .scalar
            #expect(title == "changed mid-run")
        }
    }

    @Test("a run that fails half-way leaves committed chunks and a resumable cursor; the rerun equals a clean run")
    func crashAndResume() async throws {
        let harness = try SyncHarness(leads: 2_600)
        let options = SyncOptions(leadsPerChunk: 500)
        try await withMigratedDatabase { clean, _ in
            _ = try await harness.sync(clean, options: options)
            try await withMigratedDatabase { broken, _ in
                harness.transport.failAfter(30)
                await #expect(throws: BitrixError.self) { try await harness.sync(broken, options: options) }
                harness.transport.failAfter(nil)
                let state = try broken.execute(
                    "SELECT watermark_id, pass_started_at IS NOT NULL FROM etl.sync_state WHERE stream = 'leads'"
                ).rows
                #expect(state.first?[1] == "t", "the pass is marked unfinished")
                #expect((state.first?[0].flatMap { Int64($0) } ?? 0) > 0, "some chunks committed")
                let failed = try broken.execute("SELECT status, error FROM etl.sync_run").rows
                #expect(failed.first?[0] == "failed")
                #expect(failed.first?[1]?.contains("ACCESS_DENIED") == true)

                _ = try await harness.sync(broken, options: options)
                #expect(try StarFingerprint.take(broken) == (try StarFingerprint.take(clean)))
                let cursor = try broken.execute(
                    "SELECT watermark_id, pass_started_at IS NULL FROM etl.sync_state WHERE stream = 'leads'"
                ).rows
                #expect(cursor == [["0", "t"]])
            }
        }
    }

    @Test(
        "a first load of stage history cut short goes on straight into the table and still derives the stages reached")
    func historyFirstLoadResumes() async throws {
        let harness = try SyncHarness(leads: 2_600)
        let indexes = { (connection: Connection) throws -> [[String?]] in
            try connection.execute("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'dw' ORDER BY 1").rows
        }
        try await withMigratedDatabase { clean, _ in
            let migrated = try indexes(clean)
            #expect(
                Set(StarLoader.deferrableIndexes).isSubset(of: Set(migrated.compactMap { $0[0] })),
                "every index a first load may set aside exists")
            // The lead streams only: their last requests read stage history.
            let leads = SyncStreams.leads
            let requests = try await harness.sync(clean, streams: leads).requests
            #expect(try indexes(clean) == migrated, "set aside for the first load and built again as they were")
            #expect(try clean.execute("SELECT count(*) FROM etl.deferred_index").scalar == "0")
            try await withMigratedDatabase { broken, _ in
                // The last requests of a first load read stage history (three; a first load lists no
                // ids for deletes): fail from the second history request on, after the first one's
                // rows committed.
                harness.transport.failAfter(requests - 2)
                await #expect(throws: BitrixError.self) { try await harness.sync(broken, streams: leads) }
                harness.transport.failAfter(nil)
                let marked = try broken.execute(
                    "SELECT watermark_id, pass_mode FROM etl.sync_state WHERE stream = 'stage_history'"
                ).rows
                #expect((marked.first?[0].flatMap { Int64($0) } ?? 0) > 0, "some history committed")
                #expect(marked.first?[1] == "first_load", "the first load is marked unfinished")
                let setAside = try broken.execute("SELECT index_name FROM etl.deferred_index ORDER BY 1").rows
                #expect(setAside.compactMap { $0[0] } == StarLoader.deferrableIndexes.sorted())
                #expect(
                    try indexes(broken).filter { StarLoader.deferrableIndexes.contains($0[0] ?? "") }.isEmpty,
                    "the failed first load left its indexes set aside, with their definitions kept")
                let reached = { (connection: Connection) throws -> Int in
                    Int(try connection.execute("SELECT count(*) FROM dw.lead_stage_reached").scalar ?? "") ?? 0
                }
                #expect(try reached(broken) < (try reached(clean)), "the history's stages are derived at the end")

                _ = try await harness.sync(broken, streams: leads)
                #expect(try StarFingerprint.take(broken) == (try StarFingerprint.take(clean)))
                let cleared = try broken.execute("SELECT pass_mode FROM etl.sync_state WHERE stream = 'stage_history'")
                #expect(cleared.rows == [[nil]])
                #expect(try indexes(broken) == migrated, "the rerun built them again")
            }
        }
    }

    @Test("a second sync of the same portal is refused while the first holds the lock")
    func lock() async throws {
        let harness = try SyncHarness(leads: 100)
        try await withMigratedDatabase { connection, target in
            let holder = try Connection(target)
            #expect(try holder.tryAdvisoryLock(SyncEngine.lockKey(name: "sim.example")))
            let error = await #expect(throws: SyncError.self) { try await harness.sync(connection) }
            #expect(error?.isLocked == true)
            #expect(try connection.execute("SELECT count(*) FROM etl.sync_run").scalar == "0")
            _ = try holder.advisoryUnlock(SyncEngine.lockKey(name: "sim.example"))
            let summary = try await harness.sync(connection)
            #expect(summary.leads == 100)
        }
    }

    @Test("--full rereads everything (and finds the direct first load exact); --since backfills from a date")
    func modes() async throws {
        let harness = try SyncHarness(leads: 500)
        try await withMigratedDatabase { connection, _ in
            _ = try await harness.sync(connection)
            let firstLoad = try StarFingerprint.take(connection)
            let full = try await harness.sync(connection, options: SyncOptions(mode: .full))
            #expect(full.leads == 500)
            #expect(
                try StarFingerprint.take(connection) == firstLoad,
                "re-reading everything through staging and upserts changes nothing the direct first load wrote")
            let data = harness.portal.snapshot
            let cut = data.leads.values.map(\.dateModify).sorted()[400]
            let since = try await harness.sync(connection, options: SyncOptions(mode: .since(data.time.format(cut))))
            #expect(since.leads == data.leads.values.filter { $0.dateModify >= cut }.count)
            try Self.expectMatches(connection, harness.portal.snapshot)
        }
    }
}
