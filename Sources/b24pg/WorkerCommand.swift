import ArgumentParser
import Bitrix24
import Config
import Foundation
import LibPQ
import Load
import MetricsEndpoint
import Pipeline
import ServiceLifecycle

/// `b24pg worker`: many portals from one config file, coordinated through the database.
struct WorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Sync every portal of a config file when due, sharing the work with other workers.",
        discussion: """
            Registers the config's [[portal]] entries and their schedules in etl.portal_job, then claims \
            due portals (FOR UPDATE SKIP LOCKED, under a lease it renews) and runs up to --concurrency \
            syncs at once, each with its portal's own rate limit. Any number of workers on any number of \
            machines may share one database; a dead worker's portals are taken over when its leases \
            expire. A failing portal backs off exponentially. SIGTERM or SIGINT: no new claims, running \
            syncs end after the chunk they are writing, exit 0. Exit codes: 0 ok; 1 with --once when a \
            sync failed, or the database failed; 2 configuration error.
            """
    )

    @Option(help: ArgumentHelp("The config file (b24pg.toml).", valueName: "file"))
    var config: String

    @OptionGroup var database: DatabaseOptions

    @Option(help: "Syncs run at once by this process (default: [worker] concurrency, else 4).")
    var concurrency: Int?

    @Flag(help: "Run every portal due now once, then exit (for cron and tests).")
    var once = false

    @Option(
        help: ArgumentHelp(
            "How long a claim holds a portal unless renewed (default: [worker] lease, else 2m).",
            valueName: "duration"))
    var lease: String?

    @Option(
        help: ArgumentHelp(
            "How often to look for due portals (default: [worker] poll, else 5s).", valueName: "duration"))
    var poll: String?

    @Option(
        name: .customLong("metrics-port"),
        help:
            "Serve Prometheus metrics on this port at /metrics (0 picks a free one; default: [worker] metrics_port, else none)."
    )
    var metricsPort: Int?

    @Option(
        name: .customLong("metrics-host"),
        help:
            "The address /metrics listens on (default: [worker] metrics_host, else 127.0.0.1; 0.0.0.0 in a container).")
    var metricsHost: String?

    @Option(name: .customLong("worker-id"), help: "This worker's name in leases and runs (default: host:pid:random).")
    var workerID: String?

    @Option(name: .customLong("log-format"), help: "Event lines: logfmt or json.")
    var logFormat: LineLogHandler.Format = .logfmt

    func validate() throws {
        if let concurrency, concurrency < 1 { throw ValidationError("--concurrency must be at least 1") }
        if let lease, (DurationText.seconds(lease) ?? 0) < 3 {
            throw ValidationError("--lease must be a duration of at least 3s")
        }
        if let poll, (DurationText.seconds(poll) ?? 0) < 1 {
            throw ValidationError("--poll must be a duration of at least 1s")
        }
        if let metricsPort, !(0...65_535).contains(metricsPort) {
            throw ValidationError("--metrics-port must be a port, 0 to 65535")
        }
    }

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        let file = try ConfigFile.forCommand(path: config, environment: environment)
        guard !file.portals.isEmpty else {
            throw RunFailure(message: "\(config): no [[portal]] entry", exitCode: ExitStatus.usage)
        }
        var settings = file.worker
        if let concurrency { settings.concurrency = concurrency }
        if let lease, let seconds = DurationText.seconds(lease) { settings.leaseSeconds = seconds }
        if let poll, let seconds = DurationText.seconds(poll) { settings.pollSeconds = seconds }
        if let metricsPort { settings.metricsPort = metricsPort }
        if let metricsHost { settings.metricsHost = metricsHost }
        let portals = try WorkerPortals(file, environment: environment)
        let connectionString = database.connectionString(configured: file.databaseURL)
        let coordinator: Connection
        do {
            coordinator = try Connection(connectionString)
        } catch {
            throw RunFailure.failed(error)
        }
        try SyncCommand.requireMigrated(coordinator)

        let identity = workerID ?? Self.defaultIdentity()
        let log = RunLog.standardError(format: logFormat, interactive: false)
        let transport = AsyncHTTPTransport()
        let metrics = WorkerMetrics()
        let worker = PortalWorker(
            identity: identity, coordinator: DatabaseWorker(connection: coordinator), portals: portals.portals,
            settings: settings, once: once, log: log, clock: SystemClientClock(), metrics: metrics,
            sync: portals.sync(
                connectionString: connectionString, transport: transport, worker: identity, log: log, metrics: metrics))
        var server: MetricsServer?
        if let port = settings.metricsPort {
            do {
                server = try await MetricsServer.start(host: settings.metricsHost, port: port) { metrics.render() }
            } catch {
                try? await transport.shutdown()
                throw RunFailure(
                    message: "cannot serve metrics on \(settings.metricsHost):\(port): \(error)",
                    exitCode: ExitStatus.usage)
            }
            log.event(
                LogKey.Event.metricsListening, ["url": "http://\(settings.metricsHost):\(server?.port ?? port)/metrics"]
            )
        }
        do {
            try await worker.register()
            let group = ServiceGroup(
                configuration: ServiceGroupConfiguration(
                    services: [
                        .init(
                            service: WorkerService(worker: worker), successTerminationBehavior: .gracefullyShutdownGroup
                        )
                    ],
                    gracefulShutdownSignals: [.sigterm, .sigint], logger: log.logger))
            try await group.run()
        } catch {
            await server?.shutdown()
            try? await transport.shutdown()
            throw RunFailure.failed(error)
        }
        await server?.shutdown()
        try? await transport.shutdown()
        let report = worker.report
        print("worker=\(identity) \(report.line)")
        if once && report.failed > 0 {
            throw RunFailure(message: "\(report.failed) sync(s) failed; see the job_finished lines", exitCode: 1)
        }
    }

    /// `host:pid:random`, unique enough among workers sharing a database.
    static func defaultIdentity() -> String {
        let host = ProcessInfo.processInfo.hostName
        return "\(host):\(getpid()):\(String(UInt32.random(in: 0...UInt32.max), radix: 36))"
    }
}

/// The worker loop as a service: graceful shutdown stops its claims and its running syncs.
struct WorkerService: Service {
    /// The worker it runs.
    let worker: PortalWorker

    /// Runs the worker until it returns (`--once`) or a shutdown signal stops it.
    func run() async throws {
        _ = try await withGracefulShutdownHandler {
            try await worker.run()
        } onGracefulShutdown: {
            worker.stop()
        }
    }
}
