import Foundation
import Logging
import Synchronization

/// A swift-log handler for jobs: one line per event on standard error (or any sink), as logfmt
/// (`time=… level=info event=chunk_loaded leads=2500`) or JSON, the event name being the message.
public struct LineLogHandler: LogHandler {
    /// How each line is written.
    public enum Format: String, Sendable, CaseIterable {
        /// `key=value` pairs, quoted where needed.
        case logfmt
        /// One JSON object per line.
        case json
    }

    /// Where lines go.
    public let sink: LineSink
    /// The line format.
    public let format: Format
    /// Fields every line carries.
    public var metadata: Logger.Metadata = [:]
    /// Lines below this level are dropped.
    public var logLevel: Logger.Level = .info

    /// A handler writing `format` lines to `sink`.
    public init(format: Format, sink: LineSink) {
        self.format = format
        self.sink = sink
    }

    /// One field of `metadata`.
    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// Writes one line for the event.
    public func log(event: LogEvent) {
        var fields: [(String, String)] = []
        for (key, value) in metadata.merging(event.metadata ?? [:], uniquingKeysWith: { _, new in new })
            .sorted(by: { $0.key < $1.key })
        {
            fields.append((key, "\(value)"))
        }
        sink.write(Self.line(event: "\(event.message)", level: event.level, fields: fields, format: format))
    }

    /// One line, without its newline.
    static func line(event: String, level: Logger.Level, fields: [(String, String)], format: Format) -> String {
        let time = Date.now.ISO8601Format()
        switch format {
        case .logfmt:
            let rest = fields.map { "\($0.0)=\(logfmtValue($0.1))" }.joined(separator: " ")
            return "time=\(time) level=\(level) event=\(logfmtValue(event))" + (rest.isEmpty ? "" : " " + rest)
        case .json:
            var object: [String: Any] = ["time": time, "level": "\(level)", "event": event]
            for (key, value) in fields { object[key] = Int(value).map { $0 as Any } ?? value }
            let data =
                (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]))
                ?? Data()
            return String(decoding: data, as: UTF8.self)
        }
    }

    /// A logfmt value, quoted when it holds a space, `=`, a quote or a line break.
    static func logfmtValue(_ value: String) -> String {
        let needsQuotes = value.isEmpty || value.contains { $0 == " " || $0 == "=" || $0 == "\"" || $0.isNewline }
        guard needsQuotes else { return value }
        let escaped = value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
        return "\"\(escaped)\""
    }
}

/// Where log lines and the terminal's progress line are written: one writer at a time, so a
/// progress line and an event never interleave.
public final class LineSink: Sendable {
    private let state: Mutex<Int>
    private let write: @Sendable (String) -> Void

    /// A sink writing through `write` (standard error by default).
    public init(write: @escaping @Sendable (String) -> Void = { FileHandle.standardError.write(Data($0.utf8)) }) {
        self.write = write
        self.state = Mutex(0)
    }

    /// A sink that drops everything (tests, benchmarks).
    public static let discarding = LineSink(write: { _ in })

    /// Writes a whole line, ending a progress line first if one is showing.
    public func write(_ line: String) {
        state.withLock { progressLength in
            if progressLength > 0 {
                write("\n")
                progressLength = 0
            }
            write(line + "\n")
        }
    }

    /// Rewrites the progress line in place (terminals only).
    public func rewriteProgress(_ text: String) {
        state.withLock { progressLength in
            write("\r" + text + String(repeating: " ", count: max(0, progressLength - text.count)))
            progressLength = text.count
        }
    }
}
