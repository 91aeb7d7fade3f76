import B24Core
import Foundation
import LibPQ
import PostgresTestSupport
import Testing

@Suite(
    "Deletes and permissions: never delete what is merely invisible, never keep what is gone",
    .timeLimit(.minutes(10)))
struct DeletesAndPermissionsTests {
    static let code = "permissionsSecret91"

    /// Deletes leads through the webhook, 50 per batch request.
    static func delete(_ ids: [Int64], through sim: B24pgProcess.Simulator) async throws {
        for start in stride(from: 0, to: ids.count, by: 50) {
            let commands = ids[start..<min(start + 50, ids.count)].map { "\"d\($0)\":\"crm.lead.delete?id=\($0)\"" }
            let answer = try await B24pgProcess.post(
                sim.webhook + "batch", "{\"halt\":0,\"cmd\":{\(commands.joined(separator: ","))}}")
            #expect(answer.status == 200)
        }
    }

    /// `(live, deleted)` lead ids in the star.
    static func leads(_ target: ConnectionString) throws -> (live: [Int64], deleted: [Int64]) {
        let rows = try Connection(target).execute("SELECT lead_id, is_deleted FROM dw.fact_lead ORDER BY lead_id").rows
        let live = rows.filter { $0[1] == "f" }.compactMap { $0[0].flatMap { Int64($0) } }
        let deleted = rows.filter { $0[1] == "t" }.compactMap { $0[0].flatMap { Int64($0) } }
        return (live, deleted)
    }

    static func sync(
        _ target: ConnectionString, _ sim: B24pgProcess.Simulator, _ extra: [String] = []
    ) async throws
        -> (code: Int32, out: String, err: String)
    {
        try await B24pgProcess.run(["sync", "--database-url", target.rawValue, "--webhook-url", sim.webhook] + extra)
    }

    @Test(
        "rights narrowed to one user: exit 1 naming the counts, nothing marked deleted; rights restored: exit 0, equal to the portal"
    )
    func narrowedRights() async throws {
        let sim = try B24pgProcess.Simulator([
            "--leads", "600", "--seed", "8", "--rate", "0", "--webhook-code", Self.code,
        ])
        defer { sim.stop() }
        try await SyncCommandTests.migrated { target in
            #expect(try await Self.sync(target, sim).code == 0)
            let narrowed = try await B24pgProcess.post(sim.baseURL + "/_sim/access", #"{"visible_to": 3}"#)
            #expect(narrowed.body["admin"] == .bool(false))
            let refused = try await Self.sync(target, sim)
            #expect(refused.code == 1, "\(refused.err)")
            #expect(refused.err.contains("live leads deleted"), "\(refused.err)")
            #expect(refused.err.contains("of 600 live leads"), "\(refused.err)")
            #expect(refused.err.contains("check its rights"))
            #expect(try Self.leads(target).deleted.isEmpty, "nothing may be marked deleted")
            let status = try await B24pgProcess.run(["status", "--database-url", target.rawValue])
            #expect(status.out.contains("not an administrator"), "\(status.out)")
            #expect(status.out.contains("was refused"), "\(status.out)")

            try await B24pgProcess.post(sim.baseURL + "/_sim/access", #"{"visible_to": null}"#)
            let restored = try await Self.sync(target, sim)
            #expect(restored.code == 0, "\(restored.err)")
            try await TestDatabase.with(migrated: true) { (clean: ConnectionString) async throws in
                #expect(try await Self.sync(clean, sim).code == 0)
                #expect(try Self.leads(target).live == (try Self.leads(clean).live))
                #expect(try Self.leads(target).deleted.isEmpty)
                let children = """
                    SELECT (SELECT count(*) FROM dw.fact_lead_product), (SELECT count(*) FROM dw.bridge_lead_contact),
                           (SELECT count(*) FROM dw.fact_lead_stage_history)
                    """
                #expect(try Connection(target).execute(children).rows == (try Connection(clean).execute(children).rows))
            }
        }
    }

    @Test("a lead deleted in the portal and a lead restored from its recycle bin are both right after one sync")
    func deletedAndRestored() async throws {
        let sim = try B24pgProcess.Simulator([
            "--leads", "300", "--seed", "9", "--rate", "0", "--webhook-code", Self.code,
        ])
        defer { sim.stop() }
        try await SyncCommandTests.migrated { target in
            #expect(try await Self.sync(target, sim).code == 0)
            let all = try Self.leads(target).live
            try #require(all.count > 30, "the first sync loaded the portal")
            let (gone, back, later) = (all[10], all[20], all[30])
            try await Self.delete([gone, back], through: sim)
            let second = try await Self.sync(target, sim)
            #expect(second.code == 0, "\(second.err)")
            #expect(try Self.leads(target).deleted == [gone, back])

            try await Self.delete([later], through: sim)
            #expect(try await B24pgProcess.post(sim.baseURL + "/_sim/restore", "{\"id\": \(back)}").status == 200)
            let third = try await Self.sync(target, sim)
            #expect(third.code == 0, "\(third.err)")
            #expect(third.out.contains("deleted=1 undeleted=1"), "\(third.out)")
            #expect(try Self.leads(target).deleted == [gone, later])
            try await TestDatabase.with(migrated: true) { (clean: ConnectionString) async throws in
                #expect(try await Self.sync(clean, sim).code == 0)
                #expect(try Self.leads(target).live == (try Self.leads(clean).live))
                let rows = "SELECT row_id, lead_id, price FROM dw.fact_lead_product WHERE lead_id = $1 ORDER BY row_id"
                #expect(
                    try Connection(target).execute(rows, [String(back)]).rows
                        == (try Connection(clean).execute(rows, [String(back)]).rows))
            }
            let runs = try Connection(target).execute(
                "SELECT leads_deleted, leads_undeleted FROM etl.sync_run ORDER BY run_id"
            ).rows
            #expect(runs == [["0", "0"], ["2", "0"], ["1", "1"]])
        }
    }

    @Test("a 3 % real delete passes the guard; a 40 % delete needs --allow-mass-delete, once")
    func massDeleteGuard() async throws {
        let sim = try B24pgProcess.Simulator([
            "--leads", "2000", "--seed", "10", "--rate", "0", "--webhook-code", Self.code,
        ])
        defer { sim.stop() }
        try await SyncCommandTests.migrated { target in
            #expect(try await Self.sync(target, sim).code == 0)
            let all = try Self.leads(target).live
            #expect(all.count == 2000)
            let few = Array(all.prefix(60))
            try await Self.delete(few, through: sim)
            let small = try await Self.sync(target, sim)
            #expect(small.code == 0, "\(small.err)")
            #expect(try Self.leads(target).deleted == few)

            let many = Array(all.dropFirst(60).prefix(776))
            try await Self.delete(many, through: sim)
            let refused = try await Self.sync(target, sim)
            #expect(refused.code == 1)
            #expect(refused.err.contains("would mark 776 of 1940 live leads deleted (40.0 %"), "\(refused.err)")
            #expect(try Self.leads(target).deleted == few, "a refused scan marks nothing")
            let accepted = try await Self.sync(target, sim, ["--allow-mass-delete"])
            #expect(accepted.code == 0, "\(accepted.err)")
            #expect(try Self.leads(target).deleted.count == 836)
        }
    }

    @Test(
        "a portal in simple CRM mode: the lead streams are skipped with a warning, its deals and their children are synced"
    )
    func simpleMode() async throws {
        let sim = try B24pgProcess.Simulator([
            "--leads", "300", "--seed", "11", "--rate", "0", "--webhook-code", Self.code, "--simple-crm",
        ])
        defer { sim.stop() }
        try await SyncCommandTests.migrated { target in
            let result = try await Self.sync(target, sim)
            #expect(result.code == 0, "\(result.err)")
            #expect(result.err.contains("simple_crm"), "\(result.err)")
            #expect(!result.err.contains(Self.code))
            let counts =
                try Connection(target).execute(
                    """
                    SELECT (SELECT count(*) FROM dw.fact_lead), (SELECT count(*) FROM dw.fact_deal),
                           (SELECT count(*) FROM dw.fact_deal_product), (SELECT count(*) FROM dw.fact_deal_stage_history),
                           (SELECT count(*) FROM etl.sync_state WHERE stream = 'leads')
                    """
                ).rows.first?.map { Int($0 ?? "") ?? -1 } ?? []
            #expect(counts.count == 5)
            guard counts.count == 5 else { return }
            #expect(counts[0] == 0, "no leads")
            #expect(counts[1] > 20 && counts[2] > 0 && counts[3] > counts[1], "deals, their rows and history")
            #expect(counts[4] == 0, "the lead stream did not run")
            #expect(result.out.contains("deals=\(counts[1])"), "\(result.out)")
        }
    }
}
