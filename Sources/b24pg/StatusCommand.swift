import ArgumentParser
import Foundation
import LibPQ
import Load

/// `b24pg status`: watermarks, lag, last runs and row counts — never a secret.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Show watermarks, lag, the last runs and row counts per table.")

    @OptionGroup var database: DatabaseOptions

    @Option(help: "How many recent runs to list.")
    var runs = 10

    func run() throws {
        let connection = try database.connect()
        try SyncCommand.requireMigrated(connection)
        print("database: \(connection.connectionString)")
        let report: StatusReport
        do {
            report = try StatusReport.read(connection, runs: runs)
        } catch {
            throw RunFailure.failed(error)
        }
        for section in report.sections {
            print("\n" + section.title)
            TextTable.print(section.header, section.rows)
        }
    }
}

/// Plain aligned text tables for the terminal.
enum TextTable {
    /// Prints `header` and `rows` with columns padded to their widest cell; NULL shows as `-`.
    static func print(_ header: [String], _ rows: [[String?]]) {
        let cells = [header] + rows.map { $0.map { ($0 ?? "-").replacingOccurrences(of: "\n", with: " ") } }
        var widths = Array(repeating: 0, count: header.count)
        for row in cells {
            for (index, cell) in row.enumerated() where index < widths.count {
                widths[index] = max(widths[index], cell.count)
            }
        }
        for (number, row) in cells.enumerated() {
            let line = row.enumerated().map { index, cell in
                index < widths.count ? cell.padding(toLength: widths[index], withPad: " ", startingAt: 0) : cell
            }.joined(separator: "  ")
            Swift.print(line)
            if number == 0 { Swift.print(widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")) }
        }
        if rows.isEmpty { Swift.print("(none)") }
    }
}
