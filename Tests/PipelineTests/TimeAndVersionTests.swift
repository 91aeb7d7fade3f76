import B24Core
import Bitrix24
import Foundation
import LibPQ
import Pipeline
import PortalSim
import Testing

@Suite("Time, stage history and versions that stay true on a real portal", .timeLimit(.minutes(10)))
struct TimeAndVersionTests {
    @Test(
        "a Berlin portal synced in winter: every date key is the local day of its instant, summer ones too; a re-read in summer changes nothing; leads_daily is a day-by-day count in the zone"
    )
    func daylightSaving() async throws {
        let berlin = try #require(PortalTime(zone: "Europe/Berlin"))
        let harness = try SyncHarness(leads: 1_500, seed: 81, time: berlin)
        try await withMigratedDatabase { connection, _ in
            _ = try await harness.sync(connection)
            let data = harness.portal.snapshot
            let summerNights = data.leads.values.filter {
                berlin.offset(at: $0.dateCreate) == 7_200 && berlin.format($0.dateCreate).dropFirst(11).hasPrefix("00:")
            }
            #expect(summerNights.count >= 5, "the simulator writes summer leads from the hour after midnight")
            let keys = "SELECT lead_id, created_date_key, closed_date_key FROM dw.fact_lead ORDER BY lead_id"
            let loaded = try connection.execute(keys).rows
            for row in loaded {
                guard let id = row[0].flatMap({ Int64($0) }), let lead = data.leads[id] else { continue }
                #expect(
                    row[1] == String(berlin.dateKey(lead.dateCreate)),
                    "lead \(id) created \(berlin.format(lead.dateCreate))")
                let semantic = data.stage(lead.statusID)?.semanticID ?? "P"
                let closed = semantic == "P" ? 0 : (lead.dateClosed.map { berlin.dateKey($0) } ?? 0)
                #expect(row[2] == String(closed), "lead \(id)")
            }
            let history = try connection.execute(
                "SELECT history_id, created_date_key FROM dw.fact_lead_stage_history ORDER BY history_id"
            ).rows
            let byID = Dictionary(uniqueKeysWithValues: data.history.map { ($0.id, $0) })
            for row in history {
                guard let id = row[0].flatMap({ Int64($0) }), let record = byID[id] else { continue }
                #expect(row[1] == String(berlin.dateKey(record.createdTime)), "history \(id)")
            }
            var created: [String: Int] = [:]
            for lead in data.leads.values {
                created[String(berlin.format(lead.dateCreate).prefix(10)), default: 0] += 1
            }
            let daily = try connection.execute("SELECT day::text, created FROM mart.leads_daily WHERE created > 0").rows
            var counted: [String: Int] = [:]
            for row in daily { counted[row[0] ?? "", default: 0] += row[1].flatMap { Int($0) } ?? 0 }
            #expect(counted == created)

            harness.clock.advance(by: 190 * 86_400)  // July: the portal now writes +02:00
            _ = try await harness.sync(connection, options: SyncOptions(mode: .full))
            #expect(try connection.execute(keys).rows == loaded, "re-read in the other season, the keys stay")
        }
    }

    @Test("--since a later date keeps the older watermark, and a bare date is midnight in the portal's zone")
    func sinceKeepsWatermark() async throws {
        // The virtual clock starts at 2026-01-02 00:00 +03:00, the portal's zone.
        let harness = try SyncHarness(leads: 300, seed: 82)
        try await withMigratedDatabase { connection, _ in
            _ = try await harness.sync(connection)
            let ids = harness.portal.snapshot.leadIDs
            let (early, late) = (ids[3], ids[4])
            harness.write("crm.lead.update", ["id": .int(early), "fields": ["TITLE": "changed on the 2nd"]])
            harness.clock.advance(by: 86_400)
            harness.write("crm.lead.update", ["id": .int(late), "fields": ["TITLE": "changed on the 3rd, 00:02"]])
            func title(_ id: Int64) throws -> String? {
                try connection.execute("SELECT title FROM dw.fact_lead WHERE lead_id = $1", [String(id)]).scalar
            }
            let since = try await harness.sync(connection, options: SyncOptions(mode: .since("2026-01-03")))
            #expect(since.leads == 1, "only the lead changed after local midnight of the 3rd")
            #expect(try title(late) == "changed on the 3rd, 00:02")
            #expect(try title(early) != "changed on the 2nd")
            _ = try await harness.sync(connection)
            #expect(try title(early) == "changed on the 2nd", "the incremental run still reads what --since skipped")
        }
    }

    @Test("a stage change that becomes visible after a later one was read is loaded by the next run")
    func lateHistory() async throws {
        let harness = try SyncHarness(leads: 200, seed: 83)
        try await withMigratedDatabase { connection, _ in
            _ = try await harness.sync(connection)
            let data = harness.portal.snapshot
            let open = data.leadIDs.filter { data.leads[$0]?.statusID == "NEW" }
            #expect(open.count >= 2)
            harness.portal.holdNextHistoryRecord()
            harness.write("crm.lead.update", ["id": .int(open[0]), "fields": ["STATUS_ID": "IN_PROCESS"]])
            harness.write("crm.lead.update", ["id": .int(open[1]), "fields": ["STATUS_ID": "IN_PROCESS"]])
            _ = try await harness.sync(connection)
            let held = harness.portal.releaseHeldHistory()
            #expect(held.count == 1)
            harness.clock.advance(by: 120)
            _ = try await harness.sync(connection)
            let loaded = try connection.execute("SELECT history_id FROM dw.fact_lead_stage_history ORDER BY 1").rows
            #expect(loaded.compactMap { $0[0].flatMap { Int64($0) } } == harness.portal.snapshot.history.map(\.id))
        }
    }

    @Test(
        "deletes and restores are versions on the portal's clock; live leads per stage as of each sync equal the portal then"
    )
    func versions() async throws {
        let harness = try SyncHarness(leads: 150, seed: 84)
        try await withMigratedDatabase { connection, _ in
            var moments: [(time: Int64, stages: [String: Int])] = []
            func observe() {
                let data = harness.portal.snapshot
                var stages: [String: Int] = [:]
                for lead in data.leads.values { stages[lead.statusID, default: 0] += 1 }
                moments.append((Int64(harness.clock.unixTime()), stages))
            }
            _ = try await harness.sync(connection)
            observe()
            let ids = harness.portal.snapshot.leadIDs
            let (gone, back, moved) = (ids[5], ids[6], ids[7])
            harness.write("crm.lead.delete", ["id": .int(gone)])
            harness.write("crm.lead.delete", ["id": .int(back)])
            harness.write("crm.lead.update", ["id": .int(moved), "fields": ["STATUS_ID": "JUNK"]])
            harness.clock.advance(by: 3_600)
            _ = try await harness.sync(connection)
            observe()
            #expect(harness.portal.restore(lead: back))
            harness.clock.advance(by: 3_600)
            _ = try await harness.sync(connection)
            observe()

            let chain = try connection.execute(
                """
                SELECT version, is_deleted, is_current, extract(epoch FROM valid_from)::bigint,
                       extract(epoch FROM valid_to)::bigint
                FROM dw.fact_lead_version WHERE lead_id = $1 ORDER BY version
                """, [String(back)]
            ).rows
            #expect(chain.map { [$0[0], $0[1], $0[2]] } == [["1", "f", "f"], ["2", "t", "f"], ["3", "f", "t"]])
            for (earlier, later) in zip(chain, chain.dropFirst()) {
                #expect(earlier[4] == later[3], "each version begins where the one before ended")
            }
            let goneChain = try connection.execute(
                "SELECT is_deleted, is_current FROM dw.fact_lead_version WHERE lead_id = $1 ORDER BY version",
                [String(gone)]
            ).rows
            #expect(goneChain == [["f", "f"], ["t", "t"]])
            let overlaps = try connection.execute(
                """
                SELECT count(*) FROM dw.fact_lead_version a JOIN dw.fact_lead_version b
                  ON a.portal_id = b.portal_id AND a.lead_id = b.lead_id AND a.version < b.version
                WHERE b.valid_from < coalesce(a.valid_to, 'infinity') OR a.valid_to IS NULL
                """
            ).scalar
            #expect(overlaps == "0")
            for moment in moments {
                let rows = try connection.execute(
                    """
                    SELECT status_id, count(*) FROM dw.fact_lead_version
                    WHERE valid_from <= to_timestamp($1) AND (valid_to IS NULL OR valid_to > to_timestamp($1))
                      AND NOT is_deleted
                    GROUP BY status_id
                    """, [String(moment.time)]
                ).rows
                var asOf: [String: Int] = [:]
                for row in rows { asOf[row[0] ?? "", default: 0] = row[1].flatMap { Int($0) } ?? 0 }
                #expect(asOf == moment.stages, "live leads per stage as of \(moment.time)")
            }
        }
    }
}

@Suite("A Berlin portal through both seasons", .timeLimit(.minutes(10)))
struct SeasonalPipelineTests {
    static let martViews = [
        "mart.lead", "mart.funnel_stage", "mart.conversion_by_source", "mart.leads_daily", "mart.time_to_convert",
        "mart.product_revenue", "mart.owner_performance", "mart.lead_custom_fields", "mart.portal",
    ]

    @Test(
        "adds, updates, deletes and restores in winter and in summer: the star equals the portal and every mart view equals a clean load"
    )
    func bothSeasons() async throws {
        let berlin = try #require(PortalTime(zone: "Europe/Berlin"))
        let harness = try SyncHarness(leads: 800, seed: 85, time: berlin)
        try await withMigratedDatabase { connection, _ in
            _ = try await harness.sync(connection)
            func churn(_ offset: Int) throws {
                let ids = harness.portal.snapshot.leadIDs
                harness.write(
                    "crm.lead.add", ["fields": ["TITLE": .string("new lead \(offset)"), "STATUS_ID": "IN_PROCESS"]])
                harness.write(
                    "crm.lead.update",
                    ["id": .int(ids[offset]), "fields": ["STATUS_ID": "CONVERTED", "OPPORTUNITY": "99.50"]])
                harness.write("crm.lead.update", ["id": .int(ids[offset + 1]), "fields": ["STATUS_ID": "JUNK"]])
                harness.write("crm.lead.delete", ["id": .int(ids[offset + 2])])
                harness.write("crm.lead.delete", ["id": .int(ids[offset + 3])])
            }
            try churn(10)  // January
            _ = try await harness.sync(connection)
            harness.clock.advance(by: 185 * 86_400)  // July
            try churn(40)
            let winterDeleted = try #require(
                try connection.execute("SELECT lead_id FROM dw.fact_lead WHERE is_deleted ORDER BY 1 LIMIT 1").scalar
                    .flatMap { Int64($0) })
            #expect(harness.portal.restore(lead: winterDeleted))
            _ = try await harness.sync(connection)
            let data = harness.portal.snapshot
            try SyncTests.expectMatches(connection, data)
            try await withMigratedDatabase { clean, _ in
                _ = try await harness.sync(clean, options: SyncOptions(mode: .full))
                for view in Self.martViews {
                    let query = "SELECT row(v.*)::text FROM \(view) v ORDER BY 1"
                    #expect(try connection.execute(query).rows == (try clean.execute(query).rows), "\(view)")
                }
            }
        }
    }
}

@Suite("Multiple custom fields, which the real crm.lead.list leaves out of UF_*")
struct MultipleCustomFieldTests {
    @Test("every value of a multiple enumeration field arrives, for every lead that has one")
    func multipleFieldsArrive() async throws {
        let harness = try SyncHarness(leads: 400, seed: 86)
        try await withMigratedDatabase { connection, _ in
            _ = try await harness.sync(connection)
            let data = harness.portal.snapshot
            var expected: [Int64: [Int64]] = [:]
            for (id, lead) in data.leads {
                if case .enumeration(let options) = lead.custom["UF_CRM_INTERESTS"], !options.isEmpty {
                    expected[id] = options
                }
            }
            #expect(expected.count > 50, "the simulator gives many leads a value")
            let rows = try connection.execute(
                """
                SELECT lead_id, (SELECT array_agg((e #>> '{}')::bigint ORDER BY ord)
                                 FROM jsonb_array_elements(custom_fields -> 'UF_CRM_INTERESTS') WITH ORDINALITY x(e, ord))
                FROM dw.fact_lead WHERE jsonb_array_length(coalesce(custom_fields -> 'UF_CRM_INTERESTS', '[]')) > 0
                """
            ).rows
            var loaded: [Int64: [Int64]] = [:]
            for row in rows {
                guard let id = row[0].flatMap({ Int64($0) }), let list = row[1] else { continue }
                loaded[id] = list.trimmingCharacters(in: CharacterSet(charactersIn: "{}")).split(separator: ",")
                    .compactMap { Int64($0) }
            }
            #expect(loaded == expected)
        }
    }
}

@Suite("The stage-history safety window")
struct HistoryWindowTests {
    @Test("a rejected stage change is recorded once, not again each time the safety window reads it")
    func windowRejectsOnce() async throws {
        let harness = try SyncHarness(leads: 120, seed: 87)
        try await withMigratedDatabase { connection, _ in
            _ = try await harness.sync(connection)
            let data = harness.portal.snapshot
            let open = try #require(data.leadIDs.first { data.leads[$0]?.statusID == "NEW" })
            harness.write("crm.lead.update", ["id": .int(open), "fields": ["STATUS_ID": "IN_PROCESS"]])
            // Every "moved" stage change (TYPE_ID 2) comes back with a type that is not a number.
            harness.transport.rewriteAnswers { _, response in
                let text = String(decoding: response.body, as: UTF8.self)
                    .replacingOccurrences(of: #""TYPE_ID":2,"#, with: #""TYPE_ID":"two","#)
                return TransportResponse(status: response.status, headers: response.headers, body: Array(text.utf8))
            }
            let first = try await harness.sync(connection)
            #expect(first.skipped == 1)
            harness.clock.advance(by: 60)
            let second = try await harness.sync(connection)
            #expect(second.skipped == 0, "the window read it again but did not count it again")
            #expect(
                try connection.execute("SELECT entity, field FROM etl.rejected_record").rows
                    == [["stage history", "TYPE_ID"]])
        }
    }
}
