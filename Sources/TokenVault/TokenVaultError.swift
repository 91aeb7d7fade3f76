/// Why a token could not be sealed or opened; never carries the token or the key.
public struct TokenVaultError: Error, Sendable, CustomStringConvertible {
    /// What went wrong.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String {
            case badKey = "bad_key"
            case unknownKey = "unknown_key"
            case corrupt
        }

        private let base: Base

        /// The key text is not 32 bytes in base64 or hex.
        public static let badKey = Code(base: .badKey)
        /// The token was sealed with a key this process was not given.
        public static let unknownKey = Code(base: .unknownKey)
        /// The sealed bytes fail authentication: altered, truncated, or sealed for another portal.
        public static let corrupt = Code(base: .corrupt)

        /// `bad_key`, `unknown_key` or `corrupt`.
        public var description: String { base.rawValue }
    }

    /// What went wrong.
    public var code: Code
    /// One line a user can act on.
    public var message: String

    /// An error with `code` and `message`.
    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    /// `message`.
    public var description: String { message }
}
