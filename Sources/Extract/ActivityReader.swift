import B24Core
import Bitrix24

/// Reads the activities bound to leads: `crm.activity.list` with the `BINDINGS` filter for owner
/// type 1 (every activity with a lead among its bindings, whoever its owner is), by keyset on its
/// id (`ORDER ID ASC` sent: the default order is `START_TIME`), optionally only those changed since
/// a portal time; and the bindings of given activities (`crm.activity.binding.list`).
public struct ActivityReader: Sendable {
    /// The client.
    public let client: BitrixClient
    /// Batch requests in flight at once for bindings.
    public let concurrency: Int

    /// What every activity read selects: no description, communications or files (personal
    /// data); `BINDINGS` in case the portal returns it (then no binding request is needed).
    public static let select = [
        "ID", "OWNER_TYPE_ID", "OWNER_ID", "TYPE_ID", "PROVIDER_ID", "PROVIDER_TYPE_ID", "DIRECTION", "COMPLETED",
        "STATUS", "PRIORITY", "CREATED", "LAST_UPDATED", "START_TIME", "END_TIME", "DEADLINE", "RESPONSIBLE_ID",
        "AUTHOR_ID", "SUBJECT", "BINDINGS",
    ]

    /// The filter that keeps activities bound to any lead.
    static let boundToLeads: JSONObject = ["BINDINGS": [["OWNER_TYPE_ID": 1]]]

    /// A reader over `client`.
    public init(client: BitrixClient, concurrency: Int = 2) {
        self.client = client
        self.concurrency = max(1, concurrency)
    }

    /// Hands every page of lead activities after `afterID` to `body`, in id order (an activity the
    /// portal repeats, once per lead binding, comes once); with `updatedSince` (portal time text)
    /// only those whose `LAST_UPDATED` is at or after it. `onTotal` hears the portal's count.
    ///
    /// - Throws: `BitrixError` from the portal or a page that breaks the id order; errors of `body`.
    public func forEachPage(
        updatedSince: String?, after afterID: Int64, onTotal: (Int) -> Void = { _ in },
        _ body: ([JSON]) async throws -> Void
    ) async throws {
        var filter = Self.boundToLeads
        if let updatedSince { filter[">=LAST_UPDATED"] = .string(updatedSince) }
        _ = try await KeysetPager(client: client, method: "crm.activity.list", select: Self.select, filter: filter)
            .scan(after: afterID, onTotal: onTotal, body)
    }

    /// Every lead activity id, ascending, with the portal's count and how many repeated rows it
    /// sent (its count includes them).
    ///
    /// - Throws: `BitrixError` from the portal.
    public func allIDs() async throws -> (ids: [Int64], scan: KeysetScan) {
        var ids: [Int64] = []
        let scan = try await KeysetPager(
            client: client, method: "crm.activity.list", select: ["ID"], filter: Self.boundToLeads
        ).scan { page in ids += page.compactMap { $0["ID"]?.lenientInt } }
        return (ids, scan)
    }

    /// The activities with the given ids as `crm.activity.list` returns them (those the portal does
    /// not list are left out), 50 ids per command, 50 commands per request.
    ///
    /// - Throws: `BitrixError` when a command fails after its retries.
    public func activities(ids: [Int64]) async throws -> [JSON] {
        try await LeadReader.list(client: client, method: "crm.activity.list", select: Self.select, ids: ids)
    }

    /// The bindings of each activity as `(ownerTypeID, ownerID)` pairs, one
    /// `crm.activity.binding.list` command per activity (50 per request); an activity the portal
    /// no longer has is left out.
    ///
    /// - Throws: `BitrixError` for any other failure, naming the activity.
    public func bindings(of ids: [Int64]) async throws -> [Int64: [(ownerTypeID: Int64, ownerID: Int64)]] {
        let chunks = stride(from: 0, to: ids.count, by: 50).map { Array(ids[$0..<min($0 + 50, ids.count)]) }
        var found: [Int64: [(ownerTypeID: Int64, ownerID: Int64)]] = [:]
        try await withThrowingTaskGroup(of: [Int64: [(ownerTypeID: Int64, ownerID: Int64)]].self) { group in
            var next = 0
            func launch() {
                guard next < chunks.count else { return }
                let chunk = chunks[next]
                next += 1
                group.addTask { try await bindings(chunk: chunk) }
            }
            for _ in 0..<concurrency { launch() }
            while let answered = try await group.next() {
                found.merge(answered) { $1 }
                launch()
            }
        }
        return found
    }

    private func bindings(chunk: [Int64]) async throws -> [Int64: [(ownerTypeID: Int64, ownerID: Int64)]] {
        let commands = chunk.map {
            BatchCommand(key: "b\($0)", method: "crm.activity.binding.list", parameters: ["activityId": .int($0)])
        }
        let (results, errors) = try await client.batchRetryingCommands(commands)
        var found: [Int64: [(ownerTypeID: Int64, ownerID: Int64)]] = [:]
        for id in chunk {
            if let error = errors["b\(id)"] {
                guard error.code == .notFound else {
                    var failure = error
                    failure.message += " (activity \(id))"
                    throw failure
                }
                continue
            }
            found[id] = (results["b\(id)"]?.elements ?? []).compactMap { binding in
                guard let type = (binding["entityTypeId"] ?? binding["ENTITY_TYPE_ID"])?.lenientInt,
                    let owner = (binding["entityId"] ?? binding["ENTITY_ID"])?.lenientInt
                else { return nil }
                return (type, owner)
            }
        }
        return found
    }
}
