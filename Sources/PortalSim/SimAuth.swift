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
    private var accessTokens: [String: Double] = [:]
    private var refreshTokens: Set<String> = []
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
            return .failure(MethodError(status: 400, code: "invalid_grant", description: "Invalid refresh token"))
        }
        let pair = issueTokens(now: now)
        return .success([
            "access_token": .string(pair.access), "expires": .int(Int64(pair.expires)),
            "expires_in": .int(Int64(tokenLifetime)), "scope": "crm,user", "domain": "oauth.bitrix.info",
            "status": "L", "member_id": .string("sim\(seed)"), "user_id": .int(webhookUser),
            "refresh_token": .string(pair.refresh),
        ])
    }
}
