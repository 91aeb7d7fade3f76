import B24Core
import Bitrix24
import Config
import LibPQ
import Load
import Pipeline
import PortalSim
import PostgresTestSupport
import SimTestSupport
import Testing
import TokenVault

@Suite("OAuth portals: tokens sealed in the database, rotated under a row lock (real Postgres, simulated portal)")
struct OAuthPortalTests {
    static let key = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
    static let otherKey = String(repeating: "5e", count: 32)

    /// A keeper as a worker holds one: a connection of its own, the application, the harness's transport.
    static func keeper(
        _ harness: SyncHarness, _ target: ConnectionString, seed: String?, cipher: TokenCipher, worker: String = "w1",
        name: String = "oauth.example"
    ) throws -> OAuthTokenKeeper {
        let auth = harness.router.credentials
        return OAuthTokenKeeper(
            name: name, host: "127.0.0.1",
            application: OAuthEntry(
                clientEndpoint: "http://127.0.0.1:9/rest/", tokenURL: "http://127.0.0.1:9/oauth/token/",
                clientID: auth.clientID, clientSecret: auth.clientSecret, refreshToken: seed),
            cipher: cipher, openDatabase: { DatabaseWorker(connection: try Connection(target)) },
            transport: harness.transport,
            clock: harness.clock, storedBy: worker)
    }

    static func expireTokens(_ router: PortalRouter) {
        _ = router.respond(SimHTTPRequest(method: "POST", uri: "/_sim/expire-tokens"))
    }

    static func stored(_ connection: Connection) throws -> [String?] {
        try connection.execute(
            """
            SELECT o.key_id, o.rotations::text, o.rotated_by, p.member_id, encode(o.refresh_token, 'escape'),
                   encode(o.access_token, 'escape')
            FROM etl.portal_oauth o JOIN etl.portal p USING (portal_id)
            """
        ).rows.first ?? []
    }

    @Test(
        "two workers whose access token expired at once: one refresh under the row lock, both get the new pair, and the token server (revoking everything on a reused refresh token) never sees one twice"
    )
    func racingWorkers() async throws {
        let harness = try SyncHarness(leads: 20, seed: 61)
        let first = harness.router.issueTokens()
        let cipher = TokenCipher(current: try TokenKey(text: Self.key))
        try await withMigratedDatabase { connection, target in
            let one = try Self.keeper(harness, target, seed: first.refresh, cipher: cipher, worker: "w1")
            let two = try Self.keeper(harness, target, seed: first.refresh, cipher: cipher, worker: "w2")
            let started = try await one.credentials()
            #expect(harness.router.credentials.counters.refreshes == 1, "the configured first token is spent once")
            let joined = try await two.credentials()
            #expect(joined.tokens.accessToken == started.tokens.accessToken, "the second worker takes the stored pair")
            #expect(harness.router.credentials.counters.refreshes == 1)
            var current = started.tokens
            for round in 1...6 {
                Self.expireTokens(harness.router)
                let expired = current
                async let a = one.rotation(expired)
                async let b = two.rotation(expired)
                let (left, right) = try await (a, b)
                #expect(left.accessToken == right.accessToken, "round \(round): both hold the same pair")
                #expect(left.accessToken != current.accessToken && left.refreshToken != current.refreshToken)
                current = left
            }
            let counters = harness.router.credentials.counters
            #expect(counters.refreshes == 7 && counters.spentSentAgain == 0 && counters.revocations == 0)
            let row = try Self.stored(connection)
            #expect(row[0] == cipher.current.id && row[1] == "7" && row[3] == "sim61")
            for secret in [first.refresh, current.refreshToken.value, current.accessToken.value] {
                #expect(row[4]?.contains(secret) == false && row[5]?.contains(secret) == false)
            }
            // A worker's stale pair (its access token replaced long ago) gets the stored one, no refresh.
            let stale = try await one.rotation(started.tokens)
            #expect(stale.accessToken == current.accessToken && harness.router.credentials.counters.refreshes == 7)
        }
    }

    @Test(
        "a sync whose access token expires again and again loads the star a webhook sync loads; the stored refresh token is the live one"
    )
    func syncThroughApplication() async throws {
        let clean = try SyncHarness(leads: 600, seed: 62)
        let harness = try SyncHarness(leads: 600, seed: 62)
        let first = harness.router.issueTokens()
        let cipher = TokenCipher(current: try TokenKey(text: Self.key))
        let router = harness.router
        harness.transport.beforeEachRequest { number in
            if number.isMultiple(of: 9) { Self.expireTokens(router) }
        }
        try await withMigratedDatabase { reference, _ in
            _ = try await clean.sync(reference, host: "127.0.0.1")
            try await withMigratedDatabase { connection, target in
                let keeper = try Self.keeper(harness, target, seed: first.refresh, cipher: cipher, name: "127.0.0.1")
                let client = BitrixClient(
                    credentials: .oauth(try await keeper.credentials()), transport: harness.transport,
                    clock: harness.clock, limiter: RateLimiter(rate: 0, clock: harness.clock),
                    tokenRotation: keeper.rotation)
                let engine = SyncEngine(
                    client: client, database: DatabaseWorker(connection: connection), host: "127.0.0.1",
                    options: SyncOptions(), log: .discarding, clock: harness.clock)
                _ = try await engine.run()
                let counters = harness.router.credentials.counters
                #expect(counters.refreshes > 5, "the token expired during the sync: \(counters.refreshes) refreshes")
                #expect(counters.spentSentAgain == 0 && counters.revocations == 0)
                #expect(client.statistics.snapshot.tokenRefreshes == counters.refreshes - 1)
                #expect(try StarFingerprint.take(connection) == (try StarFingerprint.take(reference)))
                #expect(try Self.stored(connection)[1] == "\(counters.refreshes)")
                // The next run, an hour later (a new process), starts from what is stored: the first token is long spent.
                harness.clock.advance(by: 3_600)
                let next = try Self.keeper(harness, target, seed: first.refresh, cipher: cipher, name: "127.0.0.1")
                let resumed = try await next.credentials()
                #expect(harness.router.credentials.counters.refreshes == counters.refreshes + 1)
                #expect(harness.router.credentials.counters.refused == 0)
                // The token handed out works: a call goes through with no further refresh.
                let resumedClient = BitrixClient(
                    credentials: .oauth(resumed), transport: harness.transport, clock: harness.clock,
                    limiter: RateLimiter(rate: 0, clock: harness.clock))
                _ = try await resumedClient.call("crm.lead.fields")
                #expect(
                    resumedClient.statistics.snapshot.tokenRefreshes == 0
                        && resumedClient.statistics.snapshot.retries == 0)
            }
        }
    }

    @Test(
        "refusals: no stored tokens and none configured, a key that did not seal them, another member under the name; a new configured token is adopted; an old key still opens and the tokens move to the new one"
    )
    func refusalsAndKeys() async throws {
        let harness = try SyncHarness(leads: 10, seed: 63)
        let first = harness.router.issueTokens()
        let cipher = TokenCipher(current: try TokenKey(text: Self.key))
        try await withMigratedDatabase { connection, target in
            let unseeded = try Self.keeper(harness, target, seed: nil, cipher: cipher)
            let none = await #expect(throws: BitrixError.self) { try await unseeded.credentials() }
            #expect(none?.message.contains("refresh_token_env") == true)
            #expect(harness.router.credentials.counters.refreshes == 0)

            let seeded = try await Self.keeper(harness, target, seed: first.refresh, cipher: cipher).credentials()
            let wrongKey = TokenCipher(current: try TokenKey(text: Self.otherKey))
            let refused = await #expect(throws: TokenVaultError.self) {
                try await Self.keeper(harness, target, seed: first.refresh, cipher: wrongKey).credentials()
            }
            #expect(refused?.code == .unknownKey && refused?.message.contains(cipher.current.id) == true)

            // The key changes: the old one opens, the valid tokens are sealed again, no refresh spent.
            let moving = TokenCipher(current: try TokenKey(text: Self.otherKey), previous: [cipher.current])
            let moved = try await Self.keeper(harness, target, seed: first.refresh, cipher: moving).credentials()
            #expect(moved.tokens.accessToken == seeded.tokens.accessToken)
            #expect(
                try Self.stored(connection)[0] == moving.current.id
                    && harness.router.credentials.counters.refreshes == 1)
            _ = try await Self.keeper(harness, target, seed: first.refresh, cipher: wrongKey).credentials()

            // The application is authorised again: the new configured token replaces the stored pair.
            let again = harness.router.issueTokens()
            let adopted = try await Self.keeper(harness, target, seed: again.refresh, cipher: wrongKey).credentials()
            #expect(adopted.tokens.accessToken != seeded.tokens.accessToken)
            #expect(harness.router.credentials.counters.refreshes == 2)

            // Tokens of another portal under this name: stored (the spent one is dead) but refused.
            try connection.execute("UPDATE etl.portal SET member_id = 'another-portal'")
            harness.clock.advance(by: 3_600)
            let foreign = await #expect(throws: SyncError.self) {
                try await Self.keeper(harness, target, seed: again.refresh, cipher: wrongKey).credentials()
            }
            #expect(foreign?.message.contains("another-portal") == true && foreign?.message.contains("sim63") == true)
            #expect(try Self.stored(connection)[3] == "another-portal", "the recorded member is not overwritten")
        }
    }
}
