import ArgumentParser
import Bitrix24
import Config
import Foundation

/// Which portal to read and how politely: `--webhook-url` (or `B24_WEBHOOK_URL`), `--rate`, `--burst`.
struct PortalOptions: ParsableArguments {
    @Option(
        name: .customLong("webhook-url"),
        help: ArgumentHelp(
            "Incoming webhook https://PORTAL/rest/USER_ID/CODE/ (default: $B24_WEBHOOK_URL).", valueName: "url"))
    var webhookURL: String?

    @Option(
        name: .customLong("portal-name"),
        help: ArgumentHelp(
            "The name etl.portal keys the portal by (default: its host, with :port when not the default).",
            valueName: "name"))
    var portalName: String?

    @Option(help: "Requests per second the portal allows (Enterprise: 5).")
    var rate = 2.0

    @Option(help: "Requests allowed in a burst (Enterprise: 250).")
    var burst = 50.0

    @Option(
        name: .customLong("operating-budget"),
        help: "Operating seconds per method per 10 minutes to stay under (0: ignore operating time).")
    var operatingBudget = 480.0

    @Option(name: .customLong("max-attempts"), help: "Attempts per read request before the run fails (1 = no retry).")
    var maxAttempts = 8

    @Option(name: .customLong("max-retry-seconds"), help: "Longest time spent retrying one request.")
    var maxRetrySeconds = 300.0

    func validate() throws {
        guard rate >= 0, burst >= 1 else { throw ValidationError("--rate must be >= 0 and --burst >= 1") }
        guard maxAttempts >= 1, maxRetrySeconds >= 0 else {
            throw ValidationError("--max-attempts must be >= 1 and --max-retry-seconds >= 0")
        }
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

    /// A client for the portal on the real transport and clock.
    func client(_ credentials: Credentials, transport: AsyncHTTPTransport) -> BitrixClient {
        let clock = SystemClientClock()
        return BitrixClient(
            credentials: credentials, transport: transport, clock: clock,
            limiter: RateLimiter(rate: rate, burst: burst, operatingBudget: operatingBudget, clock: clock),
            retryPolicy: RetryPolicy(maxAttempts: maxAttempts, maxTotal: maxRetrySeconds))
    }
}
