import B24Core
import Bitrix24

/// Reads leads by keyset (`>ID`, `ORDER ID ASC`, `start=-1`, 50 pages per batch request),
/// optionally only those modified since a portal time.
public struct LeadReader: Sendable {
    /// The client.
    public let client: BitrixClient
    /// What every lead read selects: all system fields, the custom fields `UF_*` returns, and each
    /// multiple custom field by name (the portal leaves those out of `UF_*`).
    public let select: [String]

    /// A reader over `client`; `multipleFields` names the portal's multiple custom fields.
    public init(client: BitrixClient, multipleFields: [String] = []) {
        self.client = client
        self.select = ["*", "UF_*"] + multipleFields
    }

    /// Hands every page of leads after `afterID` to `body`, in id order; with `modifiedSince`
    /// (portal time text with its offset) only leads whose `DATE_MODIFY` is at or after it.
    ///
    /// - Throws: `BitrixError` from the portal or a page that breaks the id order; errors of `body`.
    /// `onTotal` hears how many leads the portal counts for the pass, from its first page.
    public func forEachPage(
        modifiedSince: String?, after afterID: Int64, onTotal: (Int) -> Void = { _ in },
        _ body: ([JSON]) async throws -> Void
    ) async throws {
        let filter: JSONObject = modifiedSince.map { [">=DATE_MODIFY": .string($0)] } ?? [:]
        _ = try await KeysetPager(client: client, method: "crm.lead.list", select: select, filter: filter)
            .scan(after: afterID, onTotal: onTotal, body)
    }

    /// Every lead id the portal lists, in ascending order, and the portal's own count of them (the
    /// ID-only scan that finds deletes: about one request per 2,500 leads). `progress` gets the
    /// running count now and then.
    ///
    /// - Throws: `BitrixError` from the portal.
    public func allIDs(progress: (Int) -> Void = { _ in }) async throws -> LeadIDScan {
        var ids: [Int64] = []
        let scan = try await KeysetPager(client: client, method: "crm.lead.list", select: ["ID"]).scan { page in
            ids += page.compactMap { $0["ID"]?.lenientInt }
            if ids.count % 2_500 == 0 { progress(ids.count) }
        }
        return LeadIDScan(ids: ids, portalCount: scan.portalTotal)
    }

    /// Every lead the portal lists with its contact set (`crm.item.list`: `id`, `contactId`,
    /// `contactIds`; 2,500 per request), handed to `body` page by page in id order: the children
    /// audit's listing, which also serves as the delete scan. The scan reports the portal's count.
    ///
    /// - Throws: `BitrixError` from the portal; errors of `body`.
    public func allBindingSets(_ body: ([JSON]) async throws -> Void) async throws -> KeysetScan {
        try await KeysetPager(
            client: client, method: "crm.item.list", select: ["id", "contactId", "contactIds"],
            extraParameters: ["entityTypeId": 1], shape: .member("items"), idField: "id"
        ).scan(body)
    }

    /// The leads with the given ids as `crm.lead.list` returns them (those the portal does not
    /// list are left out), 50 ids per command, 50 commands per request.
    ///
    /// - Throws: `BitrixError` when a command fails after its retries.
    public func leads(ids: [Int64]) async throws -> [JSON] {
        try await Self.list(client: client, method: "crm.lead.list", select: select, ids: ids)
    }

    /// The records of a legacy list `method` with the given ids (those it does not list are left
    /// out), 50 ids per command, 50 commands per request.
    ///
    /// - Throws: `BitrixError` when a command fails after its retries.
    static func list(client: BitrixClient, method: String, select: [String], ids: [Int64]) async throws -> [JSON] {
        let commands = stride(from: 0, to: ids.count, by: 50).enumerated().map { index, start in
            BatchCommand(
                key: "l\(index)", method: method,
                parameters: [
                    "filter": ["@ID": .array(ids[start..<min(start + 50, ids.count)].map { .int($0) })],
                    "order": ["ID": "ASC"], "select": .array(select.map { .string($0) }), "start": -1,
                ])
        }
        var rows: [JSON] = []
        for start in stride(from: 0, to: commands.count, by: 50) {
            let chunk = Array(commands[start..<min(start + 50, commands.count)])
            let (results, errors) = try await client.batchRetryingCommands(chunk)
            if let error = errors.values.first { throw error }
            for command in chunk { rows += results[command.key]?.elements ?? [] }
        }
        return rows
    }
}

/// The ID-only scan of a portal's leads.
public struct LeadIDScan: Sendable {
    /// Every id listed, ascending.
    public var ids: [Int64]
    /// What the portal counted for the same filter (the first page's `total`), when it said.
    public var portalCount: Int?

    /// A scan result.
    public init(ids: [Int64], portalCount: Int?) {
        self.ids = ids
        self.portalCount = portalCount
    }
}
