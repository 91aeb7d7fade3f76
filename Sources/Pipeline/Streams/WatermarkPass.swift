import Load
import Logging

/// Where a pass of a `DATE_MODIFY`-watermark stream (leads, deals) starts: an unfinished
/// incremental pass resumes where its last chunk committed; otherwise a pass starts from the
/// watermark minus the overlap (incremental), the given time (`since`) or the beginning (`full`).
struct WatermarkPass: Sendable {
    /// Whether an unfinished pass is resumed.
    var resumed: Bool
    /// The portal time the pass began (the next watermark).
    var startedAt: Int64
    /// The keyset cursor to continue after.
    var cursor: Int64
    /// `DATE_MODIFY` lower bound (portal text), or `nil` for every record.
    var modifiedSince: String?
    /// The pass's mode, as `etl.sync_state` keeps it for a resumed pass.
    var mode: String
    /// Whether the stored watermark stays: a `since` pass reads nothing before its start, so the
    /// watermark may move only when it was already at or after that start (a day of margin for
    /// the portal's offset there).
    var keepsWatermark: Bool

    /// The pass a run makes of a stream in `state`.
    init(state: StreamState, run: RunContext) {
        let options = run.options
        resumed = state.passStartedAt != nil && options.mode == .incremental
        if resumed {
            modifiedSince = state.passFilter
        } else {
            switch options.mode {
            case .full: modifiedSince = nil
            case .since(let text): modifiedSince = LeadStream.portalFilterTime(text)
            case .incremental: modifiedSince = state.watermarkTime.map { run.time.format($0 - options.overlapSeconds) }
            }
        }
        mode = resumed ? (state.passMode ?? options.mode.name) : options.mode.name
        let since = modifiedSince
        keepsWatermark =
            mode == "since"
            && (state.watermarkTime == nil
                || state.watermarkTime ?? 0 < (since.flatMap(run.time.parse) ?? .max) + 86_400)
        startedAt = resumed ? (state.passStartedAt ?? run.portalNow) : run.portalNow
        cursor = resumed ? state.cursor : 0
    }
}

/// A watermark pass of a keyset stream with the total the portal counted for it (deals,
/// activities): what `begin` hands to `read`, `load` and `finish`.
public struct CountedPass: Sendable {
    /// Where the watermark pass starts.
    var start: WatermarkPass
    /// How many records the portal counted for the pass.
    var expected: ExpectedCount

    /// Reads the stream's state, starts (or resumes) its pass and logs `pass_started` with the
    /// pass's lower bound under `sinceKey` and any `extra` fields.
    static func begin(
        _ stream: String, run: RunContext, sinceKey: String, extra: [String: String] = [:]
    ) async throws -> CountedPass {
        let portalID = run.portalID
        let state = try await run.database.run { try $0.streamState(portalID: portalID, stream: stream) }
        let start = WatermarkPass(state: state, run: run)
        var fields: Logger.Metadata = [
            LogKey.stream: "\(stream)", sinceKey: "\(start.modifiedSince ?? "beginning")",
            "after_id": "\(start.cursor)", "resumed": "\(start.resumed)",
        ]
        for (key, value) in extra { fields[key] = "\(value)" }
        run.log.event(LogKey.Event.passStarted, fields)
        return CountedPass(start: start, expected: ExpectedCount())
    }
}

extension SyncStream where Pass == CountedPass {
    /// How many records the pass has, for the progress line.
    public func expectedTotal(_ pass: Pass) -> Int? {
        pass.expected.value
    }
}
