import B24Core
import Extract
import Load
import Star
import Synchronization
import Transform

/// Turns pages of raw lead records into loadable chunks: the transform, then the children of
/// the leads that passed it, then the contacts and companies they refer to that this run has not
/// read yet. Invalid records are skipped and logged with the lead id and field.
final class LeadChunkBuilder: Sendable {
    private let run: RunContext
    private let seen = SeenDimensions()
    /// Whether contacts and companies already in `dw` are read again (full runs refresh them).
    private let refreshesKnownDimensions: Bool
    /// Whether `dw` may hold children of these leads (not on a portal's first load).
    private let comparesWithStar: Bool
    private let estimate = Mutex(RowsPerLead())

    /// A builder for one pass of `run`.
    init(run: RunContext, refreshesKnownDimensions: Bool, comparesWithStar: Bool = true) {
        self.run = run
        self.refreshesKnownDimensions = refreshesKnownDimensions
        self.comparesWithStar = comparesWithStar
    }

    /// Turns a page of raw lead records into rows at once (so the JSON need not wait for the
    /// chunk to fill); invalid records are skipped and logged.
    func transform(_ records: [JSON], into batch: inout LeadBatch) {
        for record in records {
            batch.cursor = max(batch.cursor, record["ID"]?.lenientInt ?? 0)
            do {
                batch.leads.append(try run.transformer.lead(record))
            } catch {
                reject(error, into: &batch.rejected)
            }
        }
    }

    /// The chunk of a batch of leads: their children and the contacts and companies not yet read.
    func build(_ batch: LeadBatch) async throws -> LeadChunk {
        var chunk = LeadChunk()
        chunk.cursor = batch.cursor
        chunk.rejected = batch.rejected
        let leads = batch.leads
        let children = try await readChildren(of: leads.map(\.leadID))
        for lead in leads {
            if children.missing.contains(lead.leadID) {
                run.log.event(LogKey.Event.leadVanished, level: .warning, [LogKey.lead: "\(lead.leadID)"])
                continue
            }
            if let error = children.failures[lead.leadID] {
                reject(error, into: &chunk.rejected)
                continue
            }
            chunk.leads.append(lead)
            chunk.productRows += children.productRows[lead.leadID] ?? []
            if let links = children.contactLinks[lead.leadID] {
                chunk.contactLinks += links
            } else {
                chunk.linksKept.append(lead.leadID)
            }
        }
        let transformer = run.transformer
        let referred = DimensionIDs(
            contacts: Set(chunk.contactLinks.map(\.contactID) + chunk.leads.compactMap(\.contactID)),
            companies: Set(chunk.leads.compactMap(\.companyID)))
        var wanted = await seen.claim(referred)
        if !refreshesKnownDimensions, !wanted.isEmpty {
            let portalID = run.portalID
            let candidates = wanted
            let known = try await run.database.run { try $0.existingDimensions(portalID: portalID, ids: candidates) }
            wanted = wanted.subtracting(known)
        }
        if !wanted.isEmpty {
            let answer = try await DimensionReader(client: run.client).read(
                contactIDs: wanted.contacts.sorted(), companyIDs: wanted.companies.sorted())
            for row in answer.contacts {
                do { chunk.contacts.append(try transformer.contact(row)) } catch {
                    reject(error, into: &chunk.rejected)
                }
            }
            for row in answer.companies {
                do { chunk.companies.append(try transformer.company(row)) } catch {
                    reject(error, into: &chunk.rejected)
                }
            }
        }
        return chunk
    }

    /// The children of `ids`: binding sets (50 leads per command) and product rows (owner sets, or
    /// per lead where the portal does not answer sets the same), then the exact bindings of every
    /// lead whose set is not what `dw` holds, and the further pages of full owner sets.
    func readChildren(of ids: [Int64]) async throws -> ChildrenOfChunk {
        guard !ids.isEmpty else { return ChildrenOfChunk() }
        let reader = LeadChildrenReader(client: run.client, concurrency: run.options.detailConcurrency)
        let mode = try await run.productRows.mode(run, candidates: ids)
        var queries = stride(from: 0, to: ids.count, by: 50).map {
            ChildQuery.bindingSets(Array(ids[$0..<min($0 + 50, ids.count)]))
        }
        queries += productRowQueries(ids, mode)
        var answers = ChildAnswers()
        var next = try await answerRound(queries, reader, into: &answers)
        var children = ChildrenOfChunk()
        let transformer = run.transformer
        var portalSets: [Int64: BindingSet] = [:]
        for (id, item) in answers.bindingSets {
            do throws(TransformError) {
                portalSets[id] = try transformer.bindingSet(item)
            } catch {
                children.failures[id] = error
            }
        }
        let portalID = run.portalID
        let starSets =
            comparesWithStar ? try await run.database.run { try $0.bindingSets(portalID: portalID, leadIDs: ids) } : [:]
        let differing = ids.filter { id in
            children.failures[id] == nil && portalSets[id].map { $0 != (starSets[id] ?? .empty) } ?? true
        }
        next += differing.map { .contactItems($0) }
        while !next.isEmpty { next = try await answerRound(next, reader, into: &answers) }
        let rowCount = answers.productRows.values.reduce(0) { $0 + $1.count }
        estimate.withLock { $0.add(leads: ids.count, rows: rowCount) }
        Self.convert(answers.productRows, into: &children.productRows, failures: &children.failures) {
            (row, id) throws(TransformError) in try transformer.productRow(row, leadID: id)
        }
        Self.convert(answers.contacts, into: &children.contactLinks, failures: &children.failures) {
            (row, id) throws(TransformError) in try transformer.contactLink(row, leadID: id)
        }
        children.missing = answers.missing
        return children
    }

    /// The product rows of `ids` alone, as rows (the audit's comparison): the leads whose rows
    /// were read, their rows, and the leads with a row that did not convert.
    func readProductRows(
        of ids: [Int64]
    ) async throws -> (read: [Int64], records: [ProductRowRecord], failed: Set<Int64>) {
        guard !ids.isEmpty else { return ([], [], []) }
        let reader = LeadChildrenReader(client: run.client, concurrency: run.options.detailConcurrency)
        let mode = try await run.productRows.mode(run, candidates: ids)
        var answers = ChildAnswers()
        var next = productRowQueries(ids, mode)
        while !next.isEmpty { next = try await answerRound(next, reader, into: &answers) }
        var rows: [Int64: [ProductRowRecord]] = [:]
        var failures: [Int64: TransformError] = [:]
        let transformer = run.transformer
        Self.convert(answers.productRows, into: &rows, failures: &failures) {
            (row, id) throws(TransformError) in try transformer.productRow(row, leadID: id)
        }
        let read = ids.filter { rows[$0] != nil && !answers.missing.contains($0) }
        return (read, read.flatMap { rows[$0] ?? [] }, Set(failures.keys))
    }

    /// Product-row queries for `ids`: owner sets sized so a set's rows usually fit one page of 50
    /// (by the rows per lead seen so far), or one per lead.
    private func productRowQueries(_ ids: [Int64], _ mode: ProductRowCapability.Mode) -> [ChildQuery] {
        guard mode == .ownerSets else { return ids.map { .productRowsOfLead($0) } }
        let size = estimate.withLock { $0.ownerSetSize }
        return stride(from: 0, to: ids.count, by: size).map {
            .productRowsOfSet(Array(ids[$0..<min($0 + size, ids.count)]), after: 0)
        }
    }

    /// Asks `queries` and files the answers; returns what to ask next: the further pages of full
    /// owner sets and, when the portal refused owner sets, each of their leads one by one — the
    /// run reads per lead from then on (recorded), and rows a refused set's earlier pages brought
    /// are dropped so that the per-lead answer is the whole of each lead's rows.
    private func answerRound(
        _ queries: [ChildQuery], _ reader: LeadChildrenReader, into answers: inout ChildAnswers
    ) async throws -> [ChildQuery] {
        var round = try await reader.run(queries)
        var next = round.continuations
        round.continuations = []
        if let refusal = round.refusal {
            try await run.productRows.fallBack(run, because: refusal)
            let leads = Array(round.refusedSets.joined())
            round.refusal = nil
            round.refusedSets = []
            answers.merge(round)
            for lead in leads { answers.productRows[lead] = nil }
            next += leads.map { ChildQuery.productRowsOfLead($0) }
        } else {
            answers.merge(round)
        }
        return next
    }

    /// Each lead's answered rows as typed rows; a lead with a row that does not convert gets its
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

    private func reject(_ error: TransformError, into rejected: inout [TransformError]) {
        rejected.append(error)
        run.log.event(LogKey.Event.recordSkipped, level: .warning, [LogKey.reason: "\(error.description)"])
    }
}

/// Leads read and turned into rows, waiting for their children.
struct LeadBatch {
    /// The leads, in the order read.
    var leads: [LeadRow] = []
    /// Records that could not be turned into rows.
    var rejected: [TransformError] = []
    /// The highest lead id read (the keyset cursor once the batch is loaded).
    var cursor: Int64 = 0

    /// Records read so far, valid or not.
    var count: Int { leads.count + rejected.count }
}

/// Contacts and companies already read in this run, so each is fetched once.
actor SeenDimensions {
    private var seen = DimensionIDs()

    /// The ids of `wanted` not claimed before, now claimed.
    func claim(_ wanted: DimensionIDs) -> DimensionIDs {
        let new = wanted.subtracting(seen)
        seen.contacts.formUnion(new.contacts)
        seen.companies.formUnion(new.companies)
        return new
    }
}

/// The children of a chunk's leads, as rows.
struct ChildrenOfChunk {
    /// Product rows by lead (every lead asked, empty when it has none).
    var productRows: [Int64: [ProductRowRecord]] = [:]
    /// Exact bindings of the leads whose contact set differed from `dw`; the others keep theirs.
    var contactLinks: [Int64: [ContactLinkRecord]] = [:]
    /// Leads with a child that did not convert.
    var failures: [Int64: TransformError] = [:]
    /// Leads the portal no longer has.
    var missing: Set<Int64> = []
}

/// Product rows per lead seen so far, to size owner sets.
struct RowsPerLead {
    private var leads = 0
    private var rows = 0

    mutating func add(leads: Int, rows: Int) {
        self.leads += leads
        self.rows += rows
    }

    /// Leads per owner set: about 40 rows, so that few sets need a second page (2 rows per lead
    /// assumed before any were seen).
    var ownerSetSize: Int {
        let perLead = leads == 0 ? 2 : Double(rows) / Double(leads)
        return min(50, max(1, Int(40 / max(perLead, 0.8))))
    }
}
