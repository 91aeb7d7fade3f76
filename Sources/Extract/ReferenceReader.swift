import B24Core
import Bitrix24

/// Reads the portal's reference data in one batch request (plus user pages when there are many).
public struct ReferenceReader: Sendable {
    /// The client.
    public let client: BitrixClient

    /// A reader over `client`.
    public init(client: BitrixClient) {
        self.client = client
    }

    /// The reference lists as the portal returned them, with the portal's clock and time zone;
    /// with `countLeadsIn` (at most 39 id ranges, each after one id and up to another), also how
    /// many leads the portal lists in each range (a COUNT per range in the same request, for the
    /// delete check).
    ///
    /// - Throws: `BitrixError` when a command fails or the answer carries no `time.date_start`.
    public func read(countLeadsIn ranges: [(after: Int64, upTo: Int64)] = []) async throws -> ReferenceAnswer {
        var commands = [
            BatchCommand(
                key: "stages", method: "crm.status.list",
                parameters: ["filter": ["ENTITY_ID": "STATUS"], "order": ["SORT": "ASC"]]),
            BatchCommand(
                key: "sources", method: "crm.status.list",
                parameters: ["filter": ["ENTITY_ID": "SOURCE"], "order": ["SORT": "ASC"]]),
            BatchCommand(key: "currencies", method: "crm.currency.list", parameters: ["order": ["SORT": "ASC"]]),
            BatchCommand(key: "fields", method: "crm.lead.fields", parameters: [:]),
            BatchCommand(key: "userfields", method: "crm.lead.userfield.list", parameters: ["filter": ["LANG": "en"]]),
            BatchCommand(key: "users", method: "user.get", parameters: ["sort": "ID", "order": "ASC", "start": 0]),
            BatchCommand(key: "mode", method: "crm.settings.mode.get", parameters: [:]),
            BatchCommand(key: "profile", method: "profile", parameters: [:]),
            BatchCommand(key: "layout", method: "crm.lead.details.configuration.get", parameters: ["scope": "C"]),
            BatchCommand(key: "dealCategories", method: "crm.category.list", parameters: ["entityTypeId": 2]),
            // Every reference list at once (the method does not page): the deal stages of every funnel are among them.
            BatchCommand(key: "statuses", method: "crm.status.list", parameters: ["order": ["SORT": "ASC"]]),
        ]
        // More ranges than the request holds are not counted at all (the run then scans ids).
        let counted = ranges.count <= Self.countLimit && !ranges.isEmpty
        for (index, range) in (counted ? ranges : []).enumerated() {
            commands.append(
                BatchCommand(
                    key: "count\(index)", method: "crm.lead.list",
                    parameters: [
                        "filter": [">ID": .int(range.after), "<=ID": .int(range.upTo)], "select": ["ID"],
                        "order": ["ID": "ASC"], "start": 0,
                    ]))
        }
        // The count is a COUNT over the portal's leads: when it makes the request too long for the
        // portal, the reference data comes without it (and the run lists every id instead).
        let result: BatchResult
        if let answered = try await client.batchUnlessCut(commands, lighter: counted) {
            result = answered
        } else {
            commands.removeAll { $0.key.hasPrefix("count") }
            result = try await client.batch(commands)
        }
        // Who is reading and the CRM mode are reported when the portal tells them; a portal
        // that refuses either (an older version, a missing scope) is still exported.
        for command in commands where !Self.optional.contains(command.key) && !command.key.hasPrefix("count") {
            if let error = result.errors[command.key] { throw error }
        }
        guard let dateStart = result.time?.dateStart, let zone = PortalTime.offset(of: dateStart),
            let now = zone.parse(dateStart)
        else {
            throw BitrixError(
                code: .malformedResponse, message: "the portal's answer has no time.date_start", method: "batch",
                portal: client.portal)
        }
        var users = result.results["users"]?.elements ?? []
        if let next = result.nexts["users"] {
            var start = next
            while true {
                let page = try await client.call(
                    "user.get", ["sort": "ID", "order": "ASC", "start": .int(Int64(start))])
                users += page.result.elements ?? []
                guard let following = page.next, following > start else { break }
                start = following
            }
        }
        return ReferenceAnswer(
            stages: result.results["stages"]?.elements ?? [], sources: result.results["sources"]?.elements ?? [],
            currencies: result.results["currencies"]?.elements ?? [],
            fields: result.results["fields"]?.objectValue ?? JSONObject(),
            userFields: result.results["userfields"]?.elements ?? [], users: users,
            crmMode: result.errors["mode"] == nil ? result.results["mode"] : nil,
            profile: result.errors["profile"] == nil ? result.results["profile"] : nil,
            cardLayout: result.errors["layout"] == nil ? result.results["layout"] : nil,
            dealCategories: result.errors["dealCategories"] == nil
                ? result.results["dealCategories"].map { $0["categories"]?.elements ?? $0.elements ?? [] } : nil,
            statuses: result.errors["statuses"] == nil ? result.results["statuses"]?.elements : nil,
            leadCounts: counted ? Self.counts(result, ranges.count) : nil, portalNow: now, time: zone)
    }

    /// Commands whose failure does not fail the read.
    static let optional: Set<String> = ["mode", "profile", "layout", "dealCategories", "statuses"]

    /// Ranges counted at most (the reference request holds 50 commands, 11 of them the rest).
    public static let countLimit = 39

    /// The count of every range, or `nil` when any is missing.
    private static func counts(_ result: BatchResult, _ ranges: Int) -> [Int]? {
        let counts = (0..<ranges).compactMap { result.errors["count\($0)"] == nil ? result.totals["count\($0)"] : nil }
        return counts.count == ranges ? counts : nil
    }
}

/// The portal's reference lists, untouched, and the portal's clock when it answered.
public struct ReferenceAnswer: Sendable {
    /// `crm.status.list` rows of the lead stages.
    public var stages: [JSON]
    /// `crm.status.list` rows of the lead sources.
    public var sources: [JSON]
    /// `crm.currency.list` rows.
    public var currencies: [JSON]
    /// `crm.lead.fields`: field descriptions by field name.
    public var fields: JSONObject
    /// `crm.lead.userfield.list` rows.
    public var userFields: [JSON]
    /// `user.get` rows, every page.
    public var users: [JSON]
    /// `crm.settings.mode.get` (1 classic, 2 simple), when the portal answered it.
    public var crmMode: JSON?
    /// `profile`: the webhook's user (`ID`, `ADMIN`…), when the portal answered it.
    public var profile: JSON?
    /// The shared lead card layout (`crm.lead.details.configuration.get`, scope `C`); `nil` when
    /// the portal refused the method, `null` when no layout was saved.
    public var cardLayout: JSON?
    /// Deal funnels (`crm.category.list`, entity type 2); `nil` when the portal refused.
    public var dealCategories: [JSON]?
    /// Every `crm.status.list` row (deal stages among them); `nil` when the portal refused.
    public var statuses: [JSON]?
    /// Leads the portal lists in each asked id range, when asked and every range answered.
    public var leadCounts: [Int]?
    /// The portal's clock (unix seconds) when it answered: the run's "now".
    public var portalNow: Int64
    /// The offset the portal wrote that answer with.
    public var time: PortalTime

    /// An answer with the given lists (tests build them by hand).
    public init(
        stages: [JSON], sources: [JSON], currencies: [JSON], fields: JSONObject, userFields: [JSON], users: [JSON],
        crmMode: JSON? = nil, profile: JSON? = nil, cardLayout: JSON? = nil, dealCategories: [JSON]? = nil,
        statuses: [JSON]? = nil, leadCounts: [Int]? = nil, portalNow: Int64, time: PortalTime
    ) {
        self.cardLayout = cardLayout
        self.dealCategories = dealCategories
        self.statuses = statuses
        self.stages = stages
        self.sources = sources
        self.currencies = currencies
        self.fields = fields
        self.userFields = userFields
        self.users = users
        self.crmMode = crmMode
        self.profile = profile
        self.leadCounts = leadCounts
        self.portalNow = portalNow
        self.time = time
    }
}
