import Foundation
import LibPQ
import ProcessSupport

/// Many portals: `b24pg worker` processes against simulated portals, each with its own limit.
extension Bench {
    /// CPU seconds the whole machine has spent busy so far (every process, from /proc/stat).
    static func machineBusySeconds() -> Double {
        guard let stat = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
            let line = stat.split(separator: "\n").first
        else { return 0 }
        let ticks = line.split(separator: " ").dropFirst().compactMap { Double($0) }
        guard ticks.count >= 5 else { return 0 }
        let idle = ticks[3] + ticks[4]
        return (ticks.reduce(0, +) - idle) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// Starts `b24pg sim` on a free port and returns it with its webhook.
    static func startSimulator(_ binary: String, _ arguments: [String]) async throws -> (ChildProcess, String) {
        let sim = try ChildProcess(binary, ["sim", "--port", "0"] + arguments, standardError: .discarded)
        for _ in 0..<600 {
            if let line = sim.output.split(separator: "\n").first(where: { $0.hasPrefix("webhook: ") }) {
                return (sim, String(line.dropFirst("webhook: ".count)))
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        sim.stop()
        throw PostgresError(code: .connectionFailed, message: "b24pg sim did not start")
    }

    /// One round: `workers` processes of `b24pg worker --once --concurrency concurrency` until every
    /// due portal ran; returns the wall seconds, the workers' CPU seconds, their highest peak RSS,
    /// the machine's busy CPU seconds and the syncs that succeeded.
    static func workerRound(
        _ binary: String, config: String, database: String, workers: Int, concurrency: Int
    ) async throws -> (seconds: Double, cpu: Double, peakBytes: Int, machineBusy: Double, succeeded: Int) {
        let started = Date()
        let busyBefore = machineBusySeconds()
        let processes = try (0..<workers).map { index in
            try ChildProcess(
                binary,
                [
                    "worker", "--config", config, "--database-url", database, "--once", "--concurrency",
                    String(concurrency), "--poll", "1s", "--worker-id", "bench-\(index)", "--log-format", "json",
                ], standardError: .discarded)
        }
        let sampler = Task {
            var peak = 0
            while !Task.isCancelled {
                peak = max(peak, processes.map(\.peakResidentBytes).max() ?? 0)
                try? await Task.sleep(for: .milliseconds(200))
            }
            return peak
        }
        var cpu = 0.0
        var succeeded = 0
        for process in processes {
            let (code, _, seconds) = await Task.detached { process.waitWithUsage() }.value
            cpu += seconds
            let line = process.output.split(separator: "\n").last { $0.hasPrefix("worker=") } ?? ""
            succeeded +=
                line.split(separator: " ").first { $0.hasPrefix("succeeded=") }.flatMap {
                    Int($0.dropFirst("succeeded=".count))
                } ?? 0
            guard code == 0 else {
                throw PostgresError(
                    code: .connectionFailed, message: "b24pg worker exited \(code): \(process.output.suffix(2_000))")
            }
        }
        sampler.cancel()
        let peak = await sampler.value
        return (Date().timeIntervalSince(started), cpu, peak, machineBusySeconds() - busyBefore, succeeded)
    }

    /// 20 simulated portals of 5,000 leads at 2 requests/s each: the first load with every portal at
    /// once (CPU and memory per running sync), then incremental rounds with 1, 2 and 4 worker
    /// processes of two syncs each (portals completed per hour), the same rounds paced by the
    /// portals' limits, and what bounds one machine.
    static func portalsScenario(portals: Int, leads: Int) async throws -> [Row] {
        let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent("b24pg").path
        _ = try freshDatabase("b24pg_bench_portals")
        let database = "dbname=b24pg_bench_portals"
        FileHandle.standardError.write(
            Data("bench: \(portals) simulated portals of \(leads) leads at 2 requests/s each…\n".utf8))
        var sims: [ChildProcess] = []
        defer { sims.forEach { $0.stop() } }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("b24pg-bench-portals")
        try? FileManager.default.removeItem(at: directory)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var config = "[worker]\nlease = \"1m\"\npoll = \"1s\"\n\n[defaults]\nrate = 2\nburst = 50\nevery = \"1h\"\n"
        for index in 1...portals {
            let (sim, webhook) = try await startSimulator(
                binary,
                [
                    "--leads", String(leads), "--seed", String(1_000 + index), "--rate", "2", "--burst", "50",
                    "--webhook-code", "portalsbench",
                ])
            sims.append(sim)
            let secret = directory.appendingPathComponent("portal-\(index).webhook")
            try Data(webhook.utf8).write(to: secret)
            config += "\n[[portal]]\nname = \"portal-\(index)\"\nwebhook_url_file = \"\(secret.path)\"\n"
        }
        let configPath = directory.appendingPathComponent("b24pg.toml").path
        try Data(config.utf8).write(to: URL(fileURLWithPath: configPath))
        let scenario = "many portals: \(portals) × \(leads) leads, 2 req/s each"

        // First load, every portal at once in one process.
        let simCPUBefore = sims.map(\.cpuSeconds).reduce(0, +)
        let first = try await workerRound(
            binary, config: configPath, database: database, workers: 1, concurrency: portals)
        let simCPU = sims.map(\.cpuSeconds).reduce(0, +) - simCPUBefore
        guard first.succeeded == portals else {
            throw PostgresError(
                code: .connectionFailed, message: "first load: \(first.succeeded) of \(portals) portals")
        }
        var rows = [
            Row(
                scenario: scenario, measure: "first load, 1 worker running all \(portals) at once: wall time",
                value: String(
                    format: "%.0f s (%.0f portals/hour)", first.seconds, Double(portals) / first.seconds * 3_600),
                target: "(reported)", verdict: "-"),
            Row(
                scenario: scenario,
                measure: "first load: b24pg CPU per sync; peak RSS of the worker with \(portals) syncs",
                value: String(
                    format: "%.1f s; %.0f MB (%.1f MB per running sync)", first.cpu / Double(portals),
                    Double(first.peakBytes) / 1e6, Double(first.peakBytes) / 1e6 / Double(portals)),
                target: "(reported)", verdict: "-"),
            Row(
                scenario: scenario, measure: "first load: machine CPU busy (2 cores) — b24pg, the simulators, Postgres",
                value: String(
                    format: "%.0f %% of 2 cores: b24pg %.0f s, simulators %.0f s, rest (Postgres) %.0f s",
                    first.machineBusy / first.seconds / 2 * 100, first.cpu, simCPU,
                    max(0, first.machineBusy - first.cpu - simCPU)),
                target: "(reported)", verdict: "-"),
        ]

        // Incremental rounds: every portal due again, buckets refilled (25 s at 2/s for a burst of 50).
        let connection = try Connection(ConnectionString(database))
        var perHour: [Int: Double] = [:]
        var lastRound = first
        var lastSimCPU = simCPU
        for workers in [1, 2, 4] {
            try connection.execute("UPDATE etl.portal_job SET due_at = now()")
            try await Task.sleep(for: .seconds(26))
            let simsBefore = sims.map(\.cpuSeconds).reduce(0, +)
            let round = try await workerRound(
                binary, config: configPath, database: database, workers: workers, concurrency: 2)
            lastSimCPU = sims.map(\.cpuSeconds).reduce(0, +) - simsBefore
            guard round.succeeded == portals else {
                throw PostgresError(code: .connectionFailed, message: "round: \(round.succeeded) of \(portals) portals")
            }
            perHour[workers] = Double(portals) / round.seconds * 3_600
            lastRound = round
            rows.append(
                Row(
                    scenario: scenario,
                    measure: "incremental round, \(workers) worker process(es) × 2 syncs: portals completed per hour",
                    value: String(
                        format: "%.0f (%.0f s for %d portals; machine CPU %.0f %%, of it the simulators %.0f %%)",
                        perHour[workers] ?? 0, round.seconds, portals, round.machineBusy / round.seconds / 2 * 100,
                        lastSimCPU / round.seconds / 2 * 100),
                    target: workers == 1 ? "grows with workers" : "grows until the portals' limits bind",
                    verdict: workers == 1
                        ? "-" : ((perHour[workers] ?? 0) > (perHour[workers / 2] ?? 0) * 1.2 ? "grows" : "flat")))
        }
        // Rounds where every sync waits on its portal: the client's bucket holds one request, so it
        // sends 2 per second from the first (as when other integrations have drained the portal's
        // bucket). Here more workers help, until the machine's CPU binds.
        let pacedConfig = directory.appendingPathComponent("b24pg-paced.toml").path
        try Data(config.replacingOccurrences(of: "burst = 50", with: "burst = 1").utf8)
            .write(to: URL(fileURLWithPath: pacedConfig))
        var pacedPerHour: [Int: Double] = [:]
        for workers in [1, 2, 4] {
            try connection.execute("UPDATE etl.portal_job SET due_at = now()")
            let simsBefore = sims.map(\.cpuSeconds).reduce(0, +)
            let round = try await workerRound(
                binary, config: pacedConfig, database: database, workers: workers, concurrency: 2)
            let roundSimCPU = sims.map(\.cpuSeconds).reduce(0, +) - simsBefore
            guard round.succeeded == portals else {
                throw PostgresError(code: .connectionFailed, message: "round: \(round.succeeded) of \(portals) portals")
            }
            pacedPerHour[workers] = Double(portals) / round.seconds * 3_600
            rows.append(
                Row(
                    scenario: scenario,
                    measure:
                        "incremental round paced by the portals (client burst 1), \(workers) worker process(es) × 2 syncs: portals per hour",
                    value: String(
                        format: "%.0f (%.0f s for %d portals; machine CPU %.0f %%, of it the simulators %.0f %%)",
                        pacedPerHour[workers] ?? 0, round.seconds, portals,
                        round.machineBusy / round.seconds / 2 * 100, roundSimCPU / round.seconds / 2 * 100),
                    target: "grows with workers until CPU binds",
                    verdict: workers == 1
                        ? "-"
                        : ((pacedPerHour[workers] ?? 0) > (pacedPerHour[workers / 2] ?? 0) * 1.2 ? "grows" : "flat")))
        }
        // b24pg and Postgres per incremental sync (the simulators' CPU taken out: a real portal's
        // work is not on this machine).
        let cpuPerSync = max(0, lastRound.machineBusy - lastSimCPU) / Double(portals)
        rows.append(
            Row(
                scenario: scenario,
                measure: "where one 2-core machine stops keeping up: CPU per incremental sync, b24pg and Postgres",
                value: String(
                    format: "%.2f CPU-s (b24pg %.2f) → about %.0f syncs/hour at 100 %% of 2 cores",
                    cpuPerSync, lastRound.cpu / Double(portals), 2 * 3_600 / max(cpuPerSync, 0.001)),
                target: "(reported)", verdict: "-"))
        return rows
    }
}
