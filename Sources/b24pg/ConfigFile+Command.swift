import Config

extension ConfigFile {
    /// The checked config file for a command; any problem is a usage failure (exit 2) naming the
    /// file, line and key.
    static func forCommand(path: String, environment: [String: String]) throws -> ConfigFile {
        do {
            return try load(path: path, environment: environment)
        } catch {
            throw RunFailure(message: error.description, exitCode: ExitStatus.usage)
        }
    }
}
