import B24Core
import Extract
import Load
import Star
import Transform

/// Turns pages of raw lead records into loadable chunks: the transform, then the children of
/// the leads that passed it, then the contacts and companies they refer to that this run has not
/// read yet. Invalid records are skipped and logged with the lead id and field.
final class LeadChunkBuilder: Sendable {
    private let run: RunContext
    private let seen = SeenDimensions()
    /// Whether contacts and companies already in `dw` are read again (full runs refresh them).
    private let refreshesKnownDimensions: Bool
    /// Reads the leads' product rows and bindings.
    let children: ChildrenFetcher

    /// A builder for one pass of `run`.
    init(run: RunContext, refreshesKnownDimensions: Bool, comparesWithStar: Bool = true) {
        self.run = run
        self.refreshesKnownDimensions = refreshesKnownDimensions
        self.children = ChildrenFetcher(run: run, owner: .lead, comparesWithStar: comparesWithStar)
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
        let children = try await self.children.read(of: leads.map(\.leadID))
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
