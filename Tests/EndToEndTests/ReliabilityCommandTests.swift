import B24Core
import Foundation
import LibPQ
import Load
import Pipeline
import PortalSim
import PostgresTestSupport
import ProcessSupport
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

@Suite(
    "Reliability of b24pg sync as a process: dead portal, Postgres restart, SIGKILL at many points",
    .timeLimit(.minutes(10)))
struct ReliabilityCommandTests {
    static let code = "reliabilitySecret77"

    @Test(
        "a portal down for good: exit 1 naming portal and method, no secret, watermark unchanged, run recorded failed")
    func portalDownForGood() async throws {
        let sim = try B24pgProcess.Simulator(["--leads", "120", "--rate", "0", "--webhook-code", Self.code])
        defer { sim.stop() }
        try await SyncCommandTests.migrated { target in
            let first = try await B24pgProcess.run([
                "sync", "--database-url", target.rawValue, "--webhook-url", sim.webhook,
            ])
            #expect(first.code == 0)
            let connection = try Connection(target)
            let before = try connection.execute(
                "SELECT stream, watermark_time::text, watermark_id FROM etl.sync_state ORDER BY 1"
            ).rows
            try await B24pgProcess.post(sim.baseURL + "/_sim/faults", #"{"500":1}"#)
            let second = try await B24pgProcess.run([
                "sync", "--database-url", target.rawValue, "--webhook-url", sim.webhook, "--max-attempts", "3",
                "--max-retry-seconds", "10",
            ])
            #expect(second.code == 1)
            #expect(second.err.contains(sim.baseURL))
            #expect(second.err.contains("batch") || second.err.contains("crm."))
            #expect(second.err.contains("retries exhausted"))
            #expect(!second.err.contains(Self.code) && !second.out.contains(Self.code))
            #expect(
                try connection.execute(
                    "SELECT stream, watermark_time::text, watermark_id FROM etl.sync_state ORDER BY 1"
                ).rows == before)
            let runs = try connection.execute("SELECT status, error FROM etl.sync_run ORDER BY run_id").rows
            #expect(runs.map { $0[0] } == ["succeeded", "failed"])
            #expect(runs.last?[1]?.contains("retries exhausted") == true)
            #expect(runs.last?[1]?.contains(Self.code) == false)
        }
    }

    @Test(
        "Postgres restarted mid-load: exit 1 with a clear message, nothing half-written, the next run completes equal")
    func postgresRestart() async throws {
        let script = B24pgProcess.executable.deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
            .appendingPathComponent("scripts/pg-test-cluster")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "b24pg-restart-\(UUID().uuidString.prefix(8))"
        ).path
        func cluster(_ command: String) throws {
            let child = try ChildProcess(script.path, [command, directory])
            #expect(child.wait() == 0, "pg-test-cluster \(command): \(child.output)")
        }
        try cluster("start")
        defer { try? cluster("destroy") }
        let socket = directory + "/socket"
        let admin = try Connection(ConnectionString("host=\(socket) port=54329 user=postgres dbname=postgres"))
        try admin.execute("CREATE DATABASE restart_clean")
        try admin.execute("CREATE DATABASE restart_broken")
        let clean = ConnectionString("host=\(socket) port=54329 user=postgres dbname=restart_clean")
        let broken = ConnectionString("host=\(socket) port=54329 user=postgres dbname=restart_broken")
        for target in [clean, broken] {
            #expect(try await B24pgProcess.run(["migrate", "--database-url", target.rawValue]).code == 0)
        }

        let sim = try B24pgProcess.Simulator([
            "--leads", "2600", "--seed", "4", "--rate", "0", "--webhook-code", Self.code, "--fail-slow", "1",
            "--slow-seconds", "0.05",
        ])
        defer { sim.stop() }
        #expect(
            try await B24pgProcess.run(["sync", "--database-url", clean.rawValue, "--webhook-url", sim.webhook]).code
                == 0)

        let process = try ChildProcess(
            B24pgProcess.executable.path,
            ["sync", "--database-url", broken.rawValue, "--webhook-url", sim.webhook, "--chunk-size", "300"])
        var committed = false
        do {
            let watcher = try Connection(broken)
            for _ in 0..<600 where !committed {
                usleep(50_000)
                committed =
                    (try watcher.execute("SELECT watermark_id FROM etl.sync_state WHERE stream = 'leads'").scalar
                        .flatMap { Int64($0) } ?? 0) > 0
            }
        }
        #expect(committed)
        try cluster("restart")
        #expect(process.wait() == 1)
        let stderr = process.output
        #expect(stderr.contains("PostgreSQL"), "message: \(stderr.suffix(300))")

        let after = try Connection(broken)
        let leads = try after.execute("SELECT count(*) FROM dw.fact_lead").scalar.flatMap { Int($0) } ?? -1
        let cursor =
            try after.execute("SELECT watermark_id FROM etl.sync_state WHERE stream = 'leads'").scalar.flatMap {
                Int64($0)
            } ?? -1
        let loadedUpTo =
            try after.execute("SELECT coalesce(max(lead_id), 0) FROM dw.fact_lead").scalar.flatMap { Int64($0) } ?? -2
        #expect(leads > 0 && leads % 300 == 0, "whole chunks only: \(leads)")
        #expect(cursor == loadedUpTo, "the cursor is exactly the last loaded lead")
        #expect(
            try await B24pgProcess.run(["sync", "--database-url", broken.rawValue, "--webhook-url", sim.webhook]).code
                == 0)
        #expect(try StarFingerprint.take(Connection(broken)) == (try StarFingerprint.take(Connection(clean))))
    }

    @Test("killed with SIGKILL at ten different points, each rerun resumes and the last ends equal to a clean run")
    func tenKills() async throws {
        let sim = try B24pgProcess.Simulator([
            "--leads", "2400", "--seed", "6", "--rate", "0", "--webhook-code", Self.code, "--fail-slow", "1",
            "--slow-seconds", "0.1",
        ])
        defer { sim.stop() }
        try await SyncCommandTests.migrated { clean in
            #expect(
                try await B24pgProcess.run(["sync", "--database-url", clean.rawValue, "--webhook-url", sim.webhook])
                    .code == 0
            )
            try await SyncCommandTests.migrated { broken in
                let watcher = try Connection(broken)
                func progress() throws -> Int64 {
                    try watcher.execute(
                        "SELECT coalesce(sum(watermark_id), 0) + (SELECT count(*) FROM dw.fact_lead) FROM etl.sync_state"
                    ).scalar.flatMap { Int64($0) } ?? 0
                }
                // Kill points: after some progress was committed (mid-run, between chunks and inside the
                // next chunk's COPY or commit), and at fixed delays that land in other stages.
                let delays: [Double?] = [nil, nil, nil, 0.4, nil, 0.9, nil, 1.6, nil, 2.5]
                // Where after committed progress each kill lands: seeded, so a failure can be replayed.
                var jitter = SimRandom(seed: 2_026)
                var kills = 0
                for delay in delays {
                    let start = try progress()
                    let process = try ChildProcess(
                        B24pgProcess.executable.path,
                        [
                            "sync", "--database-url", broken.rawValue, "--webhook-url", sim.webhook, "--chunk-size",
                            "200",
                        ])
                    if let delay {
                        usleep(UInt32(delay * 1_000_000))
                    } else {
                        for _ in 0..<400 where try progress() == start && process.isRunning { usleep(20_000) }
                        usleep(UInt32.random(in: 0...60_000, using: &jitter))
                    }
                    if process.isRunning {
                        process.kill()
                        kills += 1
                    }
                    process.wait()
                    if kills == 1 {
                        // The first run, killed after its first chunk, set the indexes aside: status lists them.
                        let setAside = try watcher.execute("SELECT index_name FROM etl.deferred_index ORDER BY 1")
                        #expect(setAside.rows.compactMap { $0[0] } == StarLoader.deferrableIndexes.sorted())
                        let status = try await B24pgProcess.run(["status", "--database-url", broken.rawValue])
                        #expect(status.code == 0)
                        #expect(status.out.contains("indexes set aside"))
                        #expect(StarLoader.deferrableIndexes.allSatisfy { status.out.contains($0) })
                    }
                }
                #expect(kills >= 8, "most runs were killed mid-way (\(kills))")
                let final = try await B24pgProcess.run([
                    "sync", "--database-url", broken.rawValue, "--webhook-url", sim.webhook,
                ])
                #expect(final.code == 0)
                #expect(try StarFingerprint.take(Connection(broken)) == (try StarFingerprint.take(Connection(clean))))
                let indexes = "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'dw' ORDER BY 1"
                #expect(try watcher.execute(indexes).rows == (try Connection(clean).execute(indexes).rows))
                #expect(try watcher.execute("SELECT count(*) FROM etl.deferred_index").scalar == "0")
                let interrupted = try watcher.execute("SELECT count(*) FROM etl.sync_run WHERE status = 'failed'")
                    .scalar
                #expect(interrupted.flatMap { Int($0) } ?? 0 >= 8)
                #expect(try watcher.execute("SELECT count(*) FROM etl.sync_run WHERE status = 'running'").scalar == "0")
            }
        }
    }
}
