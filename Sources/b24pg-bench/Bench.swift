import B24Core
import Bitrix24
import Foundation
import LeadExport
import LibPQ
import PortalSim
import Schema

/// `make bench`: the scenarios of DESIGN.md §8, measured on this machine, printed as a table.
///
/// Needs a PostgreSQL reachable through libpq's PG* variables (`make bench` starts a
/// throwaway cluster) and `psql` on the PATH for the `\copy` baseline.
@main
struct Bench {
    static func main() async {
        do {
            try await run()
        } catch {
            FileHandle.standardError.write(Data("bench failed: \(error)\n".utf8))
            exit(1)
        }
    }

    struct Row {
        var scenario: String
        var measure: String
        var value: String
        var target: String
        var verdict: String
    }

    static func run() async throws {
        let leads = Int(ProcessInfo.processInfo.environment["BENCH_LEADS"] ?? "") ?? 10_000
        let copyRows = Int(ProcessInfo.processInfo.environment["BENCH_COPY_ROWS"] ?? "") ?? 1_000_000
        var rows: [Row] = []
        rows += try await syncScenarios(leads: leads)
        rows += try copyScenario(rows: copyRows)
        print("")
        print("| scenario | measure | value | target | verdict |")
        print("|---|---|---|---|---|")
        for row in rows {
            print("| \(row.scenario) | \(row.measure) | \(row.value) | \(row.target) | \(row.verdict) |")
        }
    }

    static func freshDatabase(_ name: String) throws -> ConnectionString {
        let admin = try Connection(ConnectionString(""))
        try admin.execute("DROP DATABASE IF EXISTS \(SQLIdentifier.quoted(name)) WITH (FORCE)")
        try admin.execute("CREATE DATABASE \(SQLIdentifier.quoted(name))")
        let target = ConnectionString("dbname=\(name)")
        _ = try Migrator().migrate(try Connection(target))
        return target
    }

    /// Full sync of `leads` leads at 2 req/s burst 50 over real HTTP, then an incremental sync after 1 % churn.
    static func syncScenarios(leads: Int) async throws -> [Row] {
        let target = try freshDatabase("b24pg_bench_sync")
        let time = PortalTime(offsetSeconds: 10_800)
        let dataset = PortalDataset.generate(
            seed: 42, leadCount: leads, time: time, anchor: time.startOfDay(Int64(Date().timeIntervalSince1970)))
        let rowsPerLead = Double(dataset.productRows.values.reduce(0) { $0 + $1.count }) / Double(leads)
        let linksPerLead = Double(dataset.bindings.values.reduce(0) { $0 + $1.count }) / Double(leads)
        let portal = SimulatedPortal(dataset: dataset, limits: PortalLimits(rate: 2, burst: 50))
        let router = PortalRouter(portal: portal, auth: SimAuth(seed: 42, webhookCode: "benchcode"))
        let server = try await PortalServer.start(router: router)
        defer { Task { try? await server.shutdown() } }

        func sync(_ mode: SyncMode) async throws -> (SyncSummary, Double) {
            let transport = AsyncHTTPTransport()
            let clock = SystemClientClock()
            let client = BitrixClient(
                credentials: .webhook(try WebhookCredentials(url: "\(server.baseURL)/rest/1/benchcode/")),
                transport: transport,
                clock: clock, limiter: RateLimiter(rate: 2, burst: 50, clock: clock))
            let engine = SyncEngine(
                client: client, database: DatabaseWorker(connection: try Connection(target)), host: "bench.example",
                options: SyncOptions(mode: mode), log: RunLog(write: { _ in }), clock: clock)
            let started = Date()
            let summary = try await engine.run()
            try await transport.shutdown()
            return (summary, Date().timeIntervalSince(started))
        }

        FileHandle.standardError.write(Data("bench: full sync of \(leads) leads at 2 req/s (a few minutes)…\n".utf8))
        let (full, fullSeconds) = try await sync(.incremental)
        let perThousand = Double(full.requests) / Double(leads) * 1000
        let floor = Double(full.requests) / 2
        // Let the portal's bucket drain, then change 1 % of the leads and sync again.
        try await Task.sleep(for: .seconds(26))
        let ids = portal.snapshot.leadIDs
        for index in stride(from: 0, to: ids.count, by: 100) {
            _ = portal.call("crm.lead.update", ["id": .int(ids[index]), "fields": ["TITLE": "bench change"]])
        }
        try await Task.sleep(for: .seconds(26))
        let (incremental, incrementalSeconds) = try await sync(.incremental)
        let share = Double(incremental.requests) / Double(full.requests) * 100
        let label =
            "full sync, \(leads) leads, \(String(format: "%.1f", rowsPerLead)) rows and \(String(format: "%.1f", linksPerLead)) contacts per lead, 2/s burst 50"
        return [
            Row(
                scenario: label, measure: "HTTP requests per 1 000 leads",
                value: String(format: "%.1f (%d requests)", perThousand, full.requests),
                target: "≤ 45", verdict: perThousand <= 45 ? "met" : "missed"),
            Row(
                scenario: label, measure: "wall time vs requests ÷ rate",
                value: String(format: "%.1f s vs %.1f s (%.2f×)", fullSeconds, floor, fullSeconds / floor),
                target: "within 10 % (the burst of 50 lets it finish earlier)",
                verdict: fullSeconds <= floor * 1.1 ? "met" : "missed"),
            Row(
                scenario: "incremental after 1 % of leads changed", measure: "requests",
                value: String(
                    format: "%d (%.1f %% of full, %.1f s, %d leads)", incremental.requests, share, incrementalSeconds,
                    incremental.leads),
                target: "≤ 3 % of full", verdict: share <= 3 ? "met" : "missed"),
        ]
    }

    /// COPY writer alone against `psql \copy` of the same rows.
    static func copyScenario(rows count: Int) throws -> [Row] {
        let target = try freshDatabase("b24pg_bench_copy")
        let connection = try Connection(target)
        let table =
            "CREATE UNLOGGED TABLE bench_lead (portal_id int, lead_id bigint, title text, status_id text, source_id text, "
            + "assigned_by_id bigint, opportunity numeric, currency_id text, created_at timestamptz, created_date_key int, "
            + "is_deleted boolean, custom_fields jsonb)"
        try connection.execute(table)
        func fill(_ writer: inout CopyWriter) throws {
            for index in 0..<count {
                writer.append(Int64(1))
                writer.append(Int64(index + 1))
                writer.append("Website request #\(index + 1)\twith tab")
                writer.append(index % 3 == 0 ? "CONVERTED" : "IN_PROCESS")
                writer.append("WEB")
                writer.append(Int64(index % 40 + 1))
                writer.append("\(index % 50_000).50")
                writer.append("USD")
                writer.append("2025-05-23T15:18:25+00:00")
                writer.append(Int64(20_250_523))
                writer.append(false)
                writer.append(#"{"UF_CRM_SCORE":12.5,"UF_CRM_CHANNEL":{"id":201,"value":"Phone"}}"#)
                try writer.endRow()
            }
        }
        let started = Date()
        _ = try connection.copyFrom("COPY bench_lead FROM STDIN") { writer in try fill(&writer) }
        let writerSeconds = Date().timeIntervalSince(started)

        // The same rows as a file, written by the server, for psql's client-side \copy.
        let psqlFile = FileManager.default.temporaryDirectory.appendingPathComponent("b24pg-bench-rows.tsv").path
        try connection.execute("COPY bench_lead TO '\(psqlFile)'")
        try connection.execute("TRUNCATE bench_lead")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["psql", "-q", "-d", "b24pg_bench_copy", "-c", "\\copy bench_lead FROM '\(psqlFile)'"]
        let psqlStarted = Date()
        try process.run()
        process.waitUntilExit()
        let psqlSeconds = Date().timeIntervalSince(psqlStarted)
        try? FileManager.default.removeItem(atPath: psqlFile)
        guard process.terminationStatus == 0 else {
            throw PostgresError(code: .copyFailed, message: "psql \\copy failed")
        }
        let writerRate = Double(count) / writerSeconds
        let psqlRate = Double(count) / psqlSeconds
        return [
            Row(
                scenario: "COPY writer alone, \(count) fact_lead-shaped rows",
                measure: "rows/s vs psql \\copy (same rows, same run)",
                value: String(format: "%.0f vs %.0f (%.2f×)", writerRate, psqlRate, writerRate / psqlRate),
                target: "≥ 0.9×",
                verdict: writerRate >= 0.9 * psqlRate ? "met" : "missed")
        ]
    }
}
