import B24Core
import Extract
import Load
import Star
import Transform

/// Contacts and companies already in `dw` that the portal changed since the last run (their own
/// `DATE_MODIFY`, keyset on `ID`), read again so a renamed contact is right the next morning.
/// A `--full` run reads every contact and company; the first run only starts the watermark (the
/// lead pass just read every contact and company it refers to).
public struct DimensionRefreshStream: SyncStream {
    /// The stream.
    public init() {}

    /// `dimensions`.
    public var name: String { StreamProgress.dimensions }

    /// What the pass reads.
    public struct Pass: Sendable {
        /// The portal time the pass began (the next watermark).
        var startedAt: Int64
        /// `DATE_MODIFY` lower bound (portal text), `nil` for everything.
        var modifiedSince: String?
        /// Whether there is anything to read.
        var reads: Bool
    }

    /// From the watermark minus the overlap; nothing on the first run.
    public func begin(_ run: RunContext) async throws -> Pass {
        let portalID = run.portalID
        let state = try await run.database.run {
            try $0.streamState(portalID: portalID, stream: StreamProgress.dimensions)
        }
        let since = state.watermarkTime.map { run.time.format($0 - run.options.overlapSeconds) }
        let full = run.options.mode == .full && run.deleteCheck != nil
        return Pass(startedAt: run.portalNow, modifiedSince: full ? nil : since, reads: full || since != nil)
    }

    /// Pages of contacts and companies, only those `dw` holds, as chunks without leads.
    public func read(
        _ pass: Pass, _ run: RunContext, send: @escaping @Sendable (LeadChunk) async throws -> Void
    ) async throws {
        guard pass.reads else { return }
        let (portalID, transformer) = (run.portalID, run.transformer)
        // Pages of one kind gather into chunks of `batchSize` rows: one lookup of which `dw`
        // holds and one load per chunk, not per page of 50.
        var pending: [JSON] = []
        var pendingAreContacts = true
        func flush() async throws {
            defer { pending = [] }
            let ids = Set(pending.compactMap { $0["ID"]?.lenientInt })
            let wanted = pendingAreContacts ? DimensionIDs(contacts: ids) : DimensionIDs(companies: ids)
            let known = try await run.database.run { try $0.existingDimensions(portalID: portalID, ids: wanted) }
            let kept = pendingAreContacts ? known.contacts : known.companies
            var chunk = LeadChunk()
            for row in pending where row["ID"]?.lenientInt.map(kept.contains) == true {
                do throws(TransformError) {
                    if pendingAreContacts {
                        chunk.contacts.append(try transformer.contact(row))
                    } else {
                        chunk.companies.append(try transformer.company(row))
                    }
                } catch {
                    chunk.rejected.append(error)
                }
            }
            if !chunk.contacts.isEmpty || !chunk.companies.isEmpty || !chunk.rejected.isEmpty { try await send(chunk) }
        }
        try await DimensionReader(client: run.client).forEachModified(since: pass.modifiedSince) { isContact, page in
            if isContact != pendingAreContacts, !pending.isEmpty { try await flush() }
            pendingAreContacts = isContact
            pending += page
            if pending.count >= Self.batchSize { try await flush() }
        }
        if !pending.isEmpty { try await flush() }
    }

    /// Contacts or companies per lookup and load.
    static let batchSize = 2_500

    /// Merges the contacts and companies.
    public func load(_ chunk: LeadChunk, _ pass: Pass, _ run: RunContext) async throws -> StreamCounts {
        let (portalID, runID, counters) = (run.portalID, run.runID, run.requestCounters)
        let portalNow = run.portalNow + Int64(run.elapsed())
        let refreshed = chunk.contacts.count + chunk.companies.count
        let counts = try await run.database.run {
            try $0.loadChunk(
                chunk, portalID: portalID, runID: runID, portalNow: portalNow, progress: nil, requests: counters,
                writer: StagedLeadWriter())
        }
        run.log.event(LogKey.Event.dimensionsRefreshed, ["contacts_and_companies": "\(refreshed)"])
        return counts
    }

    /// The pass's start becomes the watermark.
    public func finish(_ pass: Pass, _ run: RunContext, totals: StreamCounts) async throws {
        let (portalID, runID) = (run.portalID, run.runID)
        try await run.database.run {
            try $0.completePass(
                portalID: portalID, stream: StreamProgress.dimensions, runID: runID, passStartedAt: pass.startedAt)
        }
    }
}
