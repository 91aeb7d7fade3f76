import ArgumentParser
import B24Core
import Bitrix24
import Foundation
import FunnelReport
import LibPQ
import Load
import Pipeline
import PortalSim
import Schema

/// `b24pg demo`: a simulated portal, a local database, one sync, and a funnel summary.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run the whole product locally: simulated portal → sync → funnel summary.",
        discussion: """
            Starts the simulated portal in-process, migrates the database and runs a full sync under the \
            real rate limit, then prints the funnel. With DATABASE_URL (or --database-url) it uses that \
            database; otherwise it starts a throwaway cluster in .pg/demo with scripts/pg-test-cluster \
            (what `make demo` does) and recreates the database b24pg_demo in it.
            """
    )

    @Option(
        help: ArgumentHelp(
            "Database to fill (default: $DATABASE_URL, else a local cluster in .pg/demo).", valueName: "url"))
    var databaseURL: String?

    @Option(help: "Leads in the simulated portal.")
    var leads = 3_000

    @Option(help: "Seed of the simulated portal.")
    var seed: UInt64 = 42

    @Option(help: "Requests per second the simulated portal allows (and the client keeps to).")
    var rate = 2.0

    func run() async throws {
        let target = try prepareDatabase()
        print("database: \(target)")
        let connection: Connection
        do {
            connection = try Connection(target)
            let report = try Migrator().migrate(connection)
            print("migrated: \(report.applied.count) new, \(report.alreadyApplied) already applied")
        } catch {
            throw RunFailure.failed(error)
        }

        let time = PortalTime(offsetSeconds: 10_800)
        let dataset = PortalDataset.generate(
            seed: seed, leadCount: leads, time: time, anchor: time.startOfDay(Int64(Date().timeIntervalSince1970)))
        let portal = SimulatedPortal(dataset: dataset, limits: PortalLimits(rate: rate, burst: 50))
        let router = PortalRouter(portal: portal, auth: SimAuth(seed: seed))
        let server = try await PortalServer.start(router: router)
        print("simulated portal: \(leads) leads at \(server.baseURL) (rate \(rate)/s, burst 50)")

        let credentials = Credentials.webhook(
            try WebhookCredentials(url: "\(server.baseURL)/rest/1/\(router.credentials.webhookCode)/"))
        let transport = AsyncHTTPTransport()
        let clock = SystemClientClock()
        let client = BitrixClient(
            credentials: credentials, transport: transport, clock: clock,
            limiter: RateLimiter(rate: rate, burst: 50, clock: clock))
        let engine = SyncEngine(
            client: client, database: DatabaseWorker(connection: try Connection.reopen(target)),
            host: "demo.bitrix24.local",
            options: SyncOptions(mode: .full),
            log: RunLog.standardError(format: .logfmt, interactive: isatty(STDERR_FILENO) == 1), clock: clock)
        let summary: SyncSummary
        do {
            summary = try await engine.run()
        } catch {
            try? await transport.shutdown()
            try? await server.shutdown()
            throw RunFailure.failed(error)
        }
        try? await transport.shutdown()
        try? await server.shutdown()
        print("\n" + summary.line)
        do {
            let reports = try ReportData.load(connection)
            for data in reports {
                print("\nfunnel of \(data.host) (mart.funnel_stage, mart.funnel_cumulative)")
                TextTable.print(
                    ["stage", "semantic", "leads now", "ever had it", "reached or passed"],
                    data.stages.map {
                        [
                            $0.name, $0.semantic, String($0.leadsNow), String($0.leadsReached),
                            $0.leadsCumulative.map(String.init) ?? "–",
                        ]
                    })
                print("\nconversion by source (mart.conversion_by_source)")
                TextTable.print(
                    ["source", "leads", "converted", "conversion"],
                    data.sources.map {
                        [$0.name, String($0.leads), String($0.converted), ReportRenderer.percent($0.conversionRate)]
                    })
                if !data.revenue.isEmpty {
                    print("\nlead to revenue by source (mart.revenue_by_source)")
                    TextTable.print(
                        ["source", "leads", "deals", "won", "won revenue", "leads with a deal", "days to won"],
                        data.revenue.map {
                            [
                                $0.name, String($0.leads), String($0.deals), String($0.wonDeals),
                                ReportRenderer.money($0.wonRevenue, currency: data.baseCurrency ?? ""),
                                ReportRenderer.percent($0.leadToDealRate),
                                $0.medianDaysToWon.map { String(format: "%.1f", $0) } ?? "–",
                            ]
                        })
                }
                if !data.speed.isEmpty {
                    print("\nspeed to lead by source (mart.speed_to_lead)")
                    TextTable.print(
                        ["source", "leads", "touched", "median minutes", "p90 minutes", "within 5 min", "never"],
                        data.speed.map {
                            [
                                $0.name, String($0.leads), String($0.touched), ReportRenderer.minutes($0.medianMinutes),
                                ReportRenderer.minutes($0.p90Minutes), ReportRenderer.percent($0.withinFiveMinutes),
                                ReportRenderer.percent($0.neverTouched),
                            ]
                        })
                }
            }
            let path = try ReportCommand.write(reports, to: "report.html")
            print("\nHTML report: \(path)")
        } catch {
            throw RunFailure.failed(error)
        }
        print(
            """

            Explore it:  psql "\(target.description)"  then e.g.  SELECT * FROM dw.fact_lead LIMIT 5;
            Status:      b24pg status --database-url "\(target.description)"
            """)
    }

    /// The database to use: the one given, or `b24pg_demo` in a local throwaway cluster.
    private func prepareDatabase() throws -> ConnectionString {
        let environment = ProcessInfo.processInfo.environment
        if let url = databaseURL ?? environment["DATABASE_URL"], !url.isEmpty { return ConnectionString(url) }
        if environment["PGHOST"] == nil {
            try startLocalCluster()
        }
        do {
            let admin = try Connection(ConnectionString(""))
            try admin.execute("DROP DATABASE IF EXISTS b24pg_demo WITH (FORCE)")
            try admin.execute("CREATE DATABASE b24pg_demo")
        } catch {
            throw RunFailure.failed(error)
        }
        return ConnectionString("dbname=b24pg_demo")
    }

    /// Starts `.pg/demo` with the repository's script and points libpq at it.
    private func startLocalCluster() throws {
        let script = URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(
            "scripts/pg-test-cluster")
        guard FileManager.default.isExecutableFile(atPath: script.path) else {
            throw RunFailure(
                message:
                    "no database: set DATABASE_URL, or run `make demo` from the repository (it starts a local cluster)",
                exitCode: ExitStatus.usage)
        }
        for arguments in [["start", ".pg/demo"]] {
            let process = Process()
            process.executableURL = script
            process.arguments = arguments
            try process.run()
            process.waitUntilExit()
            guard process.terminationStatus == 0 else {
                throw RunFailure(
                    message: "could not start the local PostgreSQL cluster in .pg/demo", exitCode: ExitStatus.failed)
            }
        }
        let directory = URL(fileURLWithPath: ".pg/demo/socket").standardizedFileURL.path
        setenv("PGHOST", directory, 1)
        setenv("PGPORT", ProcessInfo.processInfo.environment["PGTEST_PORT"] ?? "54329", 1)
        setenv("PGUSER", "postgres", 1)
        setenv("PGDATABASE", "postgres", 1)
    }
}

extension Connection {
    /// A second connection to the same database (the sync's own, so it can hold its lock).
    static func reopen(_ target: ConnectionString) throws -> Connection {
        do {
            return try Connection(target)
        } catch {
            throw RunFailure.failed(error)
        }
    }
}
