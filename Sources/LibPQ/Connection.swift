import CLibPQ
import Foundation

/// One open libpq connection: the single owner of its `PGconn`, closed when released.
///
/// Calls block the calling thread, as libpq does; run them off the Swift concurrency pool
/// when they may take long. A connection is used by one thread at a time.
public final class Connection {
    let handle: OpaquePointer
    /// The COPY buffer, kept between COPYs so its capacity is reused.
    var spareCopyBuffer: [UInt8] = []
    /// The connection string this connection was opened with (its description hides the password).
    public let connectionString: ConnectionString

    /// Opens a connection; an empty connection string means libpq's `PG*` environment variables.
    ///
    /// - Throws: `PostgresError` with code `.connectionFailed` naming the target (never the password).
    public init(_ connectionString: ConnectionString) throws(PostgresError) {
        self.connectionString = connectionString
        guard let handle = PQconnectdb(connectionString.rawValue) else {
            throw PostgresError(code: .connectionFailed, message: "libpq could not allocate a connection")
        }
        guard PQstatus(handle) == CONNECTION_OK else {
            let message = connectionString.scrub(Self.errorMessage(handle))
            PQfinish(handle)
            throw PostgresError(
                code: .connectionFailed,
                message: "cannot connect to \(connectionString.safeTarget): \(message)"
            )
        }
        self.handle = handle
        PQsetNoticeProcessor(handle, { _, _ in }, nil)
        guard PQsetClientEncoding(handle, "UTF8") == 0 else {
            throw PostgresError(code: .connectionFailed, message: "server does not accept client_encoding UTF8")
        }
    }

    deinit {
        PQfinish(handle)
    }

    /// Whether libpq still considers the connection usable.
    public var isOpen: Bool {
        PQstatus(handle) == CONNECTION_OK
    }

    /// The server's version number, e.g. 150018 for 15.18.
    public var serverVersion: Int {
        Int(PQserverVersion(handle))
    }

    /// Runs one statement with `$1, $2…` parameters sent separately from the SQL text.
    ///
    /// - Parameters:
    ///   - sql: one statement; values never go into this text.
    ///   - parameters: text values for `$1…`; `nil` is SQL NULL.
    /// - Returns: the rows, copied out of libpq.
    /// - Throws: `PostgresError` carrying the SQLSTATE and the statement.
    @discardableResult
    public func execute(_ sql: String, _ parameters: [String?] = []) throws(PostgresError) -> QueryResult {
        let result = withCStringArray(parameters) { values in
            PQexecParams(handle, sql, Int32(parameters.count), nil, values, nil, nil, 0)
        }
        return try consume(result, statement: sql)
    }

    /// Runs one statement whose parameters are all `bigint` ids (`$1…`), typed as such, so a
    /// statement may use some of them and leave the others out.
    ///
    /// - Throws: `PostgresError` carrying the SQLSTATE and the statement.
    @discardableResult
    public func execute(_ sql: String, ids: [Int64]) throws(PostgresError) -> QueryResult {
        let texts: [String?] = ids.map { String($0) }
        let types = [Oid](repeating: 20, count: ids.count)  // int8
        let result = withCStringArray(texts) { values in
            types.withUnsafeBufferPointer { oids in
                PQexecParams(handle, sql, Int32(ids.count), oids.baseAddress, values, nil, nil, 0)
            }
        }
        return try consume(result, statement: sql)
    }

    /// Runs a script of several statements (a migration file) in one round trip, without parameters.
    ///
    /// - Throws: `PostgresError` for the first statement that fails; later ones do not run.
    public func executeScript(_ sql: String) throws(PostgresError) {
        var failure: PostgresError?
        guard PQsendQuery(handle, sql) == 1 else {
            throw connectionError(statement: sql)
        }
        while let result = PQgetResult(handle) {
            if failure == nil {
                do { _ = try consume(result, statement: sql) } catch { failure = error }
            } else {
                PQclear(result)
            }
        }
        if let failure { throw failure }
    }

    /// Turns a result into values or an error, freeing it either way.
    func consume(_ result: OpaquePointer?, statement: String) throws(PostgresError) -> QueryResult {
        guard let result else {
            throw connectionError(statement: statement)
        }
        defer { PQclear(result) }
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_EMPTY_QUERY:
            return QueryResult(columns: [], rows: [], affectedRows: Self.affectedRows(result))
        case PGRES_TUPLES_OK:
            return Self.decode(result)
        case PGRES_FATAL_ERROR, PGRES_NONFATAL_ERROR, PGRES_BAD_RESPONSE:
            throw serverError(result, code: .statementFailed, statement: statement)
        default:
            throw PostgresError(
                code: .unexpectedResult,
                message: "unexpected result status \(String(cString: PQresStatus(PQresultStatus(result))))",
                statement: statement
            )
        }
    }

    /// Builds an error from a failed result, with every diagnostic field the server sent.
    func serverError(_ result: OpaquePointer, code: PostgresError.Code, statement: String?) -> PostgresError {
        func field(_ name: Int32) -> String? {
            guard let value = PQresultErrorField(result, name) else { return nil }
            return String(cString: value)
        }
        let sqlState = field(b24pg_diag_sqlstate)
        let message = field(b24pg_diag_message_primary) ?? Self.trimmed(String(cString: PQresultErrorMessage(result)))
        let lost = PQstatus(handle) != CONNECTION_OK || sqlState.map { $0.hasPrefix("08") || $0 == "57P01" } == true
        return PostgresError(
            code: lost && code == .statementFailed ? .connectionLost : code,
            sqlState: sqlState,
            message: connectionString.scrub(message),
            detail: field(b24pg_diag_message_detail),
            hint: field(b24pg_diag_message_hint),
            context: field(b24pg_diag_context),
            statement: statement
        )
    }

    /// Builds an error from the connection's own message (no result to read).
    func connectionError(statement: String?, code: PostgresError.Code? = nil) -> PostgresError {
        let lost = PQstatus(handle) != CONNECTION_OK
        return PostgresError(
            code: code ?? (lost ? .connectionLost : .statementFailed),
            message: connectionString.scrub(Self.errorMessage(handle)),
            statement: statement
        )
    }

    static func errorMessage(_ handle: OpaquePointer) -> String {
        guard let text = PQerrorMessage(handle) else { return "unknown libpq error" }
        let message = trimmed(String(cString: text))
        return message.isEmpty ? "unknown libpq error" : message
    }

    static func trimmed(_ text: String) -> String {
        var result = Substring(text)
        while let last = result.last, last.isWhitespace { result.removeLast() }
        while let first = result.first, first.isWhitespace { result.removeFirst() }
        return String(result)
    }

    static func affectedRows(_ result: OpaquePointer) -> Int {
        guard let text = PQcmdTuples(result) else { return 0 }
        return Int(String(cString: text)) ?? 0
    }

    private static func decode(_ result: OpaquePointer) -> QueryResult {
        let columnCount = Int(PQnfields(result))
        let rowCount = Int(PQntuples(result))
        let columns = (0..<columnCount).map { String(cString: PQfname(result, Int32($0))) }
        var rows: [[String?]] = []
        rows.reserveCapacity(rowCount)
        for row in 0..<Int32(rowCount) {
            var values: [String?] = []
            values.reserveCapacity(columnCount)
            for column in 0..<Int32(columnCount) {
                if PQgetisnull(result, row, column) == 1 {
                    values.append(nil)
                } else {
                    values.append(String(cString: PQgetvalue(result, row, column)))
                }
            }
            rows.append(values)
        }
        return QueryResult(columns: columns, rows: rows, affectedRows: rowCount)
    }
}

/// Hands libpq a C array of C strings for the duration of `body`.
private func withCStringArray<R>(
    _ values: [String?],
    _ body: (UnsafePointer<UnsafePointer<CChar>?>?) -> R
) -> R {
    var pointers: [UnsafeMutablePointer<CChar>?] = values.map { value in value.flatMap { strdup($0) } }
    defer { pointers.forEach { free($0) } }
    return pointers.withUnsafeMutableBufferPointer { buffer in
        guard let base = buffer.baseAddress else { return body(nil) }
        return base.withMemoryRebound(to: UnsafePointer<CChar>?.self, capacity: buffer.count) { body($0) }
    }
}
