import B24Core

/// Calls a portal's REST API politely: every request waits for the shared rate limiter, reads
/// are retried with backoff, OAuth tokens are refreshed on `expired_token`, and everything is
/// counted. Safe to share between concurrent workers.
public final class BitrixClient: Sendable {
    /// How the client authenticates (its description is redacted).
    public let credentials: Credentials
    /// The limiter shared by every worker of this client.
    public let limiter: RateLimiter
    /// Traffic counters.
    public let statistics = ClientStatistics()
    private let transport: any HTTPTransport
    private let clock: any ClientClock
    private let retryPolicy: RetryPolicy
    private let random: @Sendable () -> Double
    private let tokens: TokenStore?
    /// Longest wait for one answer, seconds (the cloud cuts requests at 60 s).
    public let requestTimeout: Double

    /// Creates a client.
    ///
    /// - Parameters:
    ///   - credentials: a webhook or OAuth application.
    ///   - transport: the HTTP transport (the real one, or a fake in tests).
    ///   - clock: time for pacing, backoff and the portal's reset times.
    ///   - limiter: the shared rate limiter (`--rate`, `--burst`).
    ///   - retryPolicy: how reads are retried.
    ///   - random: jitter source in `0..<1`.
    ///   - tokenRotation: replaces OAuth tokens the portal called expired (a store shared by
    ///     several processes); without it the client refreshes them itself and keeps them in memory.
    public init(
        credentials: Credentials, transport: any HTTPTransport, clock: any ClientClock, limiter: RateLimiter,
        retryPolicy: RetryPolicy = RetryPolicy(), requestTimeout: Double = 70,
        random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) },
        tokenRotation: OAuthTokenRotation? = nil
    ) {
        self.credentials = credentials
        self.transport = transport
        self.clock = clock
        self.limiter = limiter
        self.retryPolicy = retryPolicy
        self.requestTimeout = requestTimeout
        self.random = random
        if case .oauth(let oauth) = credentials {
            let rotation: OAuthTokenRotation =
                tokenRotation ?? { expired in
                    try await oauth.refreshed(refreshToken: expired.refreshToken, transport: transport)
                }
            tokens = TokenStore(tokens: oauth.tokens, rotation: rotation)
        } else {
            tokens = nil
        }
    }

    /// The portal for messages (`https://host`), never the webhook path.
    public var portal: String {
        credentials.endpoint.origin
    }

    /// Calls `method` with `parameters` and returns its answer.
    ///
    /// Reads are retried on retryable failures; writes only when the portal refused them before
    /// running them (503 and 429).
    /// - Throws: `BitrixError` — fatal errors at once, `.retriesExhausted` when retries ran out.
    public func call(_ method: String, _ parameters: JSONObject = [:]) async throws(BitrixError) -> BitrixResponse {
        try await limited([method]) { () async throws(BitrixError) -> BitrixResponse in
            try await perform(method, parameters, limitedMethods: [method], isRead: Self.isRead(method))
        }
    }

    /// Runs `body` between the limiter's `start` and `finish` for `methods`, however it ends.
    private func limited<Value>(
        _ methods: [String], _ body: () async throws(BitrixError) -> Value
    ) async throws(BitrixError) -> Value {
        await limiter.start(methods)
        do {
            let value = try await body()
            await limiter.finish(methods)
            return value
        } catch {
            await limiter.finish(methods)
            throw error
        }
    }

    /// Sends up to 50 commands in one request and files results and errors by command key.
    ///
    /// The request itself is retried like a read when every command is a read; per-command
    /// errors are returned, not thrown (429s inside also pace the limiter).
    /// A batch the portal cuts on time is sent again whole only when it is a single command and
    /// `retryingCut` allows it; otherwise the cut is thrown for the caller to ask for less.
    public func batch(
        _ commands: [BatchCommand], halt: Bool = false, retryingCut: Bool = true
    ) async throws(BitrixError) -> BatchResult {
        guard commands.count <= 50 else {
            throw BitrixError.configuration("a batch holds at most 50 commands, got \(commands.count)")
        }
        var cmd = JSONObject()
        for command in commands { cmd[command.key] = .string(command.encoded) }
        let methods = Array(Set(commands.map(\.method)))
        return try await limited(methods) { () async throws(BitrixError) -> BatchResult in
            // A batch of several commands cut on time is not sent again whole: the caller sends fewer.
            let response = try await perform(
                "batch", ["halt": .int(halt ? 1 : 0), "cmd": .object(cmd)], limitedMethods: methods,
                isRead: commands.allSatisfy { Self.isRead($0.method) },
                retriesTimeouts: commands.count == 1 && retryingCut)
            var result = BatchResult(response.result, commands: commands, portal: portal)
            result.time = response.time
            statistics.update { $0.batchCommands += commands.count }
            // Per method: the operating time used after this request, and what one request of it costs
            // (its commands' spread in cumulative time, plus one command's share).
            var usage: [String: (low: Double, high: Double, count: Int, resetAt: Double?)] = [:]
            for command in commands {
                guard let time = result.times[command.key], let used = time.operating else { continue }
                let seen = usage[command.method] ?? (used, used, 0, nil)
                usage[command.method] = (
                    min(seen.low, used), max(seen.high, used), seen.count + 1, time.operatingResetAt ?? seen.resetAt
                )
            }
            for (method, seen) in usage {
                let perCommand = seen.count > 1 ? (seen.high - seen.low) / Double(seen.count - 1) : 0
                await limiter.noteOperating(
                    method: method, used: seen.high, resetAt: seen.resetAt, requestCost: perCommand * Double(seen.count)
                )
            }
            for command in commands {
                if let error = result.errors[command.key], error.code == .operatingLimited {
                    statistics.update { $0.operatingRefusals += 1 }
                    await limiter.noteOperatingLimit(method: command.method, resetAt: error.resetAt)
                }
            }
            return result
        }
    }

    /// Runs one chunk of at most 50 commands, repeating only the commands that failed in a way
    /// that may pass (limits, 5xx): up to 8 rounds with failures, and as long as it takes for
    /// operating-time refusals (each waits for the portal's reset). A request the portal cuts on
    /// time is sent again as two halves (down to single commands), never whole. Errors that
    /// remain are returned by key.
    public func batchRetryingCommands(
        _ commands: [BatchCommand]
    ) async throws(BitrixError) -> (
        results: [String: JSON], errors: [String: BitrixError]
    ) {
        var pending = commands
        var results: [String: JSON] = [:]
        var errors: [String: BitrixError] = [:]
        var failedRounds = 0
        while !pending.isEmpty {
            guard let answer = try await batchUnlessCut(pending) else {
                statistics.update { $0.batchesSplit += 1 }
                let half = pending.count / 2
                for part in [Array(pending[..<half]), Array(pending[half...])] {
                    let (partResults, partErrors) = try await batchRetryingCommands(part)
                    results.merge(partResults) { $1 }
                    errors.merge(partErrors) { $1 }
                }
                return (results, errors)
            }
            var again: [BatchCommand] = []
            var failed = false
            for command in pending {
                if let error = answer.errors[command.key] {
                    // An operating-time refusal is a wait (the limiter holds the method until the reset), not a failure.
                    if error.code != .operatingLimited { failed = true }
                    if error.isRetryable, failedRounds < 8 {
                        again.append(command)
                    } else {
                        errors[command.key] = error
                    }
                } else {
                    results[command.key] = answer.results[command.key] ?? .array([])
                }
            }
            if failed { failedRounds += 1 }
            if !again.isEmpty { statistics.update { $0.retries += 1 } }
            pending = again
        }
        return (results, errors)
    }

    /// The batch's answer, or `nil` when the portal cut it on time and the caller can ask for
    /// less: a request of several commands, or any request when `lighter` says the caller has a
    /// lighter form of it.
    public func batchUnlessCut(
        _ commands: [BatchCommand], lighter: Bool = false
    ) async throws(BitrixError) -> BatchResult? {
        do {
            return try await batch(commands, retryingCut: !lighter)
        } catch {
            guard error.code == .timedOut, commands.count > 1 || lighter else { throw error }
            return nil
        }
    }

    /// How often one request is sent again because its OAuth token expired or was replaced.
    static let maxTokenRetries = 4

    /// Whether a method only reads (and so may be retried freely).
    public static func isRead(_ method: String) -> Bool {
        let name = method.lowercased()
        return name.hasSuffix(".list") || name.hasSuffix(".get") || name.hasSuffix(".fields") || name == "user.get"
            || name == "profile" || name == "server.time" || name == "app.info" || name == "scope"
    }

    private func perform(
        _ method: String, _ parameters: JSONObject, limitedMethods: [String], isRead: Bool,
        retriesTimeouts: Bool = true
    ) async throws(BitrixError) -> BitrixResponse {
        let started = clock.now()
        var attempt = 0
        var tokenRetries = 0
        while true {
            attempt += 1
            do {
                try await limiter.acquire(methods: limitedMethods)
            } catch {
                throw BitrixError(
                    code: .transport, message: "cancelled while waiting for the rate limit", method: method,
                    portal: portal)
            }
            statistics.update { $0.requests += 1 }
            let failure: BitrixError
            let token = await tokens?.current
            do {
                let response = try await send(method, parameters, token: token?.accessToken)
                await limiter.noteSuccess()
                if method != "batch", let used = response.time?.operating {
                    await limiter.noteOperating(method: method, used: used, resetAt: response.time?.operatingResetAt)
                }
                return response
            } catch {
                failure = error
            }
            var delay = retryPolicy.delay(attempt: attempt, random: random())
            switch failure.code {
            case .tokenExpired:
                // Replaced once per token the request met: another request may have replaced it
                // already (then nothing is spent), and the new one may expire in turn.
                guard let tokens, let token, tokenRetries < Self.maxTokenRetries else { throw failure }
                tokenRetries += 1
                if try await tokens.replace(expired: token) {
                    statistics.update { $0.tokenRefreshes += 1 }
                }
                statistics.update { $0.retries += 1 }
                attempt -= 1
                continue
            case .authentication:
                // A token replaced while this request was under way may be refused as unknown:
                // send it again with the newer one.
                guard let tokens, let token, tokenRetries < Self.maxTokenRetries,
                    await tokens.settled().accessToken != token.accessToken
                else { throw failure }
                tokenRetries += 1
                statistics.update { $0.retries += 1 }
                attempt -= 1
                continue
            case .rateLimited:
                statistics.update { $0.throttled += 1 }
                await limiter.noteThrottled()
                delay = 0
            case .operatingLimited:
                statistics.update { $0.operatingRefusals += 1 }
                await limiter.noteOperatingLimit(method: method, resetAt: failure.resetAt)
                delay = 0
            case .timedOut:
                statistics.update { $0.timeCuts += 1 }
                guard retriesTimeouts else { throw failure }
            default:
                break
            }
            guard failure.isRetryable, isRead || failure.wasNotExecuted else { throw failure }
            let spent = clock.now() - started
            guard attempt < retryPolicy.maxAttempts, spent + delay <= retryPolicy.maxTotal else {
                var exhausted = failure
                exhausted.code = .retriesExhausted
                exhausted.attempts = attempt
                exhausted.message =
                    "gave up after \(attempt) attempts in \(Int(spent)) s; last error: \(failure.code): \(failure.message)"
                throw exhausted
            }
            statistics.update { $0.retries += 1 }
            do {
                try await clock.sleep(for: delay)
            } catch {
                throw BitrixError(code: .transport, message: "cancelled during backoff", method: method, portal: portal)
            }
        }
    }

    private func send(
        _ method: String, _ parameters: JSONObject, token: Secret?
    ) async throws(BitrixError) -> BitrixResponse {
        var body = parameters
        let url: String
        switch credentials {
        case .webhook(let webhook):
            url = webhook.endpoint.url(for: method)
        case .oauth(let oauth):
            url = oauth.endpoint.url(for: method)
            body["auth"] = .string(token?.value ?? "")
        }
        var bytes: [UInt8] = []
        JSON.object(body).write(into: &bytes)
        let request = TransportRequest(
            method: "POST", url: url, headers: [("Content-Type", "application/json"), ("Accept", "application/json")],
            body: bytes, timeout: requestTimeout)
        let response: TransportResponse
        do {
            response = try await transport.send(request)
        } catch {
            var failure = error
            failure.method = method
            failure.portal = portal
            throw failure
        }
        statistics.update { $0.bytesReceived += response.body.count }
        if (300..<400).contains(response.status) {
            let target =
                response.header("Location").flatMap { try? PortalEndpoint(url: $0).origin } ?? "another address"
            throw BitrixError(
                code: .portalMoved, httpStatus: response.status,
                message: "the portal moved to \(target); update the URL",
                method: method, portal: portal)
        }
        return try BitrixResponse.decode(status: response.status, body: response.body, method: method, portal: portal)
            .get()
    }
}

/// Replaces OAuth tokens the portal called expired and returns the tokens in force (which may be
/// ones another worker stored meanwhile, without a new refresh).
/// A `BitrixError` it throws reaches the caller as it is; any other error as an authentication failure.
public typealias OAuthTokenRotation = @Sendable (_ expired: OAuthTokens) async throws -> OAuthTokens

/// The OAuth tokens in force; replaces them one at a time, however many requests hit `expired_token`.
actor TokenStore {
    private var tokens: OAuthTokens
    private let rotation: OAuthTokenRotation
    private var replacing: Task<Bool, any Error>?

    init(tokens: OAuthTokens, rotation: @escaping OAuthTokenRotation) {
        self.tokens = tokens
        self.rotation = rotation
    }

    /// The tokens requests are sent with now.
    var current: OAuthTokens { tokens }

    /// The tokens in force once a replacement under way has ended (the portal may already refuse
    /// the old token while the new one is being stored).
    func settled() async -> OAuthTokens {
        _ = try? await replacing?.value
        return tokens
    }

    /// Replaces `expired` (or waits for a replacement under way); `true` when this call brought
    /// a new refresh token, `false` when the tokens had been replaced already.
    func replace(expired: OAuthTokens) async throws(BitrixError) -> Bool {
        if let replacing {
            _ = try await Self.value(of: replacing)
            return false
        }
        guard tokens.accessToken == expired.accessToken else { return false }
        // The task runs on this actor: the new tokens are in force before anyone waiting on it resumes.
        let task = Task { [rotation] in
            defer { self.replacing = nil }
            let fresh = try await rotation(expired)
            self.tokens = fresh
            return fresh.refreshToken != expired.refreshToken
        }
        replacing = task
        return try await Self.value(of: task)
    }

    private static func value(of task: Task<Bool, any Error>) async throws(BitrixError) -> Bool {
        do {
            return try await task.value
        } catch {
            throw error as? BitrixError ?? BitrixError(code: .authentication, message: "token refresh failed: \(error)")
        }
    }
}
