import LibPQ

/// One numbered SQL migration from `sql/`, compiled into the binary.
public struct Migration: Sendable, Equatable {
    /// The number the file name starts with; migrations apply in this order.
    public let version: Int
    /// The file name, e.g. `002_dw.sql`.
    public let fileName: String
    /// The SQL script, run in one transaction.
    public let sql: String

    /// Creates a migration from a `NNN_name.sql` file name and its contents.
    ///
    /// Returns `nil` when the name does not start with a number followed by `_`.
    public init?(fileName: String, sql: String) {
        guard let underscore = fileName.firstIndex(of: "_"),
            let version = Int(fileName[..<underscore]), version > 0,
            fileName.hasSuffix(".sql")
        else { return nil }
        self.version = version
        self.fileName = fileName
        self.sql = sql
    }

    /// A fingerprint of the SQL text (64-bit FNV-1a, hex), stored when applied, so an
    /// edited migration is caught instead of silently diverging.
    public var checksum: String {
        let hex = String(StableHash.fnv1a64(sql), radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
