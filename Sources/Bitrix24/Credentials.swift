/// How b24pg authenticates to a portal: an incoming webhook, or an OAuth application.
public enum Credentials: Sendable, CustomStringConvertible {
    /// `https://PORTAL/rest/USER/CODE/`; the code is the secret.
    case webhook(WebhookCredentials)
    /// An OAuth application's tokens, refreshed on `expired_token`.
    case oauth(OAuthCredentials)

    /// The portal's endpoint (for messages: no secret in it).
    public var endpoint: PortalEndpoint {
        switch self {
        case .webhook(let webhook): return webhook.endpoint
        case .oauth(let oauth): return oauth.endpoint
        }
    }

    /// The redacted form, e.g. `https://portal/rest/1/***/`.
    public var description: String {
        switch self {
        case .webhook(let webhook): return webhook.description
        case .oauth(let oauth): return oauth.description
        }
    }
}

/// An incoming webhook URL split into its public and secret parts.
public struct WebhookCredentials: Sendable, CustomStringConvertible {
    /// Scheme, host and the full `/rest/USER/CODE/` path.
    public let endpoint: PortalEndpoint
    /// The user the webhook acts as.
    public let userID: Int64
    /// The secret code.
    public let code: Secret

    /// Parses `https://PORTAL/rest/USER_ID/CODE/` (trailing slash optional, a method name after it ignored).
    ///
    /// - Throws: `BitrixError` (configuration) for other shapes or plain http to a non-loopback host;
    ///   the message never repeats the code.
    public init(url: String) throws(BitrixError) {
        let parsed = try PortalEndpoint(url: url)
        let parts = parsed.basePath.split(separator: "/")
        guard parts.count >= 3, parts[0] == "rest", let user = Int64(parts[1]), user > 0, !parts[2].isEmpty else {
            throw .configuration("a webhook URL looks like https://PORTAL/rest/USER_ID/CODE/ (got \(parsed.origin)/…)")
        }
        userID = user
        code = Secret(String(parts[2]))
        endpoint = try PortalEndpoint(url: parsed.origin + "/rest/\(user)/\(parts[2])/")
    }

    /// `https://PORTAL/rest/USER/***/`.
    public var description: String {
        "\(endpoint.origin)/rest/\(userID)/***/"
    }
}

/// Tokens a refresh handed out; store `refreshToken` — the old one no longer works.
public struct OAuthTokens: Sendable {
    /// The new access token (lives about an hour).
    public var accessToken: Secret
    /// The new refresh token (lives 180 days).
    public var refreshToken: Secret
    /// Unix time the access token expires, when the server said.
    public var expires: Double?
    /// The portal's stable id, when the server said (every refresh answer carries it).
    public var memberID: String?

    /// Tokens as handed out or read back from storage.
    public init(accessToken: Secret, refreshToken: Secret, expires: Double? = nil, memberID: String? = nil) {
        self.accessToken = accessToken
        self.refreshToken = refreshToken
        self.expires = expires
        self.memberID = memberID
    }
}

/// An OAuth application installed on a portal.
public struct OAuthCredentials: Sendable, CustomStringConvertible {
    /// `https://PORTAL/rest/` (the `client_endpoint`).
    public let endpoint: PortalEndpoint
    /// `https://oauth.bitrix.info/oauth/token/` or the simulator's.
    public let tokenURL: PortalEndpoint
    /// Application id.
    public let clientID: String
    /// Application secret.
    public let clientSecret: Secret
    /// Current tokens.
    public var tokens: OAuthTokens

    /// Creates OAuth credentials; both URLs must be https (or http on loopback).
    public init(
        endpoint: String, tokenURL: String = OAuthCredentials.bitrixTokenURL, clientID: String,
        clientSecret: String, accessToken: String, refreshToken: String
    ) throws(BitrixError) {
        try self.init(
            endpoint: endpoint, tokenURL: tokenURL, clientID: clientID, clientSecret: clientSecret,
            tokens: OAuthTokens(accessToken: Secret(accessToken), refreshToken: Secret(refreshToken)))
    }

    /// Creates OAuth credentials holding `tokens`; both URLs must be https (or http on loopback).
    public init(
        endpoint: String, tokenURL: String = OAuthCredentials.bitrixTokenURL, clientID: String,
        clientSecret: String, tokens: OAuthTokens
    ) throws(BitrixError) {
        self.endpoint = try PortalEndpoint(url: endpoint)
        self.tokenURL = try PortalEndpoint(url: tokenURL)
        self.clientID = clientID
        self.clientSecret = Secret(clientSecret)
        self.tokens = tokens
    }

    /// Bitrix24's OAuth server, which refreshes the tokens of every cloud portal.
    public static let bitrixTokenURL = "https://oauth.bitrix.info/oauth/token/"

    /// `https://PORTAL/rest/ (OAuth client …)`, no token or secret.
    public var description: String {
        "\(endpoint.origin)/rest/ (OAuth client \(clientID))"
    }
}
