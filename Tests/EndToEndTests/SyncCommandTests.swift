import Foundation
import LibPQ
import Pipeline
import PostgresTestSupport
import ProcessSupport
import Testing

@Suite("b24pg sync and status as a user runs them, against b24pg sim", .timeLimit(.minutes(10)))
struct SyncCommandTests {
    static let code = "e2eSecretCode42"

    static func migrated(_ body: (ConnectionString) async throws -> Void) async throws {
        try await TestDatabase.with { target in
            let migrate = try await B24pgProcess.run(["migrate", "--database-url", target.rawValue])
            #expect(migrate.code == 0)
            try await body(target)
        }
    }

    @Test("sync loads the portal, exits 0, prints a summary, and no output carries the webhook code")
    func syncAndStatus() async throws {
        // A fixed anchor: with the default (the portal's last midnight) the newest changes sit at
        // midnight, inside the second run's 5-minute overlap for the first minutes of each day.
        let sim = try B24pgProcess.Simulator([
            "--leads", "700", "--seed", "3", "--rate", "0", "--webhook-code", Self.code, "--anchor", "2025-12-31",
        ])
        defer { sim.stop() }
        try await Self.migrated { target in
            let first = try await B24pgProcess.run(
                ["sync", "--database-url", target.rawValue, "--log-format", "json"],
                environment: ["B24_WEBHOOK_URL": sim.webhook])
            #expect(first.code == 0, "\(first.err)")
            #expect(first.out.contains("sync incremental finished"))
            #expect(first.out.contains("leads=700"))
            #expect(first.err.contains(#""event":"run_finished""#))
            let connection = try Connection(target)
            #expect(try connection.execute("SELECT count(*) FROM dw.fact_lead").scalar == "700")
            let second = try await B24pgProcess.run([
                "sync", "--database-url", target.rawValue, "--webhook-url", sim.webhook,
            ])
            #expect(second.code == 0)
            #expect(second.out.contains("leads=0"))
            let status = try await B24pgProcess.run(["status", "--database-url", target.rawValue])
            #expect(status.code == 0)
            #expect(status.out.contains("succeeded"))
            #expect(status.out.contains("700 live"))
            for output in [first.out, first.err, second.out, second.err, status.out, status.err] {
                #expect(!output.contains(Self.code))
            }
            let stored = try connection.execute(
                "SELECT count(*) FROM etl.portal p, etl.sync_run r WHERE p.host LIKE $1 OR r.error LIKE $1",
                ["%\(Self.code)%"])
            #expect(stored.scalar == "0")
        }
    }

    @Test("a second sync while one holds the portal's lock exits 3")
    func lockedExit() async throws {
        let sim = try B24pgProcess.Simulator(["--leads", "50", "--rate", "0", "--webhook-code", Self.code])
        defer { sim.stop() }
        try await Self.migrated { target in
            let holder = try Connection(target)
            let first = try await B24pgProcess.run([
                "sync", "--database-url", target.rawValue, "--webhook-url", sim.webhook,
            ])
            #expect(first.code == 0)
            // Hold the portal's lock the way a running sync does.
            #expect(try holder.tryAdvisoryLock(SyncEngine.lockKey(name: sim.portalName)))
            let second = try await B24pgProcess.run([
                "sync", "--database-url", target.rawValue, "--webhook-url", sim.webhook,
            ])
            #expect(second.code == 3)
            #expect(second.err.contains("another b24pg sync"))
        }
    }

    @Test("usage and configuration errors: no portal is exit 2, an unmigrated database exit 1")
    func configurationErrors() async throws {
        let noPortal = try await B24pgProcess.run(
            ["sync", "--database-url", "dbname=postgres"], environment: ["B24_WEBHOOK_URL": ""])
        #expect(noPortal.code == 2)
        #expect(noPortal.err.contains("B24_WEBHOOK_URL"))
        let insecure = try await B24pgProcess.run([
            "sync", "--webhook-url", "http://portal.example.com/rest/1/\(Self.code)/",
        ])
        #expect(insecure.code == 2)
        #expect(!insecure.err.contains(Self.code))
        try await TestDatabase.with { target in
            let result = try await B24pgProcess.run([
                "sync", "--database-url", target.rawValue, "--webhook-url", "http://127.0.0.1:1/rest/1/x/",
            ])
            #expect(result.code == 1)
            #expect(result.err.contains("b24pg migrate"))
        }
        let help = try await B24pgProcess.run(
            ["sync", "--help"], environment: ["B24_WEBHOOK_URL": "https://p.example/rest/1/\(Self.code)/"])
        #expect(!help.out.contains(Self.code))
    }

    @Test("killed with SIGKILL after a chunk committed, a rerun ends equal to a clean run")
    func killAndRerun() async throws {
        let arguments = ["--leads", "2600", "--seed", "8", "--rate", "0", "--webhook-code", Self.code]
        let sim = try B24pgProcess.Simulator(arguments + ["--fail-slow", "1", "--slow-seconds", "0.05"])
        defer { sim.stop() }
        try await Self.migrated { clean in
            let reference = try await B24pgProcess.run([
                "sync", "--database-url", clean.rawValue, "--webhook-url", sim.webhook,
            ])
            #expect(reference.code == 0)
            try await Self.migrated { broken in
                let process = try ChildProcess(
                    B24pgProcess.executable.path,
                    ["sync", "--database-url", broken.rawValue, "--webhook-url", sim.webhook, "--chunk-size", "300"])
                let watcher = try Connection(broken)
                var committed = false
                for _ in 0..<600 where !committed {
                    usleep(50_000)
                    let cursor = try watcher.execute("SELECT watermark_id FROM etl.sync_state WHERE stream = 'leads'")
                        .scalar
                    committed = (cursor.flatMap { Int64($0) } ?? 0) > 0
                }
                #expect(committed, "a chunk committed before the kill")
                process.kill()
                #expect(process.wait() == 128 + SIGKILL)
                let partial = try watcher.execute("SELECT count(*) FROM dw.fact_lead").scalar.flatMap { Int($0) } ?? 0
                #expect(partial > 0 && partial < 2600, "killed mid-run: \(partial) leads loaded")

                let rerun = try await B24pgProcess.run([
                    "sync", "--database-url", broken.rawValue, "--webhook-url", sim.webhook,
                ])
                #expect(rerun.code == 0, "\(rerun.err)")
                #expect(try StarFingerprint.take(Connection(broken)) == (try StarFingerprint.take(Connection(clean))))
                let runs = try watcher.execute("SELECT status, error IS NOT NULL FROM etl.sync_run ORDER BY run_id")
                    .rows
                #expect(runs == [["failed", "t"], ["succeeded", "f"]])
            }
        }
    }
}
