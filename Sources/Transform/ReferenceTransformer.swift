import B24Core
import Star

/// Pure functions from the portal's reference lists to dimension rows and the custom-field
/// definitions the lead transform needs. A row without its key is left out (it cannot be
/// joined to anything); every other field is read leniently.
public enum ReferenceTransformer {
    /// All reference data of one portal.
    ///
    /// - Parameters:
    ///   - stages: `crm.status.list` rows of `ENTITY_ID` `STATUS`.
    ///   - sources: `crm.status.list` rows of `ENTITY_ID` `SOURCE`.
    ///   - currencies: `crm.currency.list` rows.
    ///   - fields: `crm.lead.fields`, by field name.
    ///   - userFields: `crm.lead.userfield.list` rows (for their sort order).
    ///   - users: `user.get` rows.
    ///   - cardLayout: the shared lead card (`crm.lead.details.configuration.get`, scope `C`):
    ///     sections in order, each with its fields in order; `nil` or `null` when none was saved.
    public static func reference(
        stages: [JSON], sources: [JSON], currencies: [JSON], fields: JSONObject, userFields: [JSON], users: [JSON],
        cardLayout: JSON? = nil
    ) -> ReferenceData {
        var reference = ReferenceData()
        reference.stages = stages.compactMap(status)
        reference.sources = sources.compactMap(status).map {
            var source = $0
            source.semantic = "P"
            return source
        }
        reference.currencies = currencies.compactMap(currency)
        reference.users = users.compactMap(user)
        let sorts = Dictionary(
            userFields.compactMap { row -> (String, Int64)? in
                guard let name = row["FIELD_NAME"]?.stringValue, let sort = row["SORT"]?.lenientInt else { return nil }
                return (name, sort)
            }, uniquingKeysWith: { first, _ in first })
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
                let settings = description["settings"]?.objectValue ?? JSONObject()
                let crmTypes = settings.filter { $0.value.lenientBool == true }.map(\.key).sorted()
                reference.customFields[name] = CustomFieldDefinition(
                    name: name, type: type, isMultiple: multiple, items: items, label: label, crmTypes: crmTypes)
            }
        }
        place(&reference.fields, on: cardLayout)
        return reference
    }

    /// Gives each field the section, section position and position within it that the card shows
    /// it in (the first place wins when a field appears twice).
    static func place(_ fields: inout [LeadFieldRecord], on layout: JSON?) {
        var places: [String: (section: String, sectionSort: Int64, fieldSort: Int64)] = [:]
        let sections = (layout?.elements ?? []).filter { ($0["type"]?.stringValue ?? "section") == "section" }
        for (sectionIndex, section) in sections.enumerated() {
            let title = section["title"]?.lenientText ?? section["name"]?.lenientText ?? "section \(sectionIndex + 1)"
            for (fieldIndex, element) in (section["elements"]?.elements ?? []).enumerated() {
                guard let name = element["name"]?.stringValue, places[name] == nil else { continue }
                places[name] = (title, Int64(sectionIndex + 1), Int64(fieldIndex + 1))
            }
        }
        for index in fields.indices {
            guard let place = places[fields[index].fieldName] else { continue }
            fields[index].sectionName = place.section
            fields[index].sectionSort = place.sectionSort
            fields[index].fieldSort = place.fieldSort
        }
    }

    /// A stage or source; semantics other than `S` and `F` read as `P`.
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

extension ReferenceTransformer {
    /// The CRM mode and the reading user from `crm.settings.mode.get` and `profile` answers.
    public static func identity(crmMode: JSON?, profile: JSON?) -> PortalIdentity {
        PortalIdentity(
            crmMode: crmMode?.lenientInt.map(Int.init), userID: profile?["ID"]?.lenientReference,
            isAdmin: profile?["ADMIN"]?.lenientBool)
    }
}
