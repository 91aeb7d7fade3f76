import B24Core
import Bitrix24
import Foundation
import LibPQ
import Pipeline
import PortalSim
import PostgresTestSupport
import SimTestSupport
import Synchronization
import Testing

@Suite("Reliability: faults, operating limits, churn, hostile identifiers", .timeLimit(.minutes(10)))
struct ReliabilityTests {
    @Test("with 10 % of requests failing (HTML 500, 503, drops, slow, cut JSON) the star equals a fault-free run")
    func faultsLeaveNoTrace() async throws {
        let clean = try SyncHarness(leads: 1_800, seed: 51)
        let faults = FaultPlan(
            serverError: 0.03, unavailable: 0.02, drop: 0.02, slow: 0.01, truncate: 0.02, slowSeconds: 2)
        let faulty = try SyncHarness(leads: 1_800, seed: 51, faults: faults)
        try await withMigratedDatabase { reference, _ in
            _ = try await clean.sync(reference)
            try await withMigratedDatabase { connection, _ in
                let summary = try await faulty.sync(connection)
                #expect(summary.retries > 0)
                #expect(faulty.portal.statistics.faults.values.reduce(0, +) > 3)
                #expect(try StarFingerprint.take(connection) == (try StarFingerprint.take(reference)))
                let run = try connection.execute("SELECT status, retries > 0 FROM etl.sync_run").rows
                #expect(run == [["succeeded", "t"]])
            }
        }
    }

    @Test(
        "pages the portal cuts short (49 rows, more after) and rows repeated across pages: the star equals a clean run")
    func cutAndRepeatedPages() async throws {
        let clean = try SyncHarness(leads: 2_000, seed: 52)
        let odd = try SyncHarness(leads: 2_000, seed: 52)
        odd.portal.pageQuirks = PageQuirks(joinedTwiceShare: 0.003)
        // Where pages N and N + 1 are both full, page N + 1 also repeats the last row of page N at its top
        // (the portal's own references still see 50 rows, so the chain stays consistent).
        let repeated = Tally()
        odd.transport.rewriteAnswers { request, response in
            guard SyncHarness.methods(of: request).first == "crm.lead.list",
                var body = try? JSON.parse(response.body), var outer = body["result"]?.objectValue,
                var results = outer["result"]?.objectValue
            else { return response }
            let keys = results.keys.filter { $0.hasPrefix("p") }.sorted {
                $0.count == $1.count ? $0 < $1 : $0.count < $1.count
            }
            for (previous, key) in zip(keys, keys.dropFirst()) {
                guard let earlier = results[previous]?.arrayValue, earlier.count == 50, let last = earlier.last,
                    let rows = results[key]?.arrayValue, rows.count == 50
                else { continue }
                results[key] = .array([last] + rows)
                repeated.add()
            }
            outer["result"] = .object(results)
            var top = body.objectValue ?? JSONObject()
            top["result"] = .object(outer)
            body = .object(top)
            var bytes: [UInt8] = []
            body.write(into: &bytes)
            return TransportResponse(status: response.status, headers: response.headers, body: bytes)
        }
        try await withMigratedDatabase { reference, _ in
            _ = try await clean.sync(reference)
            try await withMigratedDatabase { connection, _ in
                _ = try await odd.sync(connection)
                #expect(try StarFingerprint.take(connection) == (try StarFingerprint.take(reference)))
                #expect(repeated.count > 10, "rows were repeated across pages: \(repeated.count)")
                let cleanLists = clean.portal.statistics.methods["crm.lead.list"] ?? 0
                let oddLists = odd.portal.statistics.methods["crm.lead.list"] ?? 0
                #expect(oddLists > cleanLists, "the cut pages were followed by more list calls")
            }
        }
    }

    @Test("a method that hits its operating budget waits for the reset; the portal sees no call of it before then")
    func operatingLimitBurst() async throws {
        // The portal allows 3 s per method; the client believes 4 s, so it meets real 429s.
        let harness = try SyncHarness(
            leads: 2_000, seed: 52, limits: PortalLimits(rate: 0, burst: 50, operatingLimit: 3),
            clientOperatingBudget: 4)
        try await withMigratedDatabase { connection, _ in
            let summary = try await harness.sync(connection)
            #expect(summary.leads == 2_000)
            #expect(harness.portal.statistics.operatingRefusals > 0)
            try SyncTests.expectMatches(connection, harness.portal.snapshot)
            // After a command of a method is refused with 429, no request calls that method before the reset time.
            var blockedUntil: [String: Double] = [:]
            var refusals = 0
            for exchange in harness.transport.exchanges {
                let sentAt = harness.clock.unixTime() - harness.clock.now() + exchange.time
                for method in SyncHarness.methods(of: exchange.request) {
                    if let until = blockedUntil[method] {
                        #expect(sentAt >= until, "\(method) called \(until - sentAt) s before its reset")
                    }
                }
                guard let body = exchange.response.flatMap({ try? JSON.parse($0.body) }),
                    let errors = body["result"]?["result_error"]?.objectValue
                else { continue }
                let commands = (try? JSON.parse(exchange.request.body))?["cmd"]?.objectValue ?? JSONObject()
                for (key, error) in errors where error["error"] == "OPERATION_TIME_LIMIT" {
                    refusals += 1
                    let method = commands[key]?.stringValue?.split(separator: "?").first.map(String.init) ?? ""
                    let reset = body["result"]?["result_time"]?[key]?["operating_reset_at"]?.lenientDouble ?? 0
                    blockedUntil[method] = max(blockedUntil[method] ?? 0, reset)
                }
            }
            #expect(refusals > 0)
        }
    }

    @Test(
        "12 syncs with churn in between keep the star equal to the portal: child writes that move DATE_MODIFY found by the incremental pass, those that do not by the audit"
    )
    func churnedIncrementals() async throws {
        let harness = try SyncHarness(leads: 600, seed: 53)
        var random = SimRandom(seed: 99)
        try await withMigratedDatabase { connection, _ in
            _ = try await harness.sync(connection)
            for round in 0..<12 {
                // Even rounds: child writes move DATE_MODIFY; odd rounds: they do not, and the run audits.
                harness.portal.childBehaviour = ChildBehaviour(bumpsModify: round % 2 == 0)
                let ids = harness.portal.snapshot.leadIDs
                for _ in 0..<15 {
                    let id = random.pick(ids)
                    switch Int.random(in: 0..<6, using: &random) {
                    case 0:
                        harness.write(
                            "crm.lead.update",
                            [
                                "id": .int(id),
                                "fields": ["STATUS_ID": .string(random.pick(["IN_PROCESS", "CONVERTED", "JUNK"]))],
                            ])
                    case 1:
                        harness.write(
                            "crm.lead.update",
                            [
                                "id": .int(id),
                                "fields": ["OPPORTUNITY": .string("\(Int.random(in: 1...9999, using: &random)).25")],
                            ])
                    case 2:
                        harness.write(
                            "crm.lead.productrows.set",
                            [
                                "id": .int(id),
                                "rows": [["PRODUCT_ID": 1003, "PRICE": 5, "QUANTITY": .int(Int64(round + 1))]],
                            ])
                    case 3:
                        harness.write(
                            "crm.lead.contact.items.set",
                            ["id": .int(id), "items": [["CONTACT_ID": .int(Int64(1 + round))]]])
                    case 4: harness.write("crm.lead.delete", ["id": .int(id)])
                    default:
                        harness.write(
                            "crm.lead.add", ["fields": ["TITLE": .string("Round \(round)"), "SOURCE_ID": "CALL"]])
                    }
                }
                harness.clock.advance(by: 600)
                let summary = try await harness.sync(connection, options: SyncOptions(auditChildren: round % 2 == 1))
                #expect(summary.audited == (round % 2 == 1))
                try SyncTests.expectMatches(connection, harness.portal.snapshot)
            }
            let runs = try connection.execute("SELECT count(*) FILTER (WHERE status = 'succeeded') FROM etl.sync_run")
                .scalar
            #expect(runs == "13")
        }
    }

    @Test("hostile custom-field names become safely quoted columns of mart.lead_custom_fields")
    func hostileCustomFieldNames() async throws {
        let harness = try SyncHarness(leads: 50, seed: 54)
        try await withMigratedDatabase { connection, _ in
            _ = try await harness.sync(connection)
            let hostile = #"UF_CRM_"; DROP TABLE dw.fact_lead; --"#
            try connection.execute(
                "INSERT INTO dw.dim_lead_field (portal_id, field_name, type, label, is_custom) VALUES (1, $1, 'string', $2, true)",
                [hostile, "label with ' quote and \" and ;"])
            try connection.execute(
                "UPDATE dw.fact_lead SET custom_fields = custom_fields || jsonb_build_object($1::text, 'x''y') WHERE lead_id = (SELECT min(lead_id) FROM dw.fact_lead)",
                [hostile])
            try connection.execute("SELECT etl.refresh_lead_custom_fields()")
            let value = try connection.execute(
                "SELECT \(SQLIdentifier.quoted(hostile.lowercased())) FROM mart.lead_custom_fields WHERE \(SQLIdentifier.quoted(hostile.lowercased())) IS NOT NULL"
            ).rows
            #expect(value == [["x'y"]])
            #expect(try connection.execute("SELECT count(*) FROM dw.fact_lead").scalar == "50")
            let comment = try connection.execute(
                """
                SELECT col_description('mart.lead_custom_fields'::regclass, ordinal_position) FROM information_schema.columns
                WHERE table_schema = 'mart' AND table_name = 'lead_custom_fields' AND column_name = $1
                """, [hostile.lowercased()]
            ).scalar
            #expect(comment?.hasPrefix("label with ' quote") == true)
        }
    }

    @Test("b24pg_reader reads every mart view and dw table and can write none of them (42501)")
    func readerCannotWrite() async throws {
        let harness = try SyncHarness(leads: 30, seed: 55)
        try await withMigratedDatabase { connection, _ in
            _ = try await harness.sync(connection)
            let relations = try connection.execute(
                """
                SELECT table_schema || '.' || table_name, table_type FROM information_schema.tables
                WHERE table_schema IN ('dw', 'mart') ORDER BY 1
                """
            ).rows
            #expect(relations.count >= 23)
            try connection.execute("SET ROLE b24pg_reader")
            for relation in relations {
                let name = relation[0] ?? ""
                _ = try connection.execute("SELECT * FROM \(name) LIMIT 1")
                guard relation[1] == "BASE TABLE" else { continue }
                let column =
                    try connection.execute(
                        "SELECT column_name FROM information_schema.columns WHERE table_schema || '.' || table_name = $1 ORDER BY ordinal_position LIMIT 1",
                        [name]
                    ).scalar ?? "x"
                for statement in [
                    "DELETE FROM \(name)", "UPDATE \(name) SET \(column) = \(column)", "TRUNCATE \(name)",
                    "INSERT INTO \(name) DEFAULT VALUES",
                ] {
                    let error = #expect(throws: PostgresError.self) { try connection.execute(statement) }
                    #expect(error?.sqlState == "42501", "\(statement)")
                }
            }
            for statement in [
                "CREATE TABLE mart.x (id int)", "CREATE VIEW dw.v AS SELECT 1", "SELECT * FROM etl.sync_state",
                "UPDATE etl.sync_state SET watermark = ''",
            ] {
                let error = #expect(throws: PostgresError.self) { try connection.execute(statement) }
                #expect(error?.sqlState == "42501", "\(statement)")
            }
        }
    }
}

/// A count shared with `@Sendable` hooks.
final class Tally: Sendable {
    private let value = Mutex(0)

    /// Adds one.
    func add() { value.withLock { $0 += 1 } }

    /// The count so far.
    var count: Int { value.withLock { $0 } }
}
