import ArgumentParser
import Foundation
import LibPQ

/// Where the PostgreSQL database is: `--database-url`, else `DATABASE_URL`, else libpq's `PG*` variables.
struct DatabaseOptions: ParsableArguments {
    @Option(
        name: .customLong("database-url"),
        help: ArgumentHelp(
            "libpq connection string or postgresql:// URI (default: $DATABASE_URL, then PGHOST, PGUSER…).",
            valueName: "url"
        )
    )
    var databaseURL: String?

    /// The connection string to use; its description hides the password.
    var connectionString: ConnectionString {
        connectionString(configured: nil)
    }

    /// `--database-url`, else `DATABASE_URL`, else `configured` (a config file's `[database]`),
    /// else libpq's `PG*` variables.
    func connectionString(configured: String?) -> ConnectionString {
        if let databaseURL { return ConnectionString(databaseURL) }
        let environment = ProcessInfo.processInfo.environment
        if environment["DATABASE_URL"] == nil, let configured { return ConnectionString(configured) }
        return ConnectionString.fromEnvironment(environment)
    }

    /// Opens the connection or fails the run with a one-line message (exit 1).
    func connect() throws -> Connection {
        do {
            return try Connection(connectionString)
        } catch {
            throw RunFailure.failed(error)
        }
    }
}
