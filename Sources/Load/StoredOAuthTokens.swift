/// A portal's row of `etl.portal_oauth` as locked for a rotation: the sealed tokens (opened by
/// the caller, who holds the key), when the access token expires and the database's "now".
public struct StoredOAuthTokens: Sendable, Equatable {
    /// The application the tokens were issued to.
    public var clientID: String?
    /// The id of the key that sealed them.
    public var keyID: String?
    /// The sealed refresh token.
    public var refreshToken: [UInt8]?
    /// The sealed access token.
    public var accessToken: [UInt8]?
    /// Unix time the access token expires.
    public var accessExpiresAt: Int64?
    /// SHA-256 (hex) of the configured first refresh token last adopted.
    public var seedDigest: String?
    /// The portal's `member_id`, once an OAuth answer told it.
    public var memberID: String?
    /// Refreshes done so far.
    public var rotations: Int64
    /// The database's clock, unix seconds.
    public var now: Int64

    /// A row read back.
    public init(
        clientID: String?, keyID: String?, refreshToken: [UInt8]?, accessToken: [UInt8]?, accessExpiresAt: Int64?,
        seedDigest: String?, memberID: String?, rotations: Int64, now: Int64
    ) {
        self.clientID = clientID
        self.keyID = keyID
        self.refreshToken = refreshToken
        self.accessToken = accessToken
        self.accessExpiresAt = accessExpiresAt
        self.seedDigest = seedDigest
        self.memberID = memberID
        self.rotations = rotations
        self.now = now
    }
}

/// What a rotation stores: the new sealed pair, who stored it and why.
public struct OAuthTokenUpdate: Sendable {
    /// The application the tokens were issued to.
    public var clientID: String
    /// The id of the key that sealed them.
    public var keyID: String
    /// The sealed refresh token.
    public var refreshToken: [UInt8]
    /// The sealed access token.
    public var accessToken: [UInt8]
    /// Unix time the access token expires.
    public var accessExpiresAt: Int64?
    /// SHA-256 (hex) of the configured first refresh token, when this update adopted it.
    public var seedDigest: String?
    /// The portal's `member_id` from the answer.
    public var memberID: String?
    /// Whether a refresh token was spent (counted in `rotations`); `false` for a re-seal under a new key.
    public var spentRefreshToken: Bool
    /// The worker or command that stored it.
    public var storedBy: String

    /// An update.
    public init(
        clientID: String, keyID: String, refreshToken: [UInt8], accessToken: [UInt8], accessExpiresAt: Int64?,
        seedDigest: String?, memberID: String?, spentRefreshToken: Bool, storedBy: String
    ) {
        self.clientID = clientID
        self.keyID = keyID
        self.refreshToken = refreshToken
        self.accessToken = accessToken
        self.accessExpiresAt = accessExpiresAt
        self.seedDigest = seedDigest
        self.memberID = memberID
        self.spentRefreshToken = spentRefreshToken
        self.storedBy = storedBy
    }
}
