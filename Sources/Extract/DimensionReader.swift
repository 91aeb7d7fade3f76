import B24Core
import Bitrix24

/// Reads the contacts and companies that leads refer to, 50 ids per command, 50 commands per request.
public struct DimensionReader: Sendable {
    /// The client.
    public let client: BitrixClient

    /// A reader over `client`.
    public init(client: BitrixClient) {
        self.client = client
    }

    /// Fields read of each contact.
    public static let contactFields = [
        "ID", "NAME", "LAST_NAME", "POST", "TYPE_ID", "SOURCE_ID", "COMPANY_ID", "ASSIGNED_BY_ID", "DATE_CREATE",
        "DATE_MODIFY",
    ]

    /// Fields read of each company.
    public static let companyFields = [
        "ID", "TITLE", "COMPANY_TYPE", "INDUSTRY", "EMPLOYEES", "REVENUE", "CURRENCY_ID", "ASSIGNED_BY_ID",
        "DATE_CREATE", "DATE_MODIFY",
    ]

    /// The `crm.contact.list` and `crm.company.list` rows of the given ids, as the portal returned
    /// them (ids it does not have are left out).
    ///
    /// - Throws: `BitrixError` when a command fails after its retries.
    public func read(contactIDs: [Int64], companyIDs: [Int64]) async throws -> DimensionAnswer {
        var commands: [BatchCommand] = []
        commands += Self.commands("contacts", method: "crm.contact.list", ids: contactIDs, select: Self.contactFields)
        commands += Self.commands("companies", method: "crm.company.list", ids: companyIDs, select: Self.companyFields)
        var answer = DimensionAnswer()
        for start in stride(from: 0, to: commands.count, by: 50) {
            let chunk = Array(commands[start..<min(start + 50, commands.count)])
            let (results, errors) = try await client.batchRetryingCommands(chunk)
            if let error = errors.values.first { throw error }
            for command in chunk {
                let rows = results[command.key]?.elements ?? []
                if command.method == "crm.contact.list" { answer.contacts += rows } else { answer.companies += rows }
            }
        }
        return answer
    }

    /// Hands every contact, then every company, modified at or after `since` (portal time text;
    /// `nil` for all) to `body` page by page, keyset on `ID` (2,500 per request).
    ///
    /// - Throws: `BitrixError` from the portal; errors of `body`.
    public func forEachModified(
        since: String?, _ body: (_ isContact: Bool, _ page: [JSON]) async throws -> Void
    ) async throws {
        let filter: JSONObject = since.map { [">=DATE_MODIFY": .string($0)] } ?? [:]
        try await KeysetPager(client: client, method: "crm.contact.list", select: Self.contactFields, filter: filter)
            .forEachPage { try await body(true, $0) }
        try await KeysetPager(client: client, method: "crm.company.list", select: Self.companyFields, filter: filter)
            .forEachPage { try await body(false, $0) }
    }

    private static func commands(_ prefix: String, method: String, ids: [Int64], select: [String]) -> [BatchCommand] {
        stride(from: 0, to: ids.count, by: 50).enumerated().map { index, start in
            BatchCommand(
                key: "\(prefix)\(index)", method: method,
                parameters: [
                    "filter": ["@ID": .array(ids[start..<min(start + 50, ids.count)].map { .int($0) })],
                    "order": ["ID": "ASC"], "start": -1, "select": .array(select.map { .string($0) }),
                ])
        }
    }
}

/// Contacts and companies as the portal returned them.
public struct DimensionAnswer: Sendable {
    /// `crm.contact.list` rows.
    public var contacts: [JSON] = []
    /// `crm.company.list` rows.
    public var companies: [JSON] = []

    /// An empty answer.
    public init() {}
}
