import B24Core
import Bitrix24
import Foundation
import LibPQ
import Load
import Pipeline
import PortalSim
import Testing

@Suite("Hostile and odd API answers through a full sync: loaded exactly, or rejected by lead and field")
struct HostileDataTests {
    /// Field overrides for chosen leads, applied to every `crm.lead.list` row the portal sends.
    static func rewriting(
        _ overrides: [Int64: [String: JSON?]]
    ) -> @Sendable (TransportRequest, TransportResponse) -> TransportResponse {
        { request, response in
            guard request.url.hasSuffix("/batch"), var body = try? JSON.parse(response.body),
                var outer = body["result"]?.objectValue, var results = outer["result"]?.objectValue
            else { return response }
            for (key, value) in results {
                guard var rows = value.arrayValue else { continue }
                for (index, row) in rows.enumerated() {
                    guard var object = row.objectValue, let id = object["ID"]?.lenientInt, let changes = overrides[id],
                        object["STATUS_ID"] != nil
                    else { continue }
                    for (field, replacement) in changes { object[field] = replacement }
                    rows[index] = .object(object)
                }
                results[key] = .array(rows)
            }
            outer["result"] = .object(results)
            body = .object(
                {
                    var top = body.objectValue ?? JSONObject(); top["result"] = .object(outer); return top
                }())
            var bytes: [UInt8] = []
            body.write(into: &bytes)
            return TransportResponse(status: response.status, headers: response.headers, body: bytes)
        }
    }

    @Test("odd amounts, dates, offsets, control characters, unknown and missing fields")
    func oddValues() async throws {
        let harness = try SyncHarness(leads: 200, seed: 61)
        let ids = harness.portal.snapshot.leadIDs
        let controls = String((1...31).compactMap { Unicode.Scalar($0).map(Character.init) }) + "\u{7F}"
        let overrides: [Int64: [String: JSON?]] = [
            ids[0]: ["OPPORTUNITY": "abc"],
            ids[1]: ["OPPORTUNITY": "1e400"],
            ids[2]: ["OPPORTUNITY": ""],
            ids[3]: ["OPPORTUNITY": .null],
            ids[4]: ["OPPORTUNITY": "-12.50"],
            ids[5]: ["DATE_CREATE": "", "DATE_CLOSED": "0000-00-00 00:00:00"],
            ids[6]: ["DATE_CREATE": "2025-03-01 23:30:00"],
            ids[7]: ["DATE_CREATE": "2025-03-01T20:00:00-05:45"],
            ids[8]: ["DATE_CREATE": "yesterday"],
            ids[9]: ["TITLE": .string("ctl " + controls + " end"), "NAME": "emoji 🚀 ש"],
            ids[10]: ["TITLE": nil, "UNKNOWN_FIELD": "x", "COMPANY_ID": "0"],
            ids[11]: ["ASSIGNED_BY_ID": "admin"],
        ]
        harness.transport.rewriteAnswers(Self.rewriting(overrides))
        try await withMigratedDatabase { connection, _ in
            let summary = try await harness.sync(connection)
            #expect(summary.skipped == 4)
            let run = try connection.execute("SELECT records_skipped, status FROM etl.sync_run").rows
            #expect(run == [["4", "succeeded"]])
            let stored = try connection.execute(
                "SELECT entity, record_id, field FROM etl.rejected_record ORDER BY record_id"
            ).rows
            #expect(
                stored == [
                    ["lead", String(ids[0]), "OPPORTUNITY"], ["lead", String(ids[1]), "OPPORTUNITY"],
                    ["lead", String(ids[8]), "DATE_CREATE"], ["lead", String(ids[11]), "ASSIGNED_BY_ID"],
                ])
            let status = try StatusReport.read(connection, runs: 5)
            let listed = try #require(status.sections.first { $0.title.hasPrefix("last rejected records") })
            #expect(listed.rows.map { $0[3] } == [ids[0], ids[1], ids[8], ids[11]].map { String($0) })
            // --strict: the same answers fail the run (everything else still loaded), and it says why.
            await #expect(throws: SyncError.self) {
                _ = try await harness.sync(connection, options: SyncOptions(mode: .full, strict: true))
            }
            let strict = try connection.execute(
                "SELECT status, records_skipped, error FROM etl.sync_run ORDER BY run_id DESC LIMIT 1"
            ).rows.first
            #expect(strict?[0] == "failed" && strict?[1] == "4")
            #expect(strict?[2]?.contains("4 record(s) were rejected") == true)
            for rejected in [ids[0], ids[1], ids[8], ids[11]] {
                #expect(
                    try connection.execute("SELECT count(*) FROM dw.fact_lead WHERE lead_id = $1", [String(rejected)])
                        .scalar == "0")
            }
            func value(_ id: Int64, _ column: String) throws -> String? {
                try connection.execute("SELECT \(column) FROM dw.fact_lead WHERE lead_id = $1", [String(id)]).scalar
            }
            #expect(try value(ids[2], "opportunity") == nil)
            #expect(try value(ids[3], "opportunity") == nil)
            #expect(try value(ids[4], "opportunity") == "-12.50")
            #expect(try value(ids[5], "created_at") == nil)
            #expect(try value(ids[5], "created_date_key") == "0")
            #expect(try value(ids[5], "closed_at") == nil)
            #expect(try value(ids[6], "extract(epoch FROM created_at)::bigint") == "1740861000")
            #expect(try value(ids[6], "created_date_key") == "20250301")
            #expect(try value(ids[7], "extract(epoch FROM created_at)::bigint") == "1740879900")
            #expect(try value(ids[7], "created_date_key") == "20250302", "date keys are portal-local (+03:00)")
            #expect(try value(ids[9], "title") == "ctl " + controls + " end")
            #expect(try value(ids[9], "name") == "emoji 🚀 ש")
            #expect(try value(ids[10], "title") == nil)
            #expect(try value(ids[10], "company_id") == nil)
            #expect(try connection.execute("SELECT count(*) FROM dw.fact_lead").scalar == "196")
        }
    }

    @Test("bytes that are not UTF-8 become U+FFFD in that field only; the lead and its other fields load as sent")
    func invalidUTF8() async throws {
        let harness = try SyncHarness(leads: 120, seed: 62)
        let ids = harness.portal.snapshot.leadIDs
        let broken: [UInt8] =
            Array("ok ".utf8) + [0xFF] + Array(" lone ".utf8) + [0x80] + Array(" cut ".utf8) + [0xC3]
            + Array(" overlong ".utf8) + [0xC0, 0xAF] + Array(" surrogate ".utf8) + [0xED, 0xA0, 0x80]
            + Array(" end ש🚀".utf8)
        let marker = Array("@@BROKEN@@".utf8)
        let overrides: [Int64: [String: JSON?]] = [ids[3]: ["TITLE": "@@BROKEN@@", "NAME": "Ann @@BROKEN@@"]]
        let rewrite = Self.rewriting(overrides)
        harness.transport.rewriteAnswers { request, response in
            let rewritten = rewrite(request, response)
            var body: [UInt8] = []
            var index = 0
            let bytes = rewritten.body
            while index < bytes.count {
                if bytes[index] == marker[0], index + marker.count <= bytes.count,
                    Array(bytes[index..<index + marker.count]) == marker
                {
                    body += broken
                    index += marker.count
                } else {
                    body.append(bytes[index])
                    index += 1
                }
            }
            return TransportResponse(status: rewritten.status, headers: rewritten.headers, body: body)
        }
        try await withMigratedDatabase { connection, _ in
            let summary = try await harness.sync(connection)
            #expect(summary.skipped == 0)
            // Each maximal invalid subsequence becomes one U+FFFD (Unicode's recommended practice).
            let expected =
                "ok \u{FFFD} lone \u{FFFD} cut \u{FFFD} overlong \u{FFFD}\u{FFFD} surrogate \u{FFFD}\u{FFFD}\u{FFFD} end ש🚀"
            let row = try connection.execute(
                "SELECT title, name, status_id FROM dw.fact_lead WHERE lead_id = $1", [String(ids[3])]
            ).rows
            let lead = try #require(harness.portal.snapshot.leads[ids[3]])
            #expect(row == [[expected, "Ann " + expected, lead.statusID]])
            #expect(try connection.execute("SELECT count(*) FROM dw.fact_lead").scalar == "120")
            let statuses = try connection.execute("SELECT status FROM etl.sync_run").rows
            #expect(statuses == [["succeeded"]])
        }
    }
}
