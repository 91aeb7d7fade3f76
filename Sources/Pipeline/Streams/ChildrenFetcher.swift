import B24Core
import Extract
import Load
import Star
import Synchronization
import Transform

/// Reads the children of a chunk of leads or deals: binding sets (50 owners per command) and
/// product rows (owner sets, or one owner per command where the portal does not answer sets the
/// same), then the exact bindings of every owner whose set is not what `dw` holds.
final class ChildrenFetcher: Sendable {
    private let run: RunContext
    /// Whose children are read.
    let owner: CRMOwner
    private let capability: ProductRowCapability
    private let transformer: ChildTransformer
    /// Whether `dw` may hold children of these owners (not on a portal's first load).
    private let comparesWithStar: Bool
    private let estimate = Mutex(RowsPerOwner())

    /// A fetcher of `owner`'s children for one pass of `run`.
    init(run: RunContext, owner: CRMOwner, comparesWithStar: Bool = true) {
        self.run = run
        self.owner = owner
        self.capability = owner == .lead ? run.productRows : run.dealProductRows
        self.transformer = owner == .lead ? run.transformer.children : run.dealTransformer.children
        self.comparesWithStar = comparesWithStar
    }

    /// The children of `ids`: binding sets (50 owners per command) and product rows (owner sets, or
    /// one by one where the portal does not answer sets the same), then the exact bindings of every
    /// owner whose set is not what `dw` holds, and the further pages of full owner sets.
    func read(of ids: [Int64]) async throws -> ChildrenOfChunk {
        guard !ids.isEmpty else { return ChildrenOfChunk() }
        let reader = ChildrenReader(client: run.client, concurrency: run.options.detailConcurrency, owner: owner)
        let mode = try await capability.mode(run, candidates: ids)
        var queries = stride(from: 0, to: ids.count, by: 50).map {
            ChildQuery.bindingSets(Array(ids[$0..<min($0 + 50, ids.count)]))
        }
        queries += productRowQueries(ids, mode)
        var answers = ChildAnswers()
        var next = try await answerRound(queries, reader, into: &answers)
        var children = ChildrenOfChunk()
        let sets = try await differingSets(ids, items: answers.bindingSets, comparingWithStar: comparesWithStar)
        children.failures = sets.failures
        next += sets.differing.map { .contactItems($0) }
        while !next.isEmpty { next = try await answerRound(next, reader, into: &answers) }
        let rowCount = answers.productRows.values.reduce(0) { $0 + $1.count }
        estimate.withLock { $0.add(owners: ids.count, rows: rowCount) }
        Self.convert(answers.productRows, into: &children.productRows, failures: &children.failures) {
            (row, id) throws(TransformError) in try transformer.productRow(row, ownerID: id)
        }
        Self.convert(answers.contacts, into: &children.contactLinks, failures: &children.failures) {
            (row, id) throws(TransformError) in try transformer.contactLink(row, ownerID: id)
        }
        children.missing = answers.missing
        return children
    }

    /// The owners among `ids` whose contact set on the portal (`items`: `crm.item.list` answers by
    /// owner id) is not what `dw` holds — an owner the portal did not answer differs; without
    /// `comparingWithStar` every owner with contacts differs — and, apart, the owners whose item
    /// could not be read.
    func differingSets(
        _ ids: [Int64], items: [Int64: JSON], comparingWithStar: Bool = true
    ) async throws -> (differing: [Int64], failures: [Int64: TransformError]) {
        var portalSets: [Int64: BindingSet] = [:]
        var failures: [Int64: TransformError] = [:]
        for (id, item) in items {
            do throws(TransformError) {
                portalSets[id] = try transformer.bindingSet(item)
            } catch {
                failures[id] = error
            }
        }
        let (portalID, owner) = (run.portalID, owner)
        let starSets =
            comparingWithStar
            ? try await run.database.run { try $0.bindingSets(portalID: portalID, ids: ids, owner: owner) } : [:]
        let differing = ids.filter { id in
            failures[id] == nil && portalSets[id].map { $0 != (starSets[id] ?? .empty) } ?? true
        }
        return (differing, failures)
    }

    /// `crm.item.list` items' ids in order, and the items by id.
    static func keyed(_ items: [JSON]) -> (ids: [Int64], byID: [Int64: JSON]) {
        let pairs = items.compactMap { item in item["id"]?.lenientInt.map { ($0, item) } }
        return (pairs.map(\.0), Dictionary(pairs, uniquingKeysWith: { _, last in last }))
    }

    /// The product rows of `ids` alone, as rows (the audit's comparison): the owners whose rows
    /// were read, their rows, and the owners with a row that did not convert.
    func readProductRows(
        of ids: [Int64]
    ) async throws -> (read: [Int64], records: [ProductRowRecord], failed: Set<Int64>) {
        guard !ids.isEmpty else { return ([], [], []) }
        let reader = ChildrenReader(client: run.client, concurrency: run.options.detailConcurrency, owner: owner)
        let mode = try await capability.mode(run, candidates: ids)
        var answers = ChildAnswers()
        var next = productRowQueries(ids, mode)
        while !next.isEmpty { next = try await answerRound(next, reader, into: &answers) }
        var rows: [Int64: [ProductRowRecord]] = [:]
        var failures: [Int64: TransformError] = [:]
        let transformer = transformer
        Self.convert(answers.productRows, into: &rows, failures: &failures) {
            (row, id) throws(TransformError) in try transformer.productRow(row, ownerID: id)
        }
        let read = ids.filter { rows[$0] != nil && !answers.missing.contains($0) }
        return (read, read.flatMap { rows[$0] ?? [] }, Set(failures.keys))
    }

    /// Product-row queries for `ids`: owner sets sized so a set's rows usually fit one page of 50
    /// (by the rows per owner seen so far), or one per owner.
    private func productRowQueries(_ ids: [Int64], _ mode: ProductRowCapability.Mode) -> [ChildQuery] {
        guard mode == .ownerSets else { return ids.map { .productRowsOfOwner($0) } }
        let size = estimate.withLock { $0.ownerSetSize }
        return stride(from: 0, to: ids.count, by: size).map {
            .productRowsOfSet(Array(ids[$0..<min($0 + size, ids.count)]), after: 0)
        }
    }

    /// Asks `queries` and files the answers; returns what to ask next: the further pages of full
    /// owner sets and, when the portal refused owner sets, each of their owners one by one — the
    /// run reads one by one from then on (recorded), and rows a refused set's earlier pages brought
    /// are dropped so that the single answer is the whole of each owner's rows.
    private func answerRound(
        _ queries: [ChildQuery], _ reader: ChildrenReader, into answers: inout ChildAnswers
    ) async throws -> [ChildQuery] {
        var round = try await reader.run(queries)
        var next = round.continuations
        round.continuations = []
        if let refusal = round.refusal {
            try await capability.fallBack(run, because: refusal)
            let owners = Array(round.refusedSets.joined())
            round.refusal = nil
            round.refusedSets = []
            answers.merge(round)
            for owner in owners { answers.productRows[owner] = nil }
            next += owners.map { ChildQuery.productRowsOfOwner($0) }
        } else {
            answers.merge(round)
        }
        return next
    }

    /// Each owner's answered rows as typed rows; an owner with a row that does not convert gets its
    /// error instead.
    private static func convert<Row>(
        _ answered: [Int64: [JSON]], into rows: inout [Int64: [Row]], failures: inout [Int64: TransformError],
        _ transform: (JSON, Int64) throws(TransformError) -> Row
    ) {
        for (id, list) in answered {
            do throws(TransformError) {
                rows[id] = try list.map { (row: JSON) throws(TransformError) in try transform(row, id) }
            } catch {
                failures[id] = failures[id] ?? error
            }
        }
    }
}

/// The children of a chunk's leads or deals, as rows.
struct ChildrenOfChunk {
    /// Product rows by owner (every owner asked, empty when it has none).
    var productRows: [Int64: [ProductRowRecord]] = [:]
    /// Exact bindings of the owners whose contact set differed from `dw`; the others keep theirs.
    var contactLinks: [Int64: [ContactLinkRecord]] = [:]
    /// Owners with a child that did not convert.
    var failures: [Int64: TransformError] = [:]
    /// Owners the portal no longer has.
    var missing: Set<Int64> = []
}

/// Product rows per owner seen so far, to size owner sets.
struct RowsPerOwner {
    private var owners = 0
    private var rows = 0

    mutating func add(owners: Int, rows: Int) {
        self.owners += owners
        self.rows += rows
    }

    /// Owners per set: about 40 rows, so that few sets need a second page (2 rows per owner
    /// assumed before any were seen).
    var ownerSetSize: Int {
        let perOwner = owners == 0 ? 2 : Double(rows) / Double(owners)
        return min(50, max(1, Int(40 / max(perOwner, 0.8))))
    }
}
