/// One error type for everything that can go wrong between b24pg and PostgreSQL.
///
/// It carries what the server said (SQLSTATE, message, detail, hint, context) and what
/// b24pg was doing (the statement, or the COPY line that failed). Its `description` is one
/// line a user can act on and never contains a password: connection parameters are not
/// part of it, and libpq's own messages are scrubbed of the password before they land here.
public struct PostgresError: Error, CustomStringConvertible, Sendable {
    /// What kind of failure this is; codes can grow without breaking callers.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Sendable {
            case connectionFailed = "connection failed"
            case connectionLost = "connection lost"
            case statementFailed = "statement failed"
            case copyFailed = "COPY failed"
            case copyAborted = "COPY aborted"
            case unexpectedResult = "unexpected result"
        }

        private let base: Base

        private init(_ base: Base) {
            self.base = base
        }

        /// The connection could not be opened (wrong host, password, database…).
        public static let connectionFailed = Code(.connectionFailed)
        /// An open connection broke (server restarted, network gone).
        public static let connectionLost = Code(.connectionLost)
        /// The server rejected a statement.
        public static let statementFailed = Code(.statementFailed)
        /// The server rejected COPY data, or the COPY protocol failed.
        public static let copyFailed = Code(.copyFailed)
        /// The caller threw inside a COPY; the server was told to discard it.
        public static let copyAborted = Code(.copyAborted)
        /// The server answered with something the caller did not ask for.
        public static let unexpectedResult = Code(.unexpectedResult)

        /// A short human name for the code.
        public var description: String { base.rawValue }
    }

    /// What kind of failure this is.
    public var code: Code
    /// The five-character SQLSTATE the server sent, when it sent one (e.g. `22P02`).
    public var sqlState: String?
    /// The primary message from the server or libpq.
    public var message: String
    /// The server's DETAIL line, if any.
    public var detail: String?
    /// The server's HINT line, if any.
    public var hint: String?
    /// The server's CONTEXT, which names the COPY line and column for COPY errors.
    public var context: String?
    /// The statement b24pg sent (parameters are never included).
    public var statement: String?

    /// Creates an error; LibPQ fills these from libpq, other modules rarely need to.
    public init(
        code: Code,
        sqlState: String? = nil,
        message: String,
        detail: String? = nil,
        hint: String? = nil,
        context: String? = nil,
        statement: String? = nil
    ) {
        self.code = code
        self.sqlState = sqlState
        self.message = message
        self.detail = detail
        self.hint = hint
        self.context = context
        self.statement = statement
    }

    /// The line of the COPY data that failed, as the server counted it (1-based), if known.
    public var copyLine: Int? {
        guard let context, let range = context.range(of: ", line ") else { return nil }
        let digits = context[range.upperBound...].prefix { $0.isNumber }
        return Int(digits)
    }

    /// One line: code, SQLSTATE, message, detail, hint, context and the start of the statement.
    public var description: String {
        var parts = ["PostgreSQL \(code)"]
        if let sqlState { parts[0] += " (SQLSTATE \(sqlState))" }
        parts.append(Self.oneLine(message))
        if let detail { parts.append("detail: \(Self.oneLine(detail))") }
        if let hint { parts.append("hint: \(Self.oneLine(hint))") }
        if let context { parts.append("context: \(Self.oneLine(context, limit: 300))") }
        if let statement { parts.append("statement: \(Self.oneLine(statement, limit: 160))") }
        return parts.joined(separator: "; ")
    }

    /// Folds whitespace runs (newlines included) into single spaces and caps the length.
    static func oneLine(_ text: String, limit: Int = 500) -> String {
        let folded = text.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        guard folded.count > limit else { return folded }
        return String(folded.prefix(limit)) + "…"
    }
}
