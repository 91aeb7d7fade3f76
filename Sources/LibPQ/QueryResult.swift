/// The rows a statement returned, copied out of libpq so no C memory outlives the call.
public struct QueryResult: Sendable {
    /// Column names in result order.
    public let columns: [String]
    /// Rows as text values; `nil` is SQL NULL.
    public let rows: [[String?]]
    /// Rows the statement inserted, updated, deleted or copied (libpq's `PQcmdTuples`), or 0.
    public let affectedRows: Int

    /// Creates a result from already-decoded values.
    public init(columns: [String], rows: [[String?]], affectedRows: Int) {
        self.columns = columns
        self.rows = rows
        self.affectedRows = affectedRows
    }

    /// The first column of the first row, or `nil` when there is none or it is NULL.
    public var scalar: String? {
        rows.first?.first ?? nil
    }

    /// The value of `column` in row `row`, or `nil` for NULL or an unknown column.
    public func value(_ row: Int, _ column: String) -> String? {
        guard let index = columns.firstIndex(of: column), rows.indices.contains(row) else { return nil }
        return rows[row][index]
    }
}
