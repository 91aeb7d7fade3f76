import Load

/// One kind of record a sync brings over (leads, stage history; deals and activities next):
/// how it is read from the portal, turned into rows and loaded, as one pass per run.
///
/// The engine runs every registered stream in order (`SyncStreams.standard`), each as a
/// pipeline: `read` hands batches to `load` through a bounded channel, so the next batch is
/// read while the previous one is written. To add a stream, add a type conforming to this
/// protocol (its reader in `Extract`, its transform in `Transform`, its writer in `Load`) and
/// register it; the engine does not change.
public protocol SyncStream: Sendable {
    /// What `read` hands to `load`: rows ready to write, with the cursor they move to.
    associatedtype Batch: Sendable
    /// What `begin` decided for this pass (where to start, how to write).
    associatedtype Pass: Sendable

    /// The stream's name in `etl.sync_state` and the log.
    var name: String { get }

    /// Reads the stream's state and decides how this run's pass goes.
    func begin(_ run: RunContext) async throws -> Pass
    /// Reads the portal from where the pass starts, handing batches to `send` in order.
    func read(_ pass: Pass, _ run: RunContext, send: @escaping @Sendable (Batch) async throws -> Void) async throws
    /// Writes one batch and the stream's progress in one transaction.
    func load(_ batch: Batch, _ pass: Pass, _ run: RunContext) async throws -> StreamCounts
    /// Ends the pass (watermark, derived rows); `totals` are what the loads wrote.
    func finish(_ pass: Pass, _ run: RunContext, totals: StreamCounts) async throws
    /// Flags records the portal no longer has (an ID scan) and re-reads those it lists again.
    func reconcile(_ run: RunContext) async throws -> ReconcileCounts
    /// How many records the portal counted for the pass, once known (for the progress line).
    func expectedTotal(_ pass: Pass) -> Int?
}

/// What a stream's delete scan did.
public struct ReconcileCounts: Sendable, Equatable {
    /// Records newly flagged deleted.
    public var deleted = 0
    /// Records flagged deleted that the portal listed again, re-read.
    public var undeleted = 0
    /// What re-reading them wrote.
    public var reread = StreamCounts()
    /// Whether the run audited the children of every live lead.
    public var audited = false
    /// Leads whose children differed in the audit, read again.
    public var repaired = 0
    /// Deals newly flagged deleted.
    public var dealsDeleted = 0
    /// Deals flagged deleted that the portal listed again, re-read.
    public var dealsUndeleted = 0
    /// Deals whose contact set (every run) or product rows (audit runs) differed from `dw`, read again.
    public var dealsRepaired = 0
    /// Activities newly flagged deleted.
    public var activitiesDeleted = 0
    /// Activities flagged deleted that the portal listed again, re-read.
    public var activitiesUndeleted = 0
    /// Activities whose lead bindings differed from `dw` in an audit, read again.
    public var activitiesRepaired = 0

    /// Counts.
    public init(deleted: Int = 0, undeleted: Int = 0, reread: StreamCounts = StreamCounts()) {
        self.deleted = deleted
        self.undeleted = undeleted
        self.reread = reread
    }
}

extension SyncStream {
    /// Streams without a delete scan flag nothing.
    public func reconcile(_ run: RunContext) async throws -> ReconcileCounts { ReconcileCounts() }

    /// Streams that do not know their size in advance.
    public func expectedTotal(_ pass: Pass) -> Int? { nil }

    /// Runs one pass of this stream: begin, read while loading, finish.
    func runPass(_ run: RunContext) async throws -> StreamCounts {
        let pass = try await begin(run)
        let name = self.name
        let started = run.elapsed()
        let totals = try await StreamPipeline.run(
            produce: { send in try await read(pass, run, send: send) },
            load: { batch in try await load(batch, pass, run) },
            progress: { counts in
                run.log.chunkLoaded(
                    name,
                    ChunkProgress(
                        done: counts.primary, unit: counts.unit, productRows: counts.productRows,
                        links: counts.contactLinks, requests: run.requestCounters.requests,
                        elapsed: run.elapsed() - started, expected: expectedTotal(pass)))
            })
        try await finish(pass, run, totals: totals)
        return totals
    }
}

extension ReconcileCounts {
    /// Adds another scan's counts.
    mutating func add(_ other: ReconcileCounts) {
        deleted += other.deleted
        undeleted += other.undeleted
        reread.add(other.reread)
        audited = audited || other.audited
        repaired += other.repaired
        dealsDeleted += other.dealsDeleted
        dealsUndeleted += other.dealsUndeleted
    }
}

/// What a stream's loads wrote (the chunk counts) and how to show its progress.
public typealias StreamCounts = ChunkCounts

extension ChunkCounts {
    /// The count progress shows: leads, deals, or stage changes for a history-only stream.
    var primary: Int {
        if deals > 0 { return deals }
        if dealStageHistory > 0 { return dealStageHistory }
        return leads > 0 || stageHistory == 0 ? leads : stageHistory
    }
    /// The unit of `primary`.
    var unit: String {
        if deals > 0 { return "deals" }
        if dealStageHistory > 0 { return "changes" }
        return leads > 0 || stageHistory == 0 ? "leads" : "changes"
    }
}
