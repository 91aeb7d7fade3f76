import ArgumentParser
import B24Core
import Bitrix24
import Config
import Foundation
import LibPQ
import Load
import Pipeline
import Schema

/// `b24pg sync`: the nightly job.
struct SyncCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync",
        abstract: "Bring the star schema in step with the portal (incremental by default).",
        discussion: """
            Reads leads changed since the last run (from the portal's clock, with a 5-minute overlap), \
            their contact bindings and product rows, stage history, the contacts and companies they \
            refer to and all reference data; loads them in one transaction per chunk; then flags leads \
            deleted in the portal with an ID-only scan. Exit codes: 0 ok, 1 failed, 2 usage, 3 another \
            sync of the portal is running.
            """
    )

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var portal: PortalOptions

    @Flag(help: "Re-read every lead, not only the changed ones.")
    var full = false

    @Option(
        help: ArgumentHelp(
            "Re-read leads modified since this date (YYYY-MM-DD or ISO 8601 with offset).", valueName: "date"))
    var since: String?

    @Flag(
        name: .customLong("no-reconcile"), help: "Skip the ID scan that flags deleted leads (for very frequent runs).")
    var noReconcile = false

    @Option(name: .customLong("log-format"), help: "Event lines when not on a terminal: logfmt or json.")
    var logFormat: LineLogHandler.Format = .logfmt

    @Option(name: .customLong("chunk-size"), help: "Leads per load transaction (default: 2500).")
    var chunkSize: Int?

    @Option(
        name: .customLong("max-delete-share"),
        help:
            "Largest share of live leads one delete scan may mark deleted (default: 0.05 = 5 %; scans of fewer than 50 are never refused)."
    )
    var maxDeleteShare: Double?

    @Flag(
        name: .customLong("allow-mass-delete"),
        help: "Accept a delete scan over --max-delete-share once (a real clean-up in the portal).")
    var allowMassDelete = false

    @Flag(help: "Exit 1 when any record was rejected (after loading everything else).")
    var strict = false

    @Option(
        name: .customLong("audit-every"),
        help: ArgumentHelp(
            "Audit the product rows and contact sets of every live lead when the last audit is older than this (default: 24h; 90m, 3600s, 7d).",
            valueName: "duration"))
    var auditEvery: String?

    @Flag(
        name: .customLong("audit-children"),
        help: "Audit the children of every live lead in this run, whenever the last audit was.")
    var auditChildren = false

    func validate() throws {
        if let auditEvery, DurationText.seconds(auditEvery) == nil {
            throw ValidationError("--audit-every must be a duration like 24h, 90m, 3600s or 7d")
        }
        if full, since != nil { throw ValidationError("--full and --since cannot be combined") }
        if let since, PortalTime(offsetSeconds: 0).parse(since) == nil {
            throw ValidationError("--since must be a date like 2025-01-31 or 2025-01-31T00:00:00+03:00")
        }
        guard (chunkSize ?? 1) > 0 else { throw ValidationError("--chunk-size must be positive") }
        guard (0...1).contains(maxDeleteShare ?? 0) else {
            throw ValidationError("--max-delete-share must be between 0 and 1")
        }
    }

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        let configured = try portal.config.map { try portal.configured($0, environment: environment) }
        let webhook = configured == nil ? try portal.credentials() : nil
        let connectionString = database.connectionString(configured: configured?.file.databaseURL)
        let connection: Connection
        do {
            connection = try Connection(connectionString)
        } catch {
            throw RunFailure.failed(error)
        }
        try Self.requireMigrated(connection)
        let transport = AsyncHTTPTransport()
        let clock = SystemClientClock()
        let client: BitrixClient
        let host: String
        let name: String
        let settings: PortalSettings
        do {
            if let configured {
                let file = configured.portals.settings(of: configured.portal.name) ?? PortalSettings()
                settings = loadSettings(over: portal.settings(over: file))
                client = try await configured.portals.client(
                    for: configured.portal, settings: settings, connectionString: connectionString,
                    transport: transport, clock: clock, storedBy: "b24pg sync"
                ).client
                host = configured.portal.host
                name = configured.portal.name
            } else if let credentials = webhook {
                settings = loadSettings(over: portal.settings(over: PortalSettings()))
                client = portal.client(credentials, settings: settings, transport: transport, clock: clock)
                host = credentials.endpoint.host
                name = try portal.name(credentials)
            } else {
                throw RunFailure(message: "no portal given", exitCode: ExitStatus.usage)
            }
        } catch {
            try? await transport.shutdown()
            throw error as? RunFailure ?? RunFailure.failed(error)
        }
        let mode: SyncMode
        if full {
            mode = .full
        } else if let since {
            mode = .since(since)
        } else {
            mode = .incremental
        }
        let log = RunLog.standardError(format: logFormat, interactive: isatty(STDERR_FILENO) == 1)
        let engine = SyncEngine(
            client: client, database: DatabaseWorker(connection: connection), host: host, name: name,
            options: SyncOptions(
                mode: mode, reconcile: !noReconcile, leadsPerChunk: settings.chunkSize,
                deleteGuard: DeleteGuard(maxShare: settings.maxDeleteShare, allowMassDelete: allowMassDelete),
                strict: strict, auditEvery: settings.auditEvery, auditChildren: auditChildren),
            log: log,
            clock: clock)
        do {
            let summary = try await engine.run()
            try? await transport.shutdown()
            print(summary.line)
        } catch let error as SyncError where error.isLocked {
            try? await transport.shutdown()
            throw RunFailure(message: error.message, exitCode: ExitStatus.locked)
        } catch let error as SyncError where error.kind == .unsupportedPortal {
            try? await transport.shutdown()
            throw RunFailure(message: error.message, exitCode: ExitStatus.usage)
        } catch {
            try? await transport.shutdown()
            throw RunFailure.failed(error)
        }
    }

    /// `base` with the load settings given on the command line in its place.
    private func loadSettings(over base: PortalSettings) -> PortalSettings {
        var settings = base
        if let chunkSize { settings.chunkSize = chunkSize }
        if let maxDeleteShare { settings.maxDeleteShare = maxDeleteShare }
        if let auditEvery, let seconds = DurationText.seconds(auditEvery) { settings.auditEvery = seconds }
        return settings
    }

    /// Fails with a clear message when the database lacks migrations this binary ships.
    static func requireMigrated(_ connection: Connection) throws {
        let applied = try Migrator().appliedMigrations(connection)
        let pending = Migration.all.filter { applied[$0.version] == nil }
        guard pending.isEmpty else {
            throw RunFailure(
                message:
                    "the database is not migrated (\(pending.count) migration(s) pending); run `b24pg migrate` first",
                exitCode: ExitStatus.failed)
        }
    }
}

extension LineLogHandler.Format: ExpressibleByArgument {}
