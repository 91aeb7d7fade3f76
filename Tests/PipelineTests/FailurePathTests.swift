import Foundation
import LibPQ
import Load
import Pipeline
import PostgresTestSupport
import Testing

/// A login role that may keep the run log (`etl`) but not write the star (`dw`), so a sync
/// fails in the middle of its database work, after the run row was written.
struct ReadOnlyStarRole {
    let name = "b24pg_nostar_" + UUID().uuidString.prefix(8).lowercased()

    /// Creates the role with rights on `target`'s `etl` and read-only rights on `dw`.
    func create(on target: ConnectionString) throws {
        let database = try Connection(target)
        let dbname = try database.execute("SELECT current_database()").scalar ?? ""
        let role = SQLIdentifier.quoted(name)
        for statement in [
            "CREATE ROLE \(role) LOGIN", "GRANT CONNECT, TEMP ON DATABASE \(SQLIdentifier.quoted(dbname)) TO \(role)",
            "GRANT USAGE ON SCHEMA etl, dw TO \(role)",
            "GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA etl TO \(role)",
            "GRANT USAGE ON ALL SEQUENCES IN SCHEMA etl TO \(role)",
            "GRANT SELECT ON ALL TABLES IN SCHEMA dw TO \(role)",
        ] {
            try database.execute(statement)
        }
    }

    /// `target` as this role.
    func connectionString(_ target: ConnectionString) -> ConnectionString {
        ConnectionString(target.rawValue + " user=\(name)")
    }

    /// Drops the role (after the databases it has rights in are gone, or its rights revoked).
    func drop(on target: ConnectionString) {
        guard let database = try? Connection(target) else { return }
        let role = SQLIdentifier.quoted(name)
        _ = try? database.execute("DROP OWNED BY \(role)")
        _ = try? database.execute("DROP ROLE IF EXISTS \(role)")
    }
}

@Suite("One failure path: whatever stops a run after it started is recorded, logged and unlocked")
struct FailurePathTests {
    @Test("reference data the database refuses: the run is failed with the SQLSTATE, the lock is free, the rerun works")
    func referenceLoadFails() async throws {
        let harness = try SyncHarness(leads: 120, seed: 71)
        let role = ReadOnlyStarRole()
        try await withMigratedDatabase { admin, target in
            try role.create(on: target)
            defer { role.drop(on: target) }
            // The engine's own connection stays open after the failure: the lock must be released
            // by the failure path, not by the connection closing.
            let limited = try Connection(role.connectionString(target))
            let engine = SyncEngine(
                client: try harness.client(), database: DatabaseWorker(connection: limited), host: "sim.example",
                options: SyncOptions(), log: .discarding, clock: harness.clock)
            await #expect(throws: PostgresError.self) { try await engine.run() }
            #expect(limited.isOpen)
            let runs = try admin.execute("SELECT status, error FROM etl.sync_run ORDER BY run_id").rows
            #expect(runs.count == 1)
            #expect(runs.first?[0] == "failed")
            #expect(runs.first?[1]?.contains("42501") == true, "\(runs)")
            #expect(try admin.tryAdvisoryLock(SyncEngine.lockKey(name: "sim.example")))
            _ = try admin.advisoryUnlock(SyncEngine.lockKey(name: "sim.example"))
            let summary = try await harness.sync(admin)
            #expect(summary.leads == 120)
            #expect(
                try admin.execute("SELECT status FROM etl.sync_run ORDER BY run_id").rows == [
                    ["failed"], ["succeeded"],
                ])
        }
    }
}
