import Foundation

/// A child process for the benchmark: standard output to a file, standard error discarded,
/// reaped with `wait4` so its peak resident memory can be read.
final class SpawnedProcess: @unchecked Sendable {
    // Safe: `pid` and `outputPath` never change; `reaped` is only touched while holding `lock`.
    /// The child's pid.
    let pid: pid_t
    private let outputPath: String
    private let lock = NSLock()
    private var reaped = false

    /// Starts `executable arguments…`.
    init(_ executable: String, _ arguments: [String]) throws {
        outputPath =
            FileManager.default.temporaryDirectory.appendingPathComponent("b24pg-bench-\(UUID().uuidString)")
            .path
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var child: pid_t = 0
        let result = posix_spawn(&child, executable, &actions, nil, argv, environ)
        guard result == 0 else { throw POSIXError(POSIXErrorCode(rawValue: result) ?? .EINVAL) }
        pid = child
    }

    /// What the child wrote to standard output so far.
    var output: String {
        (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
    }

    /// Resident memory now, in bytes (0 once the child has ended).
    var residentBytes: Int {
        statusBytes("VmRSS:")
    }

    /// The most resident memory the child has had since it started, in bytes (0 once it has
    /// ended). Unlike `wait4`'s `ru_maxrss`, which starts from the spawning process's own peak
    /// (`posix_spawn` shares its memory until the exec), this is the child's alone.
    var peakResidentBytes: Int {
        statusBytes("VmHWM:")
    }

    private func statusBytes(_ field: String) -> Int {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix(field) })
        else { return 0 }
        return (Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0) * 1024
    }

    /// CPU time (user and system) the child has used so far, in seconds (0 once it has ended).
    var cpuSeconds: Double {
        // /proc/PID/stat: the command name may hold spaces, so count fields after its ')'.
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return 0 }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return 0 }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// Waits for the child; its exit code, `ru_maxrss` in bytes and CPU seconds.
    func wait() -> (exitCode: Int32, maxResidentBytes: Int, cpuSeconds: Double) {
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) == -1, errno == EINTR {}
        lock.withLock { reaped = true }
        let signal = status & 0x7F
        let seconds = { (time: timeval) in Double(time.tv_sec) + Double(time.tv_usec) / 1_000_000 }
        return (
            signal == 0 ? (status >> 8) & 0xFF : 128 + signal, usage.ru_maxrss * 1024,
            seconds(usage.ru_utime) + seconds(usage.ru_stime)
        )
    }

    /// Stops the child (SIGTERM) and reaps it.
    func stop() {
        guard !lock.withLock({ reaped }) else { return }
        _ = kill(pid, SIGTERM)
        _ = wait()
    }

    deinit {
        if !lock.withLock({ reaped }) {
            _ = kill(pid, SIGKILL)
            var status: Int32 = 0
            waitpid(pid, &status, 0)
        }
        try? FileManager.default.removeItem(atPath: outputPath)
    }
}
