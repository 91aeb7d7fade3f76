import B24Core

/// An error the portal answers with: HTTP status plus the `error` / `error_description` envelope.
public struct MethodError: Error, Sendable, Equatable {
    /// HTTP status of the answer (inside a batch, the status is not sent).
    public var status: Int
    /// Bitrix error code; `""` for CRM legacy method errors.
    public var code: String
    /// Human-readable description.
    public var description: String

    /// The envelope body.
    var json: JSON {
        ["error": .string(code), "error_description": .string(description)]
    }

    static func notFound(_ text: String = "Not found") -> MethodError {
        MethodError(status: 400, code: "", description: text)
    }
    static func invalidID(_ text: String = "ID is not defined or invalid.") -> MethodError {
        MethodError(status: 400, code: "", description: text)
    }
    /// The caller may not read the record (`crm.lead.get` and children of a lead it cannot see).
    static let accessDenied = MethodError(status: 400, code: "", description: "Access denied.")
    static let methodNotFound = MethodError(
        status: 404, code: "ERROR_METHOD_NOT_FOUND", description: "Method not found!")
    static let queryLimit = MethodError(status: 503, code: "QUERY_LIMIT_EXCEEDED", description: "Too many requests")
    static let operationTimeLimit = MethodError(
        status: 429, code: "OPERATION_TIME_LIMIT", description: "Method is blocked due to operation time limit.")
    static let wrongAuth = MethodError(status: 401, code: "NO_AUTH_FOUND", description: "Wrong authorization data")
    static let expiredToken = MethodError(
        status: 401, code: "expired_token", description: "The access token provided has expired.")
    static let invalidToken = MethodError(
        status: 401, code: "invalid_token", description: "Unable to get application by token")
    static let batchMethodNotAllowed = MethodError(
        status: 405, code: "ERROR_BATCH_METHOD_NOT_ALLOWED", description: "Method is not allowed for batch usage")
    static let batchLengthExceeded = MethodError(
        status: 400, code: "ERROR_BATCH_LENGTH_EXCEEDED", description: "Max batch length exceeded")
    /// The request ran past the portal's time limit; the front server answers with an HTML page.
    static let gatewayTimeout = MethodError(status: 504, code: "", description: "Gateway Time-out")
    static func argument(_ text: String) -> MethodError {
        MethodError(status: 400, code: "INVALID_ARG_VALUE", description: text)
    }
}

/// What one method call produced: a result with optional paging fields, or an error.
public enum MethodOutcome: Sendable, Equatable {
    /// `result`, plus `total`/`next` when the method pages.
    case success(result: JSON, total: Int?, next: Int?)
    /// The error envelope.
    case failure(MethodError)

    static func result(_ json: JSON) -> MethodOutcome {
        .success(result: json, total: nil, next: nil)
    }
}
