import Bitrix24

/// An OAuth application installed on a portal, as configured: where to call, where to refresh,
/// the application's id and secret, and the first refresh token (from its installation), which
/// is used only until the database holds tokens, or when a different one is configured.
public struct OAuthPortal: Sendable {
    /// `https://PORTAL/rest/` (the portal's `client_endpoint`).
    public var endpoint: String
    /// The OAuth server's token URL.
    public var tokenURL: String
    /// The application's id.
    public var clientID: String
    /// The application's secret.
    public var clientSecret: Secret
    /// The first refresh token, when configured.
    public var seedRefreshToken: Secret?

    /// An application.
    public init(
        endpoint: String, tokenURL: String = OAuthCredentials.bitrixTokenURL, clientID: String, clientSecret: Secret,
        seedRefreshToken: Secret?
    ) {
        self.endpoint = endpoint
        self.tokenURL = tokenURL
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.seedRefreshToken = seedRefreshToken
    }

    /// Credentials holding `tokens`.
    public func credentials(_ tokens: OAuthTokens) throws(BitrixError) -> OAuthCredentials {
        try OAuthCredentials(
            endpoint: endpoint, tokenURL: tokenURL, clientID: clientID, clientSecret: clientSecret.value, tokens: tokens
        )
    }
}
