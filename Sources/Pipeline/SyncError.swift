/// Why a sync did not run, or refused to go on (the portal's own errors and the database's
/// reach the caller as they were thrown: `BitrixError`, `PostgresError`).
public struct SyncError: Error, CustomStringConvertible, Sendable {
    /// What kind of refusal.
    public struct Kind: Hashable, Sendable {
        private enum Base { case locked, refused, unsupportedPortal }
        private let base: Base
        /// Another sync of the same portal holds the lock (exit code 3).
        public static let locked = Kind(base: .locked)
        /// The run stopped rather than write something it cannot trust (exit code 1).
        public static let refused = Kind(base: .refused)
        /// The portal has nothing this tool exports (simple CRM mode: no leads); a configuration
        /// error (exit code 2), and the database was left as it was.
        public static let unsupportedPortal = Kind(base: .unsupportedPortal)
    }

    /// What kind of refusal.
    public var kind: Kind
    /// One line for the user; never a secret.
    public var message: String

    /// An error of `kind`.
    public init(kind: Kind, message: String) {
        self.kind = kind
        self.message = message
    }

    /// Another sync holds the portal's lock.
    public static func locked(_ portal: String) -> SyncError {
        SyncError(
            kind: .locked, message: "another b24pg sync of \(portal) is running (advisory lock held); try again later")
    }

    /// Whether another sync holds the lock.
    public var isLocked: Bool { kind == .locked }

    /// The message.
    public var description: String { message }
}
