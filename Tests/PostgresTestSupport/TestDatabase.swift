import Foundation
import LibPQ

/// A database of its own for one test, in the throwaway cluster `make test` starts.
///
/// The cluster's location comes from `PGHOST`/`PGPORT`/`PGUSER`; without it the connection
/// fails and so does the test: no test is skipped for lack of a database.
public enum TestDatabase {
    /// Creates an empty database, runs `body` with a connection string for it, then drops it.
    public static func with<Result>(
        _ body: (ConnectionString) throws -> Result
    ) throws -> Result {
        let name = "b24pg_test_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        let admin = try Connection(ConnectionString(""))
        try admin.execute("CREATE DATABASE \(SQLIdentifier.quoted(name))")
        defer { _ = try? admin.execute("DROP DATABASE IF EXISTS \(SQLIdentifier.quoted(name)) WITH (FORCE)") }
        return try body(ConnectionString("dbname=\(name)"))
    }

    /// Creates an empty database, runs `body` with a connection to it, then drops it.
    public static func withConnection<Result>(_ body: (Connection) throws -> Result) throws -> Result {
        try with { connectionString in
            let connection = try Connection(connectionString)
            return try body(connection)
        }
    }

    /// A connection to the cluster's default database, for tests that need no schema of their own.
    public static func connect() throws -> Connection {
        try Connection(ConnectionString(""))
    }
}
