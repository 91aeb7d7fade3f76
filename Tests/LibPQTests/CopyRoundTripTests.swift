import LibPQ
import PostgresTestSupport
import Testing

@Suite("COPY FROM STDIN writer against a real PostgreSQL")
struct CopyRoundTripTests {
    /// Text that trips naive COPY encoders, paired with what PostgreSQL must hand back.
    static let hostileTexts: [(sent: String, expected: String)] = [
        ("plain", "plain"),
        ("tab\there", "tab\there"),
        ("line\nbreak", "line\nbreak"),
        ("carriage\rreturn\r\n", "carriage\rreturn\r\n"),
        ("back\\slash \\N \\t \\\\ \\.", "back\\slash \\N \\t \\\\ \\."),
        ("\\.", "\\."),
        ("quotes ' \" `", "quotes ' \" `"),
        ("emoji 🚀👩‍👩‍👧‍👦 and combining é", "emoji 🚀👩‍👩‍👧‍👦 and combining é"),
        ("right-to-left: שלום עליכם مرحبا", "right-to-left: שלום עליכם مرحبا"),
        ("nul\u{0}inside\u{0}", "nulinside"),
        ("\u{0}", ""),
        ("", ""),
        ("control \u{1}\u{7}\u{8}\u{B}\u{C}\u{1B}\u{7F}", "control \u{1}\u{7}\u{8}\u{B}\u{C}\u{1B}\u{7F}"),
        (String(repeating: "0123456789abcdef", count: 65_536), String(repeating: "0123456789abcdef", count: 65_536)),
    ]

    @Test("hostile text comes back exactly, NUL removed and counted")
    func hostileTextRoundTrip() throws {
        let connection = try TestDatabase.connect()
        try connection.execute("CREATE TEMP TABLE copy_text (id int PRIMARY KEY, body text, missing text)")
        let summary = try connection.copyFrom("COPY copy_text (id, body, missing) FROM STDIN") { writer in
            for (index, text) in Self.hostileTexts.enumerated() {
                writer.append(index)
                writer.append(text.sent)
                writer.append(nil as String?)
                try writer.endRow()
            }
        }
        #expect(summary.rows == Self.hostileTexts.count)
        #expect(summary.strippedNULs == 3)
        #expect(summary.bytes > 1_048_576)

        let rows = try connection.execute("SELECT id, body, missing IS NULL FROM copy_text ORDER BY id").rows
        #expect(rows.count == Self.hostileTexts.count)
        for (index, row) in rows.enumerated() {
            #expect(row[1] == Self.hostileTexts[index].expected, "row \(index)")
            #expect(row[2] == "t")
        }
        let megabyte = try connection.execute("SELECT octet_length(body) FROM copy_text WHERE id = $1", ["13"])
        #expect(megabyte.scalar == "1048576")
    }

    @Test("integers, booleans, doubles and NULLs keep their values")
    func typedValues() throws {
        let connection = try TestDatabase.connect()
        try connection.execute("CREATE TEMP TABLE copy_typed (a bigint, b boolean, c double precision, d int)")
        let values: [(Int64?, Bool?, Double?)] = [
            (0, true, 0.1), (Int64.max, false, -1e300), (Int64.min, nil, 12_345.678_9), (nil, true, nil),
            (-42, false, .leastNonzeroMagnitude),
        ]
        let summary = try connection.copyFrom("COPY copy_typed FROM STDIN") { writer in
            for value in values {
                writer.append(value.0)
                writer.append(value.1)
                writer.append(value.2)
                writer.append(7 as Int?)
                try writer.endRow()
            }
        }
        #expect(summary.rows == 5)
        let rows = try connection.execute("SELECT a::text, b::text, c::text FROM copy_typed ORDER BY ctid").rows
        #expect(rows.map { $0[0] } == ["0", "9223372036854775807", "-9223372036854775808", nil, "-42"])
        #expect(rows.map { $0[1] } == ["true", "false", nil, "true", "false"])
        #expect(rows.map { $0[2].flatMap(Double.init) } == values.map { $0.2 })
    }

    @Test("bytes are counted as bytes and sent in chunks of at least 64 KiB")
    func byteCounting() throws {
        let connection = try TestDatabase.connect()
        try connection.execute("CREATE TEMP TABLE copy_bytes (body text)")
        // 'é' is 2 bytes, '🚀' 4, a tab escapes to 2: 9 bytes of COPY text per value, plus the newline.
        let value = "é🚀\t"
        let rowCount = 20_000
        let summary = try connection.copyFrom("COPY copy_bytes FROM STDIN") { writer in
            for _ in 0..<rowCount {
                writer.append(value)
                try writer.endRow()
            }
        }
        #expect(summary.bytes == rowCount * 9)
        #expect(summary.rows == rowCount)
        let stored = try connection.execute("SELECT sum(octet_length(body)), count(DISTINCT body) FROM copy_bytes")
        #expect(stored.rows == [[String(rowCount * 7), "1"]])
    }

    @Test("a bad value fails with its SQLSTATE and line, and nothing of that COPY is visible")
    func badValueRollsBackWholeCopy() throws {
        let connection = try TestDatabase.connect()
        try connection.execute("CREATE TEMP TABLE copy_bad (id int, name text)")
        let error = try #require(throws: PostgresError.self) {
            try connection.copyFrom("COPY copy_bad (id, name) FROM STDIN") { writer in
                for row in [["1", "one"], ["2", "two"], ["three", "3"], ["4", "four"]] {
                    try writer.appendRow(row)
                }
            }
        }
        #expect(error.sqlState == "22P02")
        #expect(error.code == .copyFailed)
        #expect(error.copyLine == 3)
        #expect(error.description.contains("22P02"))
        #expect(try connection.execute("SELECT count(*) FROM copy_bad").scalar == "0")
        // The connection is usable afterwards.
        #expect(try connection.execute("SELECT 1").scalar == "1")
    }

    @Test("a bad value deep in a multi-chunk COPY is still reported and nothing is kept")
    func badValueAfterSeveralFlushes() throws {
        let connection = try TestDatabase.connect()
        try connection.execute("CREATE TEMP TABLE copy_bad_late (id int, body text)")
        let error = try #require(throws: PostgresError.self) {
            try connection.copyFrom("COPY copy_bad_late FROM STDIN") { writer in
                for index in 0..<200_000 {
                    writer.append(index == 150_000 ? "oops" : String(index))
                    writer.append("some text to fill the buffer")
                    try writer.endRow()
                }
            }
        }
        #expect(error.sqlState == "22P02")
        #expect(error.copyLine == 150_001)
        #expect(try connection.execute("SELECT count(*) FROM copy_bad_late").scalar == "0")
    }

    struct CallerGaveUp: Error {}

    @Test("a throw inside the COPY sends CopyFail, rethrows, and keeps nothing")
    func callerErrorAbortsCopy() throws {
        let connection = try TestDatabase.connect()
        try connection.execute("CREATE TEMP TABLE copy_abort (id int)")
        #expect(throws: CallerGaveUp.self) {
            try connection.copyFrom("COPY copy_abort FROM STDIN") { writer in
                for index in 0..<10_000 {
                    writer.append(index)
                    try writer.endRow()
                }
                throw CallerGaveUp()
            }
        }
        #expect(try connection.execute("SELECT count(*) FROM copy_abort").scalar == "0")
        #expect(try connection.execute("SELECT 2").scalar == "2")
    }

    @Test("a COPY into a missing table fails before any data is sent")
    func copyIntoMissingTable() throws {
        let connection = try TestDatabase.connect()
        let error = try #require(throws: PostgresError.self) {
            try connection.copyFrom("COPY no_such_table FROM STDIN") { writer in
                try writer.appendRow(["x"])
            }
        }
        #expect(error.sqlState == "42P01")
        #expect(error.statement == "COPY no_such_table FROM STDIN")
    }
}
