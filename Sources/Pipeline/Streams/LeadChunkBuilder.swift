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
    /// Reads the contacts and companies the leads refer to.
    private let dimensions: DimensionFetcher
    /// Reads the leads' product rows and bindings.
    let children: ChildrenFetcher

    /// A builder for one pass of `run`.
    init(run: RunContext, refreshesKnownDimensions: Bool, comparesWithStar: Bool = true) {
        self.run = run
        self.dimensions = DimensionFetcher(run: run, refreshesKnown: refreshesKnownDimensions)
        self.children = ChildrenFetcher(run: run, owner: .lead, comparesWithStar: comparesWithStar)
    }

    /// Turns a page of raw lead records into rows at once (so the JSON need not wait for the
    /// chunk to fill); invalid records are skipped and logged.
    func transform(_ records: [JSON], into batch: inout LeadBatch) {
        let transformer = run.transformer
        appendRows(of: records, to: &batch.leads, rejected: &batch.rejected, cursor: &batch.cursor, log: run.log) {
            (record: JSON) throws(TransformError) in try transformer.lead(record)
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
        let referred = DimensionIDs(
            contacts: Set(chunk.contactLinks.map(\.contactID) + chunk.leads.compactMap(\.contactID)),
            companies: Set(chunk.leads.compactMap(\.companyID)))
        let read = try await dimensions.read(referred)
        chunk.contacts = read.contacts
        chunk.companies = read.companies
        for error in read.rejected { reject(error, into: &chunk.rejected) }
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
