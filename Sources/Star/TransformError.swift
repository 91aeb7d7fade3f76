/// A record that cannot be loaded exactly: it is skipped, counted and named in the run log.
public struct TransformError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The entity, e.g. `lead`, `product row`, `stage history`.
    public var entity: String
    /// The record's id (the lead id for leads and their children), when known.
    public var id: Int64?
    /// The field that is wrong.
    public var field: String
    /// Why (the value is quoted, shortened, never a secret: records hold CRM data only).
    public var reason: String

    /// Creates an error.
    public init(entity: String, id: Int64?, field: String, reason: String) {
        self.entity = entity
        self.id = id
        self.field = field
        self.reason = reason
    }

    /// `lead 42: OPPORTUNITY "abc" is not a number`.
    public var description: String {
        "\(entity) \(id.map(String.init) ?? "?"): \(field) \(reason)"
    }
}
