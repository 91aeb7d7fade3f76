import Foundation
import LibPQ
import PostgresTestSupport
import Testing

@Suite("b24pg migrate as a user runs it")
struct MigrateCommandTests {
    @Test("migrate creates the schema, a second run changes nothing, both exit 0")
    func migrateTwice() async throws {
        try await TestDatabase.with { database in
            let first = try await B24pgProcess.run(["migrate", "--database-url", database.rawValue])
            #expect(first.code == 0)
            #expect(first.out.contains("applying 001_etl.sql"))
            let second = try await B24pgProcess.run(["migrate"], environment: ["DATABASE_URL": database.rawValue])
            #expect(second.code == 0)
            #expect(second.out.contains("schema up to date"))
            #expect(!second.out.contains("applying"))
            let connection = try Connection(database)
            // Every file of the repository's sql/ folder, applied once.
            let sql = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent().appendingPathComponent("sql")
            let files = try FileManager.default.contentsOfDirectory(atPath: sql.path).filter { $0.hasSuffix(".sql") }
            #expect(files.count >= 9)
            #expect(try connection.execute("SELECT count(*) FROM etl.schema_migrations").scalar == String(files.count))
        }
    }

    @Test("an unreachable database exits 1 with a message that hides the password")
    func unreachable() async throws {
        let result = try await B24pgProcess.run([
            "migrate", "--database-url", "postgresql://etl:TopSecret42@127.0.0.1:1/crm",
        ])
        #expect(result.code == 1)
        #expect(result.err.contains("127.0.0.1:1/crm"))
        #expect(!result.err.contains("TopSecret42"))
        #expect(!result.out.contains("TopSecret42"))
    }

    @Test("an unknown option is a usage error, exit 2")
    func usage() async throws {
        let result = try await B24pgProcess.run(["migrate", "--no-such-flag"])
        #expect(result.code == 2)
    }
}
