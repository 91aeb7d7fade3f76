import Foundation
import ProcessSupport

/// Runs the built `b24pg` binary, as a user would.
enum B24pgProcess {
    /// `.build/debug/b24pg` next to this checkout (built by `make test` before the tests run).
    static var executable: URL {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        return root.appendingPathComponent(".build/debug/b24pg")
    }

    /// Runs `b24pg arguments…` to completion; returns the exit code and its output (standard
    /// output and error together, in both `out` and `err`).
    static func run(
        _ arguments: [String], environment: [String: String] = [:]
    ) throws -> (code: Int32, out: String, err: String) {
        let child = try environmentLock.withLock {
            var saved: [String: String?] = [:]
            for (key, value) in environment {
                saved[key] = getenv(key).map { String(cString: $0) }
                setenv(key, value, 1)
            }
            defer {
                for (key, value) in saved {
                    if let value { setenv(key, value, 1) } else { unsetenv(key) }
                }
            }
            return try ChildProcess(executable.path, arguments)
        }
        let code = child.wait()
        let output = child.output
        return (code, output, output)
    }

    /// Serialises environment changes with process starts, so parallel tests do not see each other's variables.
    static let environmentLock = NSLock()

    /// A running `b24pg sim`, stopped by `stop()`.
    final class Simulator {
        private let child: ChildProcess
        /// The webhook URL the simulator printed.
        let webhook: String
        /// The server's base URL.
        let baseURL: String

        /// Starts `b24pg sim` on a free port and waits for its webhook line.
        init(_ arguments: [String]) throws {
            child = try environmentLock.withLock {
                try ChildProcess(B24pgProcess.executable.path, ["sim", "--port", "0"] + arguments)
            }
            let deadline = Date().addingTimeInterval(60)
            var found: String?
            while found == nil, Date() < deadline, child.isRunning {
                usleep(20_000)
                found = child.output.split(separator: "\n").first { $0.hasPrefix("webhook: ") }.map {
                    String($0.dropFirst("webhook: ".count))
                }
            }
            guard let found, let end = found.range(of: "/rest/") else {
                child.kill()
                throw SimulatorError.noWebhook(child.output)
            }
            webhook = found
            baseURL = String(found[..<end.lowerBound])
        }

        /// Stops the simulator.
        func stop() {
            if child.isRunning { child.kill() }
            child.wait()
        }

        deinit { stop() }
    }

    enum SimulatorError: Error {
        case noWebhook(String)
    }
}
