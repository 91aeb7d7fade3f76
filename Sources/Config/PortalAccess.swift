/// How a configured portal is read: an incoming webhook (the default) or an OAuth application.
public enum PortalAccess: Sendable, Equatable {
    /// `https://PORTAL/rest/USER_ID/CODE/`, from `webhook_url_env` or `webhook_url_file`.
    case webhook(url: String)
    /// A local or Marketplace application installed on the portal.
    case oauth(OAuthEntry)
}

/// An OAuth application's settings from a `[[portal]]` entry; the secrets come by reference.
public struct OAuthEntry: Sendable, Equatable {
    /// `client_endpoint`: `https://PORTAL/rest/`.
    public var clientEndpoint: String
    /// `token_url`: the OAuth server; `nil` for Bitrix24's own (`oauth.bitrix.info`).
    public var tokenURL: String?
    /// From `client_id_env` or `client_id_file`.
    public var clientID: String
    /// From `client_secret_env` or `client_secret_file`.
    public var clientSecret: String
    /// From `refresh_token_env` or `refresh_token_file`: the installation's refresh token, used
    /// until the database holds tokens of the portal (or when it changes).
    public var refreshToken: String?

    /// An application entry.
    public init(
        clientEndpoint: String, tokenURL: String? = nil, clientID: String, clientSecret: String,
        refreshToken: String?
    ) {
        self.clientEndpoint = clientEndpoint
        self.tokenURL = tokenURL
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.refreshToken = refreshToken
    }
}
