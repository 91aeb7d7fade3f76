import ArgumentParser
import Schema

/// `b24pg migrate`: applies the shipped `sql/` migrations in order, idempotently.
struct Migrate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create or upgrade the etl, dw and mart schemas (safe to run again).",
        discussion: """
            Applies the migrations built into b24pg (the repository's sql/ folder) in order, each in \
            its own transaction, and records them in etl.schema_migrations. A failing migration is \
            rolled back whole and named with its SQLSTATE.
            """
    )

    @OptionGroup var database: DatabaseOptions

    func run() throws {
        let connection = try database.connect()
        do {
            let report = try Migrator().migrate(connection) { migration in
                print("applying \(migration.fileName)")
            }
            let total = report.alreadyApplied + report.applied.count
            if report.applied.isEmpty {
                print("schema up to date: \(total) migrations applied")
            } else {
                print("applied \(report.applied.count) migration(s); schema up to date: \(total) migrations")
            }
        } catch {
            throw RunFailure.failed(error)
        }
    }
}
