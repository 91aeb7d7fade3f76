import B24Core

/// Webhook and OAuth credentials the simulated portal accepts, with expiring access tokens.
public struct SimAuth: Sendable {
    /// The webhook's user id (`/rest/{user}/{code}/`).
    public var webhookUser: Int64
    /// The webhook's secret code.
    public var webhookCode: String
    /// OAuth application id.
    public var clientID: String
    /// OAuth application secret.
    public var clientSecret: String
    /// Access-token lifetime in seconds.
    public var tokenLifetime: Double
    /// What a refresh token spent before does (not verified on real portals; the default is the harsher).
    public var spentRefresh: SpentRefresh = .revokesAll
    /// What a refresh does to the access token issued with the spent refresh token (not verified;
    /// the default is the harsher).
    public var oldAccess: OldAccess = .revoked
    /// What the token server saw: refreshes, refused ones, spent tokens sent again.
    public private(set) var counters = OAuthCounters()
    private var accessTokens: [String: Double] = [:]
    private var refreshTokens: Set<String> = []
    private var spentRefreshTokens: Set<String> = []
    private var accessOfRefresh: [String: String] = [:]
    private var issued = 0
    private let seed: UInt64

    /// Credentials derived from `seed`; `webhookCode` overrides the derived code.
    public init(seed: UInt64, webhookCode: String? = nil, tokenLifetime: Double = 3600) {
        self.seed = seed
        var random = SimRandom(seed: seed, stream: 0xA077)
        webhookUser = 1
        self.webhookCode = webhookCode ?? Self.token(&random, length: 16)
        clientID = "local.\(Self.token(&random, length: 12))"
        clientSecret = Self.token(&random, length: 32)
        self.tokenLifetime = tokenLifetime
    }

    private static func token(_ random: inout SimRandom, length: Int) -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789")
        return String((0..<length).map { _ in random.pick(alphabet) })
    }

    /// Issues a new access and refresh token pair valid from `now`.
    public mutating func issueTokens(now: Double) -> (access: String, refresh: String, expires: Double) {
        issued += 1
        var random = SimRandom(seed: seed, stream: 0xA0A0_0000 + UInt64(issued))
        let access = Self.token(&random, length: 40)
        let refresh = Self.token(&random, length: 40)
        accessTokens[access] = now + tokenLifetime
        refreshTokens.insert(refresh)
        accessOfRefresh[refresh] = access
        return (access, refresh, now + tokenLifetime)
    }

    /// Checks an access token: `nil` when valid, else 401 `expired_token` or `invalid_token`.
    public func check(accessToken: String, now: Double) -> MethodError? {
        guard let expiry = accessTokens[accessToken] else { return .invalidToken }
        return now < expiry ? nil : .expiredToken
    }

    /// Makes every access token issued so far expire.
    public mutating func expireAll() {
        for key in accessTokens.keys { accessTokens[key] = 0 }
    }

    /// Exchanges a refresh token for a new pair; the old refresh token stops working.
    public mutating func refresh(_ params: JSONObject, now: Double) -> Result<JSON, MethodError> {
        let grant = params["grant_type"].map(ListQuery.scalarText)
        guard grant == "refresh_token" else {
            return .failure(
                MethodError(status: 400, code: "invalid_request", description: "grant_type must be refresh_token"))
        }
        guard params["client_id"].map(ListQuery.scalarText) == clientID,
            params["client_secret"].map(ListQuery.scalarText) == clientSecret
        else {
            return .failure(MethodError(status: 401, code: "invalid_client", description: "Invalid client credentials"))
        }
        guard let old = params["refresh_token"].map(ListQuery.scalarText), refreshTokens.remove(old) != nil else {
            counters.refused += 1
            if let old = params["refresh_token"].map(ListQuery.scalarText), spentRefreshTokens.contains(old) {
                counters.spentSentAgain += 1
                if spentRefresh == .revokesAll {
                    // A spent token sent again looks stolen: everything issued is revoked.
                    refreshTokens.removeAll()
                    accessTokens.removeAll()
                    counters.revocations += 1
                }
            }
            return .failure(MethodError(status: 400, code: "invalid_grant", description: "Invalid refresh token"))
        }
        spentRefreshTokens.insert(old)
        if oldAccess == .revoked, let access = accessOfRefresh[old] { accessTokens[access] = nil }
        accessOfRefresh[old] = nil
        counters.refreshes += 1
        let pair = issueTokens(now: now)
        return .success([
            "access_token": .string(pair.access), "expires": .int(Int64(pair.expires)),
            "expires_in": .int(Int64(tokenLifetime)), "scope": "crm,user", "domain": "oauth.bitrix.info",
            "status": "L", "member_id": .string("sim\(seed)"), "user_id": .int(webhookUser),
            "refresh_token": .string(pair.refresh),
        ])
    }
}

extension SimAuth {
    /// What a refresh token that was spent before does when it is sent again.
    public enum SpentRefresh: String, Sendable, CaseIterable {
        /// `invalid_grant`, and every token issued so far stops working (reuse looks like theft).
        case revokesAll = "revoke"
        /// `invalid_grant`; the tokens in force keep working.
        case refused = "refuse"
    }

    /// What happens to the access token issued with a refresh token when that one is spent.
    public enum OldAccess: String, Sendable, CaseIterable {
        /// It stops working at once (`invalid_token`).
        case revoked = "revoke"
        /// It works until it expires.
        case kept = "keep"
    }

    /// Counts kept by the token server.
    public struct OAuthCounters: Sendable, Equatable {
        /// Refreshes that handed out a new pair.
        public var refreshes = 0
        /// Refreshes refused (unknown, spent or revoked refresh token).
        public var refused = 0
        /// Refreshes with a refresh token that had been spent before.
        public var spentSentAgain = 0
        /// Times everything was revoked because a spent token came again.
        public var revocations = 0

        /// The counters as `/_sim/oauth` shows them.
        public var json: JSON {
            [
                "refreshes": .int(Int64(refreshes)), "refused": .int(Int64(refused)),
                "spent_sent_again": .int(Int64(spentSentAgain)), "revocations": .int(Int64(revocations)),
            ]
        }
    }
}
