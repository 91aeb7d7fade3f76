import B24Core
import Bitrix24
import Foundation
import LibPQ

/// The nightly job: extract → transform → load, incremental and crash-safe.
///
/// Leads stream through a bounded channel from the extract side (the shared rate limiter, batch
/// requests) to the load side (its own database thread), one transaction per chunk; the chunk's
/// keyset cursor commits with it, and the watermark moves only when a pass is complete, so a
/// run killed at any moment and run again ends as one clean run would.
public final class SyncEngine: Sendable {
    /// The portal client.
    public let client: BitrixClient
    /// The database side.
    public let database: DatabaseWorker
    /// The portal's host, as `etl.portal` records it.
    public let host: String
    /// How to run.
    public let options: SyncOptions
    /// Where events go.
    public let log: RunLog
    private let clock: any ClientClock

    /// An engine for one portal.
    public init(
        client: BitrixClient, database: DatabaseWorker, host: String, options: SyncOptions, log: RunLog,
        clock: any ClientClock
    ) {
        self.client = client
        self.database = database
        self.host = host
        self.options = options
        self.log = log
        self.clock = clock
    }

    /// The advisory-lock key of a portal: one sync per portal and database at a time.
    public static func lockKey(host: String) -> Int64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in ("b24pg.sync " + host).utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        return Int64(bitPattern: hash)
    }

    /// Runs one sync.
    ///
    /// - Throws: `SyncError.locked` when another sync holds the lock; `BitrixError`,
    ///   `PostgresError` or `SyncError` when the run fails (it is recorded as failed).
    public func run() async throws -> SyncSummary {
        let started = clock.now()
        let key = Self.lockKey(host: host)
        guard try await database.run({ try $0.connection.tryAdvisoryLock(key) }) else { throw SyncError.locked(host) }
        let host = self.host
        let mode = options.mode
        let (portalID, runID) = try await database.run { loader in
            let portalID = try loader.registerPortal(host: host, timeZone: nil)
            try loader.closeInterruptedRuns(portalID: portalID)
            return (portalID, try loader.startRun(portalID: portalID, mode: mode.name))
        }
        let reference: (reference: ReferenceData, portalNow: Int64, time: PortalTime)
        do {
            reference = try await ReferenceReader(client: client).read()
        } catch {
            try await fail(runID: runID, key: key, error: error)
        }
        let setup = try await database.run { loader in
            _ = try loader.registerPortal(host: host, timeZone: reference.time.offsetText)
            try loader.loadReference(portalID: portalID, reference.reference)
            return (
                try loader.streamState(portalID: portalID, stream: "leads"),
                try loader.streamState(portalID: portalID, stream: "stage_history")
            )
        }
        let (leadState, historyState) = setup
        log.event("run_started", ["run": String(runID), "mode": mode.name, "portal": client.portal])
        var summary = SyncSummary(runID: runID, mode: mode.name)
        do {
            let context = RunContext(
                portalID: portalID, runID: runID, time: reference.time, portalNow: reference.portalNow,
                transformer: LeadTransformer(
                    time: reference.time, stageSemantics: reference.reference.stageSemantics,
                    customFields: reference.reference.customFields))
            try await syncLeads(context, state: leadState, summary: &summary)
            try await syncHistory(context, state: historyState, summary: &summary)
            // Indexes a first load set aside (in this run or one that stopped) are built again.
            let restored = try await database.run { try $0.restoreDeferredIndexes() }
            if restored > 0 { log.event("indexes_restored", ["indexes": String(restored)]) }
            if options.reconcile {
                summary.deleted = try await reconcile(context, elapsed: clock.now() - started)
            }
            let counters = requestCounters
            summary.requests = counters.requests
            summary.retries = counters.retries
            summary.throttled = counters.throttled
            summary.seconds = clock.now() - started
            try await database.run { try $0.finishRun(runID: runID, succeeded: true, counters: counters, error: nil) }
            _ = try? await database.run { try $0.connection.advisoryUnlock(key) }
            summary.databaseSeconds = database.busySeconds
            let odd = client.statistics.snapshot
            if odd.duplicateRows > 0 || odd.shortPages > 0 {
                log.event(
                    "portal_paging_anomalies", level: "warning",
                    [
                        "run": String(runID), "duplicate_rows_dropped": String(odd.duplicateRows),
                        "short_pages_continued": String(odd.shortPages),
                    ])
            }
            log.event("run_finished", ["run": String(runID), "summary": summary.line])
            return summary
        } catch {
            try await fail(runID: runID, key: key, error: error)
        }
    }

    /// Records the run as failed (if the database still answers), releases the lock, rethrows.
    private func fail(runID: Int64, key: Int64, error: any Error) async throws -> Never {
        let counters = requestCounters
        let message = String(describing: error)
        _ = try? await database.run {
            try $0.finishRun(runID: runID, succeeded: false, counters: counters, error: message)
        }
        _ = try? await database.run { try $0.connection.advisoryUnlock(key) }
        log.event("run_failed", level: "error", ["run": String(runID), "error": message])
        throw error
    }

    private var requestCounters: RunCounters {
        let snapshot = client.statistics.snapshot
        return RunCounters(
            requests: snapshot.requests, retries: snapshot.retries,
            throttled: snapshot.throttled + snapshot.operatingRefusals)
    }

    /// What every stage of one run shares.
    struct RunContext: Sendable {
        let portalID: Int64
        let runID: Int64
        let time: PortalTime
        let portalNow: Int64
        let transformer: LeadTransformer
    }

    private func syncLeads(_ context: RunContext, state: StreamState, summary: inout SyncSummary) async throws {
        let resume = state.passStartedAt != nil && options.mode == .incremental
        let passStart = resume ? (state.passStartedAt ?? context.portalNow) : context.portalNow
        let cursor = resume ? state.cursor : 0
        let filterFrom: String?
        if resume {
            filterFrom = state.passFilter
        } else {
            switch options.mode {
            case .full: filterFrom = nil
            case .since(let moment): filterFrom = context.time.format(moment)
            case .incremental: filterFrom = state.watermarkTime.map { context.time.format($0 - options.overlapSeconds) }
            }
        }
        let passMode = resume ? (state.passMode ?? options.mode.name) : options.mode.name
        // A portal's first load writes straight into the empty star (no staging, no upserts).
        let direct = try await database.run { try $0.leadStarIsEmpty(portalID: context.portalID) }
        log.event(
            "leads_pass",
            [
                "modified_since": filterFrom ?? "beginning", "after_id": String(cursor), "resumed": String(resume),
                "first_load": String(direct),
            ])
        if direct {
            let deferred = try await database.run { try $0.deferIndexesIfStarEmpty() }
            if deferred > 0 { log.event("indexes_deferred", ["indexes": String(deferred)]) }
        }
        let progress = StreamProgress(
            stream: "leads", cursor: 0, passStartedAt: passStart, passMode: passMode, passFilter: filterFrom)
        let database = self.database
        var knownDimensions: (@Sendable (Set<Int64>, Set<Int64>) async throws -> (Set<Int64>, Set<Int64>))?
        if options.mode == .incremental {
            knownDimensions = { @Sendable contacts, companies in
                try await database.run {
                    try $0.existingDimensions(portalID: context.portalID, contacts: contacts, companies: companies)
                }
            }
        }
        let extractor = ChunkBuilder(
            client: client, transformer: context.transformer, detailConcurrency: options.detailConcurrency, log: log,
            knownDimensions: knownDimensions)
        let filter: JSONObject = filterFrom.map { [">=DATE_MODIFY": .string($0)] } ?? [:]
        let pager = KeysetPager(client: client, method: "crm.lead.list", select: ["*", "UF_*"], filter: filter)
        let chunkSize = options.leadsPerChunk
        let log = self.log
        let totals = try await pipeline(
            produce: { (send: @Sendable (LeadChunk) async -> Void) in
                var pending = LeadBatch()
                try await pager.forEachPage(after: cursor) { page in
                    extractor.transform(page, into: &pending)
                    if pending.count >= chunkSize {
                        let batch = pending
                        pending = LeadBatch()
                        await send(try await extractor.build(batch))
                    }
                }
                if pending.count > 0 { await send(try await extractor.build(pending)) }
            },
            load: { chunk in
                var chunkProgress = progress
                chunkProgress.cursor = chunk.cursor
                let counters = self.requestCounters
                return try await database.run { [chunkProgress] in
                    try $0.loadChunk(
                        chunk, portalID: context.portalID, runID: context.runID, progress: chunkProgress,
                        requests: counters, direct: direct)
                }
            },
            progress: { log.progress("leads", done: $0.leads, total: nil, unit: "leads") })
        try await database.run {
            try $0.completePass(
                portalID: context.portalID, stream: "leads", runID: context.runID, passStartedAt: passStart)
        }
        summary.leads = totals.leads
        summary.productRows = totals.productRows
        summary.contactLinks = totals.contactLinks
        summary.nulStripped += totals.nulStripped
        summary.skipped += totals.skipped
    }

    private func syncHistory(_ context: RunContext, state: StreamState, summary: inout SyncSummary) async throws {
        let pager = KeysetPager(
            client: client, method: "crm.stagehistory.list",
            select: ["ID", "TYPE_ID", "OWNER_ID", "CREATED_TIME", "STATUS_SEMANTIC_ID", "STATUS_ID"],
            extraParameters: ["entityTypeId": 1], shape: .member("items"))
        let database = self.database
        let log = self.log
        let direct = try await database.run { try $0.historyLoadsDirectly(portalID: context.portalID, state: state) }
        let totals = try await pipeline(
            produce: { (send: @Sendable (HistoryBatch) async -> Void) in
                var pending = HistoryBatch(lastID: state.cursor)
                var sentID = state.cursor
                try await pager.forEachPage(after: state.cursor) { page in
                    for item in page {
                        do {
                            pending.rows.append(try context.transformer.stageHistory(item))
                        } catch {
                            pending.skipped += 1
                            log.event("record_skipped", level: "warning", ["reason": String(describing: error)])
                        }
                        pending.lastID = max(pending.lastID, item["ID"]?.lenientInt ?? pending.lastID)
                    }
                    if pending.rows.count >= 2_500 {
                        sentID = pending.lastID
                        await send(pending)
                        pending = HistoryBatch(lastID: sentID)
                    }
                }
                if !pending.rows.isEmpty || pending.skipped > 0 || pending.lastID != sentID { await send(pending) }
            },
            load: { batch in
                let counters = self.requestCounters
                return try await database.run {
                    try $0.loadHistory(
                        batch.rows, portalID: context.portalID, runID: context.runID, lastID: batch.lastID,
                        skipped: batch.skipped, requests: counters, direct: direct)
                }
            },
            progress: { log.progress("stage history", done: $0.stageHistory, total: nil, unit: "changes") })
        if direct { try await database.run { try $0.finishHistoryFirstLoad(portalID: context.portalID) } }
        summary.stageHistory = totals.stageHistory
        summary.nulStripped += totals.nulStripped
        summary.skipped += totals.skipped
    }

    /// Stage-history rows read and waiting to be loaded, with the cursor they move to.
    struct HistoryBatch: Sendable {
        var rows: [StageHistoryRecord] = []
        var skipped = 0
        var lastID: Int64
    }

    /// Reads the portal and loads at once, joined by a one-slot channel: the next chunk is read
    /// while the previous one loads, and memory holds at most three. Either side failing stops both.
    /// `progress` gets the running totals after each load.
    private func pipeline<Item: Sendable>(
        produce: @escaping @Sendable (_ send: @escaping @Sendable (Item) async -> Void) async throws -> Void,
        load: @escaping @Sendable (Item) async throws -> ChunkCounts,
        progress: @escaping @Sendable (ChunkCounts) -> Void
    ) async throws -> ChunkCounts {
        let channel = BoundedChannel<Item>(capacity: 1)
        return try await withThrowingTaskGroup(of: ChunkCounts.self) { group in
            group.addTask {
                do {
                    try await produce { await channel.send($0) }
                    await channel.finish()
                } catch {
                    await channel.finish(throwing: error)
                    throw error
                }
                return ChunkCounts()
            }
            group.addTask {
                var total = ChunkCounts()
                do {
                    while let item = try await channel.receive() {
                        total += try await load(item)
                        progress(total)
                    }
                } catch {
                    await channel.finish(throwing: error)
                    throw error
                }
                return total
            }
            var total = ChunkCounts()
            for try await part in group { total += part }
            return total
        }
    }

    private func reconcile(_ context: RunContext, elapsed: Double) async throws -> Int {
        var ids: [Int64] = []
        try await KeysetPager(client: client, method: "crm.lead.list", select: ["ID"]).forEachPage { page in
            ids += page.compactMap { $0["ID"]?.lenientInt }
            if ids.count % 2_500 == 0 { log.progress("reconcile", done: ids.count, total: nil, unit: "ids") }
        }
        let live = try await database.run { try $0.liveLeadCount(portalID: context.portalID) }
        if ids.isEmpty, live > 0 {
            throw SyncError(
                isLocked: false,
                message: "the portal listed no leads at all while \(live) are loaded; refusing to mark them deleted "
                    + "(check the webhook's permissions)")
        }
        let deletedAt = context.portalNow + Int64(elapsed)
        let liveIDs = ids
        let marked = try await database.run {
            try $0.reconcile(liveIDs: liveIDs, portalID: context.portalID, runID: context.runID, deletedAt: deletedAt)
        }
        log.event("reconciled", ["portal_leads": String(ids.count), "newly_deleted": String(marked)])
        return marked
    }
}
