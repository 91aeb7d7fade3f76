/// One `[[portal]]` of the config file, its secret resolved from the reference it gave.
public struct PortalEntry: Sendable, Equatable, CustomStringConvertible {
    /// The portal's name: how `etl.portal` keys it.
    public var name: String
    /// How b24pg reads it: a webhook or an OAuth application, its secrets read from the variables
    /// or files the entry names (never printed: `description` leaves them out).
    public var access: PortalAccess
    /// Its settings, `[defaults]` overridden by the entry.
    public var settings: PortalSettings
    /// The line of its `[[portal]]` header.
    public var line: Int

    /// An entry.
    public init(name: String, access: PortalAccess, settings: PortalSettings, line: Int) {
        self.name = name
        self.access = access
        self.settings = settings
        self.line = line
    }

    /// The incoming webhook URL, when the portal is read through one.
    public var webhookURL: String? {
        if case .webhook(let url) = access { return url }
        return nil
    }

    /// Whether `name` may name a portal: 1 to 100 ASCII letters, digits, `.`, `_`, `:` or `-`.
    public static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.count <= 100
            && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "._:-".contains($0)) }
    }

    /// The name and schedule, never the webhook.
    public var description: String { "\(name) (\(settings.schedule))" }
}
