import LibPQ
import Load
import PostgresTestSupport
import Testing

@Suite("One definition per table: the loader's tables against the migrated schema")
struct StarTableTests {
    static let tables: [StarTable] = [
        .factLead, .factLeadProduct, .bridgeLeadContact, .factLeadStageHistory, .dimContact, .dimCompany, .dimStatus,
        .dimSource, .dimUser, .dimCurrency, .dimLeadField,
    ]

    @Test("every column a COPY fills exists in its table, and the key is the table's primary key")
    func definitionsMatchSchema() throws {
        try TestDatabase.with(migrated: true) { target in
            let connection = try Connection(target)
            for table in Self.tables {
                let parts = table.name.split(separator: ".").map(String.init)
                let columns = try connection.execute(
                    """
                    SELECT column_name FROM information_schema.columns
                    WHERE table_schema = $1 AND table_name = $2 AND is_generated = 'NEVER'
                    """, [parts[0], parts[1]]
                ).rows.compactMap { $0[0] }
                #expect(Set(table.columns).isSubset(of: Set(columns)), "\(table.name): \(table.columns) vs \(columns)")
                #expect(Set(table.columns).count == table.columns.count, "\(table.name) names a column twice")
                let key = try connection.execute(
                    """
                    SELECT a.attname FROM pg_index i
                    JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
                    WHERE i.indrelid = $1::regclass AND i.indisprimary ORDER BY array_position(i.indkey, a.attnum)
                    """, [table.name]
                ).rows.compactMap { $0[0] }
                #expect(key == table.key, "\(table.name)")
            }
        }
    }

    @Test("a COPY that names its columns refuses a row with a value too many or too few, and writes nothing")
    func rowShapeIsChecked() throws {
        try TestDatabase.withConnection { connection in
            try connection.execute("CREATE TABLE shaped (a bigint, b text, c boolean)")
            for values in [1, 2, 4] {
                #expect(throws: PostgresError.self) {
                    try connection.copyFrom(table: "public.shaped", columns: ["a", "b", "c"]) { writer in
                        writer.append(Int64(1))
                        if values > 1 { writer.append("x") }
                        if values > 2 { writer.append(true) }
                        if values > 3 { writer.append("extra") }
                        try writer.endRow()
                    }
                }
            }
            let copied = try connection.copyFrom(table: "public.shaped", columns: ["c", "a", "b"]) { writer in
                writer.append(false)
                writer.append(Int64(7))
                writer.append("tab\there")
                try writer.endRow()
            }
            #expect(copied.rows == 1)
            #expect(try connection.execute("SELECT a, b, c FROM shaped").rows == [["7", "tab\there", "f"]])
        }
    }

    @Test("timestamps from unix seconds are the same instants in PostgreSQL, before and after 1970")
    func epochSeconds() throws {
        try TestDatabase.withConnection { connection in
            try connection.execute("CREATE TABLE instants (id bigint, at timestamptz)")
            let samples: [Int64] = [0, 1, -1, 951_782_400, 1_717_000_000, -86_401, 4_102_444_799, 1_709_164_800]
            _ = try connection.copyFrom(table: "public.instants", columns: ["id", "at"]) { writer in
                for (index, seconds) in samples.enumerated() {
                    writer.append(Int64(index))
                    writer.append(epochSeconds: seconds)
                    try writer.endRow()
                }
            }
            let back = try connection.execute("SELECT extract(epoch FROM at)::bigint FROM instants ORDER BY id").rows
            #expect(back.compactMap { $0[0].flatMap { Int64($0) } } == samples)
        }
    }
}
