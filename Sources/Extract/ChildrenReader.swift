import B24Core
import Bitrix24
import Star

/// One question about the children of leads or deals, answered by one command of a batch.
public enum ChildQuery: Sendable, Hashable {
    /// Which contacts each of up to 50 owners has (`crm.item.list`, `@id`): the binding sets.
    case bindingSets([Int64])
    /// The exact bindings of one owner, with sort, primary flag and role (`crm.lead.contact.items.get`).
    case contactItems(Int64)
    /// The product rows of one owner (`crm.lead.productrows.get`).
    case productRowsOfOwner(Int64)
    /// The product rows of up to 50 owners with a row id above `after` (`crm.item.productrow.list`,
    /// `=ownerId` an array): one page of 50 rows; a full page asks for the next.
    case productRowsOfSet([Int64], after: Int64)

    /// The batch command that asks it about children of `owner`.
    func command(key: String, owner: CRMOwner) -> BatchCommand {
        switch self {
        case .bindingSets(let ids):
            return BatchCommand(
                key: key, method: "crm.item.list",
                parameters: [
                    "entityTypeId": .int(owner.entityTypeID), "select": ["id", "contactId", "contactIds"],
                    "filter": ["@id": .array(ids.map { .int($0) })], "order": ["id": "ASC"], "start": -1,
                ])
        case .contactItems(let id):
            return BatchCommand(
                key: key, method: "\(owner.methodPrefix).contact.items.get", parameters: ["id": .int(id)])
        case .productRowsOfOwner(let id):
            return BatchCommand(key: key, method: "\(owner.methodPrefix).productrows.get", parameters: ["id": .int(id)])
        case .productRowsOfSet(let ids, let after):
            return BatchCommand(
                key: key, method: "crm.item.productrow.list",
                parameters: [
                    "filter": [
                        "=ownerType": .string(owner.ownerType), "=ownerId": .array(ids.map { .int($0) }),
                        ">id": .int(after),
                    ],
                    "order": ["id": "ASC"], "start": -1,
                ])
        }
    }
}

/// What a set of child queries brought back, by owner id.
public struct ChildAnswers: Sendable {
    /// `crm.item.list` items (`id`, `contactId`, `contactIds`) of the owners a binding-set query
    /// returned; an owner asked about and not returned is absent.
    public var bindingSets: [Int64: JSON] = [:]
    /// `crm.lead.contact.items.get` (or deal) rows.
    public var contacts: [Int64: [JSON]] = [:]
    /// Product rows in the shape `crm.lead.productrows.get` gives (owner-set rows renamed to it),
    /// for every owner a product-row query covered (empty when it has none).
    public var productRows: [Int64: [JSON]] = [:]
    /// Owners the portal no longer has (a per-owner query answered not found).
    public var missing: Set<Int64> = []
    /// Queries to ask next: owner sets whose page was full.
    public var continuations: [ChildQuery] = []
    /// Owner-set queries the portal refused (not a limit or a fault), with the first refusal.
    public var refusedSets: [[Int64]] = []
    /// Why the portal refused an owner set.
    public var refusal: BitrixError?

    /// Nothing yet.
    public init() {}

    /// Adds `other`'s answers (product rows of an owner asked twice add up).
    public mutating func merge(_ other: ChildAnswers) {
        bindingSets.merge(other.bindingSets) { $1 }
        contacts.merge(other.contacts) { $1 }
        for (id, rows) in other.productRows { productRows[id, default: []] += rows }
        missing.formUnion(other.missing)
        continuations += other.continuations
        refusedSets += other.refusedSets
        refusal = refusal ?? other.refusal
    }
}

/// Asks the portal about the children of leads or deals: binding sets and product rows of many
/// owners per command, exact bindings and per-owner product rows one owner per command; 50
/// commands per batch request, several requests in flight under the shared limiter, a request cut
/// on time sent again smaller.
public struct ChildrenReader: Sendable {
    /// The client.
    public let client: BitrixClient
    /// Batch requests in flight at once.
    public let concurrency: Int
    /// Whose children are read.
    public let owner: CRMOwner

    /// Rows per page of `crm.item.productrow.list`.
    public static let pageSize = 50

    /// A reader of `owner`'s children over `client`.
    public init(client: BitrixClient, concurrency: Int = 2, owner: CRMOwner = .lead) {
        self.client = client
        self.concurrency = max(1, concurrency)
        self.owner = owner
    }

    /// Answers `queries` (and nothing more: continuations come back to ask next).
    ///
    /// Limits and faults are retried; an owner a per-owner query finds gone is `missing`; an owner
    /// set the portal refuses is reported in `refusedSets`, not thrown.
    /// - Throws: `BitrixError` for any other failure, naming the owner; `.malformedResponse` when a
    ///   row or item belongs to an owner the query did not ask about.
    public func run(_ queries: [ChildQuery]) async throws -> ChildAnswers {
        let chunks = stride(from: 0, to: queries.count, by: 50).map {
            Array(queries[$0..<min($0 + 50, queries.count)])
        }
        var answers = ChildAnswers()
        try await withThrowingTaskGroup(of: ChildAnswers.self) { group in
            var next = 0
            func launch() {
                guard next < chunks.count else { return }
                let chunk = chunks[next]
                next += 1
                group.addTask { try await run(chunk: chunk) }
            }
            for _ in 0..<concurrency { launch() }
            while let answered = try await group.next() {
                answers.merge(answered)
                launch()
            }
        }
        return answers
    }

    /// Every query, its continuations included, until none is left.
    public func runToCompletion(_ queries: [ChildQuery]) async throws -> ChildAnswers {
        var answers = ChildAnswers()
        var pending = queries
        while !pending.isEmpty {
            var round = try await run(pending)
            pending = round.continuations
            round.continuations = []
            answers.merge(round)
        }
        return answers
    }

    private func run(chunk: [ChildQuery]) async throws -> ChildAnswers {
        let keyed = chunk.enumerated().map { ("q\($0.offset)", $0.element) }
        let (results, errors) = try await client.batchRetryingCommands(keyed.map { $1.command(key: $0, owner: owner) })
        var answers = ChildAnswers()
        for (key, query) in keyed {
            if let error = errors[key] {
                try file(error, of: query, into: &answers)
                continue
            }
            let result = results[key] ?? .array([])
            switch query {
            case .bindingSets(let ids):
                let asked = Set(ids)
                for item in result["items"]?.elements ?? [] {
                    guard let id = item["id"]?.lenientInt, asked.contains(id) else {
                        throw foreign("crm.item.list", item["id"], asked: ids)
                    }
                    answers.bindingSets[id] = item
                }
            case .contactItems(let id):
                answers.contacts[id] = result.elements ?? []
            case .productRowsOfOwner(let id):
                answers.productRows[id] = result.elements ?? []
            case .productRowsOfSet(let ids, _):
                let asked = Set(ids)
                for id in ids where answers.productRows[id] == nil { answers.productRows[id] = [] }
                let rows = result["productRows"]?.elements ?? []
                var lastRow: Int64 = 0
                for row in rows {
                    guard let owner = row["ownerId"]?.lenientInt, asked.contains(owner) else {
                        throw foreign("crm.item.productrow.list", row["ownerId"], asked: ids)
                    }
                    lastRow = max(lastRow, row["id"]?.lenientInt ?? 0)
                    answers.productRows[owner, default: []].append(Self.legacyRow(row))
                }
                if rows.count >= Self.pageSize { answers.continuations.append(.productRowsOfSet(ids, after: lastRow)) }
            }
        }
        return answers
    }

    /// A failed command: a vanished owner is missing, a refused owner set is reported, the rest throws.
    private func file(_ error: BitrixError, of query: ChildQuery, into answers: inout ChildAnswers) throws {
        switch query {
        case .contactItems(let id), .productRowsOfOwner(let id):
            guard error.code == .notFound else {
                var failure = error
                failure.message += " (\(owner.rawValue) \(id))"
                throw failure
            }
            answers.missing.insert(id)
        case .productRowsOfSet(let ids, _) where !error.isRetryable:
            answers.refusedSets.append(ids)
            answers.refusal = answers.refusal ?? error
        case .productRowsOfSet(let ids, _), .bindingSets(let ids):
            var failure = error
            failure.message += " (\(owner.rawValue)s \(ids.first ?? 0)…\(ids.last ?? 0))"
            throw failure
        }
    }

    private func foreign(_ method: String, _ id: JSON?, asked: [Int64]) -> BitrixError {
        BitrixError(
            code: .malformedResponse,
            message:
                "\(method) returned \(owner.rawValue) \(id?.lenientText ?? "?") for a filter on \(owner.rawValue)s \(asked.first ?? 0)…\(asked.last ?? 0) that does not name it; refusing to guess",
            method: method, portal: client.portal)
    }

    /// An owner-set row under the names `crm.lead.productrows.get` uses (`priceExclusive` →
    /// `PRICE_EXCLUSIVE`), its values untouched.
    public static func legacyRow(_ row: JSON) -> JSON {
        guard let object = row.objectValue else { return row }
        var renamed = JSONObject()
        for (key, value) in object { renamed[upperSnake(key)] = value }
        return .object(renamed)
    }

    /// `discountTypeId` → `DISCOUNT_TYPE_ID`.
    static func upperSnake(_ name: String) -> String {
        var text = ""
        for character in name {
            if character.isUppercase, !text.isEmpty { text.append("_") }
            text += character.uppercased()
        }
        return text
    }
}
