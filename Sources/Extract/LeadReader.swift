import B24Core
import Bitrix24

/// Reads leads by keyset (`>ID`, `ORDER ID ASC`, `start=-1`, 50 pages per batch request),
/// optionally only those modified since a portal time.
public struct LeadReader: Sendable {
    /// The client.
    public let client: BitrixClient

    /// A reader over `client`.
    public init(client: BitrixClient) {
        self.client = client
    }

    /// Hands every page of leads after `afterID` to `body`, in id order; with `modifiedSince`
    /// (portal time text with its offset) only leads whose `DATE_MODIFY` is at or after it.
    ///
    /// - Throws: `BitrixError` from the portal or a page that breaks the id order; errors of `body`.
    public func forEachPage(
        modifiedSince: String?, after afterID: Int64, _ body: ([JSON]) async throws -> Void
    ) async throws {
        let filter: JSONObject = modifiedSince.map { [">=DATE_MODIFY": .string($0)] } ?? [:]
        try await KeysetPager(client: client, method: "crm.lead.list", select: ["*", "UF_*"], filter: filter)
            .forEachPage(after: afterID, body)
    }

    /// Every lead id the portal lists, in ascending order (the ID-only scan that finds deletes:
    /// about one request per 2,500 leads). `progress` gets the running count now and then.
    ///
    /// - Throws: `BitrixError` from the portal.
    public func allIDs(progress: (Int) -> Void = { _ in }) async throws -> [Int64] {
        var ids: [Int64] = []
        try await KeysetPager(client: client, method: "crm.lead.list", select: ["ID"]).forEachPage { page in
            ids += page.compactMap { $0["ID"]?.lenientInt }
            if ids.count % 2_500 == 0 { progress(ids.count) }
        }
        return ids
    }
}
