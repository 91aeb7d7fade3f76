import B24Core
import Extract
import Load
import Star
import Transform

/// Whether this portal answers product rows of owner sets (`crm.item.productrow.list`, 50 leads
/// or deals per command) as it answers them one owner at a time, decided once per run for each
/// owner type and kept in `etl.portal`.
///
/// A portal never probed, or probed more than a week ago, is probed on the first chunk: the
/// single-owner rows of a sample of owners that have rows are compared with the owner-set answer
/// for the same owners. A refusal or any difference means one call per owner, with the reason
/// recorded; so does a refusal later in the run. With no owner that has rows to compare, the run
/// reads one by one and the next run probes again.
actor ProductRowCapability {
    /// How product rows are read.
    enum Mode: Sendable, Equatable {
        /// `crm.item.productrow.list` with owner sets.
        case ownerSets
        /// `crm.lead.productrows.get` (or `crm.deal.…`), one owner per command.
        case perOwner
    }

    /// How long a probe's answer holds (seconds).
    static let probeLifetime: Int64 = 7 * 86_400
    /// Leads compared by a probe.
    static let sampleSize = 10

    private var decided: Mode?
    private let stored: ProductRowAccess
    /// Whose product rows.
    let owner: CRMOwner

    /// A capability for `owner`'s rows starting from what `etl.portal` recorded.
    init(stored: ProductRowAccess, owner: CRMOwner = .lead) {
        self.stored = stored
        self.owner = owner
    }

    /// `owner_sets`, or `per_lead` / `per_deal`, as the log names a mode.
    private func name(_ mode: Mode) -> String {
        mode == .ownerSets ? "owner_sets" : "per_\(owner.rawValue)"
    }

    /// The mode for this run, probing first when due. `candidates` are owners of the first chunk,
    /// used when `dw` has no owner with rows to sample.
    func mode(_ run: RunContext, candidates: [Int64]) async throws -> Mode {
        if let decided { return decided }
        if let ownerSets = stored.ownerSets, let probed = stored.probedAt,
            run.portalNow - probed < Self.probeLifetime
        {
            decided = ownerSets ? .ownerSets : .perOwner
            return decided ?? .perOwner
        }
        let (mode, reason, conclusive) = try await probe(run, candidates: candidates)
        decided = mode
        let access = ProductRowAccess(
            ownerSets: mode == .ownerSets, reason: reason, probedAt: conclusive ? run.portalNow : nil)
        let (portalID, owner) = (run.portalID, owner)
        try await run.database.run { try $0.recordProductRowAccess(portalID: portalID, owner: owner, access) }
        run.log.event(
            LogKey.Event.productRowsProbed, level: mode == .ownerSets ? .info : .warning,
            [LogKey.stream: "\(owner.rawValue)s", "mode": "\(name(mode))", LogKey.reason: "\(reason)"])
        return mode
    }

    /// The portal refused an owner set during the run: one call per owner from now on, recorded.
    func fallBack(_ run: RunContext, because error: any Error) async throws {
        guard decided != .perOwner else { return }
        decided = .perOwner
        let reason = "crm.item.productrow.list refused an owner set during a run: \(error)"
        let (portalID, owner) = (run.portalID, owner)
        let access = ProductRowAccess(ownerSets: false, reason: reason, probedAt: run.portalNow)
        try await run.database.run { try $0.recordProductRowAccess(portalID: portalID, owner: owner, access) }
        run.log.event(
            LogKey.Event.productRowsProbed, level: .warning,
            [LogKey.stream: "\(owner.rawValue)s", "mode": "\(name(.perOwner))", LogKey.reason: "\(reason)"])
    }

    /// Compares single-owner answers with the owner-set answer for a sample of owners with rows.
    private func probe(_ run: RunContext, candidates: [Int64]) async throws -> (Mode, String, Bool) {
        let (portalID, owner) = (run.portalID, owner)
        var pool = try await run.database.run {
            try $0.ownersWithProductRows(portalID: portalID, owner: owner, limit: Self.sampleSize)
        }
        if pool.count < Self.sampleSize { pool += candidates.prefix(50).filter { !pool.contains($0) } }
        let reader = ChildrenReader(client: run.client, concurrency: 1, owner: owner)
        let transformer = owner == .lead ? run.transformer.children : run.dealTransformer.children
        let single = try await reader.run(pool.map { .productRowsOfOwner($0) })
        let sample = pool.filter { !(single.productRows[$0] ?? []).isEmpty }.prefix(Self.sampleSize)
        guard !sample.isEmpty else {
            return (.perOwner, "no \(owner.rawValue) with product rows to compare yet; probed again next run", false)
        }
        let ownerSet = try await reader.runToCompletion([.productRowsOfSet(Array(sample), after: 0)])
        if let refusal = ownerSet.refusal {
            return (.perOwner, "crm.item.productrow.list refused an owner set: \(refusal)", true)
        }
        for id in sample {
            let expected = try rows(single.productRows[id] ?? [], id, transformer)
            let answered = try rows(ownerSet.productRows[id] ?? [], id, transformer)
            guard expected == answered else {
                return (
                    .perOwner,
                    "the owner-set answer differs from \(owner.methodPrefix).productrows.get for \(owner.rawValue) "
                        + "\(id) (\(answered.count) rows against \(expected.count))", true
                )
            }
        }
        return (
            .ownerSets,
            "owner-set answers equal per-\(owner.rawValue) answers for \(sample.count) \(owner.rawValue)s with rows",
            true
        )
    }

    private func rows(_ json: [JSON], _ id: Int64, _ transformer: ChildTransformer) throws -> [ProductRowRecord] {
        try json.map { try transformer.productRow($0, ownerID: id) }.sorted { $0.rowID < $1.rowID }
    }
}
