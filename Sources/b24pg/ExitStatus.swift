import Foundation

/// The exit codes cron and systemd see (DESIGN.md §3).
enum ExitStatus {
    /// The run did its job.
    static let success: Int32 = 0
    /// The run failed; nothing is committed past the last good checkpoint.
    static let failed: Int32 = 1
    /// The command line or the configuration is wrong.
    static let usage: Int32 = 2
    /// Another sync of the same portal holds the lock.
    static let locked: Int32 = 3
}

/// A failure a command reports with its message and exit code; the message never holds a secret.
struct RunFailure: Error {
    /// One line for the user.
    var message: String
    /// The process exit code.
    var exitCode: Int32

    /// A failed run (exit 1) described by `error`'s own one-line description.
    static func failed(_ error: any Error) -> RunFailure {
        RunFailure(message: String(describing: error), exitCode: ExitStatus.failed)
    }
}

/// Writes one line to standard error.
func printError(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}
