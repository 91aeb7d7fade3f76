import Bitrix24
import Config
import LibPQ
import Load
import Pipeline
import TokenVault

/// The config's portals with their credentials checked, and how one of them is synced.
struct WorkerPortals: Sendable {
    /// How one configured portal is read.
    private enum Access: Sendable {
        case webhook(Credentials)
        case oauth(OAuthEntry)
    }

    /// The portals, for the worker's queue.
    let portals: [WorkerPortal]
    private let entries: [String: (access: Access, settings: PortalSettings)]
    private let cipher: TokenCipher?

    /// Checks every portal's webhook or application (exit 2 naming the entry when one is not
    /// usable) and, when any portal is an application, the token key: `B24PG_TOKEN_KEY` (and
    /// `B24PG_PREVIOUS_TOKEN_KEY`), else the file's `[database]` keys.
    init(_ file: ConfigFile, environment: [String: String]) throws {
        var portals: [WorkerPortal] = []
        var entries: [String: (access: Access, settings: PortalSettings)] = [:]
        for entry in file.portals {
            let access: Access
            let host: String
            do {
                switch entry.access {
                case .webhook(let url):
                    let credentials = Credentials.webhook(try WebhookCredentials(url: url))
                    access = .webhook(credentials)
                    host = credentials.endpoint.host
                case .oauth(let oauth):
                    // Both URLs are checked here, before any token is needed.
                    host = try OAuthTokenKeeper.credentials(
                        oauth, OAuthTokens(accessToken: Secret(""), refreshToken: Secret(""))
                    ).endpoint.host
                    access = .oauth(oauth)
                }
            } catch {
                let problem = ConfigError(
                    file: file.path, line: entry.line, key: "portal \(entry.name)",
                    message: "the portal's address is not usable: \(error)")
                throw RunFailure(message: problem.description, exitCode: ExitStatus.usage)
            }
            portals.append(WorkerPortal(name: entry.name, host: host, schedule: entry.settings.schedule))
            entries[entry.name] = (access, entry.settings)
        }
        self.portals = portals
        self.entries = entries
        let needsKey = entries.values.contains {
            if case .oauth = $0.access { return true }
            return false
        }
        cipher = needsKey ? try Self.cipher(file, environment: environment) : nil
    }

    /// The cipher for stored tokens, or a usage failure (exit 2) that never repeats the key.
    static func cipher(_ file: ConfigFile, environment: [String: String]) throws -> TokenCipher {
        guard let current = environment["B24PG_TOKEN_KEY"].flatMap({ $0.isEmpty ? nil : $0 }) ?? file.tokenKey else {
            throw RunFailure(
                message:
                    "\(file.path): an OAuth portal needs the key that seals its stored tokens: set B24PG_TOKEN_KEY "
                    + "(openssl rand -base64 32) or [database] token_key_env / token_key_file",
                exitCode: ExitStatus.usage)
        }
        let previous =
            environment["B24PG_PREVIOUS_TOKEN_KEY"].flatMap({ $0.isEmpty ? nil : $0 }) ?? file.previousTokenKey
        do {
            return TokenCipher(
                current: try TokenKey(text: current), previous: try previous.map { [try TokenKey(text: $0)] } ?? [])
        } catch {
            throw RunFailure(message: "the token key: \(error)", exitCode: ExitStatus.usage)
        }
    }

    /// The settings the file gives the portal `name` (`[defaults]` overridden by its entry).
    func settings(of name: String) -> PortalSettings? {
        entries[name]?.settings
    }

    /// A client for the configured portal with `settings` (its own rate limiter); for an
    /// application, the keeper whose stored tokens it starts from and rotates (a connection of
    /// its own to `connectionString`).
    func client(
        for portal: WorkerPortal, settings: PortalSettings, connectionString: ConnectionString,
        transport: AsyncHTTPTransport, clock: any ClientClock, storedBy: String
    ) async throws -> (client: BitrixClient, keeper: OAuthTokenKeeper?) {
        guard let entry = entries[portal.name] else {
            throw RunFailure(message: "portal \(portal.name) is not configured here", exitCode: ExitStatus.usage)
        }
        let credentials: Credentials
        var keeper: OAuthTokenKeeper?
        switch entry.access {
        case .webhook(let webhook):
            credentials = webhook
        case .oauth(let application):
            guard let cipher else {
                throw RunFailure(message: "no token key for \(portal.name)", exitCode: ExitStatus.usage)
            }
            let tokens = OAuthTokenKeeper(
                name: portal.name, host: portal.host, application: application, cipher: cipher,
                openDatabase: { DatabaseWorker(connection: try Connection(connectionString)) }, transport: transport,
                clock: clock, storedBy: storedBy)
            keeper = tokens
            credentials = .oauth(try await tokens.credentials())
        }
        let client = BitrixClient(
            credentials: credentials, transport: transport, clock: clock,
            limiter: RateLimiter(
                rate: settings.rate, burst: settings.burst, operatingBudget: settings.operatingBudget, clock: clock),
            retryPolicy: RetryPolicy(maxAttempts: settings.maxAttempts, maxTotal: settings.maxRetrySeconds),
            tokenRotation: keeper?.rotation)
        return (client, keeper)
    }

    /// One incremental sync of a claimed portal on a connection of its own, with the portal's own
    /// rate limiter and settings; an application's tokens come from (and go back to) the database.
    func sync(
        connectionString: ConnectionString, transport: AsyncHTTPTransport, worker: String, log: RunLog,
        metrics: WorkerMetrics
    ) -> PortalWorker.Sync {
        let portals = self
        return { portal, _ in
            guard let settings = portals.settings(of: portal.name) else {
                throw RunFailure(message: "portal \(portal.name) is not configured here", exitCode: ExitStatus.usage)
            }
            let connection = try Connection(connectionString)
            let clock = SystemClientClock()
            let (client, keeper) = try await portals.client(
                for: portal, settings: settings, connectionString: connectionString, transport: transport,
                clock: clock, storedBy: worker)
            let engine = SyncEngine(
                client: client, database: DatabaseWorker(connection: connection), host: portal.host, name: portal.name,
                options: SyncOptions(
                    leadsPerChunk: settings.chunkSize, deleteGuard: DeleteGuard(maxShare: settings.maxDeleteShare),
                    auditEvery: settings.auditEvery, worker: worker),
                log: log.with(portal: portal.name), clock: clock)
            defer {
                let traffic = client.statistics.snapshot
                metrics.traffic(
                    portal: portal.name, requests: traffic.requests, throttled: traffic.throttled,
                    operatingRefusals: traffic.operatingRefusals, tokenRefreshes: keeper?.refreshes ?? 0)
            }
            return try await engine.run()
        }
    }
}
