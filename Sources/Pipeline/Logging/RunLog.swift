import Logging

/// What a run reports: events through swift-log (one line each when not on a terminal) and,
/// on a terminal, a progress line per stage rewritten in place.
public struct RunLog: Sendable {
    /// The logger events go to.
    public let logger: Logger
    /// Where the terminal's progress line goes, or `nil` when progress is logged as events.
    public let terminal: LineSink?

    /// A run log over `logger`; with `terminal`, progress is a line rewritten there.
    public init(logger: Logger, terminal: LineSink? = nil) {
        self.logger = logger
        self.terminal = terminal
    }

    /// A log for a job: `format` lines on standard error, or the progress line when `interactive`.
    public static func standardError(format: LineLogHandler.Format, interactive: Bool) -> RunLog {
        let sink = LineSink()
        let logger = Logger(label: "b24pg") { _ in LineLogHandler(format: format, sink: sink) }
        return RunLog(logger: logger, terminal: interactive ? sink : nil)
    }

    /// A log that drops everything (tests, benchmarks).
    public static let discarding = RunLog(logger: Logger(label: "b24pg") { _ in SwiftLogNoOpLogHandler() })

    /// Logs an event with fields.
    public func event(_ name: String, level: Logger.Level = .info, _ fields: Logger.Metadata = [:]) {
        logger.log(level: level, "\(name)", metadata: fields)
    }

    /// Reports progress of a stage: a line rewritten in place on a terminal, an event otherwise.
    public func progress(_ stage: String, done: Int, unit: String) {
        guard let terminal else {
            event(LogKey.Event.progress, [LogKey.stage: "\(stage)", "\(unit)": "\(done)"])
            return
        }
        terminal.rewriteProgress("\(stage.padding(toLength: 14, withPad: " ", startingAt: 0)) \(done) \(unit)")
    }
}
