import B24Core
import Foundation
import ProcessSupport
import Subprocess
import SystemPackage

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Runs the built `b24pg` binary, as a user would.
enum B24pgProcess {
    /// `.build/debug/b24pg` next to this checkout (built by `make test` before the tests run).
    static var executable: URL {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        return root.appendingPathComponent(".build/debug/b24pg")
    }

    /// Runs `b24pg arguments…` to completion (swift-subprocess) with `environment` laid over this
    /// process's; returns the exit code (128 + signal when killed), standard output and standard
    /// error, each on its own.
    static func run(
        _ arguments: [String], environment: [String: String] = [:]
    ) async throws -> (code: Int32, out: String, err: String) {
        var overrides: [Environment.Key: String?] = [:]
        for (key, value) in environment {
            if let name = Environment.Key(rawValue: key) { overrides[name] = value }
        }
        let result = try await Subprocess.run(
            .path(FilePath(executable.path)), arguments: Arguments(arguments),
            environment: .inherit.updating(overrides), output: .string(limit: 16 << 20),
            error: .string(limit: 16 << 20))
        let code: Int32
        switch result.terminationStatus {
        case .exited(let status): code = status
        case .signaled(let signal): code = 128 + signal
        }
        return (code, result.standardOutput, result.standardError)
    }

    /// POSTs a JSON body (a simulator control route, or a REST call through the webhook) and
    /// returns the status and the parsed answer.
    @discardableResult
    static func post(_ url: String, _ json: String) async throws -> (status: Int, body: JSON) {
        guard let target = URL(string: url) else { throw SimulatorError.noWebhook(url) }
        var request = URLRequest(url: target)
        request.httpMethod = "POST"
        request.httpBody = Data(json.utf8)
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        let (data, response) = try await URLSession.shared.data(for: request)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, (try? JSON.parse(Array(data))) ?? .null)
    }

    /// A running `b24pg sim`, stopped by `stop()`.
    final class Simulator {
        private let child: ChildProcess
        /// The webhook URL the simulator printed.
        let webhook: String
        /// The server's base URL.
        let baseURL: String

        /// Starts `b24pg sim` on a free port and waits for its webhook line.
        init(_ arguments: [String]) throws {
            child = try ChildProcess(B24pgProcess.executable.path, ["sim", "--port", "0"] + arguments)
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

        /// The OAuth application the simulator printed: its id, secret and first refresh token.
        var oauth: (clientID: String, clientSecret: String, refreshToken: String)? {
            var values: [String: String] = [:]
            for line in child.output.split(separator: "\n") where line.hasPrefix("oauth: ") {
                for pair in line.dropFirst("oauth: ".count).split(separator: " ") {
                    let parts = pair.split(separator: "=", maxSplits: 1)
                    if parts.count == 2 { values[String(parts[0])] = String(parts[1]) }
                }
            }
            guard let id = values["client_id"], let secret = values["client_secret"],
                let refresh = values["refresh_token"]
            else { return nil }
            return (id, secret, refresh)
        }

        /// The name `b24pg sync` gives the portal without a config: `127.0.0.1:PORT`.
        var portalName: String { String(baseURL.dropFirst("http://".count)) }

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
