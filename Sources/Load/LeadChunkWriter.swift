import LibPQ
import Star

/// How a chunk of leads and their children reaches the star, inside the chunk's transaction.
public protocol LeadChunkWriter: Sendable {
    /// Writes the chunk's leads, product rows, links, contacts and companies and everything they
    /// imply (products, stages reached, versions; `portalNow` is the portal's clock for a version
    /// whose lead carries no time of its own). Returns the COPY summaries of leads, product rows
    /// and links.
    func write(
        _ chunk: LeadChunk, portalID: Int64, runID: Int64, portalNow: Int64, loader: StarLoader
    ) throws -> ChunkCopies
}

/// The COPY summaries of one chunk.
public struct ChunkCopies: Sendable {
    /// Leads copied.
    public var leads: CopySummary
    /// Product rows copied.
    public var productRows: CopySummary
    /// Contact links copied.
    public var links: CopySummary
}

/// The usual path: COPY into staging tables, then merge into the star by key, replacing each
/// lead's children as a set and opening a version where a tracked attribute changed.
public struct StagedLeadWriter: LeadChunkWriter {
    /// The staged writer.
    public init() {}

    /// Stages the chunk and merges it.
    public func write(
        _ chunk: LeadChunk, portalID: Int64, runID: Int64, portalNow: Int64, loader: StarLoader
    ) throws -> ChunkCopies {
        let copies = ChunkCopies(
            leads: try loader.stage(.factLead, chunk.leads) { $0.append(lead: $1, portalID: portalID) },
            productRows: try loader.stage(.factLeadProductLoaded, chunk.loadedProductRows) {
                $0.append(loaded: $1, portalID: portalID)
            },
            links: try loader.stage(.bridgeLeadContact, chunk.contactLinks) { $0.append(link: $1, portalID: portalID) })
        try loader.stageDimensions(contacts: chunk.contacts, companies: chunk.companies, portalID: portalID)
        _ = try loader.copy(chunk.linksKept, into: "pg_temp.stage_ids", columns: ["lead_id"]) { $0.append($1) }
        let connection = loader.connection
        try connection.execute(Self.leadUpsert, ids: [portalID, runID])
        try SQLScript.childrenClear.run(on: connection, ids: [portalID])
        try connection.execute(StarTable.factLeadProductLoaded.upsertFromStaging())
        try connection.execute(StarTable.bridgeLeadContact.upsertFromStaging())
        try loader.mergeDimensions()
        try SQLScript.stagedChunkDerived.run(on: connection, ids: [portalID])
        try connection.execute(VersionStatements.lead.closeChanged, ids: [portalID, runID, portalNow])
        try connection.execute(VersionStatements.lead.openMissing, ids: [portalID, runID, portalNow])
        return copies
    }

    /// Leads from staging, live again if they were marked deleted. `$2`: run_id.
    static let leadUpsert = StarTable.factLead.upsertFromStaging(extra: [
        ("is_deleted", "false"), ("deleted_at", "NULL::timestamptz"), ("last_run_id", "$2::bigint"),
        ("loaded_at", "now()"),
    ])
}

/// A portal's first load: COPY straight into its empty star tables (no staging, no merge), then
/// derive the products, stages reached and first versions the rows imply.
public struct DirectLeadWriter: LeadChunkWriter {
    /// The direct writer.
    public init() {}

    /// Copies the chunk into the star and derives what it implies.
    public func write(
        _ chunk: LeadChunk, portalID: Int64, runID: Int64, portalNow: Int64, loader: StarLoader
    ) throws -> ChunkCopies {
        let leadTable = StarTable.factLead
        let copies = ChunkCopies(
            leads: try loader.copy(chunk.leads, into: leadTable.name, columns: leadTable.columns + ["last_run_id"]) {
                $0.append(lead: $1, portalID: portalID)
                $0.append(runID)
            },
            productRows: try loader.copy(
                chunk.loadedProductRows, into: StarTable.factLeadProductLoaded.name,
                columns: StarTable.factLeadProductLoaded.columns
            ) { $0.append(loaded: $1, portalID: portalID) },
            links: try loader.copy(
                StarLoader.unique(chunk.contactLinks, keepLast: false, by: { SIMD2($0.ownerID, $0.contactID) }),
                into: StarTable.bridgeLeadContact.name, columns: StarTable.bridgeLeadContact.columns
            ) { $0.append(link: $1, portalID: portalID) })
        try loader.stageDimensions(contacts: chunk.contacts, companies: chunk.companies, portalID: portalID)
        try loader.mergeDimensions()
        let firstID = chunk.leads.lazy.map(\.leadID).min() ?? 0
        let lastID = chunk.leads.lazy.map(\.leadID).max() ?? 0
        let ids = [portalID, runID, firstID, lastID, portalNow]
        try SQLScript.directChunkDerived.run(on: loader.connection, ids: ids)
        try loader.connection.execute(Self.firstVersions, ids: ids)
        return copies
    }

    /// The first version of every lead of the chunk. `$1` portal_id, `$2` run_id, `$3`…`$4` lead
    /// ids, `$5` the portal's clock.
    static var firstVersions: String {
        let tracked = StarTable.trackedLeadColumns.joined(separator: ", ")
        return """
            INSERT INTO dw.fact_lead_version (portal_id, lead_id, version, valid_from, is_current, \(tracked), is_deleted, run_id)
            SELECT portal_id, lead_id, 1, COALESCE(modified_at, created_at, to_timestamp($5)), true, \(tracked), false, $2
            FROM dw.fact_lead WHERE portal_id = $1 AND lead_id BETWEEN $3 AND $4
            """
    }
}

extension StarLoader {
    /// Loads one chunk of leads with their children and dimensions through `writer`, and moves the
    /// stream's cursor (when `progress` is given), all in one transaction: after a crash either
    /// all of it is there or none. The records the chunk rejected are stored with it.
    public func loadChunk(
        _ chunk: LeadChunk, portalID: Int64, runID: Int64, portalNow: Int64, progress: StreamProgress?,
        requests: RunCounters, writer: any LeadChunkWriter
    ) throws -> ChunkCounts {
        try prepare()
        var counts = ChunkCounts()
        try connection.transaction {
            let copies = try writer.write(chunk, portalID: portalID, runID: runID, portalNow: portalNow, loader: self)
            if let progress { try saveProgress(progress, portalID: portalID, runID: runID) }
            try recordRejected(chunk.rejected, runID: runID, portalID: portalID)
            counts = ChunkCounts(
                leads: copies.leads.rows, productRows: copies.productRows.rows, contactLinks: copies.links.rows,
                nulStripped: copies.leads.strippedNULs + copies.productRows.strippedNULs + copies.links.strippedNULs
                    + chunk.leads.reduce(0) { $0 + $1.strippedNULs },
                skipped: chunk.rejected.count)
            try addCounts(counts, runID: runID, requests: requests)
        }
        return counts
    }

    /// Whether the portal has no leads, product rows, links or versions yet: its first load may
    /// write through `DirectLeadWriter`.
    public func leadStarIsEmpty(portalID: Int64) throws -> Bool {
        try areEmpty(
            [.factLead, .factLeadProduct, .bridgeLeadContact, StarTable("dw.fact_lead_version", columns: [], key: [])],
            portalID: portalID)
    }

    /// Stages contacts and companies.
    func stageDimensions(contacts: [ContactRecord], companies: [CompanyRecord], portalID: Int64) throws {
        try stage(.dimContact, contacts) { $0.append(contact: $1, portalID: portalID) }
        try stage(.dimCompany, companies) { $0.append(company: $1, portalID: portalID) }
    }

    /// Merges staged contacts and companies.
    func mergeDimensions() throws {
        try connection.execute(StarTable.dimContact.upsertFromStaging())
        try connection.execute(StarTable.dimCompany.upsertFromStaging())
    }
}

/// A product row as the load writes it: with what it keeps of its lead.
struct LoadedProductRow {
    /// The portal's row.
    let row: ProductRowRecord
    /// Its lead in the same chunk (every row of a lead is written with it).
    let lead: LeadRow?
    /// An earlier row (lower id) of the same lead has the same product.
    let repeatsProduct: Bool
}

extension LeadChunk {
    /// The chunk's product rows, one per row id (the last read wins), in row id order, each with
    /// its lead and whether it repeats a product of that lead. Both writers replace a lead's rows
    /// as a set, so these are exact for every row they write.
    var loadedProductRows: [LoadedProductRow] {
        let leads = Dictionary(leads.map { ($0.leadID, $0) }, uniquingKeysWith: { _, last in last })
        var seen: Set<SIMD2<Int64>> = []
        return StarLoader.unique(productRows, keepLast: true, by: \.rowID).sorted { $0.rowID < $1.rowID }.map { row in
            LoadedProductRow(
                row: row, lead: leads[row.ownerID],
                repeatsProduct: !seen.insert(SIMD2(row.ownerID, row.productID ?? Int64.min)).inserted)
        }
    }
}
