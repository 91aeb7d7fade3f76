import LibPQ

/// Why `b24pg migrate` stopped; the database is left as it was before the failing migration.
public struct MigrationError: Error, CustomStringConvertible, Sendable {
    /// What went wrong.
    public enum Reason: Sendable {
        /// The migration's SQL failed; the database error carries the SQLSTATE.
        case failed(PostgresError)
        /// A migration applied earlier differs from the one shipped now.
        case edited(applied: String, shipped: String)
        /// The database has a migration this binary does not know (a newer b24pg applied it).
        case unknown(version: Int, name: String)
    }

    /// The migration file concerned, e.g. `002_dw.sql`.
    public var fileName: String
    /// What went wrong.
    public var reason: Reason

    /// Creates an error for one migration file.
    public init(fileName: String, reason: Reason) {
        self.fileName = fileName
        self.reason = reason
    }

    /// One line naming the file and, for SQL failures, the SQLSTATE.
    public var description: String {
        switch reason {
        case .failed(let error):
            return "migration \(fileName) failed and was rolled back: \(error)"
        case .edited(let applied, let shipped):
            return "migration \(fileName) was changed after it was applied (checksum \(applied) in the database, "
                + "\(shipped) shipped); add a new migration instead of editing an applied one"
        case .unknown(let version, let name):
            return "the database has migration \(version) (\(name)) that this b24pg does not know; "
                + "it was migrated by a newer b24pg"
        }
    }
}
