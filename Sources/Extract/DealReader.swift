import B24Core
import Bitrix24

/// Reads deals by keyset (`>ID`, `ORDER ID ASC`, `start=-1`, 50 pages per batch request),
/// optionally only those modified since a portal time; and every deal id, for the delete scan.
public struct DealReader: Sendable {
    /// The client.
    public let client: BitrixClient
    /// What every deal read selects: every system field and the custom ones (`UF_*`).
    public static let select = ["*", "UF_*"]

    /// A reader over `client`.
    public init(client: BitrixClient) {
        self.client = client
    }

    /// Hands every page of deals after `afterID` to `body`, in id order; with `modifiedSince`
    /// (portal time text) only deals whose `DATE_MODIFY` is at or after it. `onTotal` hears how
    /// many deals the portal counts for the pass.
    ///
    /// - Throws: `BitrixError` from the portal or a page that breaks the id order; errors of `body`.
    public func forEachPage(
        modifiedSince: String?, after afterID: Int64, onTotal: (Int) -> Void = { _ in },
        _ body: ([JSON]) async throws -> Void
    ) async throws {
        let filter: JSONObject = modifiedSince.map { [">=DATE_MODIFY": .string($0)] } ?? [:]
        _ = try await KeysetPager(client: client, method: "crm.deal.list", select: Self.select, filter: filter)
            .scan(after: afterID, onTotal: onTotal, body)
    }

    /// The deals with the given ids as `crm.deal.list` returns them (those the portal does not list
    /// are left out), 50 ids per command, 50 commands per request.
    ///
    /// - Throws: `BitrixError` when a command fails after its retries.
    public func deals(ids: [Int64]) async throws -> [JSON] {
        try await LeadReader.list(client: client, method: "crm.deal.list", select: Self.select, ids: ids)
    }

    /// Hands every page of deals' contact sets (`crm.item.list`, entity type 2: `id`,
    /// `contactId`, `contactIds`) to `body`, in id order (about one request per 2,500 deals): the
    /// delete scan and the binding check in one listing.
    ///
    /// - Throws: `BitrixError` from the portal; errors of `body`.
    public func allBindingSets(_ body: ([JSON]) async throws -> Void) async throws -> KeysetScan {
        try await KeysetPager(
            client: client, method: "crm.item.list", select: ["id", "contactId", "contactIds"],
            extraParameters: ["entityTypeId": 2], shape: .member("items"), idField: "id"
        ).scan(body)
    }

    /// Every deal id the portal lists, ascending, and the portal's own count (about one request
    /// per 2,500 deals).
    ///
    /// - Throws: `BitrixError` from the portal.
    public func allIDs() async throws -> LeadIDScan {
        var ids: [Int64] = []
        let scan = try await KeysetPager(client: client, method: "crm.deal.list", select: ["ID"]).scan { page in
            ids += page.compactMap { $0["ID"]?.lenientInt }
        }
        return LeadIDScan(ids: ids, portalCount: scan.portalTotal)
    }
}
