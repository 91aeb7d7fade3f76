/// A config file that cannot be used, with the file, the line and the key it concerns (exit 2).
public struct ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The config file's path as given.
    public var file: String
    /// The 1-based line the problem is on, when it can be told.
    public var line: Int?
    /// The key concerned, with its table (`portal[2].rate`), when there is one.
    public var key: String?
    /// What is wrong, never a secret's value.
    public var message: String

    /// An error about `key` on `line` of `file`.
    public init(file: String, line: Int? = nil, key: String? = nil, message: String) {
        self.file = file
        self.line = line
        self.key = key
        self.message = message
    }

    /// `b24pg.toml:12: portal[2].rat: unknown key`, as compilers print positions.
    public var description: String {
        var text = file
        if let line { text += ":\(line)" }
        text += ": "
        if let key { text += "\(key): " }
        return text + message
    }
}
