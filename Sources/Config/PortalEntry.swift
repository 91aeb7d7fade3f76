/// One `[[portal]]` of the config file, its secret resolved from the reference it gave.
public struct PortalEntry: Sendable, Equatable, CustomStringConvertible {
    /// The portal's name: how `etl.portal` keys it.
    public var name: String
    /// The incoming webhook URL, read from the variable or file the entry names. A secret: never
    /// printed (`description` leaves it out).
    public var webhookURL: String
    /// Its settings, `[defaults]` overridden by the entry.
    public var settings: PortalSettings
    /// The line of its `[[portal]]` header.
    public var line: Int

    /// An entry.
    public init(name: String, webhookURL: String, settings: PortalSettings, line: Int) {
        self.name = name
        self.webhookURL = webhookURL
        self.settings = settings
        self.line = line
    }

    /// Whether `name` may name a portal: 1 to 100 ASCII letters, digits, `.`, `_`, `:` or `-`.
    public static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.count <= 100
            && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "._:-".contains($0)) }
    }

    /// The name and schedule, never the webhook.
    public var description: String { "\(name) (\(settings.schedule))" }
}
