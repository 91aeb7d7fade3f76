import B24Core
import Bitrix24
import PortalSim
import Testing

@Suite("Client retries, OAuth refresh, rate limiting and operating time (fake transport, virtual clock)")
struct ClientBehaviourTests {
    static var ok: (TransportRequest) -> Result<TransportResponse, BitrixError> {
        ScriptedTransport.json(200, #"{"result":{"ok":true},"time":{"start":1,"finish":1.1}}"#)
    }

    static func client(
        _ transport: ScriptedTransport, clock: VirtualClientClock, policy: RetryPolicy = RetryPolicy()
    ) throws -> BitrixClient {
        BitrixClient(
            credentials: .webhook(try WebhookCredentials(url: "https://acme.bitrix24.com/rest/1/s3cr3tc0de/")),
            transport: transport, clock: clock, limiter: RateLimiter(rate: 0, clock: clock), retryPolicy: policy,
            random: { 0.5 })
    }

    @Test("reads are retried through 500s, resets and cut bodies with growing backoff")
    func retriesReads() async throws {
        let clock = VirtualClientClock()
        let transport = ScriptedTransport([
            ScriptedTransport.json(500, "<html>oops</html>"), ScriptedTransport.failure("connection reset"),
            ScriptedTransport.json(200, #"{"result":[{"ID":"1"#), Self.ok,
        ])
        let client = try Self.client(transport, clock: clock)
        let response = try await client.call("crm.lead.list", ["start": -1])
        #expect(response.result["ok"] == .bool(true))
        #expect(transport.requests.count == 4)
        let counters = client.statistics.snapshot
        #expect(counters.retries == 3)
        #expect(counters.requests == 4)
        let sleeps = clock.sleepDurations
        #expect(sleeps.count == 3)
        #expect(zip(sleeps, sleeps.dropFirst()).allSatisfy { $0 < $1 }, "backoff grows: \(sleeps)")
        #expect(sleeps.first == RetryPolicy().delay(attempt: 1, random: 0.5))
    }

    @Test("writes are not retried after a 500, but are after a 503 (the portal did not run them)")
    func writesRetriedOnlyWhenNotExecuted() async throws {
        let clock = VirtualClientClock()
        let failing = ScriptedTransport([ScriptedTransport.json(500, #"{"error":"INTERNAL_SERVER_ERROR"}"#), Self.ok])
        let error = await #expect(throws: BitrixError.self) {
            try await Self.client(failing, clock: clock).call("crm.lead.update", ["id": 1])
        }
        #expect(error?.code == .server)
        #expect(failing.requests.count == 1)

        let limited = ScriptedTransport([ScriptedTransport.json(503, #"{"error":"QUERY_LIMIT_EXCEEDED"}"#), Self.ok])
        let client = try Self.client(limited, clock: clock)
        _ = try await client.call("crm.lead.update", ["id": 1])
        #expect(limited.requests.count == 2)
        #expect(client.statistics.snapshot.throttled == 1)
    }

    @Test("retries are bounded; the final error names method and portal, never the webhook code")
    func retriesExhausted() async throws {
        let clock = VirtualClientClock()
        let transport = ScriptedTransport(Array(repeating: ScriptedTransport.failure("connection refused"), count: 10))
        let policy = RetryPolicy(maxAttempts: 4, baseDelay: 1, maxDelay: 8, maxTotal: 600)
        let error = await #expect(throws: BitrixError.self) {
            try await Self.client(transport, clock: clock, policy: policy).call("crm.lead.list")
        }
        #expect(error?.code == .retriesExhausted)
        #expect(error?.attempts == 4)
        #expect(transport.requests.count == 4)
        let text = error?.description ?? ""
        #expect(text.contains("crm.lead.list"))
        #expect(text.contains("https://acme.bitrix24.com"))
        #expect(!text.contains("s3cr3tc0de"))

        let timeBound = ScriptedTransport(Array(repeating: ScriptedTransport.failure("timeout"), count: 30))
        let slowPolicy = RetryPolicy(maxAttempts: 30, baseDelay: 10, maxDelay: 60, maxTotal: 100)
        let started = clock.now()
        await #expect(throws: BitrixError.self) {
            try await Self.client(timeBound, clock: clock, policy: slowPolicy).call("crm.lead.list")
        }
        #expect(clock.now() - started <= 100)
    }

    @Test("fatal errors are not retried: auth, access, not found, bad arguments")
    func fatalErrors() async throws {
        for (status, body, code) in [
            (
                401, #"{"error":"NO_AUTH_FOUND","error_description":"Wrong authorization data"}"#,
                BitrixError.Code.authentication
            ),
            (403, #"{"error":"insufficient_scope"}"#, .accessDenied),
            (400, #"{"error":"","error_description":"Not found"}"#, .notFound),
            (404, #"{"error":"ERROR_METHOD_NOT_FOUND"}"#, .methodNotFound),
        ] {
            let transport = ScriptedTransport([ScriptedTransport.json(status, body), Self.ok])
            let error = await #expect(throws: BitrixError.self) {
                try await Self.client(transport, clock: VirtualClientClock()).call("crm.lead.get", ["id": 1])
            }
            #expect(error?.code == code)
            #expect(transport.requests.count == 1)
        }
    }

    @Test("OAuth: expired_token triggers one refresh and the call is retried with the new token")
    func oauthRefresh() async throws {
        let clock = VirtualClientClock()
        let transport = ScriptedTransport([
            ScriptedTransport.json(
                401, #"{"error":"expired_token","error_description":"The access token provided has expired."}"#),
            ScriptedTransport.json(
                200,
                #"{"access_token":"new-access","refresh_token":"new-refresh","expires":1800000000,"member_id":"m1"}"#),
            Self.ok,
        ])
        let oauth = try OAuthCredentials(
            endpoint: "https://acme.bitrix24.com/rest/", clientID: "app.1", clientSecret: "cl1ent-s3cret",
            accessToken: "old-access", refreshToken: "old-refresh")
        let client = BitrixClient(
            credentials: .oauth(oauth), transport: transport, clock: clock, limiter: RateLimiter(rate: 0, clock: clock))
        _ = try await client.call("crm.lead.fields")
        let sent = transport.requests
        #expect(sent.count == 3)
        #expect(String(decoding: sent[0].body, as: UTF8.self).contains("old-access"))
        #expect(sent[1].url.hasPrefix("https://oauth.bitrix.info/oauth/token/?"))
        #expect(sent[1].url.contains("grant_type=refresh_token") && sent[1].url.contains("refresh_token=old-refresh"))
        #expect(String(decoding: sent[2].body, as: UTF8.self).contains("new-access"))
        #expect(client.statistics.snapshot.tokenRefreshes == 1)
        #expect(!client.credentials.description.contains("cl1ent-s3cret"))
    }

    @Test("OAuth: a refresh answer gives the tokens, their expiry and the portal's member_id")
    func refreshAnswer() async throws {
        let transport = ScriptedTransport([
            ScriptedTransport.json(
                200,
                #"{"access_token":"a2","refresh_token":"r2","expires":1800000000,"member_id":"0a1b2c","status":"L"}"#)
        ])
        let oauth = try OAuthCredentials(
            endpoint: "https://acme.bitrix24.com/rest/", tokenURL: "https://auth.example/oauth/token/",
            clientID: "app.1", clientSecret: "s", accessToken: "a1", refreshToken: "r1")
        let tokens = try await oauth.refreshed(refreshToken: Secret("r1"), transport: transport)
        #expect(tokens.accessToken.value == "a2" && tokens.refreshToken.value == "r2")
        #expect(tokens.expires == 1_800_000_000 && tokens.memberID == "0a1b2c")
        #expect(transport.requests.first?.url.hasPrefix("https://auth.example/oauth/token/?") == true)
    }

    @Test("OAuth: a rotation hook replaces expired tokens (here with ones another worker stored: no refresh is sent)")
    func rotationHook() async throws {
        let clock = VirtualClientClock()
        let transport = ScriptedTransport([
            ScriptedTransport.json(401, #"{"error":"expired_token"}"#), Self.ok, Self.ok,
        ])
        let handed = TokenSink()
        let oauth = try OAuthCredentials(
            endpoint: "https://acme.bitrix24.com/rest/", clientID: "app.1", clientSecret: "s",
            accessToken: "old-access", refreshToken: "old-refresh")
        let client = BitrixClient(
            credentials: .oauth(oauth), transport: transport, clock: clock, limiter: RateLimiter(rate: 0, clock: clock),
            tokenRotation: { expired in
                await handed.store(expired)
                return OAuthTokens(accessToken: Secret("stored-access"), refreshToken: Secret("stored-refresh"))
            })
        _ = try await client.call("crm.lead.fields")
        _ = try await client.call("crm.lead.fields")
        let sent = transport.requests
        #expect(sent.count == 3, "no request to the token server")
        #expect(await handed.tokens?.accessToken.value == "old-access", "the hook is told which token expired")
        #expect(String(decoding: sent[1].body, as: UTF8.self).contains("stored-access"))
        #expect(String(decoding: sent[2].body, as: UTF8.self).contains("stored-access"))
    }

    @Test(
        "OAuth: a request refused as invalid_token while its token is being replaced waits for the new one and is sent again"
    )
    func supersededToken() async throws {
        let clock = VirtualClientClock()
        // Two requests go out with the first token; the first is expired, refreshed and retried;
        // the second comes back invalid once the refresh has begun — here while the new pair is
        // still being stored (the rotation ends only after that refusal), so it must wait for it.
        let transport = GatedTransport()
        let oauth = try OAuthCredentials(
            endpoint: "https://acme.bitrix24.com/rest/", clientID: "app.1", clientSecret: "s",
            accessToken: "first", refreshToken: "r1")
        let client = BitrixClient(
            credentials: .oauth(oauth), transport: transport, clock: clock, limiter: RateLimiter(rate: 0, clock: clock),
            tokenRotation: { _ in
                transport.beginRefresh()
                while !transport.refusedOldToken { try await Task.sleep(for: .milliseconds(1)) }
                try await Task.sleep(for: .milliseconds(50))
                return OAuthTokens(accessToken: Secret("second"), refreshToken: Secret("r2"))
            })
        async let one = client.call("crm.lead.fields")
        async let two = client.call("crm.deal.fields")
        _ = try await (one, two)
        #expect(transport.bodies.filter { $0.contains("second") }.count == 2)
        #expect(transport.bodies.filter { $0.contains("first") }.count == 2)
    }

    @Test("a refused refresh is an authentication error without any secret in it")
    func refusedRefresh() async throws {
        let clock = VirtualClientClock()
        let transport = ScriptedTransport([
            ScriptedTransport.json(401, #"{"error":"expired_token"}"#),
            ScriptedTransport.json(400, #"{"error":"invalid_grant","error_description":"Invalid refresh token"}"#),
        ])
        let oauth = try OAuthCredentials(
            endpoint: "https://acme.bitrix24.com/rest/", clientID: "app.1", clientSecret: "cl1ent-s3cret",
            accessToken: "acc-123", refreshToken: "ref-456")
        let client = BitrixClient(
            credentials: .oauth(oauth), transport: transport, clock: clock, limiter: RateLimiter(rate: 0, clock: clock))
        let error = await #expect(throws: BitrixError.self) { try await client.call("crm.lead.fields") }
        #expect(error?.code == .authentication)
        for secret in ["cl1ent-s3cret", "acc-123", "ref-456"] { #expect(error?.description.contains(secret) == false) }
        #expect(error?.description.contains("invalid_grant") == true)
    }

    @Test("the leaky bucket lets a burst through, then paces at the rate; 503s take room and slow it down")
    func leakyBucket() async {
        let clock = VirtualClientClock()
        let limiter = RateLimiter(rate: 2, burst: 50, clock: clock)
        var waits: [Double] = []
        for _ in 0..<60 {
            let wait = await limiter.reserve()
            waits.append(wait)
            clock.advance(by: wait)
        }
        #expect(waits.prefix(49).allSatisfy { $0 == 0 })
        #expect(waits.suffix(11).allSatisfy { abs($0 - 0.5) < 1e-9 })
        await limiter.noteThrottled()
        #expect(await limiter.effectiveRate == 2, "a lone 503 does not slow the rate")
        await limiter.noteThrottled()
        #expect(abs(await limiter.effectiveRate - 1.6) < 1e-9, "a second 503 soon after does")
        let slowed = await limiter.reserve()
        #expect(slowed > 0.6, "after repeated 503s the bucket counts as full: \(slowed)")
        for _ in 0..<10 { await limiter.noteThrottled() }
        #expect(abs(await limiter.effectiveRate - 0.5) < 1e-9, "never below a quarter of the rate")
        for _ in 0..<20 { await limiter.noteSuccess() }
        #expect(await limiter.effectiveRate == 2)

        // A lone 503 while the client thinks the bucket is empty counts as one request; the rate stays.
        let fresh = RateLimiter(rate: 2, burst: 50, clock: clock)
        await fresh.noteThrottled()
        var free = 0
        while await fresh.reserve() == 0 { free += 1 }
        #expect(free == 48, "one of the 49 free slots is gone: \(free)")
        #expect(await fresh.effectiveRate == 2)
        // Two 503s within the drain time (25 s here) are a pattern: the bucket counts as full.
        clock.advance(by: 30)
        let shared = RateLimiter(rate: 2, burst: 50, clock: clock)
        await shared.noteThrottled()
        clock.advance(by: 10)
        await shared.noteThrottled()
        #expect(await shared.reserve() > 0)
        #expect(abs(await shared.effectiveRate - 1.6) < 1e-9)
    }

    @Test("after a 429 the method is not called again before the portal's reset time")
    func operatingLimitWaitsForReset() async throws {
        let clock = VirtualClientClock(unixStart: 1_000_000)
        let transport = ScriptedTransport([
            ScriptedTransport.json(
                429,
                #"{"error":"OPERATION_TIME_LIMIT","error_description":"Method is blocked","time":{"operating_reset_at":1000300}}"#
            ),
            Self.ok,
        ])
        let client = try Self.client(transport, clock: clock)
        _ = try await client.call("crm.lead.list")
        #expect(transport.requests.count == 2)
        #expect(clock.unixTime() >= 1_000_300)
        #expect(client.statistics.snapshot.operatingRefusals == 1)
    }

    @Test("a method near its operating budget is paced until the reset, before it ever gets a 429")
    func operatingPacing() async throws {
        let clock = VirtualClientClock(unixStart: 2_000_000)
        let near = #"{"result":[],"time":{"operating":470,"operating_reset_at":2000200}}"#
        let transport = ScriptedTransport([ScriptedTransport.json(200, near), Self.ok, Self.ok])
        let client = BitrixClient(
            credentials: .webhook(try WebhookCredentials(url: "https://acme.bitrix24.com/rest/1/x/")),
            transport: transport,
            clock: clock, limiter: RateLimiter(rate: 0, operatingBudget: 480, clock: clock))
        _ = try await client.call("crm.lead.list")
        #expect(clock.unixTime() < 2_000_200)
        _ = try await client.call("crm.lead.fields")
        #expect(clock.unixTime() < 2_000_200, "other methods are not held back")
        _ = try await client.call("crm.lead.list")
        #expect(clock.unixTime() >= 2_000_200)
    }

    @Test("batch results accept {} and [] shapes and file errors by key")
    func batchShapes() async throws {
        let clock = VirtualClientClock()
        let body =
            #"{"result":{"result":{"a":[{"ID":"1"}],"b":[]},"result_error":{"c":{"error":"","error_description":"Not found"}},"result_total":[],"result_next":{"a":50},"result_time":[]},"time":{}}"#
        let transport = ScriptedTransport([ScriptedTransport.json(200, body)])
        let result = try await Self.client(transport, clock: clock).batch([
            BatchCommand(key: "a", method: "crm.lead.list", parameters: [:]),
            BatchCommand(key: "b", method: "crm.lead.productrows.get", parameters: ["id": 1]),
            BatchCommand(key: "c", method: "crm.lead.get", parameters: ["id": 2]),
        ])
        #expect(result.results["a"]?.elements?.count == 1)
        #expect(result.results["b"] == .array([]))
        #expect(result.errors["c"]?.code == .notFound)
        #expect(result.errors["c"]?.method == "crm.lead.get")
        #expect(result.nexts["a"] == 50)
        #expect(result.totals.isEmpty)
        let sent = try JSON.parse(transport.requests[0].body)
        #expect(sent["cmd"]?["b"] == "crm.lead.productrows.get?id=1")
        #expect(sent["halt"] == .int(0))
    }
}

actor TokenSink {
    var tokens: OAuthTokens?
    func store(_ tokens: OAuthTokens) { self.tokens = tokens }
}
