import B24Core
import Bitrix24
import Extract
import Load
import Transform

/// The nightly job: every registered stream, extract → transform → load, incremental and
/// crash-safe.
///
/// A run takes the portal's advisory lock, records itself in `etl.sync_run`, reads reference
/// data, runs each stream's pass (one transaction per chunk, the cursor committed with it, the
/// watermark moved when the pass completes), rebuilds indexes a first load set aside and flags
/// deletes. Whatever fails after the lock is taken — reference data included — goes through one
/// path: the run is recorded as failed, logged, the lock released, and the error rethrown as it
/// was. A run killed at any moment and run again ends as one clean run would.
public final class SyncEngine: Sendable {
    /// The portal client.
    public let client: BitrixClient
    /// The database side.
    public let database: DatabaseWorker
    /// The portal's host, as `etl.portal` records it.
    public let host: String
    /// The portal's name, which keys its `etl.portal` row and its lock.
    public let name: String
    /// How to run.
    public let options: SyncOptions
    /// Where events go.
    public let log: RunLog
    /// The streams, in order.
    public let streams: [any SyncStream]
    private let clock: any ClientClock

    /// An engine for one portal.
    public init(
        client: BitrixClient, database: DatabaseWorker, host: String, name: String? = nil, options: SyncOptions,
        log: RunLog, clock: any ClientClock, streams: [any SyncStream] = SyncStreams.standard
    ) {
        self.client = client
        self.database = database
        self.host = host
        self.name = name ?? host
        self.options = options
        self.log = log
        self.clock = clock
        self.streams = streams
    }

    /// The advisory-lock key of the portal named `name`: one sync per portal and database at a time.
    public static func lockKey(name: String) -> Int64 {
        StarLoader.portalLockKey(name: name)
    }

    /// Runs one sync.
    ///
    /// - Throws: `SyncError` with kind `.locked` when another sync holds the lock; otherwise the
    ///   error that stopped the run (`BitrixError`, `PostgresError`, `SyncError`), after the run
    ///   was recorded as failed and the lock released.
    public func run() async throws -> SyncSummary {
        let started = clock.now()
        let (host, name, mode, worker) = (self.host, self.name, options.mode, options.worker)
        guard try await database.run({ try $0.tryLockPortal(name: name) }) else { throw SyncError.locked(name) }
        let runID: Int64
        let portalID: Int64
        do {
            (portalID, runID) = try await database.run { loader in
                let portalID = try loader.registerPortal(name: name, host: host, timeZone: nil)
                try loader.closeInterruptedRuns(portalID: portalID)
                return (portalID, try loader.startRun(portalID: portalID, mode: mode.name, worker: worker))
            }
        } catch {
            _ = try? await database.run { try $0.unlockPortal(name: name) }
            throw error
        }
        do {
            let summary = try await sync(portalID: portalID, runID: runID, started: started)
            _ = try? await database.run { try $0.unlockPortal(name: name) }
            return summary
        } catch let error as SyncError where error.kind == .unsupportedPortal {
            // Nothing to export: the run and the portal row it created are gone again.
            _ = try? await database.run { try $0.unlockPortal(name: name) }
            log.event(LogKey.Event.portalUnsupported, level: .error, [LogKey.error: "\(error.message)"])
            throw error
        } catch {
            let counters = requestCounters
            let message =
                Task.isCancelled
                ? "interrupted: the worker is shutting down or lost its lease" : String(describing: error)
            _ = try? await database.run {
                try $0.finishRun(runID: runID, succeeded: false, counters: counters, error: message)
            }
            _ = try? await database.run { try $0.unlockPortal(name: name) }
            log.event(LogKey.Event.runFailed, level: .error, [LogKey.run: "\(runID)", LogKey.error: "\(message)"])
            throw error
        }
    }

    /// The run itself, between taking the lock and releasing it.
    private func sync(portalID: Int64, runID: Int64, started: Double) async throws -> SyncSummary {
        let (basis, productRowAccess, dealProductRowAccess, lastAudit, noDeals, noActivities) = try await database.run {
            (
                try $0.deleteCheckBasis(portalID: portalID), try $0.productRowAccess(portalID: portalID, owner: .lead),
                try $0.productRowAccess(portalID: portalID, owner: .deal), try $0.childrenAuditedAt(portalID: portalID),
                try $0.dealStarIsEmpty(portalID: portalID), try $0.activityStarIsEmpty(portalID: portalID)
            )
        }
        let log = self.log
        await client.limiter.observeWaits { wait in
            log.event(
                LogKey.Event.waiting,
                [
                    "method": "\(wait.method)", "operating_used_s": "\(wait.used.map { String(Int($0)) } ?? "?")",
                    "budget_s": "\(Int(wait.budget))", "wait_s": "\(Int(wait.seconds.rounded()))",
                    "resumes_at": "\(PortalTime(offsetSeconds: 0).format(Int64(wait.resumesAt)))",
                ])
        }
        let answer = try await ReferenceReader(client: client).read(
            countLeadsIn: basis?.ranges.map { ($0.after, $0.upTo) } ?? [])
        let identity = ReferenceTransformer.identity(crmMode: answer.crmMode, profile: answer.profile)
        // Simple CRM mode has no leads (a new lead becomes a deal at once): only the other streams run.
        let active = identity.isSimpleCRM ? streams.filter { !SyncStreams.leadStreamNames.contains($0.name) } : streams
        if active.isEmpty {
            try await database.run { try $0.discardRun(runID: runID, portalID: portalID) }
            throw SyncError(
                kind: .unsupportedPortal,
                message: "\(client.portal) runs CRM in simple mode (crm.settings.mode.get = 2): it has no leads to "
                    + "export (new leads become deals at once), and this run syncs nothing else; nothing was written")
        }
        if identity.isSimpleCRM {
            log.event(
                LogKey.Event.simpleCRM, level: .warning,
                [
                    "streams": "\(active.map(\.name).joined(separator: ","))",
                    "warning": "CRM runs in simple mode (crm.settings.mode.get = 2): no leads; deals are synced",
                ])
        }
        try await database.run { try $0.recordIdentity(runID: runID, identity) }
        if identity.isAdmin == false {
            log.event(
                LogKey.Event.portalUserNotAdmin, level: .warning,
                [
                    "user": "\(identity.userID.map(String.init) ?? "?")",
                    "warning":
                        "the webhook's user is not an administrator: leads this user cannot see are not exported",
                ])
        }
        var read = ReferenceTransformer.reference(
            stages: answer.stages, sources: answer.sources, currencies: answer.currencies, fields: answer.fields,
            userFields: answer.userFields, users: answer.users, cardLayout: answer.cardLayout)
        (read.dealCategories, read.dealStages) = ReferenceTransformer.deals(
            categories: answer.dealCategories, statuses: answer.statuses ?? [])
        let reference = read
        let (host, name) = (self.host, self.name)
        let viewState = try await database.run { loader in
            _ = try loader.registerPortal(name: name, host: host, timeZone: answer.time.offsetText)
            return try loader.loadReference(portalID: portalID, reference)
        }
        switch viewState {
        case .unchanged: break
        case .rebuilt: log.event(LogKey.Event.customFieldView, ["state": "rebuilt"])
        case .busy, .usedByOtherViews:
            log.event(
                LogKey.Event.customFieldView, level: .warning,
                [
                    "state": "\(viewState.rawValue)",
                    "warning":
                        "the custom fields changed but mart.lead_custom_fields was not rebuilt; the sync goes on and a later run rebuilds it",
                ])
        }
        log.event(
            LogKey.Event.runStarted,
            [LogKey.run: "\(runID)", LogKey.mode: "\(options.mode.name)", LogKey.portal: "\(client.portal)"])
        let clock = self.clock
        let context = RunContext(
            client: client, database: database, options: options, log: log, portalID: portalID, runID: runID,
            time: answer.time, portalNow: answer.portalNow, elapsed: { clock.now() - started }, reference: reference,
            transformer: LeadTransformer(
                time: answer.time, stageSemantics: reference.stageSemantics, customFields: reference.customFields),
            productRows: ProductRowCapability(stored: productRowAccess, owner: .lead),
            dealProductRows: ProductRowCapability(stored: dealProductRowAccess, owner: .deal),
            deleteCheck: basis.map { DeleteCheck(basis: $0, portalCounts: answer.leadCounts) }, dealsKnown: !noDeals,
            activitiesKnown: !noActivities,
            auditsChildren: options.auditChildren
                || (basis != nil && options.mode != .full
                    && lastAudit.map { answer.portalNow - $0 >= options.auditEvery } ?? true)
        )
        var summary = SyncSummary(runID: runID, mode: options.mode.name)
        summary.customFieldView = viewState
        for stream in active {
            summary.add(try await stream.runPass(context))
        }
        // Indexes a first load set aside (in this run or one that stopped) are built again.
        let restored = try await database.run { try $0.restoreDeferredIndexes() }
        if restored > 0 { log.event(LogKey.Event.indexesRestored, [LogKey.indexes: "\(restored)"]) }
        if options.reconcile {
            for stream in active {
                summary.add(try await stream.reconcile(context))
            }
        }
        if options.strict, summary.skipped > 0 {
            throw SyncError(
                kind: .refused,
                message: "\(summary.skipped) record(s) were rejected and not loaded (--strict); the rest is loaded, "
                    + "and `b24pg status` lists them with their fields")
        }
        let counters = requestCounters
        summary.requests = counters.requests
        summary.retries = counters.retries
        summary.throttled = counters.throttled
        summary.seconds = clock.now() - started
        try await database.run { try $0.finishRun(runID: runID, succeeded: true, counters: counters, error: nil) }
        summary.databaseSeconds = database.busySeconds
        let odd = client.statistics.snapshot
        if odd.duplicateRows > 0 || odd.shortPages > 0 {
            log.event(
                LogKey.Event.pagingAnomalies, level: .warning,
                [
                    LogKey.run: "\(runID)", "duplicate_rows_dropped": "\(odd.duplicateRows)",
                    "short_pages_continued": "\(odd.shortPages)",
                ])
        }
        log.event(LogKey.Event.runFinished, [LogKey.run: "\(runID)", "summary": "\(summary.line)"])
        return summary
    }

    private var requestCounters: RunCounters {
        let snapshot = client.statistics.snapshot
        return RunCounters(
            requests: snapshot.requests, retries: snapshot.retries,
            throttled: snapshot.throttled + snapshot.operatingRefusals)
    }
}
