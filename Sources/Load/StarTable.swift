import LibPQ

/// One table of the star as the loader writes it: its name, the columns a COPY fills (in the
/// order the row encoders write them) and its key. The COPY column list and every merge
/// statement come from this one definition.
public struct StarTable: Sendable {
    /// `schema.name`.
    public let name: String
    /// The columns a COPY fills, in encoding order.
    public let columns: [String]
    /// The primary key columns (a prefix of `columns` for every star table).
    public let key: [String]

    /// A table definition.
    public init(_ name: String, columns: [String], key: [String]) {
        self.name = name
        self.columns = columns
        self.key = key
    }

    /// The columns that are not part of the key.
    public var valueColumns: [String] {
        columns.filter { !key.contains($0) }
    }

    /// This table's session staging table: `pg_temp.stage_<name>`, emptied at every commit.
    var staging: String {
        "pg_temp.stage_" + (name.split(separator: ".").last.map(String.init) ?? name)
    }

    /// The statement that creates the staging table (same columns and types, no constraints).
    var stagingDDL: String {
        "CREATE TEMP TABLE IF NOT EXISTS \(staging.dropFirst("pg_temp.".count)) (LIKE \(name) INCLUDING DEFAULTS) "
            + "ON COMMIT DELETE ROWS"
    }

    /// `INSERT … SELECT DISTINCT ON (key) … FROM staging ON CONFLICT (key) DO UPDATE SET …`:
    /// one row per key (the last staged wins when `latestFirst` orders it so), every value column
    /// taken from the staged row, plus `extra` assignments (`column = expression`) on both paths.
    func upsertFromStaging(extra: [(column: String, value: String)] = [], orderTieBreak: String? = nil) -> String {
        let keyList = key.joined(separator: ", ")
        let columnList = columns.joined(separator: ", ")
        let insertColumns = columnList + extra.map { ", " + $0.column }.joined()
        let selectColumns = columnList + extra.map { ", " + $0.value }.joined()
        let order = keyList + (orderTieBreak.map { ", " + $0 } ?? "")
        let updates =
            (valueColumns.map { "\($0) = EXCLUDED.\($0)" } + extra.map { "\($0.column) = EXCLUDED.\($0.column)" })
            .joined(separator: ", ")
        return """
            INSERT INTO \(name) (\(insertColumns))
            SELECT DISTINCT ON (\(keyList)) \(selectColumns) FROM \(staging) ORDER BY \(order)
            ON CONFLICT (\(keyList)) DO UPDATE SET \(updates)
            """
    }
}
