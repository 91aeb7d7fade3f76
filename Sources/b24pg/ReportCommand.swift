import ArgumentParser
import Foundation
import FunnelReport

/// `b24pg report`: the funnel as one self-contained HTML page.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write the funnel report (HTML with inline charts) from the mart views.")

    @OptionGroup var database: DatabaseOptions

    @Option(help: ArgumentHelp("Where to write the page.", valueName: "file"))
    var out = "report.html"

    @Option(
        help: ArgumentHelp(
            "A portal to report on, by name (its host unless a config file named it); repeat for several (default: every synced portal).",
            valueName: "name"))
    var portal: [String] = []

    @Option(help: "Days of the daily trend.")
    var days = 90

    func run() throws {
        let connection = try database.connect()
        try SyncCommand.requireMigrated(connection)
        do {
            let path = try Self.write(try ReportData.load(connection, hosts: portal, days: days), to: out)
            print("report: \(path)")
        } catch {
            throw RunFailure.failed(error)
        }
    }

    /// Writes the page and returns its absolute path.
    static func write(_ data: [ReportData], to path: String) throws -> String {
        let stamp = ISO8601DateFormatter().string(from: Date())
        let url = URL(fileURLWithPath: path)
        try Data(ReportRenderer.html(data, generatedAt: stamp).utf8).write(to: url)
        return url.standardizedFileURL.path
    }
}
