import B24Core
import Extract
import Load
import Star
import Transform

/// Whether this portal answers product rows of owner sets (`crm.item.productrow.list`, 50 leads
/// per command) as it answers them lead by lead, decided once per run and kept in `etl.portal`.
///
/// A portal never probed, or probed more than a week ago, is probed on the first chunk: the
/// per-lead rows of a sample of leads that have rows are compared with the owner-set answer for
/// the same leads. A refusal or any difference means per-lead calls, with the reason recorded;
/// so does a refusal later in the run. With no lead that has rows to compare, the run reads per
/// lead and the next run probes again.
actor ProductRowCapability {
    /// How product rows are read.
    enum Mode: Sendable, Equatable {
        /// `crm.item.productrow.list` with owner sets.
        case ownerSets
        /// `crm.lead.productrows.get`, one lead per command.
        case perLead
    }

    /// How long a probe's answer holds (seconds).
    static let probeLifetime: Int64 = 7 * 86_400
    /// Leads compared by a probe.
    static let sampleSize = 10

    private var decided: Mode?
    private let stored: ProductRowAccess

    /// A capability starting from what `etl.portal` recorded.
    init(stored: ProductRowAccess) {
        self.stored = stored
    }

    /// The mode for this run, probing first when due. `candidates` are leads of the first chunk,
    /// used when `dw` has no lead with rows to sample.
    func mode(_ run: RunContext, candidates: [Int64]) async throws -> Mode {
        if let decided { return decided }
        if let ownerSets = stored.ownerSets, let probed = stored.probedAt,
            run.portalNow - probed < Self.probeLifetime
        {
            decided = ownerSets ? .ownerSets : .perLead
            return decided ?? .perLead
        }
        let (mode, reason, conclusive) = try await probe(run, candidates: candidates)
        decided = mode
        let access = ProductRowAccess(
            ownerSets: mode == .ownerSets, reason: reason, probedAt: conclusive ? run.portalNow : nil)
        let portalID = run.portalID
        try await run.database.run { try $0.recordProductRowAccess(portalID: portalID, access) }
        run.log.event(
            LogKey.Event.productRowsProbed, level: mode == .ownerSets ? .info : .warning,
            ["mode": "\(mode == .ownerSets ? "owner_sets" : "per_lead")", LogKey.reason: "\(reason)"])
        return mode
    }

    /// The portal refused an owner set during the run: per-lead calls from now on, recorded.
    func fallBack(_ run: RunContext, because error: any Error) async throws {
        guard decided != .perLead else { return }
        decided = .perLead
        let reason = "crm.item.productrow.list refused an owner set during a run: \(error)"
        let portalID = run.portalID
        let access = ProductRowAccess(ownerSets: false, reason: reason, probedAt: run.portalNow)
        try await run.database.run { try $0.recordProductRowAccess(portalID: portalID, access) }
        run.log.event(
            LogKey.Event.productRowsProbed, level: .warning, ["mode": "per_lead", LogKey.reason: "\(reason)"])
    }

    /// Compares per-lead answers with the owner-set answer for a sample of leads with rows.
    private func probe(_ run: RunContext, candidates: [Int64]) async throws -> (Mode, String, Bool) {
        let portalID = run.portalID
        var pool = try await run.database.run {
            try $0.leadsWithProductRows(portalID: portalID, limit: Self.sampleSize)
        }
        if pool.count < Self.sampleSize { pool += candidates.prefix(50).filter { !pool.contains($0) } }
        let reader = LeadChildrenReader(client: run.client, concurrency: 1)
        let perLead = try await reader.run(pool.map { .productRowsOfLead($0) })
        let sample = pool.filter { !(perLead.productRows[$0] ?? []).isEmpty }.prefix(Self.sampleSize)
        guard !sample.isEmpty else {
            return (.perLead, "no lead with product rows to compare yet; probed again next run", false)
        }
        let ownerSet = try await reader.runToCompletion([.productRowsOfSet(Array(sample), after: 0)])
        if let refusal = ownerSet.refusal {
            return (.perLead, "crm.item.productrow.list refused an owner set: \(refusal)", true)
        }
        for lead in sample {
            let expected = try rows(perLead.productRows[lead] ?? [], lead, run.transformer)
            let answered = try rows(ownerSet.productRows[lead] ?? [], lead, run.transformer)
            guard expected == answered else {
                return (
                    .perLead,
                    "the owner-set answer differs from crm.lead.productrows.get for lead \(lead) "
                        + "(\(answered.count) rows against \(expected.count))", true
                )
            }
        }
        return (.ownerSets, "owner-set answers equal per-lead answers for \(sample.count) leads with rows", true)
    }

    private func rows(_ json: [JSON], _ lead: Int64, _ transformer: LeadTransformer) throws -> [ProductRowRecord] {
        try json.map { try transformer.productRow($0, leadID: lead) }.sorted { $0.rowID < $1.rowID }
    }
}
