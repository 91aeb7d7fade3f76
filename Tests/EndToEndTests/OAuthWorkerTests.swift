import Foundation
import LibPQ
import PostgresTestSupport
import ProcessSupport
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

@Suite(
    "b24pg worker with an OAuth application: sealed tokens in the database, rotated as they expire",
    .timeLimit(.minutes(5)))
struct OAuthWorkerTests {
    static let key = "b24pgE2EtokenKeyb24pgE2EtokenKeyb24pgE2Eabc="
    static let otherKey = String(repeating: "7c", count: 32)

    /// A config with one application portal of `sim`; its id, secret and first refresh token in files.
    static func config(
        _ sim: B24pgProcess.Simulator, application: (clientID: String, clientSecret: String, refreshToken: String)
    ) throws -> WorkerConfig {
        let config = try WorkerConfig(portals: [])
        let files = [
            ("client-id", application.clientID), ("client-secret", application.clientSecret),
            ("refresh-token", application.refreshToken),
        ]
        for (name, value) in files {
            try Data((value + "\n").utf8).write(to: config.directory.appendingPathComponent(name))
        }
        let directory = config.directory.path
        let text = """
            [[portal]]
            name = "initech"
            client_endpoint = "\(sim.baseURL)/rest/"
            token_url = "\(sim.baseURL)/oauth/token/"
            client_id_file = "\(directory)/client-id"
            client_secret_file = "\(directory)/client-secret"
            refresh_token_file = "\(directory)/refresh-token"
            every = "1h"
            rate = 0
            operating_budget = 0
            chunk_size = 100
            """
        try Data(text.utf8).write(to: URL(fileURLWithPath: config.path))
        return config
    }

    /// The simulator's token-server counters.
    static func oauthCounters(_ sim: B24pgProcess.Simulator) async throws -> [String: Int] {
        let (data, _) = try await URLSession.shared.data(from: try #require(URL(string: sim.baseURL + "/_sim/oauth")))
        let object = try JSONSerialization.jsonObject(with: data) as? [String: Int]
        return try #require(object)
    }

    @Test(
        "tokens that expire every 3 seconds: the worker refreshes them under the row lock, stores them sealed, the star equals a webhook sync, and the next run starts from the stored token (the configured one is spent)"
    )
    func applicationPortal() async throws {
        let sim = try B24pgProcess.Simulator([
            "--leads", "400", "--seed", "231", "--rate", "0", "--operating-limit", "0", "--webhook-code",
            WorkerTests.code, "--token-lifetime", "3", "--fail-slow", "1", "--slow-seconds", "0.01",
        ])
        defer { sim.stop() }
        _ = WorkerTests.waitUntil(seconds: 10) { sim.oauth != nil }
        let application = try #require(sim.oauth)
        let config = try Self.config(sim, application: application)
        defer { config.remove() }
        try await SyncCommandTests.migrated { reference in
            try await WorkerTests.cleanSync(reference, sim, name: "initech")
            try await SyncCommandTests.migrated { target in
                let noKey = try await WorkerTests.once(config, target)
                #expect(noKey.code == 2 && noKey.err.contains("B24PG_TOKEN_KEY"), "\(noKey.err)")

                let run = try await B24pgProcess.run(
                    ["worker", "--config", config.path, "--database-url", target.rawValue, "--once", "--poll", "1s"],
                    environment: ["B24PG_TOKEN_KEY": Self.key])
                #expect(run.code == 0, "\(run.err.suffix(3_000))")
                let counters = try await Self.oauthCounters(sim)
                #expect((counters["refreshes"] ?? 0) >= 2, "the token expired during the sync: \(counters)")
                #expect(counters["spent_sent_again"] == 0 && counters["revocations"] == 0, "\(counters)")
                for secret in [application.clientSecret, application.refreshToken] {
                    #expect(!run.err.contains(secret) && !run.out.contains(secret), "a secret reached the output")
                }
                let check = try Connection(target)
                #expect(
                    try StarFingerprint.take(check, portal: "initech")
                        == (try StarFingerprint.take(try Connection(reference), portal: "initech")))
                let stored = try check.execute(
                    """
                    SELECT p.member_id, o.rotations::text, o.rotated_by IS NOT NULL,
                           position(convert_to($1, 'UTF8') IN o.refresh_token) = 0
                    FROM etl.portal_oauth o JOIN etl.portal p USING (portal_id)
                    """, [application.refreshToken]
                ).rows
                #expect(stored == [["sim231", "\(counters["refreshes"] ?? -1)", "t", "t"]], "\(stored)")

                // The next round starts from the stored token; the configured one was spent long ago
                // (sending it again would revoke everything). This time a long-running worker with
                // metrics, and the key from the config's token_key_file instead of the environment.
                let keyFile = config.directory.appendingPathComponent("token-key")
                try Data((Self.key + "\n").utf8).write(to: keyFile)
                let text = try String(contentsOfFile: config.path, encoding: .utf8)
                try Data("[database]\ntoken_key_file = \"\(keyFile.path)\"\n\n\(text)".utf8)
                    .write(to: URL(fileURLWithPath: config.path))
                try check.execute("UPDATE etl.portal_job SET due_at = now()")
                let worker = try ChildProcess(
                    B24pgProcess.executable.path,
                    [
                        "worker", "--config", config.path, "--database-url", target.rawValue, "--poll", "1s",
                        "--metrics-port", "0",
                    ])
                let synced = try WorkerTests.waitUntil(seconds: 120) {
                    try check.execute("SELECT count(*) FROM etl.sync_run WHERE status = 'succeeded'").scalar == "2"
                }
                #expect(synced, "\(worker.output.suffix(2_000))")
                let refreshes = WorkerTests.metric(
                    try await WorkerTests.scrape(worker), "b24pg_portal_token_refreshes_total", "portal=\"initech\"")
                #expect(
                    (refreshes ?? 0) >= 1,
                    "the expired stored token was refreshed at the start: \(String(describing: refreshes))")
                worker.stop()
                #expect(worker.wait() == 0)
                let after = try await Self.oauthCounters(sim)
                #expect(after["refused"] == 0 && after["revocations"] == 0, "\(after)")
                #expect(
                    try check.execute("SELECT status FROM etl.sync_run ORDER BY run_id").rows == [
                        ["succeeded"], ["succeeded"],
                    ])

                let status = try await B24pgProcess.run(["status", "--database-url", target.rawValue])
                #expect(status.code == 0 && status.out.contains("OAuth applications"), "\(status.out)")
                let row = status.out.split(separator: "\n").first { $0.contains("sim231") }.map(String.init) ?? ""
                #expect(
                    row.contains("initech") && row.contains("sealed") && row.contains(application.clientID), "\(row)")
                #expect(!status.out.contains(application.clientSecret))

                // Another key cannot open the tokens: the run fails and says which key sealed them.
                try check.execute("UPDATE etl.portal_job SET due_at = now()")
                let wrong = try await B24pgProcess.run(
                    ["worker", "--config", config.path, "--database-url", target.rawValue, "--once", "--poll", "1s"],
                    environment: ["B24PG_TOKEN_KEY": Self.otherKey])
                #expect(wrong.code == 1)
                let keyID = try check.execute("SELECT key_id FROM etl.portal_oauth").scalar ?? "?"
                #expect(wrong.err.contains("sealed with key \(keyID)"), "\(wrong.err.suffix(2_000))")
            }
        }
    }

    @Test(
        "b24pg sync --config reads one entry: an application portal synced by a single command, a flag over the file's setting, unknown entries and a webhook besides refused"
    )
    func syncFromConfig() async throws {
        let sim = try B24pgProcess.Simulator([
            "--leads", "400", "--seed", "232", "--rate", "0", "--operating-limit", "0", "--webhook-code",
            WorkerTests.code, "--token-lifetime", "3",
        ])
        defer { sim.stop() }
        _ = WorkerTests.waitUntil(seconds: 10) { sim.oauth != nil }
        let config = try Self.config(sim, application: try #require(sim.oauth))
        defer { config.remove() }
        try await SyncCommandTests.migrated { reference in
            try await WorkerTests.cleanSync(reference, sim, name: "initech")
            try await SyncCommandTests.migrated { target in
                let base = ["sync", "--config", config.path, "--database-url", target.rawValue]
                let unknown = try await B24pgProcess.run(base + ["--portal-name", "nobody"])
                #expect(unknown.code == 2 && unknown.err.contains("no [[portal]] named nobody (configured: initech)"))
                let both = try await B24pgProcess.run(
                    base + ["--portal-name", "initech", "--webhook-url", sim.webhook])
                #expect(both.code == 2 && both.err.contains("not both"), "\(both.err)")

                // The file says chunk_size = 100; the flag says 400: one chunk of leads.
                let run = try await B24pgProcess.run(
                    base + ["--portal-name", "initech", "--chunk-size", "400"],
                    environment: ["B24PG_TOKEN_KEY": Self.key])
                #expect(run.code == 0, "\(run.err.suffix(2_000))")
                let chunks = run.err.split(separator: "\n").filter {
                    $0.contains("event=progress") && $0.contains("stage=leads")
                }
                #expect(chunks.count == 1 && chunks.first?.contains("leads=400") == true, "\(chunks)")
                let check = try Connection(target)
                #expect(
                    try StarFingerprint.take(check, portal: "initech")
                        == (try StarFingerprint.take(try Connection(reference), portal: "initech")))
                let stored = try check.execute(
                    "SELECT rotated_by, rotations > 0 FROM etl.portal_oauth JOIN etl.portal USING (portal_id) WHERE name = 'initech'"
                ).rows
                #expect(stored == [["b24pg sync", "t"]])
                let counters = try await Self.oauthCounters(sim)
                #expect(counters["spent_sent_again"] == 0 && counters["revocations"] == 0, "\(counters)")
            }
        }
    }
}
