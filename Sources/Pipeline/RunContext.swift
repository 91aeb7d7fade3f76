import B24Core
import Bitrix24
import Load
import Star
import Transform

/// What every stream of one run shares: the portal, the database, the run's ids and clock.
public struct RunContext: Sendable {
    /// The portal client.
    public let client: BitrixClient
    /// The database side.
    public let database: DatabaseWorker
    /// How the run was asked to go.
    public let options: SyncOptions
    /// Where events go.
    public let log: RunLog
    /// `etl.portal.portal_id`.
    public let portalID: Int64
    /// `etl.sync_run.run_id`.
    public let runID: Int64
    /// The offset the portal writes its dates with.
    public let time: PortalTime
    /// The portal's clock when the run read its reference data (unix seconds).
    public let portalNow: Int64
    /// Seconds since the run started, on the injected clock.
    public let elapsed: @Sendable () -> Double
    /// The reference data read at the start of the run.
    public let reference: ReferenceData
    /// The lead transform for this portal.
    public let transformer: LeadTransformer

    /// The client's request counters so far, as the run row stores them.
    public var requestCounters: RunCounters {
        let snapshot = client.statistics.snapshot
        return RunCounters(
            requests: snapshot.requests, retries: snapshot.retries,
            throttled: snapshot.throttled + snapshot.operatingRefusals)
    }
}
