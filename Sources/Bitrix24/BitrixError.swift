/// Everything that can go wrong talking to a portal, with the context to act on it.
///
/// Carries the HTTP status, the Bitrix error code and description, the method and the portal
/// (host only), and whether retrying can help. Its `description` never holds a webhook code,
/// token or client secret.
public struct BitrixError: Error, CustomStringConvertible, Sendable {
    /// The kind of failure; codes can grow without breaking callers.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }

        /// Bad configuration (URL shape, plain http…).
        public static let configuration = Code("configuration error")
        /// The connection failed, broke or timed out.
        public static let transport = Code("network error")
        /// 503 QUERY_LIMIT_EXCEEDED: the portal's leaky bucket is full.
        public static let rateLimited = Code("rate limited")
        /// 429 OPERATION_TIME_LIMIT: this method used its operating time.
        public static let operatingLimited = Code("operating time limit")
        /// 5xx from the portal.
        public static let server = Code("server error")
        /// The request ran past the portal's time limit (504/408) or no answer came within the
        /// client's timeout: the same request would be cut again, a smaller one may pass.
        public static let timedOut = Code("timed out")
        /// The answer was not the JSON the API promises (cut short, HTML…).
        public static let malformedResponse = Code("malformed response")
        /// 401 expired_token: the OAuth access token needs a refresh.
        public static let tokenExpired = Code("token expired")
        /// Wrong webhook code or token, or a refresh that was refused.
        public static let authentication = Code("authentication failed")
        /// 403: scope, plan or permission.
        public static let accessDenied = Code("access denied")
        /// The record does not exist.
        public static let notFound = Code("not found")
        /// 404: the method does not exist.
        public static let methodNotFound = Code("method not found")
        /// 400: the portal rejected the arguments.
        public static let badRequest = Code("bad request")
        /// The portal was deleted.
        public static let portalDeleted = Code("portal deleted")
        /// 302: the portal's address changed.
        public static let portalMoved = Code("portal moved")
        /// Retries ran out (attempts or time); `underlying` says what failed last.
        public static let retriesExhausted = Code("retries exhausted")

        /// A short human name.
        public var description: String { name }
    }

    /// The kind of failure.
    public var code: Code
    /// HTTP status, when the portal answered.
    public var httpStatus: Int?
    /// The `error` field of the envelope (`""` for CRM legacy errors).
    public var bitrixCode: String?
    /// What went wrong, in words (the `error_description`, or the network error).
    public var message: String
    /// The REST method concerned.
    public var method: String?
    /// The portal (`https://host`), never the webhook path.
    public var portal: String?
    /// Unix time after which a 429 method may be called again.
    public var resetAt: Double?
    /// Attempts made before giving up (for `retriesExhausted`).
    public var attempts: Int?

    /// Creates an error.
    public init(
        code: Code, httpStatus: Int? = nil, bitrixCode: String? = nil, message: String, method: String? = nil,
        portal: String? = nil, resetAt: Double? = nil, attempts: Int? = nil
    ) {
        self.code = code
        self.httpStatus = httpStatus
        self.bitrixCode = bitrixCode
        self.message = message
        self.method = method
        self.portal = portal
        self.resetAt = resetAt
        self.attempts = attempts
    }

    /// A configuration error with `message`.
    public static func configuration(_ message: String) -> BitrixError {
        BitrixError(code: .configuration, message: message)
    }

    /// Whether the same request may succeed later: limits, 5xx, network faults, cut bodies.
    public var isRetryable: Bool {
        [.transport, .rateLimited, .operatingLimited, .server, .malformedResponse, .timedOut].contains(code)
    }

    /// Whether the portal refused the request before running it (safe to repeat even for writes).
    public var wasNotExecuted: Bool {
        code == .rateLimited || code == .operatingLimited
    }

    /// One line: what, where, HTTP status and Bitrix code.
    public var description: String {
        var text = "Bitrix24 \(code)"
        if let method { text += " in \(method)" }
        if let portal { text += " at \(portal)" }
        var details: [String] = []
        if let httpStatus { details.append("HTTP \(httpStatus)") }
        if let bitrixCode, !bitrixCode.isEmpty { details.append(bitrixCode) }
        if let attempts { details.append("after \(attempts) attempts") }
        if !details.isEmpty { text += " (\(details.joined(separator: ", ")))" }
        return text + ": " + message
    }

    /// Maps an error answer to a typed error, classified as retryable or fatal.
    static func fromAnswer(
        status: Int, bitrixCode: String?, description: String?, method: String?, portal: String?
    ) -> BitrixError {
        let errorCode = bitrixCode ?? ""
        let text = description ?? (errorCode.isEmpty ? "HTTP \(status)" : errorCode)
        let kind: Code
        switch (status, errorCode.uppercased()) {
        case (_, "QUERY_LIMIT_EXCEEDED"): kind = .rateLimited
        case (_, "OPERATION_TIME_LIMIT"): kind = .operatingLimited
        case (_, "EXPIRED_TOKEN"): kind = .tokenExpired
        case (_, "PORTAL_DELETED"): kind = .portalDeleted
        case (_, "OVERLOAD_LIMIT"): kind = .accessDenied
        case (_, "ERROR_METHOD_NOT_FOUND"): kind = .methodNotFound
        case (_, "NOT_FOUND"), (_, "OWNER_NOT_FOUND"): kind = .notFound
        case (401, _), (_, "NO_AUTH_FOUND"), (_, "INVALID_TOKEN"), (_, "INVALID_CREDENTIALS"), (_, "INVALID_GRANT"),
            (_, "INVALID_CLIENT"):
            kind = .authentication
        case (403, _), (_, "ACCESS_DENIED"), (_, "INSUFFICIENT_SCOPE"): kind = .accessDenied
        case (404, _): kind = .methodNotFound
        case (410, _): kind = .portalDeleted
        case (504, _), (408, _): kind = .timedOut
        case (300..<400, _): kind = .portalMoved
        case (500..<600, _): kind = .server
        case (429, _): kind = .operatingLimited
        default:
            kind = text.lowercased().hasPrefix("not found") ? .notFound : .badRequest
        }
        return BitrixError(
            code: kind, httpStatus: status == 0 ? nil : status, bitrixCode: bitrixCode, message: text, method: method,
            portal: portal)
    }
}
