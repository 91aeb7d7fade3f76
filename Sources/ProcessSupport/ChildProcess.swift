import Foundation
import Synchronization

/// A child process started with `posix_spawn` and reaped with `wait4`: no run-loop machinery,
/// so waiting cannot hang when many tests spawn processes at once. The end-to-end tests and the
/// benchmark both run `b24pg` through it. Safe to use from several tasks.
public final class ChildProcess: Sendable {
    /// Where the child's standard error goes.
    public enum StandardError: Sendable {
        /// Into the same file as standard output (`output` holds both).
        case merged
        /// To /dev/null.
        case discarded
    }

    /// The child's pid.
    public let pid: pid_t
    private let outputPath: String
    private let exitStatus = Mutex<Int32?>(nil)

    /// Starts `executable arguments…` with standard output (and `standardError`) sent to a
    /// temporary file.
    public init(_ executable: String, _ arguments: [String], standardError: StandardError = .merged) throws {
        outputPath =
            FileManager.default.temporaryDirectory.appendingPathComponent("b24pg-child-\(UUID().uuidString)").path
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        switch standardError {
        case .merged: posix_spawn_file_actions_adddup2(&actions, 1, 2)
        case .discarded: posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        }
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var child: pid_t = 0
        let result = posix_spawn(&child, executable, &actions, nil, argv, environ)
        guard result == 0 else { throw POSIXError(POSIXErrorCode(rawValue: result) ?? .EINVAL) }
        pid = child
    }

    /// Whether the child still runs (reaps it when it has ended).
    public var isRunning: Bool {
        exitStatus.withLock { exitStatus in
            guard exitStatus == nil else { return false }
            var status: Int32 = 0
            guard waitpid(pid, &status, WNOHANG) == pid else { return true }
            exitStatus = status
            return false
        }
    }

    /// Waits for the end and returns the exit code (128 + signal for a killed child).
    @discardableResult
    public func wait() -> Int32 {
        waitWithUsage().exitCode
    }

    /// Waits for the end: the exit code, `wait4`'s `ru_maxrss` in bytes and the CPU seconds used
    /// (both 0 when the child was already reaped). `ru_maxrss` starts from the spawning process's
    /// own peak (`posix_spawn` shares its memory until the exec): use `peakResidentBytes` for the
    /// child's alone.
    public func waitWithUsage() -> (exitCode: Int32, maxResidentBytes: Int, cpuSeconds: Double) {
        var usage = rusage()
        var status: Int32 = 0
        var reaped = exitStatus.withLock { $0 != nil }
        if !reaped {
            var result: pid_t
            repeat { result = wait4(pid, &status, 0, &usage) } while result == -1 && errno == EINTR
            reaped = result != pid
            status = exitStatus.withLock { exitStatus in
                if result == pid { exitStatus = status }
                return exitStatus ?? status
            }
        } else {
            status = exitStatus.withLock { $0 ?? 0 }
        }
        let signal = status & 0x7F
        let seconds = { (time: timeval) in Double(time.tv_sec) + Double(time.tv_usec) / 1_000_000 }
        return (
            signal == 0 ? (status >> 8) & 0xFF : 128 + signal, reaped ? 0 : usage.ru_maxrss * 1024,
            reaped ? 0 : seconds(usage.ru_utime) + seconds(usage.ru_stime)
        )
    }

    /// Sends SIGKILL.
    public func kill() {
        _ = sendSignal(pid, SIGKILL)
    }

    /// Asks the child to stop (SIGTERM) and reaps it.
    public func stop() {
        guard isRunning else { return }
        _ = sendSignal(pid, SIGTERM)
        wait()
    }

    /// Everything the child wrote so far (standard output, and standard error when merged).
    public var output: String {
        (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
    }

    /// Resident memory now, in bytes (0 once the child has ended).
    public var residentBytes: Int {
        statusBytes("VmRSS:")
    }

    /// The most resident memory the child has had since its exec, in bytes (0 once it has ended):
    /// unlike `ru_maxrss`, the child's alone.
    public var peakResidentBytes: Int {
        statusBytes("VmHWM:")
    }

    /// CPU time (user and system) the child has used so far, in seconds (0 once it has ended).
    public var cpuSeconds: Double {
        // /proc/PID/stat: the command name may hold spaces, so count fields after its ')'.
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return 0 }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return 0 }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    private func statusBytes(_ field: String) -> Int {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix(field) })
        else { return 0 }
        return (Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0) * 1024
    }

    deinit {
        if exitStatus.withLock({ $0 == nil }) {
            _ = sendSignal(pid, SIGKILL)
            var status: Int32 = 0
            waitpid(pid, &status, 0)
        }
        try? FileManager.default.removeItem(atPath: outputPath)
    }
}

/// `kill(2)`, by a name the class's own `kill()` does not hide (Glibc or Darwin alike).
private func sendSignal(_ pid: pid_t, _ number: Int32) -> Int32 {
    kill(pid, number)
}
