/// A portal's OAuth tokens as `etl.portal_oauth` keeps them, read under the row's lock or
/// written by a rotation: sealed (hex of nonce, ciphertext and tag), opened only by whoever holds
/// the key that `keyID` names.
public struct OAuthTokenRow: Sendable, Equatable {
    /// The application the tokens were issued to.
    public var clientID: String?
    /// The id of the key that sealed them.
    public var keyID: String?
    /// The sealed refresh token, hex.
    public var refreshToken: String?
    /// The sealed access token, hex.
    public var accessToken: String?
    /// Unix time the access token expires.
    public var accessExpiresAt: Int64?
    /// SHA-256 (hex) of the configured first refresh token last adopted; a write without one keeps it.
    public var seedDigest: String?
    /// The portal's `member_id` (`etl.portal`); a write without one keeps it.
    public var memberID: String?

    /// A row; an empty one is a portal with no tokens yet.
    public init(
        clientID: String? = nil, keyID: String? = nil, refreshToken: String? = nil, accessToken: String? = nil,
        accessExpiresAt: Int64? = nil, seedDigest: String? = nil, memberID: String? = nil
    ) {
        self.clientID = clientID
        self.keyID = keyID
        self.refreshToken = refreshToken
        self.accessToken = accessToken
        self.accessExpiresAt = accessExpiresAt
        self.seedDigest = seedDigest
        self.memberID = memberID
    }
}
