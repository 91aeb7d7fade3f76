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
    private let database: DatabaseWorker
    private let transport: any HTTPTransport
    private let clock: any ClientClock
    private let storedBy: String
    private let minimumLifetime: Int64
    private let portalID = Mutex<Int64?>(nil)
    private let spent = Mutex(0)

    /// Refresh tokens this keeper spent at the OAuth server (another worker's refreshes not counted).
    public var refreshes: Int { spent.withLock { $0 } }

    /// A keeper for the portal `name` at `host`, read through the configured `application`, storing through `database` (a connection of its
    /// own: a rotation holds a transaction open while the OAuth server answers); a stored access
    /// token with less than `minimumLifetime` seconds left (by `clock`'s unix time, the one the
    /// OAuth server's `expires` is in) is replaced before a sync starts.
    public init(
        name: String, host: String, application: OAuthEntry, cipher: TokenCipher, database: DatabaseWorker,
        transport: any HTTPTransport, clock: any ClientClock, storedBy: String, minimumLifetime: Int64 = 300
    ) {
        self.name = name
        self.host = host
        self.application = application
        self.cipher = cipher
        self.database = database
        self.transport = transport
        self.clock = clock
        self.storedBy = storedBy
        self.minimumLifetime = minimumLifetime
    }

    /// Credentials to start a sync with: the stored tokens when the access token has time left,
    /// else freshly refreshed ones (the configured first refresh token when none are stored or
    /// a different one is configured).
    public func credentials() async throws -> OAuthCredentials {
        try credentials(try await tokens(replacing: nil))
    }

    /// The client's hook for tokens the portal called expired.
    public var rotation: OAuthTokenRotation {
        { [self] expired in try await tokens(replacing: expired) }
    }

    /// The tokens in force after a rotation under the row lock: those another worker stored if
    /// `expired` is already replaced, else a refresh with the stored refresh token.
    func tokens(replacing expired: OAuthTokens?) async throws -> OAuthTokens {
        let id = try await registeredPortal()
        let stored = try await database.run { try $0.beginTokenRotation(portalID: id) }
        do {
            let outcome = try await decide(stored, replacing: expired)
            switch outcome {
            case .keep(let tokens):
                await abandon()
                return tokens
            case .store(let tokens, var update):
                let foreign = stored.memberID.flatMap { member in tokens.memberID.map { $0 != member } } ?? false
                // The new pair is stored even then: the spent refresh token no longer works.
                if foreign { update.memberID = nil }
                try await database.run { [update] in try $0.finishTokenRotation(portalID: id, update) }
                if foreign, let member = stored.memberID, let given = tokens.memberID {
                    throw SyncError(
                        kind: .refused,
                        message:
                            "the OAuth tokens of \(name) belong to portal member \(given), but \(name) was member \(member): "
                            + "another portal's application under this name? Give it a name of its own")
                }
                return tokens
            }
        } catch {
            await abandon()
            throw error
        }
    }

    private enum Outcome {
        case keep(OAuthTokens)
        case store(OAuthTokens, OAuthTokenUpdate)
    }

    private func decide(_ stored: StoredOAuthTokens, replacing expired: OAuthTokens?) async throws -> Outcome {
        if let seed = application.refreshToken, TokenCipher.digest(seed) != stored.seedDigest {
            return try await spend(Secret(seed), seedDigest: TokenCipher.digest(seed), stored: stored)
        }
        guard let keyID = stored.keyID, let sealedRefresh = stored.refreshToken, let sealedAccess = stored.accessToken
        else {
            throw BitrixError(
                code: .authentication,
                message:
                    "no OAuth tokens are stored for \(name): give the refresh token of the application's installation "
                    + "with refresh_token_env or refresh_token_file",
                portal: application.clientEndpoint)
        }
        let current = OAuthTokens(
            accessToken: Secret(
                try cipher.open(SealedToken(keyID: keyID, bytes: sealedAccess), context: context("access"))),
            refreshToken: Secret(
                try cipher.open(SealedToken(keyID: keyID, bytes: sealedRefresh), context: context("refresh"))),
            expires: stored.accessExpiresAt.map(Double.init), memberID: stored.memberID)
        if let expired {
            if current.accessToken != expired.accessToken { return .keep(current) }
        } else if let expires = stored.accessExpiresAt, expires - Int64(clock.unixTime()) > minimumLifetime {
            guard keyID != cipher.current.id else { return .keep(current) }
            return .store(current, try update(current, seedDigest: nil, spent: false))
        }
        return try await spend(current.refreshToken, seedDigest: nil, stored: stored)
    }

    /// Spends `refreshToken` at the OAuth server and prepares the new pair for storage.
    private func spend(_ refreshToken: Secret, seedDigest: String?, stored: StoredOAuthTokens) async throws -> Outcome {
        let credentials = try credentials(OAuthTokens(accessToken: Secret(""), refreshToken: refreshToken))
        var fresh = try await credentials.refreshed(refreshToken: refreshToken, transport: transport)
        spent.withLock { $0 += 1 }
        if fresh.expires == nil { fresh.expires = clock.unixTime() + 3_600 }
        return .store(fresh, try update(fresh, seedDigest: seedDigest, spent: true))
    }

    private func update(_ tokens: OAuthTokens, seedDigest: String?, spent: Bool) throws -> OAuthTokenUpdate {
        OAuthTokenUpdate(
            clientID: application.clientID, keyID: cipher.current.id,
            refreshToken: try cipher.seal(tokens.refreshToken.value, context: context("refresh")).bytes,
            accessToken: try cipher.seal(tokens.accessToken.value, context: context("access")).bytes,
            accessExpiresAt: tokens.expires.map { Int64($0) }, seedDigest: seedDigest, memberID: tokens.memberID,
            spentRefreshToken: spent, storedBy: storedBy)
    }

    /// The application's credentials holding `tokens` (both URLs checked: https, or http on loopback).
    public func credentials(_ tokens: OAuthTokens) throws(BitrixError) -> OAuthCredentials {
        try OAuthCredentials(
            endpoint: application.clientEndpoint, tokenURL: application.tokenURL ?? OAuthCredentials.bitrixTokenURL,
            clientID: application.clientID, clientSecret: application.clientSecret, tokens: tokens)
    }

    private func context(_ field: String) -> String {
        "b24pg oauth \(field) token of portal \(name)"
    }

    private func registeredPortal() async throws -> Int64 {
        if let id = portalID.withLock({ $0 }) { return id }
        let name = self.name
        let host = self.host
        let id = try await database.run { try $0.registerPortal(name: name, host: host, timeZone: nil) }
        portalID.withLock { $0 = id }
        return id
    }

    private func abandon() async {
        _ = try? await database.run { $0.abandonTokenRotation() }
    }
}
