import B24Core
import Bitrix24

/// Reads stage history (`crm.stagehistory.list`) of leads (entity type 1) or deals (2) by
/// keyset on its id.
public struct StageHistoryReader: Sendable {
    /// The client.
    public let client: BitrixClient
    /// 1 for leads, 2 for deals.
    public let entityTypeID: Int64

    /// A reader of the history of `entityTypeID` over `client`.
    public init(client: BitrixClient, entityTypeID: Int64 = 1) {
        self.client = client
        self.entityTypeID = entityTypeID
    }

    /// Fields read of each lead history record.
    public static let fields = ["ID", "TYPE_ID", "OWNER_ID", "CREATED_TIME", "STATUS_SEMANTIC_ID", "STATUS_ID"]
    /// Fields read of each deal history record (the funnel after the change too).
    public static let dealFields = [
        "ID", "TYPE_ID", "OWNER_ID", "CREATED_TIME", "CATEGORY_ID", "STAGE_SEMANTIC_ID", "STAGE_ID",
    ]

    /// Hands every page of history records to `body`, in id order: those with an id after
    /// `afterID`, or — with `createdSince` (portal time text) — every record created since then,
    /// whatever its id: a pass from a safety window before the previous one, so a record that
    /// became visible after a higher id was read is not lost.
    ///
    /// - Throws: `BitrixError` from the portal or a page that breaks the id order; errors of `body`.
    public func forEachPage(
        after afterID: Int64, createdSince: String? = nil, _ body: ([JSON]) async throws -> Void
    ) async throws {
        guard let createdSince else {
            try await pager(filter: [:]).forEachPage(after: afterID, body)
            return
        }
        try await pager(filter: [">=CREATED_TIME": .string(createdSince)]).forEachPage(after: 0, body)
    }

    private func pager(filter: JSONObject) -> KeysetPager {
        KeysetPager(
            client: client, method: "crm.stagehistory.list", select: entityTypeID == 2 ? Self.dealFields : Self.fields,
            filter: filter, extraParameters: ["entityTypeId": .int(entityTypeID)], shape: .member("items"))
    }
}
