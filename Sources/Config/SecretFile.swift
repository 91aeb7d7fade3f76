import Foundation

/// Reads small files: the config file itself and the secrets `…_file` keys name.
public enum SecretFile {
    /// A file that could not be read, with the reason (never its content).
    public struct Failure: Error, Sendable {
        /// `no such file`, `permission denied`…
        public var reason: String

        /// A failure for `reason`.
        public init(reason: String) {
            self.reason = reason
        }
    }

    /// The file's text (UTF-8), at most 1 MiB.
    public static func read(_ path: String) throws(Failure) -> String {
        let files = FileManager.default
        var isDirectory: ObjCBool = false
        guard files.fileExists(atPath: path, isDirectory: &isDirectory) else { throw Failure(reason: "no such file") }
        guard !isDirectory.boolValue else { throw Failure(reason: "a directory") }
        guard files.isReadableFile(atPath: path) else { throw Failure(reason: "permission denied") }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw Failure(reason: "read failed")
        }
        guard data.count <= 1 << 20 else { throw Failure(reason: "larger than 1 MiB") }
        return String(decoding: data, as: UTF8.self)
    }
}
