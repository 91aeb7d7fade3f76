import Bitrix24
import Config
import Load
import Synchronization
import TokenVault

/// Keeps an OAuth portal's tokens in `etl.portal_oauth` for every worker that syncs it: sealed
/// under the token key, bound to the portal's name, and replaced under the row's lock, so two
/// workers never spend one refresh token (the second finds the tokens the first stored). The
/// portal's `member_id` is recorded, and tokens of another member under the same name refused.
public final class OAuthTokenKeeper: Sendable {
    /// The portal's name in `etl.portal`.
    public let name: String
    private let host: String
    private let application: OAuthEntry
    private let cipher: TokenCipher
    private let openDatabase: @Sendable () throws -> DatabaseWorker
    private let transport: any HTTPTransport
    private let clock: any ClientClock
    private let storedBy: String
    private let minimumLifetime: Int64
    private let spent = Mutex(0)

    /// Refresh tokens this keeper spent at the OAuth server (another worker's refreshes not counted).
    public var refreshes: Int { spent.withLock { $0 } }

    /// A keeper for the portal `name` at `host`, read through the configured `application`.
    /// Each rotation runs on a connection `openDatabase` opens for it and closes after (the
    /// transaction stays open while the OAuth server answers; rotations are rare). A stored
    /// access token with less than `minimumLifetime` seconds left (by `clock`'s unix time, the one
    /// the OAuth server's `expires` is in) is replaced before a sync starts.
    public init(
        name: String, host: String, application: OAuthEntry, cipher: TokenCipher,
        openDatabase: @escaping @Sendable () throws -> DatabaseWorker, transport: any HTTPTransport,
        clock: any ClientClock, storedBy: String, minimumLifetime: Int64 = 300
    ) {
        self.name = name
        self.host = host
        self.application = application
        self.cipher = cipher
        self.openDatabase = openDatabase
        self.transport = transport
        self.clock = clock
        self.storedBy = storedBy
        self.minimumLifetime = minimumLifetime
    }

    /// Credentials to start a sync with: the stored tokens when the access token has time left,
    /// else freshly refreshed ones (the configured first refresh token when none are stored or
    /// a different one is configured).
    public func credentials() async throws -> OAuthCredentials {
        try Self.credentials(application, try await tokens(replacing: nil))
    }

    /// The client's hook for tokens the portal called expired.
    public var rotation: OAuthTokenRotation {
        { [self] expired in try await tokens(replacing: expired) }
    }

    /// The tokens in force after a rotation under the row lock: those another worker stored if
    /// `expired` is already replaced, else a refresh with the stored refresh token.
    func tokens(replacing expired: OAuthTokens?) async throws -> OAuthTokens {
        let database = try openDatabase()
        let (name, host) = (self.name, self.host)
        let (id, stored) = try await database.run { loader in
            let id = try loader.registerPortal(name: name, host: host, timeZone: nil)
            return (id, try loader.beginTokenRotation(portalID: id))
        }
        let outcome: Outcome
        do {
            outcome = try await decide(stored, replacing: expired)
        } catch {
            _ = try? await database.run { $0.abandonTokenRotation() }
            throw error
        }
        switch outcome {
        case .keep(let tokens):
            _ = try? await database.run { $0.abandonTokenRotation() }
            return tokens
        case .store(let tokens, var row, let spentRefreshToken):
            // Another member's tokens are stored even so (the spent refresh token no longer works),
            // but the recorded member stays and the sync is refused.
            let foreign = stored.memberID != nil && tokens.memberID != nil && stored.memberID != tokens.memberID
            if foreign { row.memberID = nil }
            let storedBy = self.storedBy
            try await database.run { [row] in
                try $0.finishTokenRotation(
                    portalID: id, row, spentRefreshToken: spentRefreshToken, storedBy: storedBy)
            }
            if foreign {
                throw SyncError(
                    kind: .refused,
                    message:
                        "the OAuth tokens of \(name) belong to portal member \(tokens.memberID ?? "?"), but \(name) was "
                        + "member \(stored.memberID ?? "?"): another portal's application under this name? "
                        + "Give it a name of its own")
            }
            return tokens
        }
    }

    private enum Outcome {
        case keep(OAuthTokens)
        case store(OAuthTokens, OAuthTokenRow, spentRefreshToken: Bool)
    }

    private func decide(_ stored: OAuthTokenRow, replacing expired: OAuthTokens?) async throws -> Outcome {
        if let seed = application.refreshToken, TokenCipher.digest(seed) != stored.seedDigest {
            return try await spend(Secret(seed), seedDigest: TokenCipher.digest(seed))
        }
        guard let keyID = stored.keyID,
            let sealedRefresh = stored.refreshToken.flatMap({ SealedToken(keyID: keyID, hex: $0) }),
            let sealedAccess = stored.accessToken.flatMap({ SealedToken(keyID: keyID, hex: $0) })
        else {
            throw BitrixError(
                code: .authentication,
                message:
                    "no OAuth tokens are stored for \(name): give the refresh token of the application's installation "
                    + "with refresh_token_env or refresh_token_file",
                portal: application.clientEndpoint)
        }
        let current = OAuthTokens(
            accessToken: Secret(try cipher.open(sealedAccess, context: context("access"))),
            refreshToken: Secret(try cipher.open(sealedRefresh, context: context("refresh"))),
            expires: stored.accessExpiresAt.map(Double.init), memberID: stored.memberID)
        if let expired {
            if current.accessToken != expired.accessToken { return .keep(current) }
        } else if let expires = stored.accessExpiresAt, expires - Int64(clock.unixTime()) > minimumLifetime {
            // Valid still: kept, or sealed again when an older key sealed it.
            guard keyID != cipher.current.id else { return .keep(current) }
            return .store(current, try sealed(current, seedDigest: nil), spentRefreshToken: false)
        }
        return try await spend(current.refreshToken, seedDigest: nil)
    }

    /// Spends `refreshToken` at the OAuth server and seals the new pair for storage.
    private func spend(_ refreshToken: Secret, seedDigest: String?) async throws -> Outcome {
        let credentials = try Self.credentials(
            application, OAuthTokens(accessToken: Secret(""), refreshToken: refreshToken))
        var fresh = try await credentials.refreshed(refreshToken: refreshToken, transport: transport)
        spent.withLock { $0 += 1 }
        if fresh.expires == nil { fresh.expires = clock.unixTime() + 3_600 }
        return .store(fresh, try sealed(fresh, seedDigest: seedDigest), spentRefreshToken: true)
    }

    private func sealed(_ tokens: OAuthTokens, seedDigest: String?) throws -> OAuthTokenRow {
        OAuthTokenRow(
            clientID: application.clientID, keyID: cipher.current.id,
            refreshToken: try cipher.seal(tokens.refreshToken.value, context: context("refresh")).hex,
            accessToken: try cipher.seal(tokens.accessToken.value, context: context("access")).hex,
            accessExpiresAt: tokens.expires.map { Int64($0) }, seedDigest: seedDigest, memberID: tokens.memberID)
    }

    /// `application`'s credentials holding `tokens`; both URLs are checked (https, or http on
    /// loopback), and a missing `token_url` is Bitrix24's own server.
    public static func credentials(
        _ application: OAuthEntry, _ tokens: OAuthTokens
    ) throws(BitrixError)
        -> OAuthCredentials
    {
        try OAuthCredentials(
            endpoint: application.clientEndpoint, tokenURL: application.tokenURL ?? OAuthCredentials.bitrixTokenURL,
            clientID: application.clientID, clientSecret: application.clientSecret, tokens: tokens)
    }

    private func context(_ field: String) -> String {
        "b24pg oauth \(field) token of portal \(name)"
    }
}
