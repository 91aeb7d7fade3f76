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

    func build(_ records: [JSON]) async throws -> LeadChunk {
        var chunk = LeadChunk()
        chunk.cursor = records.compactMap { $0["ID"]?.lenientInt }.max() ?? 0
        var leads: [LeadRow] = []
        for record in records {
            do {
                leads.append(try transformer.lead(record))
            } catch {
                reject(error, into: &chunk)
            }
        }
        let withoutContacts = Set(leads.filter { $0.contactID == nil }.map(\.leadID))
        let children = try await DetailFetcher(client: client, concurrency: detailConcurrency)
            .fetch(leads.map(\.leadID), withoutContacts: withoutContacts)
        for lead in leads {
            guard let found = children[lead.leadID], !found.isMissing else {
                log.event("lead_vanished", level: "warning", ["lead": String(lead.leadID)])
                continue
            }
            do {
                let rows = try found.productRows.map { (row: JSON) throws(TransformError) in
                    try transformer.productRow(row, leadID: lead.leadID)
                }
                let links = try found.contacts.map { (row: JSON) throws(TransformError) in
                    try transformer.contactLink(row, leadID: lead.leadID)
                }
                chunk.leads.append(lead)
                chunk.productRows += rows
                chunk.contactLinks += links
            } catch {
                reject(error, into: &chunk)
            }
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

    private func reject(_ error: TransformError, into chunk: inout LeadChunk) {
        chunk.rejected.append(error)
        log.event("record_skipped", level: "warning", ["reason": error.description])
    }
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
