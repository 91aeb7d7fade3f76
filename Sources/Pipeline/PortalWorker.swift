import B24Core
import Bitrix24
import Config
import Load
import Synchronization

/// Many portals from one process: claims due portals from `etl.portal_job` under a lease, runs up
/// to `concurrency` syncs at once (each with its own client and rate limiter, each portal under
/// its advisory lock), renews the leases while they run, and sets each portal's next due time —
/// the next slot of its schedule, or an exponential back-off after a failure. Any number of
/// workers on any number of machines share one database; a worker that dies loses its leases when
/// they expire and another takes its portals over.
public final class PortalWorker: Sendable {
    /// Runs one sync of a claimed portal and returns its summary.
    public typealias Sync = @Sendable (_ portal: WorkerPortal, _ job: PortalJob) async throws -> SyncSummary

    /// This worker's id in `etl.portal_job.lease_owner` and `etl.sync_run.worker`.
    public let identity: String
    /// What it exposes to Prometheus.
    public let metrics: WorkerMetrics
    private let coordinator: DatabaseWorker
    private let portals: [String: WorkerPortal]
    private let settings: WorkerSettings
    private let once: Bool
    private let log: RunLog
    private let clock: any ClientClock
    private let sync: Sync
    private let state = Mutex(State())

    private struct State {
        var stopping = false
        var report = WorkerReport()
        /// With `once`: the portals already run, never claimed again.
        var claimed: [Int64] = []
    }

    /// A worker for `portals`; `once`: run every portal due now once, then return.
    public init(
        identity: String, coordinator: DatabaseWorker, portals: [WorkerPortal], settings: WorkerSettings, once: Bool,
        log: RunLog, clock: any ClientClock, metrics: WorkerMetrics = WorkerMetrics(), sync: @escaping Sync
    ) {
        self.identity = identity
        self.metrics = metrics
        self.coordinator = coordinator
        self.portals = Dictionary(portals.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        self.settings = settings
        self.once = once
        self.log = log
        self.clock = clock
        self.sync = sync
    }

    /// Registers the portals and their schedules (new ones due at once; jobs of portals no longer
    /// configured are disabled).
    public func register() async throws {
        let rows = portals.values.sorted { $0.name < $1.name }.map {
            (name: $0.name, host: $0.host, schedule: $0.schedule.description)
        }
        _ = try await coordinator.run { try $0.registerJobs(rows) }
    }

    /// What the worker has done so far.
    public var report: WorkerReport { state.withLock { $0.report } }

    /// Stops claiming; running syncs are cancelled and end after the chunk they are writing (its
    /// transaction commits), their portals given back due as they were.
    public func stop() {
        let first = state.withLock { state in
            defer { state.stopping = true }
            return !state.stopping
        }
        if first { log.event(LogKey.Event.workerStopping, ["worker": "\(identity)"]) }
    }

    private var stopping: Bool { state.withLock { $0.stopping } }

    private enum Event: Sendable {
        case finished
        case tick
    }

    /// Claims and runs due portals until stopped (or, with `once`, until nothing it has not run is
    /// due and nothing runs).
    public func run() async throws -> WorkerReport {
        log.event(
            LogKey.Event.workerStarted,
            [
                "worker": "\(identity)", "concurrency": "\(settings.concurrency)",
                "portals": "\(portals.keys.sorted().joined(separator: ","))",
            ])
        try await withThrowingTaskGroup(of: Event.self) { group in
            var running = 0
            var ticking = false
            while true {
                if stopping {
                    group.cancelAll()
                    while try await group.next() != nil {}
                    break
                }
                while running < settings.concurrency, let job = try await claim() {
                    group.addTask { await self.process(job) }
                    running += 1
                }
                if once && running == 0 { break }
                if !ticking {
                    let seconds = Double(settings.pollSeconds)
                    group.addTask { [clock] in
                        try? await clock.sleep(for: seconds)
                        return .tick
                    }
                    ticking = true
                }
                switch try await group.next() {
                case .finished: running -= 1
                case .tick:
                    ticking = false
                    await refreshLags()
                case nil: break
                }
            }
        }
        return report
    }

    /// Sets the watermark-lag gauges from the database (a failure leaves them as they were).
    private func refreshLags() async {
        guard let lags = try? await coordinator.run({ try $0.watermarkLags() }) else { return }
        for lag in lags where portals[lag.portal] != nil {
            metrics.watermarkLag(portal: lag.portal, stream: lag.stream, seconds: lag.seconds)
        }
    }

    private func claim() async throws -> PortalJob? {
        guard !stopping else { return nil }
        let (owner, lease, names) = (identity, settings.leaseSeconds, Array(portals.keys))
        let excluded = once ? state.withLock { $0.claimed } : []
        let job = try await coordinator.run {
            try $0.claimJob(owner: owner, leaseSeconds: lease, names: names, excluded: excluded)
        }
        if let job, once { state.withLock { $0.claimed.append(job.portalID) } }
        return job
    }

    /// Runs one claimed portal with its lease renewed, and records how it ended.
    private func process(_ job: PortalJob) async -> Event {
        // Claims are limited to this worker's portals; one renamed meanwhile is given back.
        guard let portal = portals[job.name] else {
            let (owner, portalID) = (identity, job.portalID)
            _ = try? await coordinator.run {
                try $0.finishJob(
                    portalID: portalID, owner: owner,
                    outcome: .released(dueAt: job.dueAt, reason: "not configured in this worker"))
            }
            return .finished
        }
        log.event(
            LogKey.Event.jobClaimed,
            [
                LogKey.portal: "\(job.name)", "worker": "\(identity)", "due_at": "\(job.dueAt)",
                "failures": "\(job.failures)",
            ])
        let outcome: PortalJobOutcome
        var fields: [String: String] = [:]
        metrics.started()
        defer { metrics.ended() }
        do {
            let summary = try await withThrowingTaskGroup(of: SyncSummary?.self) { group in
                group.addTask { try await self.sync(portal, job) }
                group.addTask {
                    try await self.keepLease(job)
                    return nil
                }
                defer { group.cancelAll() }
                guard let first = try await group.next(), let summary = first else { throw LeaseLost() }
                return summary
            }
            let now = try await databaseNow()
            let offset = job.timeZone.flatMap { PortalTime(offset: $0) }?.offset(at: now) ?? 0
            let next = portal.schedule.next(after: now, due: job.dueAt, offsetSeconds: offset)
            outcome = .succeeded(nextDue: next)
            fields = ["summary": "\(summary.line)", "next_due": "\(next)"]
            state.withLock { $0.report.succeeded += 1 }
            metrics.succeeded(portal: job.name, summary: summary, unixTime: clock.unixTime())
        } catch is LeaseLost {
            log.event(LogKey.Event.leaseLost, level: .warning, [LogKey.portal: "\(job.name)", "worker": "\(identity)"])
            state.withLock { $0.report.released += 1 }
            return .finished
        } catch let error as SyncError where error.isLocked {
            let again = (try? await databaseNow()).map { $0 + settings.leaseSeconds } ?? job.dueAt
            outcome = .released(dueAt: again, reason: error.message)
            state.withLock { $0.report.released += 1 }
        } catch {
            if stopping || Task.isCancelled {
                outcome = .released(dueAt: job.dueAt, reason: "the worker stopped; the sync resumes from its cursor")
                state.withLock { $0.report.released += 1 }
            } else {
                let wait = settings.backoff(afterFailures: job.failures + 1)
                let now = (try? await databaseNow()) ?? job.claimedAt
                outcome = .failed(retryAt: now + wait, error: String(describing: error))
                fields = ["backoff_s": "\(wait)", LogKey.error: "\(error)"]
                state.withLock { $0.report.failed += 1 }
                metrics.failed(portal: job.name)
            }
        }
        let (owner, portalID) = (identity, job.portalID)
        _ = try? await coordinator.run { try $0.finishJob(portalID: portalID, owner: owner, outcome: outcome) }
        var metadata: [String: String] = [LogKey.portal: job.name, "worker": identity, "outcome": outcome.name]
        metadata.merge(fields) { $1 }
        log.event(LogKey.Event.jobFinished, level: outcome.isFailure ? .error : .info, metadata.mapValues { "\($0)" })
        return .finished
    }

    /// Renews the lease every third of its length; returns when the lease passed to another
    /// worker, throws when cancelled.
    private func keepLease(_ job: PortalJob) async throws {
        let (owner, lease, portalID) = (identity, settings.leaseSeconds, job.portalID)
        while true {
            try await clock.sleep(for: Double(lease) / 3)
            try Task.checkCancellation()
            // A failed renewal (the database briefly away) is tried again next time; the advisory
            // lock keeps a second sync of the portal out even if the lease runs out meanwhile.
            guard
                let renewed = try? await coordinator.run({
                    try $0.renewLease(portalID: portalID, owner: owner, leaseSeconds: lease)
                })
            else { continue }
            guard renewed else { return }
            state.withLock { $0.report.leaseRenewals += 1 }
            metrics.renewed()
        }
    }

    private func databaseNow() async throws -> Int64 {
        try await coordinator.run { try $0.databaseNow() }
    }

    private struct LeaseLost: Error {}
}

extension PortalJobOutcome {
    /// `succeeded`, `failed` or `released`.
    var name: String {
        switch self {
        case .succeeded: "succeeded"
        case .failed: "failed"
        case .released: "released"
        }
    }

    /// Whether the sync failed.
    var isFailure: Bool {
        if case .failed = self { return true }
        return false
    }
}
