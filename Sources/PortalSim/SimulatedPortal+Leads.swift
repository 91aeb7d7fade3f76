import B24Core

/// `crm.lead.*`: list, get, fields, add, update, delete.
extension SimulatedPortal {
    /// `crm.lead.list`: legacy paging, strings everywhere, multifields only when named.
    func leadList(_ params: JSONObject) -> MethodOutcome {
        let schema = dataset.leadSchema
        let query = ListQuery(params: params, schema: schema, defaultOrder: [("ID", true)])
        let data = dataset
        let stageSort = Dictionary(uniqueKeysWithValues: data.stages.map { ($0.statusID, Int64($0.sort)) })
        let quirks = quirks
        let rowsTaken: ((Int64) -> Int)? = quirks.joinedTwiceShare > 0 ? { quirks.rowsTaken(byLead: $0) } : nil
        let result = page(
            query, ids: visibleLeadIDs, style: .legacy,
            valueOf: { id, field in data.leads[id].map { data.leadValue($0, field) } },
            sortValueOf: { id, field in
                guard let lead = data.leads[id] else { return nil }
                if field.name == "STATUS_ID" { return stageSort[lead.statusID].map(FieldValue.int) ?? .null }
                return data.leadValue(lead, field)
            }, rowsTaken: rowsTaken)
        let fields = schema.selected(query.select)
        let rows = result.ids.compactMap { id in
            data.leads[id].map { lead in data.legacyRecord(fields, inList: true) { data.leadValue(lead, $0) } }
        }
        return listOutcome(rows, total: result.total, next: result.next)
    }

    /// `crm.lead.get`: every field, custom and multifields included; empty company is `null`.
    func leadGet(_ params: JSONObject) -> MethodOutcome {
        guard let id = Self.positiveID(params) else { return .failure(.invalidID()) }
        guard let lead = dataset.leads[id] else { return .failure(.notFound()) }
        guard isVisible(lead: id) else { return .failure(.accessDenied) }
        let data = dataset
        let fields = data.leadSchema.fields.filter { $0.name != "CONTACT_IDS" }
        var record = data.legacyRecord(fields, inList: false) { data.leadValue(lead, $0) }.objectValue ?? JSONObject()
        for name in ["PHONE", "EMAIL"] where record[name] == nil { record[name] = .array([]) }
        return .result(.object(record))
    }

    /// `crm.lead.fields`: field descriptions, enumeration items included.
    func leadFields() -> JSON {
        var result = JSONObject()
        for field in dataset.leadSchema.fields {
            var entry: JSONObject = [
                "type": .string(field.kind.apiType), "isRequired": false, "isReadOnly": .bool(field.isReadOnly),
                "isImmutable": false, "isMultiple": .bool(field.isMultiple), "isDynamic": .bool(field.isCustom),
                "title": .string(field.isCustom ? field.name : field.title),
            ]
            if let statusType = field.statusType { entry["statusType"] = .string(statusType) }
            if field.isCustom, let definition = dataset.customFields.first(where: { $0.fieldName == field.name }) {
                entry["type"] = .string(definition.userTypeID)
                entry["listLabel"] = .string(definition.label)
                entry["formLabel"] = .string(definition.label)
                entry["filterLabel"] = .string(definition.label)
                if definition.userTypeID == "enumeration" {
                    entry["items"] = .array(
                        definition.items.map { ["ID": .string(String($0.id)), "VALUE": .string($0.value)] })
                }
                entry["settings"] = Self.settings(of: definition)
            }
            result[field.name] = .object(entry)
        }
        return .object(result)
    }

    /// A custom field's `settings`: for `crm` fields the CRM types it binds (`"Y"`/`"N"`), an
    /// empty list otherwise (as PHP writes an empty array).
    static func settings(of definition: SimCustomField) -> JSON {
        guard definition.userTypeID == "crm" else { return .array([]) }
        var settings = JSONObject()
        for type in ["LEAD", "CONTACT", "COMPANY", "DEAL"] {
            settings[type] = .string(definition.crmTypes.contains(type) ? "Y" : "N")
        }
        return .object(settings)
    }

    /// `crm.lead.add`: a new lead with the next id, created and modified now, history "created".
    func leadAdd(_ params: JSONObject, now: Double) -> MethodOutcome {
        let fields = ListQuery.parameter(params, "fields")?.objectValue ?? JSONObject()
        let stamp = Int64(now)
        let id = dataset.nextLeadID
        dataset.nextLeadID += 1
        var lead = SimLead(
            id: id, title: "Lead #\(id)", name: nil, secondName: nil, lastName: nil, companyTitle: nil, post: nil,
            comments: nil, statusID: "NEW", statusDescription: nil, sourceID: nil, sourceDescription: nil,
            assignedByID: 1, createdByID: 1, modifyByID: 1, movedByID: 1, companyID: nil, opportunityCents: 0,
            currencyID: "USD", isManualOpportunity: false, opened: true, dateCreate: stamp, dateModify: stamp,
            movedTime: stamp, dateClosed: nil, utm: [nil, nil, nil, nil, nil], multifields: [], custom: [:])
        if let error = apply(fields, to: &lead, now: stamp, isNew: true) { return .failure(error) }
        dataset.leads[id] = lead
        dataset.leadIDs.append(id)
        appendHistory(lead: id, type: 1, status: lead.statusID, at: stamp)
        if lead.statusID != "NEW" {
            appendHistory(lead: id, type: typeOfMove(to: lead.statusID), status: lead.statusID, at: stamp)
        }
        return .result(.int(id))
    }

    /// `crm.lead.update`: changes fields, moves DATE_MODIFY, records a stage move in history.
    func leadUpdate(_ params: JSONObject, now: Double) -> MethodOutcome {
        guard let id = Self.positiveID(params) else { return .failure(.invalidID()) }
        guard var lead = dataset.leads[id] else { return .failure(.notFound()) }
        let fields = ListQuery.parameter(params, "fields")?.objectValue ?? JSONObject()
        let before = lead.statusID
        if let error = apply(fields, to: &lead, now: Int64(now), isNew: false) { return .failure(error) }
        if lead.statusID != before {
            appendHistory(lead: id, type: typeOfMove(to: lead.statusID), status: lead.statusID, at: Int64(now))
        }
        dataset.leads[id] = lead
        return .result(.bool(true))
    }

    /// `crm.lead.delete`: removes the lead with its product rows and bindings, and its stage
    /// history unless `childBehaviour.deletedLeadHistory` keeps it listed.
    func leadDelete(_ params: JSONObject) -> MethodOutcome {
        guard let id = Self.positiveID(params) else { return .failure(.invalidID()) }
        guard let lead = dataset.leads.removeValue(forKey: id) else { return .failure(.notFound()) }
        let index = Self.lowerBound(dataset.leadIDs, id)
        if index < dataset.leadIDs.count, dataset.leadIDs[index] == id { dataset.leadIDs.remove(at: index) }
        let removesHistory = behaviour.deletedLeadHistory == .remove
        recycleBin[id] = RecycledLead(
            lead: lead, productRows: dataset.productRows[id] ?? [], bindings: dataset.bindings[id] ?? [],
            history: removesHistory ? dataset.history.filter { $0.ownerID == id } : [])
        dataset.productRows[id] = nil
        dataset.bindings[id] = nil
        if removesHistory {
            dataset.history.removeAll { $0.ownerID == id }
            historyIDs = nil
        }
        return .result(.bool(true))
    }

    /// Marks a lead modified now (write methods that touch it, children included).
    func touch(_ id: Int64, now: Int64) {
        dataset.leads[id]?.dateModify = now
        dataset.leads[id]?.modifyByID = 1
    }

    /// 2 for a move to an intermediate stage, 3 for a final one.
    func typeOfMove(to status: String) -> Int {
        dataset.stage(status)?.semantics == nil ? 2 : 3
    }

    /// Appends a stage-history record with the next id.
    func appendHistory(lead: Int64, type: Int, status: String, at stamp: Int64) {
        let semantic = dataset.stage(status)?.semanticID ?? "P"
        dataset.history.append(
            SimStageHistory(
                id: dataset.nextHistoryID, typeID: type, ownerID: lead, createdTime: stamp, semanticID: semantic,
                statusID: status))
        if holdsNextHistory {
            heldHistory.insert(dataset.nextHistoryID)
            holdsNextHistory = false
        }
        dataset.nextHistoryID += 1
        historyIDs = nil
    }

    /// `id` or `ID` as a positive integer.
    static func positiveID(_ params: JSONObject) -> Int64? {
        guard let value = params["id"] ?? params["ID"] ?? params["Id"] else { return nil }
        let id = ListQuery.integer(value)
        return id > 0 ? id : nil
    }

    /// Applies writable fields; unknown fields are ignored as the portal does.
    private func apply(_ fields: JSONObject, to lead: inout SimLead, now: Int64, isNew: Bool) -> MethodError? {
        func text(_ value: JSON) -> String? {
            let string = ListQuery.scalarText(value)
            return value.isNull || string.isEmpty ? nil : string
        }
        for (key, value) in fields {
            switch key.uppercased() {
            case "TITLE": lead.title = text(value) ?? ""
            case "NAME": lead.name = text(value)
            case "SECOND_NAME": lead.secondName = text(value)
            case "LAST_NAME": lead.lastName = text(value)
            case "COMPANY_TITLE": lead.companyTitle = text(value)
            case "POST": lead.post = text(value)
            case "COMMENTS": lead.comments = text(value)
            case "SOURCE_ID": lead.sourceID = text(value)
            case "SOURCE_DESCRIPTION": lead.sourceDescription = text(value)
            case "STATUS_DESCRIPTION": lead.statusDescription = text(value)
            case "CURRENCY_ID": lead.currencyID = text(value) ?? "USD"
            case "OPENED": lead.opened = ListQuery.scalarText(value).uppercased() == "Y"
            case "ASSIGNED_BY_ID": lead.assignedByID = ListQuery.integer(value)
            case "COMPANY_ID":
                let company = ListQuery.integer(value)
                lead.companyID = company > 0 ? company : nil
            case "OPPORTUNITY":
                lead.opportunityCents = Int64(((Double(ListQuery.scalarText(value)) ?? 0) * 100).rounded())
                lead.isManualOpportunity = true
            case "UTM_SOURCE": lead.utm[0] = text(value)
            case "UTM_MEDIUM": lead.utm[1] = text(value)
            case "UTM_CAMPAIGN": lead.utm[2] = text(value)
            case "UTM_CONTENT": lead.utm[3] = text(value)
            case "UTM_TERM": lead.utm[4] = text(value)
            case "STATUS_ID":
                guard let status = text(value), let stage = dataset.stage(status) else {
                    return MethodError(status: 400, code: "", description: "Invalid value of field STATUS_ID")
                }
                if status != lead.statusID {
                    lead.statusID = status
                    lead.movedTime = now
                    lead.movedByID = 1
                    lead.dateClosed = stage.semantics == nil ? nil : now
                }
            default:
                if key.uppercased().hasPrefix("UF_CRM_"),
                    let definition = dataset.customFields.first(where: { $0.fieldName == key.uppercased() })
                {
                    lead.custom[definition.fieldName] = Self.customValue(value, definition, time: dataset.time)
                }
            }
        }
        lead.dateModify = now
        lead.modifyByID = 1
        if isNew { lead.dateCreate = now }
        return nil
    }

    /// Reads a custom-field value from a write; empty input clears it.
    static func customValue(_ value: JSON, _ definition: SimCustomField, time: PortalTime) -> SimCustomValue? {
        let text = ListQuery.scalarText(value)
        switch definition.userTypeID {
        case "double": return Double(text).map(SimCustomValue.double)
        case "integer": return text.isEmpty ? nil : .integer(PHPCast.intval(text))
        case "boolean": return .boolean(text == "1" || text.uppercased() == "Y" || value == .bool(true))
        case "datetime": return time.parse(text).map(SimCustomValue.datetime)
        case "enumeration":
            let ids = (value.elements ?? [value]).map(ListQuery.integer).filter { id in
                definition.items.contains { $0.id == id }
            }
            return .enumeration(definition.multiple ? ids : Array(ids.prefix(1)))
        default: return text.isEmpty ? nil : .string(text)
        }
    }
}
