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

    /// The same log with `portal=` on every event (a worker's syncs share one output).
    public func with(portal: String) -> RunLog {
        var logger = self.logger
        logger[metadataKey: LogKey.portal] = "\(portal)"
        return RunLog(logger: logger, terminal: nil)
    }

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

    /// Reports a loaded chunk: on a terminal the progress line, otherwise one event with what the
    /// pass wrote so far, the requests and time it took, and the time it should still take when
    /// the portal said how many records the pass has.
    public func chunkLoaded(_ stage: String, _ step: ChunkProgress) {
        guard terminal == nil else {
            progress(stage, done: step.done, unit: step.unit)
            return
        }
        var fields: Logger.Metadata = [
            LogKey.stage: "\(stage)", "\(step.unit)": "\(step.done)", "product_rows": "\(step.productRows)",
            "links": "\(step.links)", "requests": "\(step.requests)",
            "elapsed_s": "\(Int(step.elapsed.rounded()))",
        ]
        if let expected = step.expected { fields["of"] = "\(expected)" }
        if let remaining = step.remainingSeconds { fields["remaining_s"] = "\(Int(remaining.rounded()))" }
        event(LogKey.Event.progress, fields)
    }
}

/// Where a pass stands after a chunk, for the progress line.
public struct ChunkProgress: Sendable, Equatable {
    /// Records written so far (leads, or stage changes).
    public var done: Int
    /// What `done` counts.
    public var unit: String
    /// Product rows written so far.
    public var productRows = 0
    /// Contact links written so far.
    public var links = 0
    /// Requests the run sent so far.
    public var requests = 0
    /// Seconds since the pass began.
    public var elapsed = 0.0
    /// Records the portal counted for the pass, when it said.
    public var expected: Int?

    /// The seconds left at the pace so far, when the portal's count is known.
    public var remainingSeconds: Double? {
        guard let expected, done > 0, expected >= done else { return nil }
        return elapsed / Double(done) * Double(expected - done)
    }
}
