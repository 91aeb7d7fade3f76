import B24Core
import Bitrix24

/// The children of one lead as the portal returned them.
public struct LeadChildren: Sendable, Equatable {
    /// `crm.lead.contact.items.get` rows (empty when the lead has none or was not asked for).
    public var contacts: [JSON]
    /// `crm.lead.productrows.get` rows.
    public var productRows: [JSON]
    /// The lead no longer exists (deleted while the run read it).
    public var isMissing: Bool
}

/// Fetches contact bindings and product rows for many leads, 50 commands per batch request
/// (two per lead), several requests in flight under the shared limiter.
public struct LeadChildrenReader: Sendable {
    /// The client.
    public let client: BitrixClient
    /// Batch requests in flight at once.
    public let concurrency: Int

    /// A reader over `client`.
    public init(client: BitrixClient, concurrency: Int = 2) {
        self.client = client
        self.concurrency = max(1, concurrency)
    }

    /// Children of every lead in `leadIDs`. Leads in `withoutContacts` are known to have no
    /// contact bindings (their `CONTACT_ID` is empty), so only their product rows are read.
    ///
    /// Per-command failures that may pass (limits, 5xx) are retried; a lead the portal no longer
    /// has comes back with `isMissing`.
    public func read(_ leadIDs: [Int64], withoutContacts: Set<Int64> = []) async throws -> [Int64: LeadChildren] {
        var children: [Int64: LeadChildren] = [:]
        for id in leadIDs { children[id] = LeadChildren(contacts: [], productRows: [], isMissing: false) }
        try await read(leadIDs, withoutContacts: withoutContacts) { answered in
            for (id, rows) in answered.contacts { children[id]?.contacts = rows }
            for (id, rows) in answered.productRows { children[id]?.productRows = rows }
            for id in answered.missing { children[id]?.isMissing = true }
        }
        return children
    }

    /// The same children, handed to `body` one batch request at a time as answers arrive (never
    /// two calls at once), so a caller can turn them into rows and let the JSON go: memory stays
    /// at a few requests' worth however many leads are asked for.
    public func read(
        _ leadIDs: [Int64], withoutContacts: Set<Int64> = [], each body: (AnsweredChildren) throws -> Void
    ) async throws {
        var commands: [BatchCommand] = []
        for id in leadIDs {
            if !withoutContacts.contains(id) {
                commands.append(
                    BatchCommand(key: "c\(id)", method: "crm.lead.contact.items.get", parameters: ["id": .int(id)]))
            }
            commands.append(
                BatchCommand(key: "r\(id)", method: "crm.lead.productrows.get", parameters: ["id": .int(id)]))
        }
        let chunks = stride(from: 0, to: commands.count, by: 50).map {
            Array(commands[$0..<min($0 + 50, commands.count)])
        }
        try await withThrowingTaskGroup(of: AnsweredChildren.self) { group in
            var next = 0
            func launch() {
                guard next < chunks.count else { return }
                let chunk = chunks[next]
                next += 1
                group.addTask { try await run(chunk) }
            }
            for _ in 0..<concurrency { launch() }
            while let answered = try await group.next() {
                try body(answered)
                launch()
            }
        }
    }

    /// Runs one chunk; a lead the portal no longer has is reported as missing, other errors throw.
    private func run(_ chunk: [BatchCommand]) async throws -> AnsweredChildren {
        let (results, errors) = try await client.batchRetryingCommands(chunk)
        var answered = AnsweredChildren()
        for (key, error) in errors {
            let lead = chunk.first { $0.key == key }?.parameters["id"]?.lenientInt ?? 0
            guard error.code == .notFound else {
                var failure = error
                failure.message += " (lead \(lead))"
                throw failure
            }
            answered.missing.insert(lead)
        }
        for command in chunk {
            guard let id = command.parameters["id"]?.lenientInt, let result = results[command.key] else { continue }
            let rows = result.elements ?? []
            if command.method == "crm.lead.contact.items.get" {
                answered.contacts[id] = rows
            } else {
                answered.productRows[id] = rows
            }
        }
        return answered
    }
}

/// The children one batch request brought back, by lead id.
public struct AnsweredChildren: Sendable {
    /// `crm.lead.contact.items.get` rows of the leads this request asked about.
    public var contacts: [Int64: [JSON]] = [:]
    /// `crm.lead.productrows.get` rows of the leads this request asked about.
    public var productRows: [Int64: [JSON]] = [:]
    /// Leads the portal no longer has.
    public var missing: Set<Int64> = []
}
