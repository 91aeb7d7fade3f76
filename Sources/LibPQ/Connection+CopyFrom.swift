import CLibPQ

/// What one finished COPY put into the table.
public struct CopySummary: Sendable, Equatable {
    /// Rows the server reports as copied.
    public var rows: Int
    /// Bytes of COPY data sent.
    public var bytes: Int
    /// NUL characters removed from text values (PostgreSQL text cannot hold them).
    public var strippedNULs: Int
}

/// Bulk loading with `COPY … FROM STDIN` in text format.
extension Connection {
    /// Streams the rows `body` writes into `statement`, a `COPY … FROM STDIN` in text format.
    ///
    /// The COPY always ends: normally when `body` returns, or with CopyFail when it throws, so
    /// the server discards every row of it. Inside a transaction nothing of a failed COPY is
    /// ever visible; outside one, nothing of it is either (COPY is a single statement).
    /// - Returns: rows, bytes and stripped NUL characters.
    /// - Throws: `PostgresError` (`.copyFailed`, with SQLSTATE and the failing line in `context`)
    ///   when the server rejects the data, or whatever `body` threw.
    public func copyFrom(_ statement: String, _ body: (inout CopyWriter) throws -> Void) throws -> CopySummary {
        try copyFrom(statement, expectedFields: 0, body)
    }

    /// Streams the rows `body` writes into `columns` of `table` (`schema.name`, or `pg_temp.name`).
    ///
    /// Every row must hold exactly one value per column: a row with more or fewer aborts the
    /// COPY with `.copyFailed` before it reaches the server.
    /// - Returns: rows, bytes and stripped NUL characters.
    /// - Throws: `PostgresError` as `copyFrom(_:_:)` does, or whatever `body` threw.
    public func copyFrom(
        table: String, columns: [String], _ body: (inout CopyWriter) throws -> Void
    ) throws -> CopySummary {
        let parts = table.split(separator: ".", maxSplits: 1).map(String.init)
        let target =
            parts.count == 2 ? SQLIdentifier.quoted(schema: parts[0], parts[1]) : SQLIdentifier.quoted(table)
        let list = columns.map { SQLIdentifier.quoted($0) }.joined(separator: ", ")
        return try copyFrom("COPY \(target) (\(list)) FROM STDIN", expectedFields: columns.count, body)
    }

    private func copyFrom(
        _ statement: String, expectedFields: Int, _ body: (inout CopyWriter) throws -> Void
    ) throws -> CopySummary {
        let start = PQexec(handle, statement)
        guard let start else { throw connectionError(statement: statement, code: .copyFailed) }
        guard PQresultStatus(start) == PGRES_COPY_IN else {
            defer { PQclear(start) }
            if PQresultStatus(start) == PGRES_FATAL_ERROR {
                throw serverError(start, code: .copyFailed, statement: statement)
            }
            throw PostgresError(
                code: .unexpectedResult, message: "statement did not start COPY FROM STDIN",
                statement: statement)
        }
        PQclear(start)

        var writer = CopyWriter(handle: handle, buffer: spareCopyBuffer, expectedFields: expectedFields)
        do {
            try body(&writer)
            try writer.flush()
        } catch {
            spareCopyBuffer = writer.buffer
            _ = PQputCopyEnd(handle, "b24pg aborted the COPY")
            let serverFailure = finishCopy(statement: statement).failure
            if writer.sendFailure != nil, let serverFailure { throw serverFailure }
            if error is PostgresError, let serverFailure { throw serverFailure }
            throw error
        }
        spareCopyBuffer = writer.buffer
        guard PQputCopyEnd(handle, nil) == 1 else {
            throw finishCopy(statement: statement).failure
                ?? connectionError(statement: statement, code: .copyFailed)
        }
        let outcome = finishCopy(statement: statement)
        if let failure = outcome.failure { throw failure }
        return CopySummary(rows: outcome.rows, bytes: writer.totalBytes, strippedNULs: writer.strippedNULs)
    }

    /// Reads results until libpq has none left, keeping the first error and the row count.
    private func finishCopy(statement: String) -> (rows: Int, failure: PostgresError?) {
        var rows = 0
        var failure: PostgresError?
        while let result = PQgetResult(handle) {
            switch PQresultStatus(result) {
            case PGRES_COMMAND_OK:
                rows = Self.affectedRows(result)
            case PGRES_COPY_IN:
                // Still in COPY after an end request: libpq could not send it; give up on the connection.
                _ = PQputCopyEnd(handle, "b24pg aborted the COPY")
            default:
                if failure == nil { failure = serverError(result, code: .copyFailed, statement: statement) }
            }
            PQclear(result)
            if PQstatus(handle) != CONNECTION_OK { break }
        }
        if failure == nil, PQstatus(handle) != CONNECTION_OK {
            failure = connectionError(statement: statement, code: .connectionLost)
        }
        return (rows, failure)
    }
}
