import Foundation
import LibPQ
import PostgresTestSupport
import ProcessSupport
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A config file for `b24pg worker` in a directory of its own, with each portal's webhook in a
/// file next to it (secrets by reference).
struct WorkerConfig {
    /// The directory holding the config and the webhook files.
    let directory: URL
    /// The config file's path.
    var path: String { directory.appendingPathComponent("b24pg.toml").path }

    /// Writes `[worker]` and one `[[portal]]` per entry (name, webhook, extra lines).
    init(worker: String = "", portals: [(name: String, webhook: String, extra: String)]) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("b24pg-worker-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var text = "[worker]\n\(worker)\n"
        for portal in portals {
            let secret = directory.appendingPathComponent("\(portal.name).webhook")
            try Data((portal.webhook + "\n").utf8).write(to: secret)
            text += "\n[[portal]]\nname = \"\(portal.name)\"\nwebhook_url_file = \"\(secret.path)\"\n\(portal.extra)\n"
        }
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    }

    /// Removes the directory.
    func remove() {
        try? FileManager.default.removeItem(at: directory)
    }
}

@Suite("b24pg worker: many portals, several processes, one database", .timeLimit(.minutes(10)))
struct WorkerTests {
    static let code = "e2eWorkerCode42"

    /// Runs `b24pg worker --once` with the config against the database.
    static func once(
        _ config: WorkerConfig, _ target: ConnectionString, _ extra: [String] = []
    ) async throws -> (
        code: Int32, out: String, err: String
    ) {
        try await B24pgProcess.run(
            ["worker", "--config", config.path, "--database-url", target.rawValue, "--once", "--poll", "1s"] + extra)
    }

    /// A portal of 1,500 leads whose every answer takes 50 ms: slow enough to stop mid-run.
    static func slowSimulator(seed: Int) throws -> B24pgProcess.Simulator {
        try B24pgProcess.Simulator([
            "--leads", "1500", "--seed", String(seed), "--rate", "0", "--operating-limit", "0", "--webhook-code",
            Self.code, "--fail-slow", "1", "--slow-seconds", "0.05",
        ])
    }

    /// The `[[portal]]` settings for a slow simulator: unthrottled, chunks of 250 leads.
    static let slowPortal = "rate = 0\noperating_budget = 0\nchunk_size = 250"

    /// One clean `b24pg sync` of `sim` as the portal `name`: the star a worker's run must equal.
    static func cleanSync(_ target: ConnectionString, _ sim: B24pgProcess.Simulator, name: String) async throws {
        let run = try await B24pgProcess.run([
            "sync", "--database-url", target.rawValue, "--webhook-url", sim.webhook, "--portal-name", name,
            "--operating-budget", "0",
        ])
        #expect(run.code == 0, "\(run.err.suffix(2_000))")
    }

    /// Waits (at most a minute) until a chunk of leads committed: the leads cursor moved.
    static func leadChunkCommitted(_ watcher: Connection) throws -> Bool {
        try waitUntil(seconds: 60) {
            let cursor = try watcher.execute("SELECT watermark_id FROM etl.sync_state WHERE stream = 'leads'").scalar
            return (cursor.flatMap { Int64($0) } ?? 0) > 0
        }
    }

    /// Waits until `condition` holds (polled every 100 ms), at most `seconds`.
    static func waitUntil(seconds: Double, _ condition: () throws -> Bool) rethrows -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try condition() { return true }
            usleep(100_000)
        }
        return try condition()
    }

    /// The worker's `/metrics` page (its URL from the `metrics_listening` line); it must answer 200.
    static func scrape(_ worker: ChildProcess) async throws -> String {
        let url = try #require(
            worker.output.split(separator: "\n").first { $0.contains("event=metrics_listening") }?
                .split(separator: " ").first { $0.hasPrefix("url=") }.map { String($0.dropFirst(4)) })
        let (data, response) = try await URLSession.shared.data(from: try #require(URL(string: url)))
        #expect((response as? HTTPURLResponse)?.statusCode == 200)
        return String(decoding: data, as: UTF8.self)
    }

    /// Scrapes the worker's `/metrics` after one successful sync of `portal`, and checks the
    /// series a dashboard alerts on.
    static func expectMetrics(of worker: ChildProcess, portal: String) async throws {
        let text = try await scrape(worker)
        let label = "portal=\"\(portal)\""
        #expect((metric(text, "b24pg_portal_last_success_timestamp_seconds", label) ?? 0) > 1_700_000_000, "\(text)")
        #expect(metric(text, "b24pg_portal_syncs_total", label) == 1)
        #expect((metric(text, "b24pg_portal_last_run_leads_count", label) ?? 0) > 0)
        #expect((metric(text, "b24pg_portal_requests_total", label) ?? 0) > 0)
        #expect(metric(text, "b24pg_portal_throttled_total", label + ",status=\"503\"") == 0)
        #expect(metric(text, "b24pg_portal_watermark_lag_seconds", "stream=\"leads\"") != nil)
        #expect(metric(text, "b24pg_worker_running_syncs") == 0)
        #expect(metric(text, "b24pg_worker_claims_total") == 1)
        #expect((metric(text, "b24pg_worker_lease_renewals_total") ?? 0) > 0, "a 4 s lease renewed during the sync")
    }

    /// The value of the series `name` whose labels contain `labels`, from the text format.
    static func metric(_ text: String, _ name: String, _ labels: String = "") -> Double? {
        text.split(separator: "\n").first {
            $0.hasPrefix(name + (labels.isEmpty ? " " : "{")) && (labels.isEmpty || $0.contains(labels))
        }?
        .split(separator: " ").last.flatMap { Double($0) }
    }

    @Test(
        "12 portals, 3 worker processes: every portal synced exactly once per due slot, each equal to a clean sync of it"
    )
    func twelvePortalsThreeWorkers() async throws {
        let sims = try (1...12).map { index in
            try B24pgProcess.Simulator([
                "--leads", "120", "--seed", "\(100 + index)", "--rate", "5", "--burst", "10", "--webhook-code",
                Self.code,
            ])
        }
        defer { sims.forEach { $0.stop() } }
        let names = (1...12).map { String(format: "portal-%02d", $0) }
        let config = try WorkerConfig(
            worker: "concurrency = 2\nlease = \"20s\"",
            portals: zip(names, sims).map { ($0, $1.webhook, "rate = 5\nburst = 10\nevery = \"1h\"") })
        defer { config.remove() }
        try await SyncCommandTests.migrated { reference in
            // The reference: one clean `b24pg sync` of each portal, all at once.
            try await withThrowingTaskGroup(of: Int32.self) { group in
                let url = reference.rawValue
                for (name, webhook) in zip(names, sims.map(\.webhook)) {
                    group.addTask {
                        try await B24pgProcess.run([
                            "sync", "--database-url", url, "--webhook-url", webhook, "--portal-name", name, "--rate",
                            "5",
                            "--burst", "10",
                        ]).code
                    }
                }
                for try await code in group { #expect(code == 0) }
            }
            try await SyncCommandTests.migrated { target in
                let results = try await withThrowingTaskGroup(of: (Int32, String).self) { group in
                    for worker in 1...3 {
                        group.addTask {
                            let run = try await Self.once(config, target, ["--worker-id", "w\(worker)"])
                            return (run.code, run.out + run.err)
                        }
                    }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
                for (code, output) in results { #expect(code == 0, "\(output.suffix(2_000))") }
                let check = try Connection(target)
                let runs = try check.execute(
                    """
                    SELECT p.name, count(*), count(*) FILTER (WHERE r.status = 'succeeded'), min(r.worker)
                    FROM etl.sync_run r JOIN etl.portal p USING (portal_id) GROUP BY p.name ORDER BY p.name
                    """
                ).rows
                #expect(runs.map { $0[0] ?? "" } == names)
                #expect(runs.allSatisfy { $0[1] == "1" && $0[2] == "1" }, "exactly one run per portal: \(runs)")
                // Each worker claims two at once and a sync takes seconds: the work is shared (all
                // three, unless a process started seconds late on a loaded machine).
                let workers = try check.execute("SELECT count(DISTINCT worker) FROM etl.sync_run").scalar
                #expect((workers.flatMap { Int($0) } ?? 0) >= 2, "the workers shared the portals: \(workers ?? "-")")
                let due = try check.execute(
                    """
                    SELECT count(*) FROM etl.portal_job
                    WHERE lease_owner IS NULL AND failures = 0 AND last_status = 'succeeded'
                      AND due_at > now() + interval '50 minutes'
                    """
                ).scalar
                #expect(due == "12", "each portal due again at its next hourly slot")
                let referenceConnection = try Connection(reference)
                for name in names {
                    #expect(
                        try StarFingerprint.take(check, portal: name)
                            == (try StarFingerprint.take(referenceConnection, portal: name)), "\(name)")
                }
                // Nothing is due: another round of three workers runs nothing.
                for worker in 4...6 {
                    let idle = try await Self.once(config, target, ["--worker-id", "w\(worker)"])
                    #expect(idle.code == 0 && idle.out.contains("succeeded=0 failed=0"))
                }
                #expect(try check.execute("SELECT count(*) FROM etl.sync_run").scalar == "12")
            }
        }
    }

    @Test(
        "a worker killed with SIGKILL mid-sync: its lease expires, another worker resumes the portal, the star equals a clean run; SIGTERM then exits 0"
    )
    func killedWorkerIsTakenOver() async throws {
        let sim = try Self.slowSimulator(seed: 9)
        defer { sim.stop() }
        let config = try WorkerConfig(
            worker: "lease = \"4s\"\npoll = \"1s\"",
            portals: [("slow", sim.webhook, Self.slowPortal)])
        defer { config.remove() }
        try await SyncCommandTests.migrated { clean in
            try await Self.cleanSync(clean, sim, name: "slow")
            try await SyncCommandTests.migrated { target in
                let first = try ChildProcess(
                    B24pgProcess.executable.path,
                    ["worker", "--config", config.path, "--database-url", target.rawValue, "--worker-id", "first"])
                let watcher = try Connection(target)
                let committed = try Self.leadChunkCommitted(watcher)
                #expect(committed, "a chunk committed before the kill")
                first.kill()
                #expect(first.wait() == 128 + SIGKILL)
                let holder = try watcher.execute("SELECT lease_owner FROM etl.portal_job").scalar
                #expect(holder == "first", "the dead worker's lease is still on the portal")

                let second = try ChildProcess(
                    B24pgProcess.executable.path,
                    [
                        "worker", "--config", config.path, "--database-url", target.rawValue, "--worker-id", "second",
                        "--metrics-port", "0",
                    ])
                let synced = try Self.waitUntil(seconds: 120) {
                    try watcher.execute("SELECT last_status FROM etl.portal_job").scalar == "succeeded"
                }
                #expect(synced, "\(second.output.suffix(2_000))")
                try await Self.expectMetrics(of: second, portal: "slow")
                second.stop()
                #expect(second.wait() == 0, "SIGTERM: the idle worker exits 0")
                #expect(
                    try StarFingerprint.take(watcher, portal: "slow")
                        == (try StarFingerprint.take(Connection(clean), portal: "slow")))
                let runs = try watcher.execute("SELECT worker, status FROM etl.sync_run ORDER BY run_id").rows
                #expect(runs == [["first", "failed"], ["second", "succeeded"]])
            }
        }
    }

    @Test(
        "SIGTERM during a sync: the chunk being written commits, the portal is given back as due, exit 0; the next worker finishes it"
    )
    func sigtermDrains() async throws {
        let sim = try Self.slowSimulator(seed: 10)
        defer { sim.stop() }
        let config = try WorkerConfig(portals: [("draining", sim.webhook, Self.slowPortal)])
        defer { config.remove() }
        try await SyncCommandTests.migrated { clean in
            try await Self.cleanSync(clean, sim, name: "draining")
            try await SyncCommandTests.migrated { target in
                let worker = try ChildProcess(
                    B24pgProcess.executable.path,
                    ["worker", "--config", config.path, "--database-url", target.rawValue])
                let watcher = try Connection(target)
                let committed = try Self.leadChunkCommitted(watcher)
                #expect(committed)
                let started = Date()
                worker.stop()
                #expect(worker.wait() == 0, "\(worker.output.suffix(2_000))")
                #expect(Date().timeIntervalSince(started) < 30, "drained promptly")
                #expect(worker.output.contains("worker_stopping"))
                let job = try watcher.execute(
                    "SELECT last_status, lease_owner IS NULL, due_at <= now(), failures FROM etl.portal_job"
                ).rows.first
                #expect(job == ["released", "t", "t", "0"], "given back, still due, not counted as a failure")
                // Stopped mid-run with committed chunks (under load the lead stream may have ended
                // before the signal; a later stream was then cut).
                let loaded = try watcher.execute("SELECT count(*) FROM dw.fact_lead").scalar.flatMap { Int($0) } ?? 0
                let firstRun = try watcher.execute("SELECT status FROM etl.sync_run ORDER BY run_id LIMIT 1").scalar
                #expect(
                    loaded > 0 && firstRun != "succeeded", "stopped mid-run: \(loaded) leads, run \(firstRun ?? "-")")
                let rerun = try await Self.once(config, target)
                #expect(rerun.code == 0 && rerun.out.contains("succeeded=1"), "\(rerun.err.suffix(2_000))")
                #expect(
                    try StarFingerprint.take(watcher, portal: "draining")
                        == (try StarFingerprint.take(Connection(clean), portal: "draining")))
            }
        }
    }

    @Test("a portal whose simulator is down backs off without holding up the others")
    func downPortalBacksOff() async throws {
        let sims = try (1...2).map { index in
            try B24pgProcess.Simulator([
                "--leads", "80", "--seed", "\(200 + index)", "--rate", "0", "--operating-limit", "0", "--webhook-code",
                Self.code,
            ])
        }
        defer { sims.forEach { $0.stop() } }
        // Nothing listens on port 9 of loopback: every request is refused at once.
        let fast = "rate = 0\noperating_budget = 0"
        let config = try WorkerConfig(
            worker: "concurrency = 1\nbackoff = \"10m\"",
            portals: [
                ("a-down", "http://127.0.0.1:9/rest/1/\(Self.code)/", "max_attempts = 2\nmax_retry_seconds = 1"),
                ("b-up", sims[0].webhook, fast), ("c-up", sims[1].webhook, fast),
            ])
        defer { config.remove() }
        try await SyncCommandTests.migrated { target in
            let first = try await Self.once(config, target)
            #expect(first.code == 1, "a failed portal makes --once exit 1")
            #expect(first.out.contains("succeeded=2 failed=1"), "\(first.out)")
            let check = try Connection(target)
            let jobs = try check.execute(
                """
                SELECT p.name, j.last_status, j.failures,
                       j.due_at BETWEEN j.last_finished_at + interval '9 minutes'
                                    AND j.last_finished_at + interval '11 minutes',
                       j.last_finished_at - j.last_started_at < interval '20 seconds'
                FROM etl.portal_job j JOIN etl.portal p USING (portal_id) ORDER BY p.name
                """
            ).rows
            #expect(jobs[0] == ["a-down", "failed", "1", "t", "t"], "failed fast, backed off by 10 minutes: \(jobs)")
            #expect(jobs[1][1] == "succeeded" && jobs[2][1] == "succeeded")
            // The backed-off portal is not due: the next round does not try it.
            let second = try await Self.once(config, target)
            #expect(second.code == 0 && second.out.contains("succeeded=0 failed=0"))
            #expect(try check.execute("SELECT count(*) FROM etl.sync_run").scalar == "3")
        }
    }

    @Test("config errors exit 2 naming the file, line and key; nothing is written")
    func configErrors() async throws {
        let config = try WorkerConfig(portals: [("acme", "https://acme.bitrix24.com/rest/1/abc/", "rat = 5")])
        defer { config.remove() }
        let unknown = try await B24pgProcess.run(["worker", "--config", config.path, "--once"])
        #expect(unknown.code == 2)
        #expect(unknown.err.contains("b24pg.toml:7: portal[1].rat: unknown key"), "\(unknown.err)")

        let missingVariable = config.directory.appendingPathComponent("env.toml")
        try Data("[[portal]]\nname = \"acme\"\nwebhook_url_env = \"B24PG_TEST_UNSET_VARIABLE\"\n".utf8)
            .write(to: missingVariable)
        let unset = try await B24pgProcess.run(["worker", "--config", missingVariable.path, "--once"])
        #expect(unset.code == 2)
        #expect(
            unset.err.contains(
                "env.toml:3: portal[1].webhook_url_env: the variable B24PG_TEST_UNSET_VARIABLE is not set"))

        let gone = try await B24pgProcess.run(["worker", "--config", "/nonexistent/b24pg.toml", "--once"])
        #expect(gone.code == 2 && gone.err.contains("/nonexistent/b24pg.toml: cannot be read (no such file)"))

        let plain = config.directory.appendingPathComponent("plain.toml")
        try Data("[[portal]]\nname = \"acme\"\nwebhook_url_file = \"\(config.directory.path)/missing\"\n".utf8)
            .write(to: plain)
        let unreadable = try await B24pgProcess.run(["worker", "--config", plain.path, "--once"])
        #expect(unreadable.code == 2 && unreadable.err.contains("plain.toml:3: portal[1].webhook_url_file"))
    }
}
