import CLibPQ
import Foundation

/// A libpq connection string (keyword/value or `postgresql://` URI) that never prints its password.
///
/// `description` shows the string with the password replaced by `***`, so it is safe for
/// logs, `b24pg status` and error messages.
public struct ConnectionString: Sendable, CustomStringConvertible {
    /// The raw text handed to libpq; do not log it.
    public let rawValue: String

    /// Wraps a connection string; an empty one means "libpq's PG* environment variables".
    public init(_ rawValue: String) {
        self.rawValue = rawValue
    }

    /// The connection string from `DATABASE_URL`, or an empty one so that `PGHOST`, `PGUSER`… apply.
    public static func fromEnvironment(_ environment: [String: String]) -> ConnectionString {
        ConnectionString(environment["DATABASE_URL"] ?? "")
    }

    /// The password in the string, or in `PGPASSWORD` when the string has none; used to scrub messages.
    public var password: String? {
        parsedOptions()["password"] ?? nil
    }

    /// The target database as libpq will see it, for messages (`host:port/dbname`, no user or password).
    public var safeTarget: String {
        let options = parsedOptions()
        let host = (options["host"] ?? nil) ?? Self.environmentValue("PGHOST") ?? "local socket"
        let port = (options["port"] ?? nil) ?? Self.environmentValue("PGPORT") ?? "5432"
        let database = (options["dbname"] ?? nil) ?? Self.environmentValue("PGDATABASE") ?? "default database"
        return "\(host):\(port)/\(database)"
    }

    /// The string with its password masked.
    public var description: String {
        guard !rawValue.isEmpty else { return "(libpq environment)" }
        return scrub(rawValue)
    }

    /// Replaces every occurrence of the password in `text` with `***`.
    public func scrub(_ text: String) -> String {
        var result = text
        for secret in [password, Self.environmentValue("PGPASSWORD")].compactMap({ $0 }) where !secret.isEmpty {
            result = result.replacingAll(secret, with: "***")
            let encoded = Self.percentEncoded(secret)
            if encoded != secret { result = result.replacingAll(encoded, with: "***") }
        }
        return result
    }

    /// Parses the string with libpq itself, so the rules are exactly libpq's.
    private func parsedOptions() -> [String: String?] {
        var errorMessage: UnsafeMutablePointer<CChar>?
        guard let options = PQconninfoParse(rawValue, &errorMessage) else {
            if let errorMessage { PQfreemem(errorMessage) }
            return [:]
        }
        defer { PQconninfoFree(options) }
        var result: [String: String?] = [:]
        var cursor = options
        while let keyword = cursor.pointee.keyword {
            result[String(cString: keyword)] = cursor.pointee.val.map { String(cString: $0) }
            cursor += 1
        }
        return result
    }

    private static func environmentValue(_ name: String) -> String? {
        guard let value = getenv(name) else { return nil }
        let text = String(cString: value)
        return text.isEmpty ? nil : text
    }

    /// RFC 3986's unreserved characters: everything else in a URI password is `%XX`.
    private static let unreserved = CharacterSet(
        charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    private static func percentEncoded(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? text
    }
}

extension String {
    fileprivate func replacingAll(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        var result = ""
        var rest = self[...]
        while let range = rest.range(of: target) {
            result += rest[..<range.lowerBound]
            result += replacement
            rest = rest[range.upperBound...]
        }
        result += rest
        return result
    }
}
