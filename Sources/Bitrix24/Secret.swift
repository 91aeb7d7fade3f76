/// A value that must never be printed: its description is always `***`.
public struct Secret: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The secret itself; read it only to put it on the wire.
    public let value: String

    /// Wraps a secret.
    public init(_ value: String) {
        self.value = value
    }

    /// Always `***`.
    public var description: String { "***" }

    /// Always `***`.
    public var debugDescription: String { "***" }
}
