import B24Core
import Star

/// Pure functions from decoded API records to typed star rows.
///
/// Every "empty" spelling (`""`, `null`, `false`, `"0"` for references, a missing key) becomes
/// NULL; a value that cannot be loaded exactly (a number that is not one, a date that is not
/// one) rejects the record with a `TransformError` naming the record and field.
public struct LeadTransformer: Sendable {
    /// The portal's time zone: date keys are local dates there.
    public let time: PortalTime
    /// Stage semantics (`P`, `S`, `F`) by status id, for leads that lack `STATUS_SEMANTIC_ID`.
    public let stageSemantics: [String: String]
    /// Custom fields by name.
    public let customFields: [String: CustomFieldDefinition]

    /// A transformer for one portal.
    public init(time: PortalTime, stageSemantics: [String: String], customFields: [String: CustomFieldDefinition]) {
        self.time = time
        self.stageSemantics = stageSemantics
        self.customFields = customFields
    }

    /// A `crm.lead.list` record as a `dw.fact_lead` row.
    public func lead(_ record: JSON) throws(TransformError) -> LeadRow {
        var reader = RecordReader(record: record, entity: "lead", time: time)
        let id = try reader.id("ID")
        reader.id = id
        let status = reader.text("STATUS_ID")
        var semantic = reader.text("STATUS_SEMANTIC_ID").map { $0.uppercased() }
        if semantic == nil || !["P", "S", "F"].contains(semantic ?? "") {
            semantic = status.flatMap { stageSemantics[$0] } ?? (status == nil ? nil : "P")
        }
        let created = try reader.dated("DATE_CREATE")
        let closed = try reader.dated("DATE_CLOSED")
        let custom = try customFieldsJSON(record, id: id)
        return LeadRow(
            leadID: id, title: reader.text("TITLE"), name: reader.text("NAME"), lastName: reader.text("LAST_NAME"),
            companyTitle: reader.text("COMPANY_TITLE"), statusID: status, statusSemantic: semantic,
            sourceID: reader.text("SOURCE_ID"), sourceDescription: reader.text("SOURCE_DESCRIPTION"),
            assignedByID: try reader.reference("ASSIGNED_BY_ID"), createdByID: try reader.reference("CREATED_BY_ID"),
            modifyByID: try reader.reference("MODIFY_BY_ID"), companyID: try reader.reference("COMPANY_ID"),
            contactID: try reader.reference("CONTACT_ID"), opportunity: try reader.decimal("OPPORTUNITY"),
            currencyID: reader.text("CURRENCY_ID"), isManualOpportunity: try reader.flag("IS_MANUAL_OPPORTUNITY"),
            isReturnCustomer: try reader.flag("IS_RETURN_CUSTOMER"), opened: try reader.flag("OPENED"),
            hasPhone: try reader.flag("HAS_PHONE"), hasEmail: try reader.flag("HAS_EMAIL"), createdAt: created?.stamp,
            modifiedAt: try reader.timestamp("DATE_MODIFY"), movedAt: try reader.timestamp("MOVED_TIME"),
            closedAt: closed?.stamp, createdDateKey: created?.dateKey ?? 0,
            closedDateKey: semantic == "P" ? 0 : (closed?.dateKey ?? 0),
            utm: ["UTM_SOURCE", "UTM_MEDIUM", "UTM_CAMPAIGN", "UTM_CONTENT", "UTM_TERM"].map { reader.text($0) },
            customFields: custom.text, strippedNULs: custom.strippedNULs)
    }

    /// The children of leads (product rows, bindings, contact sets).
    public var children: ChildTransformer { ChildTransformer(time: time, owner: "lead") }

    /// A `crm.stagehistory.list` item.
    public func stageHistory(_ record: JSON) throws(TransformError) -> StageHistoryRecord {
        var reader = RecordReader(record: record, entity: "stage history", time: time)
        let id = try reader.id("ID")
        reader.id = id
        let created = try reader.dated("CREATED_TIME")
        return StageHistoryRecord(
            historyID: id, leadID: try reader.id("OWNER_ID"), typeID: try reader.integer("TYPE_ID"),
            statusID: reader.text("STATUS_ID"), statusSemantic: reader.text("STATUS_SEMANTIC_ID"),
            createdAt: created?.stamp, createdDateKey: created?.dateKey ?? 0)
    }

    /// Custom (`UF_…`) fields as JSON, typed by their definition (lists for multiple fields): numbers
    /// and booleans as JSON, dates as `YYYY-MM-DD`, date-times as ISO text with offset,
    /// enumerations and employees as ids (labels and names are looked up when read, so a renamed
    /// option shows its new label), money as `{"amount":…,"currency":…}`, CRM bindings as
    /// `{"type":…,"id":…}`, files as `{"id":…,"name":…}` (never their URLs, which carry a
    /// token), addresses as their text; NUL removed from text.
    func customFieldsJSON(_ record: JSON, id: Int64) throws(TransformError) -> (text: String, strippedNULs: Int) {
        var object = JSONObject()
        var stripped = 0
        guard let members = record.objectValue else { return ("{}", 0) }
        for (key, value) in members where key.hasPrefix("UF_") {
            let definition = customFields[key]
            let converted = try customValue(value, definition, field: key, id: id)
            let (clean, removed) = Self.stripNUL(converted)
            stripped += removed
            object[key] = clean
        }
        return (JSON.object(object).serialized(), stripped)
    }

    private func customValue(
        _ value: JSON, _ definition: CustomFieldDefinition?, field: String, id: Int64
    ) throws(TransformError) -> JSON {
        let type = definition?.type ?? "string"
        let multiple = definition?.isMultiple ?? false
        func fail(_ reason: String) -> TransformError {
            TransformError(entity: "lead", id: id, field: field, reason: reason)
        }
        if multiple {
            let elements: [JSON] = value.isEmptyValue ? [] : (value.elements ?? [value])
            var converted: [JSON] = []
            for element in elements {
                converted.append(try single(element, type: type, definition: definition, fail: fail))
            }
            return .array(converted.filter { !$0.isNull })
        }
        if let elements = value.arrayValue {
            return try single(elements.first ?? .null, type: type, definition: definition, fail: fail)
        }
        return try single(value, type: type, definition: definition, fail: fail)
    }

    private func single(
        _ value: JSON, type: String, definition: CustomFieldDefinition?, fail: (String) -> TransformError
    ) throws(TransformError) -> JSON {
        if value.isNull || value == .string("") { return .null }
        switch type {
        case "double", "integer":
            if value == .bool(false) { return .null }
            guard let number = value.lenientDouble else { throw fail("\(Self.quote(value)) is not a number") }
            if let integer = value.lenientInt { return .int(integer) }
            return .double(number)
        case "boolean":
            guard let flag = value.lenientBool else { throw fail("\(Self.quote(value)) is not a boolean") }
            return .bool(flag)
        case "enumeration", "employee":
            if value == .bool(false) { return .null }
            guard let id = value.lenientInt else {
                throw fail("\(Self.quote(value)) is not \(type == "employee" ? "a user id" : "an option id")")
            }
            return .int(id)
        case "money":
            if value == .bool(false) { return .null }
            return try Self.money(value, fail: fail)
        case "crm":
            if value == .bool(false) { return .null }
            return try Self.crmBinding(value, types: definition?.crmTypes ?? [], fail: fail)
        case "file":
            if value == .bool(false) { return .null }
            if let id = value.lenientInt { return ["id": .int(id)] }
            guard let object = value.objectValue, let id = (object["id"] ?? object["ID"])?.lenientInt else {
                throw fail("\(Self.quote(value)) is not a file")
            }
            let name = ["name", "NAME", "ORIGINAL_NAME", "fileName", "FILE_NAME"].lazy.compactMap {
                object[$0]?.stringValue
            }.first
            return ["id": .int(id), "name": name.map(JSON.string) ?? .null]
        case "address":
            if value == .bool(false) { return .null }
            guard let text = value.stringValue else { throw fail("\(Self.quote(value)) is not an address") }
            return .string(String(text.split(separator: "|", maxSplits: 1, omittingEmptySubsequences: false)[0]))
        case "datetime", "date":
            if value == .bool(false) { return .null }
            guard let text = value.stringValue else { throw fail("\(Self.quote(value)) is not a date") }
            if text.hasPrefix("0000-00-00") { return .null }
            guard let stamp = time.parse(text) else { throw fail("\(Self.quote(value)) is not a date") }
            let zone = PortalTime.offset(of: text) ?? time
            return .string(type == "date" ? String(zone.format(stamp).prefix(10)) : zone.format(stamp))
        default:
            if value == .bool(false) { return .null }
            return value.stringValue.map(JSON.string) ?? value
        }
    }

    /// `1500|USD` (or a bare number) as `{"amount":1500,"currency":"USD"}`.
    static func money(_ value: JSON, fail: (String) -> TransformError) throws(TransformError) -> JSON {
        if let number = value.lenientDouble, value.stringValue?.contains("|") != true {
            return ["amount": .double(number), "currency": .null]
        }
        guard let text = value.stringValue else { throw fail("\(quote(value)) is not money") }
        let parts = text.split(separator: "|", maxSplits: 1, omittingEmptySubsequences: false)
        guard let amount = Double(parts[0].trimmingPrefix(while: { $0 == " " })), amount.isFinite else {
            throw fail("\(quote(value)) is not money")
        }
        let currency = parts.count > 1 && !parts[1].isEmpty ? JSON.string(String(parts[1])) : .null
        let number: JSON = amount == amount.rounded() && abs(amount) < 1e15 ? .int(Int64(amount)) : .double(amount)
        return ["amount": number, "currency": currency]
    }

    /// CRM type names by the prefix the API writes before an id (`L_12`).
    static let crmPrefixes = ["L": "lead", "C": "contact", "CO": "company", "D": "deal", "Q": "quote", "SI": "invoice"]

    /// `L_12` as `{"type":"lead","id":12}`; a bare id belongs to the field's only CRM type, or to
    /// an unknown one (`type` null) when it binds several.
    static func crmBinding(
        _ value: JSON, types: [String], fail: (String) -> TransformError
    ) throws(TransformError) -> JSON {
        if let id = value.lenientInt {
            return ["type": types.count == 1 ? .string(types[0].lowercased()) : .null, "id": .int(id)]
        }
        guard let text = value.stringValue, let separator = text.lastIndex(of: "_"),
            let id = Int64(text[text.index(after: separator)...])
        else { throw fail("\(quote(value)) is not a CRM binding") }
        let prefix = String(text[..<separator])
        return ["type": .string(crmPrefixes[prefix] ?? prefix), "id": .int(id)]
    }

    /// The value with NUL characters removed from every string, and how many were removed.
    static func stripNUL(_ value: JSON) -> (JSON, Int) {
        switch value {
        case .string(let text):
            guard text.utf8.contains(0) else { return (value, 0) }
            let count = text.utf8.filter { $0 == 0 }.count
            return (.string(String(text.unicodeScalars.filter { $0 != "\u{0}" }.map(Character.init))), count)
        case .array(let array):
            var total = 0
            let cleaned = array.map { element -> JSON in
                let (clean, count) = stripNUL(element)
                total += count
                return clean
            }
            return (.array(cleaned), total)
        case .object(let object):
            var total = 0
            var cleaned = JSONObject()
            for (key, child) in object {
                let (clean, count) = stripNUL(child)
                total += count
                cleaned[key] = clean
            }
            return (.object(cleaned), total)
        default:
            return (value, 0)
        }
    }

    /// A value for a message, shortened.
    static func quote(_ value: JSON) -> String {
        let text = value.serialized()
        return text.count > 60 ? String(text.prefix(60)) + "…" : text
    }
}
