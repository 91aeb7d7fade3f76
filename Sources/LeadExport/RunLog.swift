import Foundation

/// Where a run reports what it does: one line per event (logfmt or JSON) when not on a terminal,
/// a progress line per stage on a terminal, and always a final summary line.
public final class RunLog: @unchecked Sendable {
    /// Line format for events.
    public enum Format: String, Sendable, CaseIterable {
        /// `time=… level=info event=chunk leads=2500`.
        case logfmt
        /// `{"time":"…","level":"info","event":"chunk","leads":2500}`.
        case json
    }

    // Safe: `lastProgressLength` and output writes happen while holding `lock`.
    private let lock = NSLock()
    private let format: Format
    private let interactive: Bool
    private let write: @Sendable (String) -> Void
    private var lastProgressLength = 0

    /// A log writing through `write` (standard error by default).
    public init(
        format: Format = .logfmt, interactive: Bool = false,
        write: @escaping @Sendable (String) -> Void = { FileHandle.standardError.write(Data($0.utf8)) }
    ) {
        self.format = format
        self.interactive = interactive
        self.write = write
    }

    /// Logs an event with fields, in order.
    public func event(_ name: String, level: String = "info", _ fields: KeyValuePairs<String, String> = [:]) {
        let pairs = Array(fields)
        lock.withLock {
            if interactive, lastProgressLength > 0 {
                write("\n")
                lastProgressLength = 0
            }
            write(line(name, level: level, pairs) + "\n")
        }
    }

    /// Reports progress of a stage: a line rewritten in place on a terminal, an event otherwise.
    public func progress(_ stage: String, done: Int, total: Int?, unit: String) {
        guard interactive else {
            var fields: [(String, String)] = [("stage", stage), (unit, String(done))]
            if let total { fields.append(("total", String(total))) }
            lock.withLock { write(line("progress", level: "info", fields) + "\n") }
            return
        }
        let text: String
        if let total, total > 0 {
            let fraction = min(1, Double(done) / Double(total))
            let filled = Int(fraction * 30)
            text =
                "\(stage.padding(toLength: 14, withPad: " ", startingAt: 0)) [" + String(repeating: "#", count: filled)
                + String(repeating: ".", count: 30 - filled) + "] \(done)/\(total) \(unit)"
        } else {
            text = "\(stage.padding(toLength: 14, withPad: " ", startingAt: 0)) \(done) \(unit)"
        }
        lock.withLock {
            let padding = max(0, lastProgressLength - text.count)
            write("\r" + text + String(repeating: " ", count: padding))
            lastProgressLength = text.count
        }
    }

    private func line(_ name: String, level: String, _ fields: [(String, String)]) -> String {
        let time = ISO8601DateFormatter().string(from: Date())
        switch format {
        case .logfmt:
            let rest = fields.map { "\($0.0)=\(Self.logfmtValue($0.1))" }.joined(separator: " ")
            return "time=\(time) level=\(level) event=\(name)" + (rest.isEmpty ? "" : " " + rest)
        case .json:
            var parts = ["\"time\":\"\(time)\"", "\"level\":\"\(level)\"", "\"event\":\(Self.jsonString(name))"]
            for (key, value) in fields {
                parts.append("\(Self.jsonString(key)):" + (Int(value) != nil ? value : Self.jsonString(value)))
            }
            return "{" + parts.joined(separator: ",") + "}"
        }
    }

    static func logfmtValue(_ value: String) -> String {
        let needsQuotes = value.isEmpty || value.contains { $0 == " " || $0 == "=" || $0 == "\"" || $0.isNewline }
        guard needsQuotes else { return value }
        let escaped = value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
        return "\"\(escaped)\""
    }

    static func jsonString(_ value: String) -> String {
        var result = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            default:
                if scalar.value < 0x20 {
                    result += String(format: "\\u%04x", scalar.value)
                } else {
                    result.unicodeScalars.append(scalar)
                }
            }
        }
        return result + "\""
    }
}
