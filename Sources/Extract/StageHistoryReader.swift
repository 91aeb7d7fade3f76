import B24Core
import Bitrix24

/// Reads lead stage history (`crm.stagehistory.list`, entity type 1) by keyset on its id.
public struct StageHistoryReader: Sendable {
    /// The client.
    public let client: BitrixClient

    /// A reader over `client`.
    public init(client: BitrixClient) {
        self.client = client
    }

    /// Fields read of each history record.
    public static let fields = ["ID", "TYPE_ID", "OWNER_ID", "CREATED_TIME", "STATUS_SEMANTIC_ID", "STATUS_ID"]

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
            client: client, method: "crm.stagehistory.list", select: Self.fields, filter: filter,
            extraParameters: ["entityTypeId": 1], shape: .member("items"))
    }
}
