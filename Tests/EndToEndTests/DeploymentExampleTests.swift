import Config
import Foundation
import ProcessSupport
import Testing

@Suite("The deployment examples in deploy/: systemd units, Kubernetes manifests and the config file")
struct DeploymentExampleTests {
    static let deploy = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("deploy")

    static func text(_ path: String) throws -> String {
        try String(contentsOf: deploy.appendingPathComponent(path), encoding: .utf8)
    }

    /// Runs `executable arguments…` and returns its exit code and output (standard error merged).
    static func run(_ executable: String, _ arguments: [String]) throws -> (code: Int32, output: String) {
        let child = try ChildProcess(executable, arguments)
        let code = child.wait()
        return (code, child.output)
    }

    /// The b24pg arguments of a command line (after the binary, `%i` as a portal name).
    static func b24pgArguments(_ line: some StringProtocol) -> [String] {
        Array(line.split(separator: " ").dropFirst().map { $0.replacingOccurrences(of: "%i", with: "acme") })
    }

    /// Every option b24pg is given in an example is one it knows: with the secrets and files absent
    /// the command stops on those (exit 2, a message about them), never on an unknown option.
    static func expectAccepted(_ arguments: [String], sourceLocation: SourceLocation = #_sourceLocation) throws {
        let run = try Self.run(B24pgProcess.executable.path, arguments)
        #expect(run.code == 2, "\(arguments): \(run.output)", sourceLocation: sourceLocation)
        #expect(
            !run.output.contains("Unknown option") && !run.output.contains("Usage:"), "\(arguments): \(run.output)",
            sourceLocation: sourceLocation)
    }

    @Test("the systemd units pass systemd-analyze verify without a warning, and b24pg accepts their command lines")
    func systemdUnits() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "b24pg-units-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var units: [String] = []
        for (file, instance) in [
            ("b24pg-sync@.service", "b24pg-sync@acme.service"), ("b24pg-sync@.timer", "b24pg-sync@acme.timer"),
            ("b24pg-worker.service", "b24pg-worker.service"),
        ] {
            let text = try Self.text("systemd/\(file)")
            for line in text.split(separator: "\n") where line.hasPrefix("ExecStart=") {
                try Self.expectAccepted(Self.b24pgArguments(line.dropFirst("ExecStart=".count)))
            }
            let local = text.replacingOccurrences(of: "/usr/local/bin/b24pg", with: B24pgProcess.executable.path)
            try Data(local.utf8).write(to: directory.appendingPathComponent(instance))
            units.append(directory.appendingPathComponent(instance).path)
        }
        let verify = try Self.run("/usr/bin/systemd-analyze", ["verify", "--man=no"] + units)
        #expect(verify.code == 0 && verify.output.isEmpty, "\(verify.output)")
    }

    @Test(
        "the Kubernetes manifests parse; the CronJob never overlaps; b24pg accepts every container's arguments and the ConfigMap's config"
    )
    func kubernetesManifests() throws {
        // One line per document: kind, then facts the examples promise, then the container args.
        let script = """
            import json, sys, yaml
            for path in sys.argv[1:]:
                for doc in yaml.safe_load_all(open(path)):
                    kind = doc["kind"]
                    if kind == "ConfigMap":
                        print(json.dumps({"kind": kind, "config": doc["data"]["b24pg.toml"]}))
                        continue
                    spec = doc["spec"]
                    pod = spec["jobTemplate"]["spec"]["template"]["spec"] if kind == "CronJob" else spec["template"]["spec"]
                    print(json.dumps({"kind": kind, "policy": spec.get("concurrencyPolicy"),
                                      "grace": pod.get("terminationGracePeriodSeconds"),
                                      "args": pod["containers"][0]["args"]}))
            """
        let run = try Self.run(
            "/usr/bin/python3",
            ["-c", script]
                + ["cronjob-single-portal.yaml", "worker-deployment.yaml"].map {
                    Self.deploy.appendingPathComponent("kubernetes/\($0)").path
                })
        #expect(run.code == 0, "\(run.output)")
        let documents = run.output.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        #expect(documents.map { $0["kind"] as? String } == ["CronJob", "ConfigMap", "Deployment"])
        #expect(documents.first?["policy"] as? String == "Forbid")
        #expect((documents.last?["grace"] as? Int ?? 0) >= 60, "time for the running syncs to drain")
        for document in documents {
            if let args = document["args"] as? [String] { try Self.expectAccepted(args) }
            if let config = document["config"] as? String {
                let file = try ConfigFile.parse(
                    config, path: "b24pg.toml", environment: [:], readFile: { _ in "https://a.bitrix24.com/rest/1/x/" })
                #expect(file.portals.map(\.name) == ["acme", "globex-eu"])
                #expect(file.worker.metricsPort == 9464 && file.worker.metricsHost == "0.0.0.0")
            }
        }
    }

    @Test("deploy/b24pg.toml, the README's config reference, is a valid config")
    func configExample() throws {
        let file = try ConfigFile.parse(
            try Self.text("b24pg.toml"), path: "b24pg.toml",
            environment: [
                "WAREHOUSE_URL": "postgresql://etl@db/warehouse", "ACME_WEBHOOK": "https://a.bitrix24.com/rest/1/x/",
            ],
            readFile: { _ in "https://g.bitrix24.de/rest/1/y/" })
        #expect(file.portals.map(\.name) == ["acme", "globex-eu"])
        #expect(file.portals[1].settings.schedule == .daily(minuteOfDay: 150) && file.portals[1].settings.rate == 5)
        #expect(file.worker.backoffMaxSeconds == 21_600 && file.databaseURL == "postgresql://etl@db/warehouse")
        let readme = try String(
            contentsOf: Self.deploy.deletingLastPathComponent().appendingPathComponent("README.md"), encoding: .utf8)
        #expect(readme.contains(try Self.text("b24pg.toml")), "the README shows this very file")
    }
}
