import ArgumentParser
import Bitrix24
import Config
import Foundation
import Pipeline

/// Which portal to read and how politely: `--webhook-url` (or `B24_WEBHOOK_URL`) or a config
/// file's entry (`--config`, `--portal-name`), `--rate`, `--burst`… (a flag given wins over the file).
struct PortalOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Read the [[portal]] --portal-name names from this config file: its webhook or application and its settings.",
            valueName: "file"))
    var config: String?

    @Option(
        name: .customLong("webhook-url"),
        help: ArgumentHelp(
            "Incoming webhook https://PORTAL/rest/USER_ID/CODE/ (default: $B24_WEBHOOK_URL).", valueName: "url"))
    var webhookURL: String?

    @Option(
        name: .customLong("portal-name"),
        help: ArgumentHelp(
            "The name etl.portal keys the portal by (default: its host, with :port when not the default); with --config, the entry to read.",
            valueName: "name"))
    var portalName: String?

    @Option(help: "Requests per second the portal allows (default: 2; Enterprise: 5).")
    var rate: Double?

    @Option(help: "Requests allowed in a burst (default: 50; Enterprise: 250).")
    var burst: Double?

    @Option(
        name: .customLong("operating-budget"),
        help: "Operating seconds per method per 10 minutes to stay under (default: 480; 0: ignore operating time).")
    var operatingBudget: Double?

    @Option(
        name: .customLong("max-attempts"),
        help: "Attempts per read request before the run fails (default: 8; 1 = no retry).")
    var maxAttempts: Int?

    @Option(name: .customLong("max-retry-seconds"), help: "Longest time spent retrying one request (default: 300).")
    var maxRetrySeconds: Double?

    func validate() throws {
        guard (rate ?? 0) >= 0, (burst ?? 1) >= 1 else {
            throw ValidationError("--rate must be >= 0 and --burst >= 1")
        }
        guard (maxAttempts ?? 1) >= 1, (maxRetrySeconds ?? 0) >= 0 else {
            throw ValidationError("--max-attempts must be >= 1 and --max-retry-seconds >= 0")
        }
        if config != nil {
            guard webhookURL == nil else { throw ValidationError("give --webhook-url or --config, not both") }
            guard portalName != nil else {
                throw ValidationError("--config needs --portal-name: the [[portal]] entry to read")
            }
        }
    }

    /// `base` with every limit given on the command line in its place.
    func settings(over base: PortalSettings) -> PortalSettings {
        var settings = base
        if let rate { settings.rate = rate }
        if let burst { settings.burst = burst }
        if let operatingBudget { settings.operatingBudget = operatingBudget }
        if let maxAttempts { settings.maxAttempts = maxAttempts }
        if let maxRetrySeconds { settings.maxRetrySeconds = maxRetrySeconds }
        return settings
    }

    /// The webhook credentials, or a usage failure (exit 2) that never repeats the secret.
    func credentials() throws -> Credentials {
        guard let url = webhookURL ?? ProcessInfo.processInfo.environment["B24_WEBHOOK_URL"], !url.isEmpty else {
            throw RunFailure(
                message: "no portal given: set B24_WEBHOOK_URL or pass --webhook-url https://PORTAL/rest/USER_ID/CODE/",
                exitCode: ExitStatus.usage)
        }
        do {
            return .webhook(try WebhookCredentials(url: url))
        } catch {
            throw RunFailure(message: String(describing: error), exitCode: ExitStatus.usage)
        }
    }

    /// The portal's name: `--portal-name`, else the webhook's host (with a port other than the default).
    func name(_ credentials: Credentials) throws -> String {
        guard let portalName else { return credentials.endpoint.defaultName }
        guard PortalEntry.isValidName(portalName) else {
            throw RunFailure(
                message: "--portal-name must be 1 to 100 letters, digits, '.', '_', ':' or '-'",
                exitCode: ExitStatus.usage)
        }
        return portalName
    }

    /// A client for the webhook's portal on the real transport and clock, with `settings`' limits.
    func client(
        _ credentials: Credentials, settings: PortalSettings, transport: AsyncHTTPTransport, clock: any ClientClock
    ) -> BitrixClient {
        BitrixClient(
            credentials: credentials, transport: transport, clock: clock,
            limiter: RateLimiter(
                rate: settings.rate, burst: settings.burst, operatingBudget: settings.operatingBudget, clock: clock),
            retryPolicy: RetryPolicy(maxAttempts: settings.maxAttempts, maxTotal: settings.maxRetrySeconds))
    }

    /// The config file's entry `--portal-name` names, checked with its credentials (exit 2 naming
    /// the file and the known names when there is none), and the file itself.
    func configured(
        _ path: String, environment: [String: String]
    ) throws -> (
        file: ConfigFile, portals: WorkerPortals, portal: WorkerPortal
    ) {
        var file = try ConfigFile.forCommand(path: path, environment: environment)
        let known = file.portals.map(\.name)
        // Only the entry read is checked: another portal's application needs no token key here.
        file.portals = file.portals.filter { $0.name == portalName }
        let portals = try WorkerPortals(file, environment: environment)
        guard let portal = portals.portals.first else {
            throw RunFailure(
                message:
                    "\(path): no [[portal]] named \(portalName ?? "") (configured: \(known.joined(separator: ", ")))",
                exitCode: ExitStatus.usage)
        }
        return (file, portals, portal)
    }
}
