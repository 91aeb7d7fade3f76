import Foundation
import LibPQ
import PostgresTestSupport
import Schema
import Testing

@Suite("Migrations against a real PostgreSQL")
struct MigratorTests {
    /// The repository's sql/ folder, located from this file.
    static let sqlFolder = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("sql")

    /// The fingerprint of every migration as it shipped. A shipped migration is never edited
    /// (databases already ran it); a new one adds its line here.
    static let shipped: [String: String] = [
        "001_etl.sql": "ca097923fc0c098a",
        "002_dw.sql": "5d76d7bde27ca671",
        "003_dim_date.sql": "9b5426c4370c7a14",
        "004_mart_and_reader.sql": "74a88e2cfcc44be7",
        "005_sync_progress.sql": "4f520aa1599ce2d9",
        "006_mart_views.sql": "0e8b2b3f21500419",
        "007_mart_portal.sql": "6b7d49e09e3529d4",
        "008_funnel_speed.sql": "3eb000d6bc5b175a",
        "009_deferred_index.sql": "b165f5d1a1562161",
        "010_access_and_rejects.sql": "b22d4a79a69c8715",
        "011_version_time.sql": "c9f12ed08cec7172",
        "012_children_at_scale.sql": "3c6bcb6a0dfd00ba",
        "013_one_vocabulary.sql": "ea641c0928f6f913",
        "014_live_funnels.sql": "4a1679efe2e662de",
        "015_one_currency.sql": "f3028125c282518f",
        "016_typed_custom_fields.sql": "6695ca7554bb3dff",
        "017_typed_custom_values.sql": "fd8cdb74052d8e69",
        "018_deals.sql": "9076b3819fbe57be",
        "019_deal_children.sql": "374060327ce4897b",
        "020_activities.sql": "e47596489bf27005",
        "021_first_touch.sql": "22e7a04c654540df",
        "022_many_portals.sql": "72e4296329e5054a",
        "023_oauth_portals.sql": "cbb30bbfa83b7032",
    ]

    @Test("every file of sql/ is in the catalog, in order, and no shipped migration was edited")
    func catalogMatchesFolder() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.sqlFolder.path)
            .filter { $0.hasSuffix(".sql") }.sorted()
        #expect(Migration.all.map(\.fileName) == files)
        #expect(Migration.all.map(\.version) == Array(1...Migration.all.count))
        for migration in Migration.all {
            #expect(
                Self.shipped[migration.fileName] == migration.checksum,
                "\(migration.fileName): edited after it shipped, or new without its line in `shipped`")
        }
    }

    @Test("migrate creates the documented schemas, tables and calendar")
    func createsSchema() throws {
        try TestDatabase.withConnection { connection in
            let report = try Migrator().migrate(connection)
            #expect(report.applied == Migration.all.map(\.fileName))
            let tables = try connection.execute(
                """
                SELECT table_schema || '.' || table_name FROM information_schema.tables
                WHERE table_schema IN ('etl', 'dw', 'mart') AND table_type = 'BASE TABLE' ORDER BY 1
                """
            ).rows.map { $0[0] ?? "" }
            let expected = [
                "dw.bridge_deal_contact", "dw.bridge_lead_contact", "dw.dim_activity_type", "dw.dim_company",
                "dw.dim_contact",
                "dw.dim_currency", "dw.dim_date",
                "dw.dim_deal_category", "dw.dim_deal_stage", "dw.dim_lead_field", "dw.dim_product", "dw.dim_source",
                "dw.dim_status", "dw.dim_user", "dw.fact_deal", "dw.fact_deal_product", "dw.fact_deal_stage_history",
                "dw.fact_deal_version",
                "dw.fact_lead", "dw.fact_lead_activity", "dw.fact_lead_product", "dw.fact_lead_stage_history",
                "dw.fact_lead_version",
                "dw.lead_custom_value", "dw.lead_first_touch", "dw.lead_funnel_position", "dw.lead_stage_reached",
                "etl.deferred_index", "etl.generated_view", "etl.lead_custom_column", "etl.portal", "etl.portal_job",
                "etl.portal_oauth",
                "etl.rejected_record",
                "etl.schema_migrations", "etl.sync_run",
                "etl.sync_state",
            ]
            #expect(tables == expected)
            #expect(try connection.execute("SELECT count(*) FROM pg_namespace WHERE nspname = 'mart'").scalar == "1")

            let calendar = try connection.execute(
                "SELECT count(*), min(date), max(date), count(*) FILTER (WHERE date_key = 0) FROM dw.dim_date"
            )
            #expect(calendar.rows == [["16803", "2000-01-01", "2045-12-31", "1"]])
            let leapDay = try connection.execute(
                "SELECT year, quarter, month, iso_week, day_of_week, is_weekend FROM dw.dim_date WHERE date_key = 20240229"
            )
            #expect(leapDay.rows == [["2024", "1", "2", "9", "4", "f"]])

            let amount = try connection.execute(
                """
                INSERT INTO etl.portal (name, host) VALUES ('p.example', 'p.example') RETURNING portal_id
                """
            ).scalar
            try connection.execute(
                "INSERT INTO dw.fact_lead_product (portal_id, row_id, lead_id, price, quantity) VALUES ($1, 1, 1, 12.5, 3)",
                [amount]
            )
            #expect(try connection.execute("SELECT amount FROM dw.fact_lead_product").scalar == "37.5")
        }
    }

    @Test("running migrate twice changes nothing")
    func idempotent() throws {
        try TestDatabase.withConnection { connection in
            _ = try Migrator().migrate(connection)
            let before = try Self.catalogSnapshot(connection)
            let second = try Migrator().migrate(connection)
            #expect(second.applied.isEmpty)
            #expect(second.alreadyApplied == Migration.all.count)
            #expect(try Self.catalogSnapshot(connection) == before)
            #expect(
                try connection.execute("SELECT count(*) FROM etl.schema_migrations").scalar == "\(Migration.all.count)")
        }
    }

    @Test("a failed migration names its file and SQLSTATE and leaves the database as it was")
    func failedMigrationRollsBack() throws {
        let first = try #require(
            Migration(fileName: "001_ok.sql", sql: "CREATE SCHEMA okay; CREATE TABLE okay.t (id int);"))
        let broken = try #require(
            Migration(
                fileName: "002_broken.sql",
                sql: "CREATE TABLE okay.half (id int); SELEC 1; CREATE TABLE okay.never (id int);")
        )
        try TestDatabase.withConnection { connection in
            _ = try Migrator(migrations: [first]).migrate(connection)
            let before = try Self.catalogSnapshot(connection)
            let error = try #require(throws: MigrationError.self) {
                try Migrator(migrations: [first, broken]).migrate(connection)
            }
            #expect(error.fileName == "002_broken.sql")
            guard case .failed(let postgres) = error.reason else {
                Issue.record("expected an SQL failure, got \(error)")
                return
            }
            #expect(postgres.sqlState == "42601")
            #expect(error.description.contains("002_broken.sql"))
            #expect(error.description.contains("42601"))
            #expect(try Self.catalogSnapshot(connection) == before)
            #expect(try connection.execute("SELECT to_regclass('okay.half')").scalar == nil)
            #expect(
                try connection.execute("SELECT string_agg(name, ',') FROM etl.schema_migrations").scalar == "001_ok.sql"
            )
        }
    }

    @Test("a failure in the very first migration leaves an empty database")
    func failedFirstMigration() throws {
        let broken = try #require(Migration(fileName: "001_broken.sql", sql: "CREATE SCHEMA half; SELECT 1/0;"))
        try TestDatabase.withConnection { connection in
            let error = try #require(throws: MigrationError.self) {
                try Migrator(migrations: [broken]).migrate(connection)
            }
            guard case .failed(let postgres) = error.reason else {
                Issue.record("expected an SQL failure, got \(error)")
                return
            }
            #expect(postgres.sqlState == "22012")
            let schemas = try connection.execute(
                "SELECT count(*) FROM pg_namespace WHERE nspname IN ('etl', 'half')"
            ).scalar
            #expect(schemas == "0")
        }
    }

    @Test("an applied migration that was edited afterwards is refused")
    func editedMigration() throws {
        let original = try #require(Migration(fileName: "001_a.sql", sql: "CREATE TABLE a (id int);"))
        let edited = try #require(Migration(fileName: "001_a.sql", sql: "CREATE TABLE a (id bigint);"))
        try TestDatabase.withConnection { connection in
            _ = try Migrator(migrations: [original]).migrate(connection)
            let error = try #require(throws: MigrationError.self) {
                try Migrator(migrations: [edited]).migrate(connection)
            }
            guard case .edited = error.reason else {
                Issue.record("expected an edited-migration error, got \(error)")
                return
            }
            #expect(error.description.contains("001_a.sql"))
        }
    }

    @Test("b24pg_reader can read dw and mart but cannot write")
    func readerRole() throws {
        try TestDatabase.withConnection { connection in
            _ = try Migrator().migrate(connection)
            try connection.execute("CREATE VIEW mart.reader_probe AS SELECT 1 AS one")
            try connection.execute("SET ROLE b24pg_reader")
            #expect(try connection.execute("SELECT count(*) FROM dw.dim_date").scalar == "16803")
            #expect(try connection.execute("SELECT one FROM mart.reader_probe").scalar == "1")
            for statement in [
                "INSERT INTO dw.dim_source (portal_id, source_id) VALUES (1, 'x')",
                "DELETE FROM dw.dim_date",
                "UPDATE dw.fact_lead SET title = 'x'",
                "CREATE TABLE dw.intruder (id int)",
                "SELECT * FROM etl.sync_run",
            ] {
                let error = try #require(throws: PostgresError.self, "\(statement)") {
                    try connection.execute(statement)
                }
                #expect(error.sqlState == "42501", "\(statement)")
            }
        }
    }

    /// Every relation, column and migration record, as text: equal snapshots mean nothing changed.
    @Test("every dw table's key starts with portal_id, and the README's Citus statements distribute exactly those")
    func distributableStar() throws {
        try TestDatabase.withConnection { connection in
            _ = try Migrator().migrate(connection)
            let firstKeyColumns = try connection.execute(
                """
                SELECT c.relname, a.attname FROM pg_constraint k
                JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
                JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.conkey[1]
                WHERE n.nspname = 'dw' AND k.contype = 'p' ORDER BY 1
                """
            ).rows
            let distributed = firstKeyColumns.filter { $0[0] != "dim_date" }
            #expect(distributed.allSatisfy { $0[1] == "portal_id" }, "\(distributed)")
            let tables = try connection.execute(
                "SELECT count(*) FROM pg_tables WHERE schemaname = 'dw'"
            ).scalar
            #expect(tables == String(firstKeyColumns.count), "every dw table has a primary key")
            let readme = try String(
                contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                    .deletingLastPathComponent().appendingPathComponent("README.md"), encoding: .utf8)
            let named = Set(
                readme.split(separator: "'").filter { $0.hasPrefix("dw.") && !$0.contains(" ") }.map {
                    String($0.dropFirst(3))
                })
            #expect(named == Set(firstKeyColumns.compactMap { $0[0] }), "README names every dw table")
        }
    }

    static func catalogSnapshot(_ connection: Connection) throws -> [[String?]] {
        try connection.execute(
            """
            SELECT c.table_schema, c.table_name, c.column_name, c.data_type, c.is_nullable, c.column_default
            FROM information_schema.columns c
            WHERE c.table_schema NOT IN ('pg_catalog', 'information_schema')
            UNION ALL
            SELECT 'index', schemaname, indexname, indexdef, NULL, NULL FROM pg_indexes
            WHERE schemaname NOT IN ('pg_catalog')
            ORDER BY 1, 2, 3
            """
        ).rows
    }
}
