import Foundation

/// Runs the built `b24pg` binary, as a user would.
enum B24pgProcess {
    /// `.build/debug/b24pg` next to this checkout (built by `make test` before the tests run).
    static var executable: URL {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        return root.appendingPathComponent(".build/debug/b24pg")
    }

    /// Runs `b24pg arguments…` to completion; returns exit code, standard output and standard error.
    static func run(
        _ arguments: [String], environment: [String: String] = [:]
    ) throws -> (code: Int32, out: String, err: String) {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (
            process.terminationStatus, String(decoding: outData, as: UTF8.self),
            String(decoding: errData, as: UTF8.self)
        )
    }

    /// A running `b24pg sim`, stopped by `stop()`.
    final class Simulator {
        let process: Process
        /// The webhook URL the simulator printed.
        let webhook: String
        /// The server's base URL.
        let baseURL: String

        /// Starts `b24pg sim` on a free port and waits for its webhook line.
        init(_ arguments: [String]) throws {
            process = Process()
            process.executableURL = B24pgProcess.executable
            process.arguments = ["sim", "--port", "0"] + arguments
            let out = Pipe()
            process.standardOutput = out
            process.standardError = FileHandle.nullDevice
            try process.run()
            var buffer = Data()
            let deadline = Date().addingTimeInterval(60)
            var found: String?
            while found == nil, Date() < deadline {
                let chunk = out.fileHandleForReading.availableData
                if chunk.isEmpty { break }
                buffer.append(chunk)
                let text = String(decoding: buffer, as: UTF8.self)
                if let line = text.split(separator: "\n").first(where: { $0.hasPrefix("webhook: ") }) {
                    found = String(line.dropFirst("webhook: ".count))
                }
            }
            guard let found, let end = found.range(of: "/rest/") else {
                process.terminate()
                throw SimulatorError.noWebhook(String(decoding: buffer, as: UTF8.self))
            }
            webhook = found
            baseURL = String(found[..<end.lowerBound])
        }

        /// Stops the simulator.
        func stop() {
            if process.isRunning {
                process.terminate()
                process.waitUntilExit()
            }
        }

        deinit { stop() }
    }

    enum SimulatorError: Error {
        case noWebhook(String)
    }
}
