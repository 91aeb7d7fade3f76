import B24Core
import Bitrix24

/// Turns a batch of raw lead records into a loadable chunk: transform, children, dimensions.
/// Invalid records are skipped and logged with the lead id and field.
final class ChunkBuilder: Sendable {
    private let client: BitrixClient
    private let transformer: LeadTransformer
    private let detailConcurrency: Int
    private let log: RunLog
    private let seen = SeenDimensions()
    private let knownDimensions: (@Sendable (Set<Int64>, Set<Int64>) async throws -> (Set<Int64>, Set<Int64>))?

    /// - Parameter knownDimensions: contacts and companies already loaded, which need not be read
    ///   again (incremental runs); `nil` reads every one referenced (full runs refresh them).
    init(
        client: BitrixClient, transformer: LeadTransformer, detailConcurrency: Int, log: RunLog,
        knownDimensions: (@Sendable (Set<Int64>, Set<Int64>) async throws -> (Set<Int64>, Set<Int64>))? = nil
    ) {
        self.client = client
        self.transformer = transformer
        self.detailConcurrency = detailConcurrency
        self.log = log
        self.knownDimensions = knownDimensions
    }

    /// Turns a page of raw lead records into rows at once (so the JSON need not wait for the
    /// chunk to fill); invalid records are skipped and logged.
    func transform(_ records: [JSON], into batch: inout LeadBatch) {
        for record in records {
            batch.cursor = max(batch.cursor, record["ID"]?.lenientInt ?? 0)
            do {
                batch.leads.append(try transformer.lead(record))
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
        let withoutContacts = Set(leads.filter { $0.contactID == nil }.map(\.leadID))
        // Children become rows as each request answers; a lead with a bad row is rejected whole.
        var productRows: [Int64: [ProductRowRecord]] = [:]
        var contactLinks: [Int64: [ContactLinkRecord]] = [:]
        var productFailures: [Int64: TransformError] = [:]
        var linkFailures: [Int64: TransformError] = [:]
        var missing: Set<Int64> = []
        let transformer = self.transformer
        try await DetailFetcher(client: client, concurrency: detailConcurrency)
            .fetch(leads.map(\.leadID), withoutContacts: withoutContacts) { answered in
                Self.convert(answered.productRows, into: &productRows, failures: &productFailures) {
                    (row, id) throws(TransformError) in try transformer.productRow(row, leadID: id)
                }
                Self.convert(answered.contacts, into: &contactLinks, failures: &linkFailures) {
                    (row, id) throws(TransformError) in try transformer.contactLink(row, leadID: id)
                }
                missing.formUnion(answered.missing)
            }
        for lead in leads {
            if missing.contains(lead.leadID) {
                log.event("lead_vanished", level: "warning", ["lead": String(lead.leadID)])
                continue
            }
            if let error = productFailures[lead.leadID] ?? linkFailures[lead.leadID] {
                reject(error, into: &chunk.rejected)
                continue
            }
            chunk.leads.append(lead)
            chunk.productRows += productRows[lead.leadID] ?? []
            chunk.contactLinks += contactLinks[lead.leadID] ?? []
        }
        let contactIDs = Set(chunk.contactLinks.map(\.contactID) + chunk.leads.compactMap(\.contactID))
        let companyIDs = Set(chunk.leads.compactMap(\.companyID))
        var (newContacts, newCompanies) = await seen.claim(contacts: contactIDs, companies: companyIDs)
        if let knownDimensions, !newContacts.isEmpty || !newCompanies.isEmpty {
            let (knownContacts, knownCompanies) = try await knownDimensions(newContacts, newCompanies)
            newContacts.subtract(knownContacts)
            newCompanies.subtract(knownCompanies)
        }
        if !newContacts.isEmpty || !newCompanies.isEmpty {
            let reader = DimensionReader(client: client, time: transformer.time)
            (chunk.contacts, chunk.companies) = try await reader.read(
                contactIDs: newContacts.sorted(), companyIDs: newCompanies.sorted())
        }
        return chunk
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
                failures[id] = error
            }
        }
    }

    private func reject(_ error: TransformError, into rejected: inout [TransformError]) {
        rejected.append(error)
        log.event("record_skipped", level: "warning", ["reason": error.description])
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
    private var contacts: Set<Int64> = []
    private var companies: Set<Int64> = []

    func claim(contacts wanted: Set<Int64>, companies wantedCompanies: Set<Int64>) -> (Set<Int64>, Set<Int64>) {
        let newContacts = wanted.subtracting(contacts)
        let newCompanies = wantedCompanies.subtracting(companies)
        contacts.formUnion(newContacts)
        companies.formUnion(newCompanies)
        return (newContacts, newCompanies)
    }
}
