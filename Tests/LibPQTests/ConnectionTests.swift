import Foundation
import LibPQ
import PostgresTestSupport
import Testing

@Suite("Connections, statements, transactions and locks against a real PostgreSQL")
struct ConnectionTests {
    @Test("parameters travel apart from the SQL text and come back unchanged")
    func parameters() throws {
        let connection = try TestDatabase.connect()
        let hostile = "'); DROP TABLE x; -- \\ \"q\" 🚀 שלום"
        let result = try connection.execute("SELECT $1::text, $2::int + 1, $3::text IS NULL", [hostile, "41", nil])
        #expect(result.rows == [[hostile, "42", "t"]])
        #expect(result.columns.count == 3)
    }

    @Test("a failed statement carries SQLSTATE, message and the statement")
    func statementError() throws {
        let connection = try TestDatabase.connect()
        let error = try #require(throws: PostgresError.self) {
            try connection.execute("SELECT * FROM missing_table_for_test")
        }
        #expect(error.sqlState == "42P01")
        #expect(error.code == .statementFailed)
        #expect(error.message.contains("missing_table_for_test"))
        #expect(error.statement == "SELECT * FROM missing_table_for_test")
        #expect(error.description.contains("SQLSTATE 42P01"))
    }

    @Test("a rolled-back transaction leaves nothing behind")
    func rollback() throws {
        struct Abandon: Error {}
        let connection = try TestDatabase.connect()
        try connection.execute("CREATE TEMP TABLE tx_test (id int)")
        #expect(throws: Abandon.self) {
            try connection.transaction {
                try connection.execute("INSERT INTO tx_test VALUES (1), (2)")
                _ = try connection.copyFrom("COPY tx_test FROM STDIN") { writer in
                    try writer.appendRow(["3"])
                }
                throw Abandon()
            }
        }
        #expect(try connection.execute("SELECT count(*) FROM tx_test").scalar == "0")
        try connection.transaction { try connection.execute("INSERT INTO tx_test VALUES (4)") }
        #expect(try connection.execute("SELECT count(*) FROM tx_test").scalar == "1")
    }

    @Test("a failed COPY inside a transaction aborts it and nothing is visible")
    func copyFailureInTransaction() throws {
        let connection = try TestDatabase.connect()
        try connection.execute("CREATE TEMP TABLE tx_copy (id int)")
        #expect(throws: PostgresError.self) {
            try connection.transaction {
                try connection.execute("INSERT INTO tx_copy VALUES (1)")
                _ = try connection.copyFrom("COPY tx_copy FROM STDIN") { writer in
                    try writer.appendRow(["2"])
                    try writer.appendRow(["not a number"])
                }
            }
        }
        #expect(try connection.execute("SELECT count(*) FROM tx_copy").scalar == "0")
    }

    @Test("advisory locks exclude a second session until released or disconnected")
    func advisoryLocks() throws {
        let first = try TestDatabase.connect()
        let second = try TestDatabase.connect()
        let key: Int64 = 0x7465_7374_6C6F_636B
        #expect(try first.tryAdvisoryLock(key))
        #expect(try second.tryAdvisoryLock(key) == false)
        #expect(try first.advisoryUnlock(key))
        #expect(try second.tryAdvisoryLock(key))
        do {
            let third = try TestDatabase.connect()
            #expect(try third.tryAdvisoryLock(key + 1))
        }
        // The third connection is closed, so its lock is freed once the server has ended that session.
        var freed = false
        for _ in 0..<200 where !freed {
            freed = try first.tryAdvisoryLock(key + 1)
            if !freed { usleep(25_000) }
        }
        #expect(freed)
    }

    @Test("a wrong host is a clear error, not a crash")
    func wrongHost() throws {
        let error = try #require(throws: PostgresError.self) {
            try Connection(ConnectionString("host=127.0.0.1 port=1 dbname=x connect_timeout=3"))
        }
        #expect(error.code == .connectionFailed)
        #expect(error.description.contains("127.0.0.1:1/x"))
        #expect(error.description.contains("refused"))
    }

    @Test("a missing socket directory is a clear error")
    func missingSocket() throws {
        let error = try #require(throws: PostgresError.self) {
            try Connection(ConnectionString("host=/nonexistent/b24pg-socket dbname=x"))
        }
        #expect(error.code == .connectionFailed)
        #expect(error.description.contains("/nonexistent/b24pg-socket"))
    }

    @Test("a database that does not exist is a clear error")
    func missingDatabase() throws {
        let error = try #require(throws: PostgresError.self) {
            try Connection(ConnectionString("dbname=b24pg_no_such_database"))
        }
        #expect(error.code == .connectionFailed)
        #expect(error.description.contains("b24pg_no_such_database"))
        #expect(error.description.contains("does not exist"))
    }

    @Test("a wrong password is a clear error that does not repeat the password")
    func wrongPassword() throws {
        let admin = try TestDatabase.connect()
        try admin.execute(
            """
            DO $$ BEGIN
                CREATE ROLE b24pg_test_pw LOGIN PASSWORD 'right-password';
            EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
            END $$
            """
        )
        let ok = try Connection(ConnectionString("user=b24pg_test_pw password=right-password dbname=postgres"))
        #expect(try ok.execute("SELECT current_user").scalar == "b24pg_test_pw")

        let secret = "Wr0ng-S3cret-\(Int.random(in: 1000...9999))"
        let error = try #require(throws: PostgresError.self) {
            try Connection(ConnectionString("user=b24pg_test_pw password=\(secret) dbname=postgres"))
        }
        #expect(error.code == .connectionFailed)
        #expect(error.description.contains("password authentication failed"))
        #expect(!error.description.contains(secret))
    }

    @Test("connection strings never print their password")
    func redaction() {
        let uri = ConnectionString("postgresql://etl:p%40ss%20word@db.example.com:5433/crm?sslmode=require")
        #expect(uri.password == "p@ss word")
        #expect(!uri.description.contains("p%40ss%20word"))
        #expect(uri.description.contains("db.example.com"))
        #expect(uri.safeTarget == "db.example.com:5433/crm")

        let keywords = ConnectionString("host=db port=6000 dbname=crm user=etl password=hunter2")
        #expect(keywords.description == "host=db port=6000 dbname=crm user=etl password=***")
        #expect(keywords.scrub("failed for hunter2") == "failed for ***")
    }
}
