import B24Core
import Extract
import Load
import Star
import Transform

/// Activities on the leads' timelines: keyset pages of `crm.activity.list` (every activity with a
/// lead among its bindings) since the `LAST_UPDATED` watermark minus the overlap, each chunk's lead
/// bindings read (`BINDINGS` when the portal returns it, else `crm.activity.binding.list`, 50 per
/// request), a chunk per transaction with the keyset cursor, the watermark moved only when the pass
/// is complete. Deletes are found by an ID scan within the mass-delete guard; an audit run also
/// compares every activity's lead bindings with `dw`.
public struct ActivityStream: SyncStream {
    /// The stream.
    public init() {}

    /// `activities`.
    public var name: String { StreamProgress.activities }

    /// Where this run's pass starts, and how many activities the portal counted for it.
    public typealias Pass = CountedPass

    /// Resumes an unfinished incremental pass where its last chunk committed; otherwise starts
    /// one from the watermark (incremental), the given time (`since`) or the beginning (`full`).
    public func begin(_ run: RunContext) async throws -> Pass {
        try await CountedPass.begin(StreamProgress.activities, run: run, sinceKey: "updated_since")
    }

    /// Pages of activities become rows as they arrive, a chunk every `leadsPerChunk` activities,
    /// sent with their lead bindings.
    public func read(
        _ pass: Pass, _ run: RunContext, send: @escaping @Sendable (ActivityChunk) async throws -> Void
    ) async throws {
        let chunkSize = run.options.leadsPerChunk
        let transformer = run.activityTransformer
        let reader = ActivityReader(client: run.client, concurrency: run.options.detailConcurrency)
        var pending = ActivityChunk()
        pending.cursor = pass.start.cursor
        let expected = pass.expected
        try await reader.forEachPage(
            updatedSince: pass.start.modifiedSince, after: pass.start.cursor, onTotal: { expected.value = $0 }
        ) { page in
            Self.transform(page, with: transformer, into: &pending, log: run.log)
            if pending.activities.count + pending.rejected.count >= chunkSize {
                var chunk = pending
                pending = ActivityChunk()
                pending.cursor = chunk.cursor
                try await Self.attachBindings(to: &chunk, reader, log: run.log)
                try await send(chunk)
            }
        }
        if !pending.activities.isEmpty || !pending.rejected.isEmpty {
            try await Self.attachBindings(to: &pending, reader, log: run.log)
            try await send(pending)
        }
    }

    /// Activity records into rows; a record that cannot be loaded is kept as a reject (and logged).
    static func transform(
        _ page: [JSON], with transformer: ActivityTransformer, into chunk: inout ActivityChunk, log: RunLog
    ) {
        appendRows(of: page, to: &chunk.activities, rejected: &chunk.rejected, cursor: &chunk.cursor, log: log) {
            (record: JSON) throws(TransformError) in try transformer.activity(record)
        }
    }

    /// Asks the bindings of the chunk's activities whose record did not list them; an activity
    /// the portal no longer has leaves the chunk (the delete scan flags it).
    static func attachBindings(to chunk: inout ActivityChunk, _ reader: ActivityReader, log: RunLog) async throws {
        let unknown = chunk.activities.filter { $0.leadIDs == nil }.map(\.activityID)
        guard !unknown.isEmpty else { return }
        let bindings = try await reader.bindings(of: unknown)
        var kept: [ActivityRow] = []
        for var activity in chunk.activities {
            if activity.leadIDs == nil {
                guard let found = bindings[activity.activityID] else {
                    log.event(
                        LogKey.Event.activityVanished, level: .warning, ["activity": "\(activity.activityID)"])
                    continue
                }
                activity.leadIDs = found.filter { $0.ownerTypeID == 1 && $0.ownerID > 0 }.map(\.ownerID)
            }
            kept.append(activity)
        }
        chunk.activities = kept
    }

    /// Writes the chunk and its cursor in one transaction.
    public func load(_ chunk: ActivityChunk, _ pass: Pass, _ run: RunContext) async throws -> StreamCounts {
        let progress = StreamProgress(
            stream: StreamProgress.activities, cursor: chunk.cursor, passStartedAt: pass.start.startedAt,
            passMode: pass.start.mode, passFilter: pass.start.modifiedSince)
        let (portalID, runID, counters) = (run.portalID, run.runID, run.requestCounters)
        return try await run.database.run {
            try $0.loadActivities(chunk, portalID: portalID, runID: runID, progress: progress, requests: counters)
        }
    }

    /// The pass's start becomes the watermark (a `since` pass after the stored one keeps it).
    public func finish(_ pass: Pass, _ run: RunContext, totals: StreamCounts) async throws {
        let (portalID, runID) = (run.portalID, run.runID)
        try await run.database.run {
            try $0.completePass(
                portalID: portalID, stream: StreamProgress.activities, runID: runID,
                passStartedAt: pass.start.startedAt, keepWatermark: pass.start.keepsWatermark)
        }
    }

    /// Lists every activity id (skipped on the portal's first load of activities: everything the
    /// star holds was just listed), flags those the portal no longer lists within the mass-delete
    /// guard and reads again those flagged deleted that it lists again. An audit run also asks the
    /// bindings of every activity and reads again each whose leads differ from `dw` (a rebinding
    /// need not move `LAST_UPDATED`).
    public func reconcile(_ run: RunContext) async throws -> ReconcileCounts {
        let portalID = run.portalID
        guard run.activitiesKnown else { return ReconcileCounts() }
        let reader = ActivityReader(client: run.client, concurrency: run.options.detailConcurrency)
        let (ids, scan) = try await reader.allIDs()
        if let counted = scan.portalTotal, ids.count + scan.repeatedRows < counted {
            throw SyncError(
                kind: .refused,
                message: DeleteGuard.incompleteScan(listed: ids.count, counted: counted, entity: "activity"))
        }
        let (runID, guardian) = (run.runID, run.options.deleteGuard)
        let deletedAt = run.portalNow + Int64(run.elapsed())
        let outcome = try await run.database.run {
            try $0.reconcileActivities(
                liveIDs: ids, portalID: portalID, runID: runID, deletedAt: deletedAt, allow: guardian.allows)
        }
        var counts = ReconcileCounts()
        counts.activitiesDeleted = outcome.marked
        counts.activitiesUndeleted = outcome.reappeared.count
        var differing: Set<Int64> = []
        if run.auditsChildren {
            for start in stride(from: 0, to: ids.count, by: run.options.leadsPerChunk) {
                let part = Array(ids[start..<min(start + run.options.leadsPerChunk, ids.count)])
                let portal = try await reader.bindings(of: part)
                let star = try await run.database.run { try $0.activityLeads(portalID: portalID, activityIDs: part) }
                for id in part {
                    let leads = Set((portal[id] ?? []).filter { $0.ownerTypeID == 1 }.map(\.ownerID))
                    if leads != (star[id] ?? []) { differing.insert(id) }
                }
            }
        }
        let repaired = differing.subtracting(outcome.reappeared)
        counts.activitiesRepaired = repaired.count
        counts.reread = try await reread(repaired.union(outcome.reappeared).sorted(), reader, run)
        guard guardian.allows(outcome.plan) else {
            throw SyncError(kind: .refused, message: guardian.refusal(outcome.plan, entity: "activities"))
        }
        run.log.event(
            LogKey.Event.reconciled,
            [
                LogKey.stream: "\(name)", "portal_activities": "\(ids.count)", "newly_deleted": "\(outcome.marked)",
                "undeleted": "\(outcome.reappeared.count)",
                "bindings_differed": "\(run.auditsChildren ? String(repaired.count) : "not audited")",
            ])
        return counts
    }

    /// Reads the given activities again with their bindings and loads them, a chunk per
    /// transaction, without moving the cursor.
    private func reread(_ ids: [Int64], _ reader: ActivityReader, _ run: RunContext) async throws -> StreamCounts {
        var total = StreamCounts()
        let (portalID, runID) = (run.portalID, run.runID)
        for start in stride(from: 0, to: ids.count, by: run.options.leadsPerChunk) {
            let part = Array(ids[start..<min(start + run.options.leadsPerChunk, ids.count)])
            var read = ActivityChunk()
            Self.transform(
                try await reader.activities(ids: part), with: run.activityTransformer, into: &read, log: run.log)
            try await Self.attachBindings(to: &read, reader, log: run.log)
            guard !read.activities.isEmpty || !read.rejected.isEmpty else { continue }
            let (chunk, counters) = (read, run.requestCounters)
            total.add(
                try await run.database.run {
                    try $0.loadActivities(chunk, portalID: portalID, runID: runID, progress: nil, requests: counters)
                })
        }
        return total
    }
}
