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

    /// Reference data, the portal's clock at the time of the request (unix) and its time zone.
    public func read() async throws -> (reference: ReferenceData, portalNow: Int64, time: PortalTime) {
        let commands = [
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
        ]
        let result = try await client.batch(commands)
        for command in commands {
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
        var reference = ReferenceData()
        reference.stages = (result.results["stages"]?.elements ?? []).compactMap(Self.status)
        reference.sources = (result.results["sources"]?.elements ?? []).compactMap(Self.status).map {
            var source = $0
            source.semantic = "P"
            return source
        }
        reference.currencies = (result.results["currencies"]?.elements ?? []).compactMap(Self.currency)
        reference.users = users.compactMap(Self.user)
        let sorts = Dictionary(
            (result.results["userfields"]?.elements ?? []).compactMap { row -> (String, Int64)? in
                guard let name = row["FIELD_NAME"]?.stringValue, let sort = row["SORT"]?.lenientInt else { return nil }
                return (name, sort)
            }, uniquingKeysWith: { first, _ in first })
        let fields = result.results["fields"]?.objectValue ?? JSONObject()
        for (name, description) in fields {
            let isCustom = name.hasPrefix("UF_") || description["isDynamic"]?.lenientBool == true
            let label =
                description["listLabel"]?.lenientText ?? description["formLabel"]?.lenientText
                ?? description["title"]?.lenientText
            var items: [Int64: String] = [:]
            var itemsJSON: [JSON] = []
            for item in description["items"]?.elements ?? [] {
                guard let id = item["ID"]?.lenientInt else { continue }
                let value = item["VALUE"]?.lenientText ?? ""
                items[id] = value
                itemsJSON.append(["id": .int(id), "value": .string(value)])
            }
            let type = description["type"]?.lenientText ?? "string"
            let multiple = description["isMultiple"]?.lenientBool ?? false
            reference.fields.append(
                LeadFieldRecord(
                    fieldName: name, type: type, label: label, isMultiple: multiple,
                    isRequired: description["isRequired"]?.lenientBool ?? false, isCustom: isCustom,
                    items: itemsJSON.isEmpty ? nil : JSON.array(itemsJSON).serialized(), sort: sorts[name]))
            if isCustom {
                reference.customFields[name] = CustomFieldDefinition(
                    name: name, type: type, isMultiple: multiple, items: items, label: label)
            }
        }
        return (reference, now, zone)
    }

    static func status(_ row: JSON) -> StatusRecord? {
        guard let id = row["STATUS_ID"]?.lenientText else { return nil }
        let semantics = row["SEMANTICS"]?.lenientText?.uppercased()
        return StatusRecord(
            statusID: id, name: row["NAME"]?.lenientText, sort: row["SORT"]?.lenientInt,
            semantic: semantics == "S" || semantics == "F" ? semantics ?? "P" : "P", color: row["COLOR"]?.lenientText,
            isSystem: row["SYSTEM"]?.lenientBool)
    }

    static func currency(_ row: JSON) -> CurrencyRecord? {
        guard let code = row["CURRENCY"]?.lenientText else { return nil }
        return CurrencyRecord(
            currencyID: code, name: row["FULL_NAME"]?.lenientText, amount: row["AMOUNT"]?.lenientDecimalText,
            amountCount: row["AMOUNT_CNT"]?.lenientInt, isBase: row["BASE"]?.lenientBool, sort: row["SORT"]?.lenientInt)
    }

    static func user(_ row: JSON) -> UserRecord? {
        guard let id = row["ID"]?.lenientReference else { return nil }
        let first = row["NAME"]?.lenientText
        let last = row["LAST_NAME"]?.lenientText
        let full = [first, last].compactMap { $0 }.joined(separator: " ")
        return UserRecord(
            userID: id, name: full.isEmpty ? nil : full, firstName: first, lastName: last,
            email: row["EMAIL"]?.lenientText,
            position: row["WORK_POSITION"]?.lenientText, active: row["ACTIVE"]?.lenientBool)
    }
}
