import LibPQ

/// Where each stream stands: `etl.sync_state`, written in the transaction of the data it covers.
extension StarLoader {
    /// The stored state of a stream.
    public func streamState(portalID: Int64, stream: String) throws -> StreamState {
        let result = try connection.execute(
            """
            SELECT extract(epoch FROM watermark_time)::bigint, watermark_id, extract(epoch FROM pass_started_at)::bigint,
                   pass_mode, pass_filter
            FROM etl.sync_state WHERE portal_id = $1 AND stream = $2
            """, [String(portalID), stream])
        guard let row = result.rows.first else { return StreamState() }
        return StreamState(
            watermarkTime: row[0].flatMap { Int64($0) }, cursor: row[1].flatMap { Int64($0) } ?? 0,
            passStartedAt: row[2].flatMap { Int64($0) }, passMode: row[3], passFilter: row[4])
    }

    /// Ends a pass over a stream: the pass's start (the earliest, if a crashed pass was resumed)
    /// becomes the watermark and the cursor resets; with `keepWatermark` the stored watermark
    /// stays (a pass that did not read everything since it).
    public func completePass(
        portalID: Int64, stream: String, runID: Int64, passStartedAt: Int64, keepWatermark: Bool = false
    ) throws {
        if keepWatermark {
            try connection.execute(
                """
                UPDATE etl.sync_state SET watermark_id = 0, pass_started_at = NULL, pass_mode = NULL, pass_filter = NULL,
                       run_id = $3, updated_at = now()
                WHERE portal_id = $1 AND stream = $2
                """, [String(portalID), stream, String(runID)])
            return
        }
        try connection.execute(
            """
            INSERT INTO etl.sync_state (portal_id, stream, watermark, watermark_time, watermark_id, run_id)
            VALUES ($1, $2, '', to_timestamp($4), 0, $3)
            ON CONFLICT (portal_id, stream) DO UPDATE SET
                watermark_time = COALESCE(etl.sync_state.pass_started_at, EXCLUDED.watermark_time),
                watermark_id = 0, pass_started_at = NULL, pass_mode = NULL, pass_filter = NULL,
                run_id = EXCLUDED.run_id, updated_at = now()
            """, [String(portalID), stream, String(runID), String(passStartedAt)])
        try connection.execute(
            """
            UPDATE etl.sync_state
            SET watermark = to_char(watermark_time AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"+00:00"')
            WHERE portal_id = $1 AND stream = $2
            """, [String(portalID), stream])
    }

    /// Records a stream's progress (inside the transaction of the chunk it covers).
    func saveProgress(_ progress: StreamProgress, portalID: Int64, runID: Int64) throws {
        let isHistory =
            progress.stream == StreamProgress.stageHistory || progress.stream == StreamProgress.dealStageHistory
        try connection.execute(
            """
            INSERT INTO etl.sync_state (portal_id, stream, watermark, watermark_id, run_id, pass_started_at, pass_mode, pass_filter)
            VALUES ($1, $2, $3, $4, $5, to_timestamp($6), $7, $8)
            ON CONFLICT (portal_id, stream) DO UPDATE SET
                watermark_id = EXCLUDED.watermark_id, run_id = EXCLUDED.run_id, updated_at = now(),
                watermark = CASE WHEN EXCLUDED.stream IN ('stage_history', 'deal_stage_history') THEN EXCLUDED.watermark
                                 ELSE etl.sync_state.watermark END,
                pass_started_at = COALESCE(etl.sync_state.pass_started_at, EXCLUDED.pass_started_at),
                pass_mode = COALESCE(EXCLUDED.pass_mode, etl.sync_state.pass_mode),
                pass_filter = EXCLUDED.pass_filter
            """,
            [
                String(portalID), progress.stream, isHistory ? String(progress.cursor) : "", String(progress.cursor),
                String(runID), progress.passStartedAt.map(String.init), progress.passMode, progress.passFilter,
            ])
    }
}

/// Where a stream stands.
public struct StreamState: Sendable, Equatable {
    /// Portal time up to which the stream is complete.
    public var watermarkTime: Int64?
    /// Cursor inside an unfinished pass (leads) or the last id (history).
    public var cursor: Int64 = 0
    /// Portal time the unfinished pass began.
    public var passStartedAt: Int64?
    /// Mode of the unfinished pass.
    public var passMode: String?
    /// DATE_MODIFY lower bound of the unfinished pass.
    public var passFilter: String?

    /// Creates a state.
    public init(
        watermarkTime: Int64? = nil, cursor: Int64 = 0, passStartedAt: Int64? = nil, passMode: String? = nil,
        passFilter: String? = nil
    ) {
        self.watermarkTime = watermarkTime
        self.cursor = cursor
        self.passStartedAt = passStartedAt
        self.passMode = passMode
        self.passFilter = passFilter
    }
}

/// The progress committed with a chunk.
public struct StreamProgress: Sendable {
    /// The stream name of leads in `etl.sync_state`.
    public static let leads = "leads"
    /// The stream name of lead stage history in `etl.sync_state`.
    public static let stageHistory = "stage_history"
    /// The stream name of deals in `etl.sync_state`.
    public static let deals = "deals"
    /// The stream name of deal stage history in `etl.sync_state`.
    public static let dealStageHistory = "deal_stage_history"
    /// The stream name of lead activities in `etl.sync_state`.
    public static let activities = "activities"
    /// The stream name of the contact and company refresh in `etl.sync_state`.
    public static let dimensions = "dimensions"
    /// The `pass_mode` of the stage-history stream while its first load copies straight in.
    public static let firstLoad = "first_load"

    /// The stream's name in `etl.sync_state`.
    public var stream: String
    /// The keyset cursor after the chunk.
    public var cursor: Int64
    /// Portal time the pass began.
    public var passStartedAt: Int64?
    /// The pass's mode.
    public var passMode: String?
    /// The pass's DATE_MODIFY lower bound.
    public var passFilter: String?

    /// Progress of `stream`.
    public init(
        stream: String, cursor: Int64, passStartedAt: Int64? = nil, passMode: String? = nil, passFilter: String? = nil
    ) {
        self.stream = stream
        self.cursor = cursor
        self.passStartedAt = passStartedAt
        self.passMode = passMode
        self.passFilter = passFilter
    }
}
