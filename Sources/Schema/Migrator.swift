import LibPQ

/// Brings a database to the schema this binary ships, one migration per transaction.
///
/// Running it again changes nothing. A failing migration is rolled back whole and stops the
/// run, so the database stays at the last migration that succeeded. Two migrators on the
/// same database take turns (advisory lock).
public struct Migrator: Sendable {
    /// The migrations to apply, in order.
    public let migrations: [Migration]

    /// The advisory-lock key that serialises migrators on one database.
    public static let lockKey: Int64 = 0x6232_3470_6D69_6772

    /// Creates a migrator for `migrations` (by default the ones shipped in this binary).
    public init(migrations: [Migration] = Migration.all) {
        self.migrations = migrations.sorted { $0.version < $1.version }
    }

    /// What one run did.
    public struct Report: Sendable, Equatable {
        /// Migrations applied by this run, in order.
        public var applied: [String]
        /// Migrations that were already in the database.
        public var alreadyApplied: Int
    }

    /// Applies every pending migration; `progress` hears about each before it runs.
    ///
    /// - Throws: `MigrationError` naming the file (and SQLSTATE), or `PostgresError` for
    ///   connection problems before any migration ran.
    public func migrate(
        _ connection: Connection,
        progress: (Migration) -> Void = { _ in }
    ) throws -> Report {
        try connection.advisoryLock(Self.lockKey)
        defer { _ = try? connection.advisoryUnlock(Self.lockKey) }

        let applied = try appliedMigrations(connection)
        let shipped = Dictionary(uniqueKeysWithValues: migrations.map { ($0.version, $0) })
        for (version, record) in applied.sorted(by: { $0.key < $1.key }) {
            guard let migration = shipped[version] else {
                throw MigrationError(fileName: record.name, reason: .unknown(version: version, name: record.name))
            }
            guard migration.checksum == record.checksum else {
                throw MigrationError(
                    fileName: migration.fileName,
                    reason: .edited(applied: record.checksum, shipped: migration.checksum)
                )
            }
        }

        var report = Report(applied: [], alreadyApplied: applied.count)
        for migration in migrations where applied[migration.version] == nil {
            progress(migration)
            do {
                try connection.transaction {
                    try connection.executeScript(Self.bootstrap)
                    try connection.executeScript(migration.sql)
                    try connection.execute(
                        "INSERT INTO etl.schema_migrations (version, name, checksum) VALUES ($1, $2, $3)",
                        [String(migration.version), migration.fileName, migration.checksum]
                    )
                }
            } catch let error as PostgresError {
                throw MigrationError(fileName: migration.fileName, reason: .failed(error))
            }
            report.applied.append(migration.fileName)
        }
        return report
    }

    /// Versions already applied, with their recorded name and checksum.
    public func appliedMigrations(
        _ connection: Connection
    ) throws(PostgresError) -> [Int: (name: String, checksum: String)] {
        guard try connection.execute("SELECT to_regclass('etl.schema_migrations')").scalar != nil else {
            return [:]
        }
        let result = try connection.execute("SELECT version, name, checksum FROM etl.schema_migrations")
        var applied: [Int: (name: String, checksum: String)] = [:]
        for row in result.rows {
            guard let version = row[0].flatMap({ Int($0) }) else { continue }
            applied[version] = (row[1] ?? "", row[2] ?? "")
        }
        return applied
    }

    /// The migration log itself; created in the first migration's transaction.
    static let bootstrap = """
        CREATE SCHEMA IF NOT EXISTS etl;
        CREATE TABLE IF NOT EXISTS etl.schema_migrations (
            version     integer     PRIMARY KEY,
            name        text        NOT NULL,
            checksum    text        NOT NULL,
            applied_at  timestamptz NOT NULL DEFAULT now()
        );
        """
}
