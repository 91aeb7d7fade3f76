import Foundation
import LibPQ
import Schema

/// A database of its own for one test, in the throwaway cluster `make test` starts: the one
/// helper every test target uses to create and drop databases.
///
/// The cluster's location comes from `PGHOST`/`PGPORT`/`PGUSER`; without it the connection
/// fails and so does the test: no test is skipped for lack of a database.
public enum TestDatabase {
    /// Creates an empty database (migrated when `migrated`), runs `body` with a connection
    /// string for it, then drops it, whether `body` returned or threw.
    public static func with<Result>(
        migrated: Bool = false, _ body: (ConnectionString) async throws -> Result
    ) async throws -> Result {
        let (admin, name, target) = try create(migrated: migrated)
        defer { drop(name, admin) }
        return try await body(target)
    }

    /// The same, for synchronous tests.
    public static func with<Result>(
        migrated: Bool = false, _ body: (ConnectionString) throws -> Result
    ) throws -> Result {
        let (admin, name, target) = try create(migrated: migrated)
        defer { drop(name, admin) }
        return try body(target)
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

    private static func create(migrated: Bool) throws -> (Connection, String, ConnectionString) {
        let name = "b24pg_test_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        let admin = try connect()
        try admin.execute("CREATE DATABASE \(SQLIdentifier.quoted(name))")
        let target = ConnectionString("dbname=\(name)")
        if migrated {
            do {
                _ = try Migrator().migrate(try Connection(target))
            } catch {
                drop(name, admin)
                throw error
            }
        }
        return (admin, name, target)
    }

    private static func drop(_ name: String, _ admin: Connection) {
        _ = try? admin.execute("DROP DATABASE IF EXISTS \(SQLIdentifier.quoted(name)) WITH (FORCE)")
    }
}
