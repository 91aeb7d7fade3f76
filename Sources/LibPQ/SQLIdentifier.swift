import Foundation

/// Quoting for names that go into SQL text built at run time (tables, columns, custom fields).
public enum SQLIdentifier {
    /// `name` as a quoted identifier: wrapped in double quotes, inner quotes doubled, NUL removed.
    public static func quoted(_ name: String) -> String {
        let cleaned = name.replacingOccurrences(of: "\u{0}", with: "")
        return "\"" + cleaned.split(separator: "\"", omittingEmptySubsequences: false).joined(separator: "\"\"") + "\""
    }

    /// `schema.name`, each part quoted.
    public static func quoted(schema: String, _ name: String) -> String {
        quoted(schema) + "." + quoted(name)
    }
}
