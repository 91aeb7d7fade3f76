import B24Core

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
public struct DetailFetcher: Sendable {
    /// The client.
    public let client: BitrixClient
    /// Batch requests in flight at once.
    public let concurrency: Int

    /// A fetcher over `client`.
    public init(client: BitrixClient, concurrency: Int = 2) {
        self.client = client
        self.concurrency = max(1, concurrency)
    }

    /// Children of every lead in `leadIDs`. Leads in `withoutContacts` are known to have no
    /// contact bindings (their `CONTACT_ID` is empty), so only their product rows are read.
    ///
    /// Per-command failures that may pass (limits, 5xx) are retried; a lead the portal no longer
    /// has comes back with `isMissing`.
    public func fetch(_ leadIDs: [Int64], withoutContacts: Set<Int64> = []) async throws -> [Int64: LeadChildren] {
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
        var merged: [String: JSON] = [:]
        var missing: Set<Int64> = []
        try await withThrowingTaskGroup(of: ([String: JSON], Set<Int64>).self) { group in
            var next = 0
            func launch() {
                guard next < chunks.count else { return }
                let chunk = chunks[next]
                next += 1
                group.addTask { try await run(chunk) }
            }
            for _ in 0..<concurrency { launch() }
            while let (results, gone) = try await group.next() {
                merged.merge(results) { first, _ in first }
                missing.formUnion(gone)
                launch()
            }
        }
        var children: [Int64: LeadChildren] = [:]
        for id in leadIDs {
            children[id] = LeadChildren(
                contacts: merged["c\(id)"]?.elements ?? [], productRows: merged["r\(id)"]?.elements ?? [],
                isMissing: missing.contains(id))
        }
        return children
    }

    /// Runs one chunk; a lead the portal no longer has is reported as missing, other errors throw.
    private func run(_ chunk: [BatchCommand]) async throws -> ([String: JSON], Set<Int64>) {
        let (results, errors) = try await client.batchRetryingCommands(chunk)
        var missing: Set<Int64> = []
        for (key, error) in errors {
            let lead = chunk.first { $0.key == key }?.parameters["id"]?.lenientInt ?? 0
            guard error.code == .notFound else {
                var failure = error
                failure.message += " (lead \(lead))"
                throw failure
            }
            missing.insert(lead)
        }
        return (results, missing)
    }
}
