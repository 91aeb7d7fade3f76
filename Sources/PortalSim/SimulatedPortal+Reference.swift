import B24Core
import Foundation

/// Reference data: stages and sources, currencies, users, custom fields, contacts, companies, history.
extension SimulatedPortal {
    /// `crm.status.list`: all rows at once with `total`; filter by `ENTITY_ID`, order by `SORT`.
    func statusList(_ params: JSONObject) -> MethodOutcome {
        let filter = ListQuery.parameter(params, "filter")?.objectValue ?? JSONObject()
        let wanted = filter["ENTITY_ID"].map(ListQuery.scalarText)
        var rows = (dataset.stages + dataset.sources + dataset.dealStages).filter {
            wanted == nil || $0.entityID == wanted
        }
        let descending =
            (ListQuery.parameter(params, "order")?["SORT"]).map { ListQuery.scalarText($0).uppercased() == "DESC" }
            ?? false
        rows.sort { descending ? $0.sort > $1.sort : ($0.sort, $0.id) < ($1.sort, $1.id) }
        let json = rows.map { status -> JSON in
            var object: JSONObject = [
                "ID": .string(String(status.id)), "ENTITY_ID": .string(status.entityID),
                "STATUS_ID": .string(status.statusID), "NAME": .string(status.name), "NAME_INIT": .string(status.name),
                "SORT": .string(String(status.sort)), "SYSTEM": .string(status.isSystem ? "Y" : "N"),
                "CATEGORY_ID": status.entityID.hasPrefix("DEAL_STAGE")
                    ? .string(String(PortalDataset.category(ofStageEntity: status.entityID))) : .null,
                "COLOR": .string(status.color),
                "SEMANTICS": status.semantics.map(JSON.string) ?? .null,
            ]
            if status.entityID == "STATUS" || status.entityID.hasPrefix("DEAL_STAGE") {
                let extra = status.semantics == "S" ? "success" : (status.semantics == "F" ? "failure" : "process")
                object["EXTRA"] = ["SEMANTICS": .string(extra), "COLOR": .string(status.color)]
            }
            return .object(object)
        }
        return .success(result: .array(json), total: json.count, next: nil)
    }

    /// `crm.currency.list`: every currency; `total` is 0 as in the documentation's example.
    func currencyList(_ params: JSONObject) -> MethodOutcome {
        let rows = dataset.currencies.sorted { $0.sort < $1.sort }.map { currency -> JSON in
            [
                "CURRENCY": .string(currency.code), "AMOUNT_CNT": .string(String(currency.amountCount)),
                "AMOUNT": .string(String(format: "%.4f", currency.amount)), "SORT": .string(String(currency.sort)),
                "BASE": .string(currency.isBase ? "Y" : "N"), "FULL_NAME": .string(currency.fullName), "LID": "en",
                "FORMAT_STRING": .string(currency.code == "USD" ? "$#" : "# \(currency.code)"), "DEC_POINT": ".",
                "THOUSANDS_SEP": .string("&nbsp;"), "DECIMALS": "2",
                "DATE_UPDATE": .string(dataset.time.format(1_700_000_000)),
            ]
        }
        return .success(result: .array(rows), total: 0, next: nil)
    }

    static let userSchema = EntitySchema(fields: [
        FieldSpec(name: "ID", kind: .integer, title: "ID"),
        FieldSpec(name: "ACTIVE", kind: .boolean, title: "Active"),
        FieldSpec(name: "NAME", kind: .string, title: "Name"),
        FieldSpec(name: "LAST_NAME", kind: .string, title: "Last name"),
        FieldSpec(name: "EMAIL", kind: .string, title: "E-mail"),
        FieldSpec(name: "WORK_POSITION", kind: .string, title: "Position"),
    ])

    /// `user.get`: `sort`/`order` as strings, `FILTER`, 50 per page; `ACTIVE` is a JSON boolean.
    func userGet(_ params: JSONObject) -> MethodOutcome {
        var listParams = JSONObject()
        if let filter = ListQuery.parameter(params, "filter")?.objectValue {
            var normalised = JSONObject()
            for (key, value) in filter {
                let (op, name) = FilterOperator.split(key)
                var adjusted = value
                if name.uppercased() == "ACTIVE" {
                    let text = ListQuery.scalarText(value).uppercased()
                    adjusted = .int(text == "1" || text == "Y" || text == "TRUE" ? 1 : 0)
                }
                normalised[(op == .equal && !key.hasPrefix("=") ? "" : op.rawValue) + name.uppercased()] = adjusted
            }
            listParams["filter"] = .object(normalised)
        }
        let sortField = (params["sort"] ?? params["SORT"]).map(ListQuery.scalarText)?.uppercased() ?? "ID"
        let sortOrder = (params["order"] ?? params["ORDER"]).map(ListQuery.scalarText)?.uppercased() ?? "ASC"
        listParams["order"] = [sortField: .string(sortOrder)]
        listParams["start"] = params["start"]
        let users = Dictionary(uniqueKeysWithValues: dataset.users.map { ($0.id, $0) })
        let query = ListQuery(params: listParams, schema: Self.userSchema, defaultOrder: [("ID", false)])
        let result = page(query, ids: users.keys.sorted(), style: .legacy) { id, field in
            guard let user = users[id] else { return nil }
            switch field.name {
            case "ID": return .int(user.id)
            case "ACTIVE": return .int(user.active ? 1 : 0)
            case "NAME": return .string(user.name)
            case "LAST_NAME": return .string(user.lastName)
            case "EMAIL": return .string(user.email)
            default: return .string(user.position)
            }
        }
        let rows = result.ids.compactMap { users[$0] }.map { user -> JSON in
            [
                "ID": .string(String(user.id)), "XML_ID": .null, "ACTIVE": .bool(user.active),
                "NAME": .string(user.name),
                "LAST_NAME": .string(user.lastName), "SECOND_NAME": "", "EMAIL": .string(user.email),
                "LAST_LOGIN": .string(dataset.time.format(1_700_000_000)),
                "DATE_REGISTER": .string(dataset.time.format(1_600_000_000)),
                "IS_ONLINE": "N", "TIMESTAMP_X": .array([]), "WORK_POSITION": .string(user.position),
                "UF_DEPARTMENT": .array([.int(1)]), "USER_TYPE": "employee",
            ]
        }
        let total = query.start < 0 ? nil : result.total
        return .success(result: .array(rows), total: total ?? users.count, next: result.next)
    }

    /// `crm.lead.userfield.list`: definitions; labels are strings only when `filter.LANG` is given.
    func userFieldList(_ params: JSONObject) -> MethodOutcome {
        let filter = ListQuery.parameter(params, "filter")?.objectValue ?? JSONObject()
        let language = filter["LANG"].map(ListQuery.scalarText)
        let rows = dataset.customFields.sorted { $0.sort < $1.sort }.map { field -> JSON in
            let label: JSON = language != nil ? .string(field.label) : ["en": .string(field.label)]
            var object: JSONObject = [
                "ID": .string(String(field.id)), "ENTITY_ID": "CRM_LEAD", "FIELD_NAME": .string(field.fieldName),
                "USER_TYPE_ID": .string(field.userTypeID), "XML_ID": .null, "SORT": .string(String(field.sort)),
                "MULTIPLE": .string(field.multiple ? "Y" : "N"), "MANDATORY": .string(field.mandatory ? "Y" : "N"),
                "SHOW_FILTER": "E", "SHOW_IN_LIST": "Y", "EDIT_IN_LIST": "Y", "IS_SEARCHABLE": "N",
                "SETTINGS": Self.settings(of: field), "EDIT_FORM_LABEL": label, "LIST_COLUMN_LABEL": label,
                "LIST_FILTER_LABEL": label,
            ]
            if field.userTypeID == "enumeration" {
                object["LIST"] = .array(
                    field.items.enumerated().map { index, item in
                        [
                            "ID": .string(String(item.id)), "SORT": .string(String((index + 1) * 10)),
                            "VALUE": .string(item.value), "DEF": "N", "XML_ID": .string("X\(item.id)"),
                        ]
                    })
            }
            return .object(object)
        }
        return .success(result: .array(rows), total: rows.count, next: nil)
    }

    /// `crm.contact.list`: legacy shape; contacts exist for ids 1…contactCount.
    func contactList(_ params: JSONObject) -> MethodOutcome {
        let data = dataset
        return derivedEntityList(
            params, schema: .contact, count: data.contactCount, record: data.contact, value: data.contactValue)
    }

    /// `crm.lead.details.configuration.get`: the shared card for `scope` `C` (or `null` when none
    /// was saved); no personal card was saved, so `P` (the default) is `null`.
    func cardConfiguration(_ params: JSONObject) -> MethodOutcome {
        let scope = params["scope"].map(ListQuery.scalarText)?.uppercased() ?? "P"
        guard scope == "C", let layout = dataset.cardLayout else { return .result(.null) }
        return .result(
            .array(
                layout.map { section in
                    [
                        "name": .string(section.name), "title": .string(section.title), "type": "section",
                        "elements": .array(section.fields.map { ["name": .string($0), "optionFlags": "0"] }),
                    ]
                }))
    }

    /// `crm.lead.userfield.update`: a field's labels (`EDIT_FORM_LABEL`, `LIST_COLUMN_LABEL`, a
    /// string or per language), `SORT`, and the values of existing enumeration options (`LIST`
    /// items with an `ID`).
    func userFieldUpdate(_ params: JSONObject) -> MethodOutcome {
        guard let id = Self.positiveID(params) else { return .failure(.invalidID()) }
        guard let index = dataset.customFields.firstIndex(where: { $0.id == Int(id) }) else {
            return .failure(.notFound())
        }
        let fields = ListQuery.parameter(params, "fields")?.objectValue ?? JSONObject()
        for key in ["LIST_COLUMN_LABEL", "EDIT_FORM_LABEL"] {
            guard let label = fields[key] else { continue }
            let text = label.objectValue.flatMap { $0["en"] ?? $0.values.first }.map(ListQuery.scalarText)
            dataset.customFields[index].label = text ?? ListQuery.scalarText(label)
        }
        if let sort = fields["SORT"].flatMap({ Int(ListQuery.scalarText($0)) }) {
            dataset.customFields[index].sort = sort
        }
        for item in fields["LIST"]?.elements ?? [] {
            guard let optionID = item["ID"].flatMap({ Int64(ListQuery.scalarText($0)) }),
                let value = item["VALUE"].map(ListQuery.scalarText),
                let option = dataset.customFields[index].items.firstIndex(where: { $0.id == optionID })
            else { continue }
            dataset.customFields[index].items[option].value = value
        }
        return .result(.bool(true))
    }

    /// `crm.status.update`: `NAME`, `SORT` and `COLOR` of a stage or source, by its row id;
    /// stages stay in funnel order.
    func statusUpdate(_ params: JSONObject) -> MethodOutcome {
        guard let id = Self.positiveID(params) else { return .failure(.invalidID()) }
        let fields = ListQuery.parameter(params, "fields")?.objectValue ?? JSONObject()
        func apply(_ status: inout SimStatus) {
            if let name = fields["NAME"] { status.name = ListQuery.scalarText(name) }
            if let sort = fields["SORT"].flatMap({ Int(ListQuery.scalarText($0)) }) { status.sort = sort }
            if let color = fields["COLOR"] { status.color = ListQuery.scalarText(color) }
        }
        if let index = dataset.stages.firstIndex(where: { $0.id == Int(id) }) {
            apply(&dataset.stages[index])
            dataset.stages.sort { ($0.sort, $0.id) < ($1.sort, $1.id) }
        } else if let index = dataset.sources.firstIndex(where: { $0.id == Int(id) }) {
            apply(&dataset.sources[index])
        } else {
            return .failure(.notFound())
        }
        return .result(.bool(true))
    }

    /// `crm.contact.update`: `NAME`, `LAST_NAME`, `POST` of a contact; its `DATE_MODIFY` moves.
    func contactUpdate(_ params: JSONObject, now: Double) -> MethodOutcome {
        guard let id = Self.positiveID(params) else { return .failure(.invalidID()) }
        guard var contact = dataset.contact(id) else { return .failure(.notFound()) }
        let fields = ListQuery.parameter(params, "fields")?.objectValue ?? JSONObject()
        if let name = fields["NAME"] { contact.name = ListQuery.scalarText(name) }
        if let name = fields["LAST_NAME"] { contact.lastName = ListQuery.scalarText(name) }
        if let post = fields["POST"] { contact.post = ListQuery.scalarText(post) }
        contact.dateModify = Int64(now)
        dataset.editedContacts[id] = contact
        return .result(.bool(true))
    }

    /// `crm.company.list`: legacy shape; companies exist for ids 1…companyCount.
    func companyList(_ params: JSONObject) -> MethodOutcome {
        let data = dataset
        return derivedEntityList(
            params, schema: .company, count: data.companyCount, record: data.company, value: data.companyValue)
    }

    /// A legacy list over records derived from their ids (1…count), as contacts and companies are.
    private func derivedEntityList<Record>(
        _ params: JSONObject, schema: EntitySchema, count: Int64, record: @escaping (Int64) -> Record?,
        value: @escaping (Record, FieldSpec) -> FieldValue
    ) -> MethodOutcome {
        let query = ListQuery(params: params, schema: schema, defaultOrder: [("ID", true)])
        let result = page(query, ids: Array(1...max(1, count)), style: .legacy) { id, field in
            record(id).map { value($0, field) }
        }
        let fields = schema.selected(query.select)
        let rows = result.ids.compactMap(record).map { item in
            dataset.legacyRecord(fields, inList: true) { value(item, $0) }
        }
        return listOutcome(rows, total: result.total, next: result.next)
    }

    /// `crm.stagehistory.list`: engine paging, `{"items": […]}`, numbers as JSON numbers.
    func stageHistoryList(_ params: JSONObject) -> MethodOutcome {
        let typeValue = params["entityTypeId"] ?? params["ENTITY_TYPE_ID"] ?? params["entityTypeID"] ?? .null
        let entityType = ListQuery.integer(typeValue)
        guard [1, 2, 5].contains(entityType) else {
            return .failure(
                MethodError(status: 400, code: "NOT_SUPPORTED", description: "\(entityType) entity is not supported"))
        }
        if entityType == 2 {
            return dealHistoryList(
                ListQuery(
                    params: params, schema: .dealStageHistory, defaultOrder: [("ID", false)], uppercaseKeys: false))
        }
        guard entityType == 1 else { return .success(result: ["items": []], total: 0, next: nil) }
        let data = dataset
        // History is kept in id order: find a record by binary search instead of indexing all of it per call.
        func position(_ id: Int64) -> Int? {
            var low = 0
            var high = data.history.count
            while low < high {
                let middle = (low + high) / 2
                if data.history[middle].id < id { low = middle + 1 } else { high = middle }
            }
            return low < data.history.count && data.history[low].id == id ? low : nil
        }
        let query = ListQuery(
            params: params, schema: .stageHistory, defaultOrder: [("ID", false)], uppercaseKeys: false)
        var ids = historyIDs ?? data.history.map(\.id)
        historyIDs = ids
        if access.visibleTo != nil || access.crmMode != 1 || !heldHistory.isEmpty {
            // Rows are filtered by the caller's rights on their lead; held rows are not committed yet.
            ids = data.history.filter { isVisible(lead: $0.ownerID) && !heldHistory.contains($0.id) }.map(\.id)
        }
        let result = page(query, ids: ids, style: .engine) { id, field in
            position(id).map { data.historyValue(data.history[$0], field) }
        }
        let selected = Set((query.select).map { $0.uppercased() })
        let items = result.ids.compactMap(position).map { index -> JSON in
            let record = data.history[index]
            var object: JSONObject = [
                "ID": .int(record.id), "TYPE_ID": .int(Int64(record.typeID)), "OWNER_ID": .int(record.ownerID),
                "CREATED_TIME": .string(data.time.format(record.createdTime)),
                "STATUS_SEMANTIC_ID": .string(record.semanticID), "STATUS_ID": .string(record.statusID),
            ]
            if !selected.isEmpty, !selected.contains("*") {
                for key in object.keys where key != "ID" && !selected.contains(key) { object[key] = nil }
            }
            return .object(object)
        }
        return .success(result: ["items": .array(items)], total: result.total, next: result.next)
    }
}
