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
    /// Deal records into rows, with the portal's deal stage semantics.
    public var dealTransformer: DealTransformer {
        DealTransformer(time: time, stageSemantics: reference.dealStageSemantics)
    }
    /// Activity records into rows.
    public var activityTransformer: ActivityTransformer {
        ActivityTransformer(time: time)
    }
    /// How lead product rows are read on this portal (decided once per run).
    let productRows: ProductRowCapability
    /// How deal product rows are read on this portal (decided once per run).
    let dealProductRows: ProductRowCapability
    /// What the portal counted against what the star expects, for the cheap delete check
    /// (`nil` when the star knew no lead of the portal at the start of the run).
    let deleteCheck: DeleteCheck?
    /// Whether the star held deals of the portal when the run began (not a first load of deals).
    let dealsKnown: Bool
    /// Whether the star held activities of the portal when the run began.
    let activitiesKnown: Bool
    /// Whether this run audits the children of every live lead and deal (`--audit-children`, or
    /// the last audit older than `--audit-every`; a first load or a `--full` run reads them all anyway).
    let auditsChildren: Bool

    /// The client's request counters so far, as the run row stores them.
    public var requestCounters: RunCounters {
        let snapshot = client.statistics.snapshot
        return RunCounters(
            requests: snapshot.requests, retries: snapshot.retries,
            throttled: snapshot.throttled + snapshot.operatingRefusals)
    }
}

/// What the portal counted in each id range of the leads the star knew, against what the star expects.
struct DeleteCheck: Sendable, Equatable {
    /// What the star knew at the start of the run.
    var basis: DeleteCheckBasis
    /// What the portal counted per range (`nil` when it did not answer them all).
    var portalCounts: [Int]?

    /// Whether every range agrees, so no lead the star knew was deleted or restored — unless a
    /// delete and a restore fell in the same range between two runs, which the next audit finds.
    var agrees: Bool { portalCounts == basis.ranges.map(\.expected) }

    /// The ranges that disagree, for the log.
    var differing: [CountRange] {
        guard let portalCounts else { return basis.ranges }
        return zip(basis.ranges, portalCounts).filter { $0.0.expected != $0.1 }.map(\.0)
    }
}
