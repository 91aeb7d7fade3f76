import B24Core

/// Field values of records, and the JSON shapes the legacy methods write them in.
extension PortalDataset {
    /// The value of `field` on `lead`.
    func leadValue(_ lead: SimLead, _ field: FieldSpec) -> FieldValue {
        switch field.name {
        case "ID": return .int(lead.id)
        case "TITLE": return .string(lead.title)
        case "NAME": return lead.name.map(FieldValue.string) ?? .null
        case "SECOND_NAME": return lead.secondName.map(FieldValue.string) ?? .null
        case "LAST_NAME": return lead.lastName.map(FieldValue.string) ?? .null
        case "COMPANY_TITLE": return lead.companyTitle.map(FieldValue.string) ?? .null
        case "SOURCE_ID": return lead.sourceID.map(FieldValue.string) ?? .null
        case "SOURCE_DESCRIPTION": return lead.sourceDescription.map(FieldValue.string) ?? .null
        case "STATUS_ID": return .string(lead.statusID)
        case "STATUS_DESCRIPTION": return lead.statusDescription.map(FieldValue.string) ?? .null
        case "STATUS_SEMANTIC_ID": return .string(stage(lead.statusID)?.semanticID ?? "P")
        case "POST": return lead.post.map(FieldValue.string) ?? .null
        case "CURRENCY_ID": return .string(lead.currencyID)
        case "OPPORTUNITY": return .money(lead.opportunityCents)
        case "IS_MANUAL_OPPORTUNITY": return .flag(lead.isManualOpportunity)
        case "OPENED": return .flag(lead.opened)
        case "COMMENTS": return lead.comments.map(FieldValue.string) ?? .null
        case "HAS_PHONE": return .flag(lead.multifields.contains { $0.typeID == "PHONE" })
        case "HAS_EMAIL": return .flag(lead.multifields.contains { $0.typeID == "EMAIL" })
        case "HAS_IMOL": return .flag(false)
        case "ASSIGNED_BY_ID": return .int(lead.assignedByID)
        case "CREATED_BY_ID": return .int(lead.createdByID)
        case "MODIFY_BY_ID": return .int(lead.modifyByID)
        case "MOVED_BY_ID": return .int(lead.movedByID)
        case "LAST_ACTIVITY_BY": return .int(lead.modifyByID)
        case "DATE_CREATE": return .date(lead.dateCreate)
        case "DATE_MODIFY": return .date(lead.dateModify)
        case "LAST_ACTIVITY_TIME": return .date(lead.dateModify)
        case "MOVED_TIME": return .date(lead.movedTime)
        case "DATE_CLOSED": return lead.dateClosed.map(FieldValue.date) ?? .null
        case "COMPANY_ID": return lead.companyID.map(FieldValue.int) ?? .null
        case "CONTACT_ID":
            let primary = bindings[lead.id]?.first(where: \.isPrimary) ?? bindings[lead.id]?.first
            return primary.map { .int($0.contactID) } ?? .null
        case "IS_RETURN_CUSTOMER":
            return .flag(lead.companyID != nil || !(bindings[lead.id]?.isEmpty ?? true))
        case "UTM_SOURCE": return lead.utm[0].map(FieldValue.string) ?? .null
        case "UTM_MEDIUM": return lead.utm[1].map(FieldValue.string) ?? .null
        case "UTM_CAMPAIGN": return lead.utm[2].map(FieldValue.string) ?? .null
        case "UTM_CONTENT": return lead.utm[3].map(FieldValue.string) ?? .null
        case "UTM_TERM": return lead.utm[4].map(FieldValue.string) ?? .null
        case "PHONE", "EMAIL", "WEB", "IM", "LINK":
            return .multifield(lead.multifields.filter { $0.typeID == field.name })
        default:
            guard field.isCustom, let value = lead.custom[field.name] else { return .null }
            switch value {
            case .string(let text): return .string(text)
            case .double(let number): return .double(number)
            case .integer(let number): return .int(number)
            case .enumeration(let ids): return field.isMultiple ? .ints(ids) : (ids.first.map(FieldValue.int) ?? .null)
            case .datetime(let stamp): return .date(stamp)
            case .boolean(let flag): return .int(flag ? 1 : 0)
            case .values(let list):
                let definition = customFields.first { $0.fieldName == field.name }
                let written = list.map { legacyText(of: $0, definition) }
                return .json(field.isMultiple ? .array(written) : (written.first ?? .string("")))
            }
        }
    }

    /// The value of `field` on `contact`.
    func contactValue(_ contact: SimContact, _ field: FieldSpec) -> FieldValue {
        switch field.name {
        case "ID": return .int(contact.id)
        case "NAME": return .string(contact.name)
        case "LAST_NAME": return .string(contact.lastName)
        case "POST": return contact.post.map(FieldValue.string) ?? .null
        case "TYPE_ID": return .string(contact.typeID)
        case "SOURCE_ID": return .string(contact.sourceID)
        case "COMPANY_ID": return contact.companyID.map(FieldValue.int) ?? .null
        case "ASSIGNED_BY_ID": return .int(contact.assignedByID)
        case "OPENED": return .flag(true)
        case "DATE_CREATE": return .date(contact.dateCreate)
        case "DATE_MODIFY": return .date(contact.dateModify)
        case "PHONE", "EMAIL": return .multifield(contact.multifields.filter { $0.typeID == field.name })
        default: return .null
        }
    }

    /// The value of `field` on `company`.
    func companyValue(_ company: SimCompany, _ field: FieldSpec) -> FieldValue {
        switch field.name {
        case "ID": return .int(company.id)
        case "TITLE": return .string(company.title)
        case "COMPANY_TYPE": return .string(company.companyType)
        case "INDUSTRY": return .string(company.industry)
        case "EMPLOYEES": return .string(company.employees)
        case "REVENUE": return .money(company.revenueCents)
        case "CURRENCY_ID": return .string(company.currencyID)
        case "IS_MY_COMPANY": return .flag(false)
        case "ASSIGNED_BY_ID": return .int(company.assignedByID)
        case "DATE_CREATE": return .date(company.dateCreate)
        case "DATE_MODIFY": return .date(company.dateModify)
        case "PHONE", "EMAIL": return .multifield([])
        default: return .null
        }
    }

    /// The value of `field` on a stage-history record.
    func historyValue(_ record: SimStageHistory, _ field: FieldSpec) -> FieldValue {
        switch field.name {
        case "ID": return .int(record.id)
        case "TYPE_ID": return .int(Int64(record.typeID))
        case "OWNER_ID": return .int(record.ownerID)
        case "CREATED_TIME": return .date(record.createdTime)
        case "STATUS_SEMANTIC_ID": return .string(record.semanticID)
        case "STATUS_ID": return .string(record.statusID)
        default: return .null
        }
    }

    /// A value in the legacy (`crm.lead.list`/`get`) shape: every scalar a string, `""` for empty
    /// dates, `"0"` for an empty company in lists, `false` for an empty multiple custom field.
    /// Returns `nil` when the key must be left out (multifields with no rows).
    func legacyJSON(_ value: FieldValue, _ field: FieldSpec, inList: Bool) -> JSON? {
        switch value {
        case .null:
            switch field.kind {
            case .datetime, .date: return .string("")
            case .company where inList: return .string("0")
            case .multifield: return nil
            case _ where field.isCustom && field.isMultiple: return .bool(false)
            default: return .null
            }
        case .int(let number): return .string(String(number))
        case .money(let cents): return .string(PHPFormat.money(cents))
        case .double(let number): return .string(PHPFormat.float(number))
        case .string(let text): return .string(text)
        case .date(let stamp):
            if field.kind == .date { return .string(String(time.format(stamp).prefix(10))) }
            return .string(time.format(stamp))
        case .flag(let flag): return .string(flag ? "Y" : "N")
        case .ints(let values):
            return values.isEmpty ? .bool(false) : .array(values.map { .string(String($0)) })
        case .json(let value):
            if field.isMultiple, value.arrayValue?.isEmpty == true { return .bool(false) }
            return value
        case .multifield(let values):
            guard !values.isEmpty else { return nil }
            return .array(
                values.map { item in
                    [
                        "ID": .string(String(item.id)), "VALUE_TYPE": .string(item.valueType),
                        "VALUE": .string(item.value), "TYPE_ID": .string(item.typeID),
                    ]
                })
        }
    }

    /// One typed custom value as the legacy API writes it: text, or for a file an object with
    /// its id and two URLs (the download one carries the caller's token).
    func legacyText(of value: SimTypedValue, _ definition: SimCustomField?) -> JSON {
        switch value {
        case .text(let text): return .string(text)
        case .number(let number): return .string(PHPFormat.float(number))
        case .integer(let number): return .string(String(number))
        case .money(let cents, let currency):
            let amount = cents % 100 == 0 ? String(cents / 100) : PHPFormat.money(cents)
            return .string("\(amount)|\(currency)")
        case .day(let stamp): return .string(time.format(time.startOfDay(stamp)))
        case .instant(let stamp): return .string(time.format(stamp))
        case .user(let id): return .string(String(id))
        case .crm(let prefix, let id):
            return .string((definition?.crmTypes.count ?? 2) == 1 ? String(id) : "\(prefix)_\(id)")
        case .file(let id, _):
            let field = definition?.fieldName ?? "UF"
            return [
                "id": .int(id),
                "showUrl": .string(
                    "/bitrix/components/bitrix/crm.lead.show/show_file.php?fieldName=\(field)&fileId=\(id)"),
                "downloadUrl": .string(
                    "/rest/crm.lead.show_file?auth=SIMTOKEN\(seed)x\(id)&fieldName=\(field)&fileId=\(id)"),
            ]
        case .address(let text, let latitude, let longitude, let locationID):
            return .string("\(text)|\(latitude);\(longitude)|\(locationID)")
        }
    }

    /// A record in the legacy shape with the selected fields, in schema order.
    func legacyRecord(_ fields: [FieldSpec], inList: Bool, _ valueOf: (FieldSpec) -> FieldValue) -> JSON {
        var object = JSONObject()
        for field in fields {
            if let json = legacyJSON(valueOf(field), field, inList: inList) { object[field.name] = json }
        }
        return .object(object)
    }
}
