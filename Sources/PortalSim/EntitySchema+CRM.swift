import B24Core

/// The field lists of the CRM entities the simulator serves.
extension EntitySchema {
    /// Lead fields as `crm.lead.fields` lists them, system fields first, then `custom`.
    static func lead(custom: [SimCustomField]) -> EntitySchema {
        var fields: [FieldSpec] = [
            FieldSpec(name: "ID", kind: .integer, title: "ID", isReadOnly: true),
            FieldSpec(name: "TITLE", kind: .string, title: "Lead name"),
            FieldSpec(name: "HONORIFIC", kind: .status, title: "Salutation", statusType: "HONORIFIC"),
            FieldSpec(name: "NAME", kind: .string, title: "First name"),
            FieldSpec(name: "SECOND_NAME", kind: .string, title: "Second name"),
            FieldSpec(name: "LAST_NAME", kind: .string, title: "Last name"),
            FieldSpec(name: "BIRTHDATE", kind: .date, title: "Date of birth"),
            FieldSpec(name: "COMPANY_TITLE", kind: .string, title: "Company name"),
            FieldSpec(name: "SOURCE_ID", kind: .status, title: "Source", statusType: "SOURCE"),
            FieldSpec(name: "SOURCE_DESCRIPTION", kind: .string, title: "Source information"),
            FieldSpec(name: "STATUS_ID", kind: .status, title: "Stage", statusType: "STATUS"),
            FieldSpec(name: "STATUS_DESCRIPTION", kind: .string, title: "Stage information"),
            FieldSpec(name: "STATUS_SEMANTIC_ID", kind: .string, title: "Status details", isReadOnly: true),
            FieldSpec(name: "POST", kind: .string, title: "Position"),
            FieldSpec(name: "ADDRESS", kind: .string, title: "Address"),
            FieldSpec(name: "CURRENCY_ID", kind: .currency, title: "Currency"),
            FieldSpec(name: "OPPORTUNITY", kind: .money, title: "Total"),
            FieldSpec(name: "IS_MANUAL_OPPORTUNITY", kind: .char, title: "IS_MANUAL_OPPORTUNITY"),
            FieldSpec(name: "OPENED", kind: .char, title: "Available to everyone"),
            FieldSpec(name: "COMMENTS", kind: .string, title: "Comment"),
            FieldSpec(name: "HAS_PHONE", kind: .char, title: "Has phone", isReadOnly: true),
            FieldSpec(name: "HAS_EMAIL", kind: .char, title: "Has email", isReadOnly: true),
            FieldSpec(name: "HAS_IMOL", kind: .char, title: "Has Open Channel", isReadOnly: true),
            FieldSpec(name: "ASSIGNED_BY_ID", kind: .user, title: "Responsible person"),
            FieldSpec(name: "CREATED_BY_ID", kind: .user, title: "Created by", isReadOnly: true),
            FieldSpec(name: "MODIFY_BY_ID", kind: .user, title: "Modified by", isReadOnly: true),
            FieldSpec(name: "MOVED_BY_ID", kind: .user, title: "Moved by", isReadOnly: true),
            FieldSpec(name: "DATE_CREATE", kind: .datetime, title: "Created on", isReadOnly: true),
            FieldSpec(name: "DATE_MODIFY", kind: .datetime, title: "Modified on", isReadOnly: true),
            FieldSpec(name: "MOVED_TIME", kind: .datetime, title: "Moved on", isReadOnly: true),
            FieldSpec(name: "COMPANY_ID", kind: .company, title: "Company"),
            FieldSpec(name: "CONTACT_ID", kind: .contact, title: "Contact"),
            FieldSpec(name: "IS_RETURN_CUSTOMER", kind: .char, title: "Repeat lead", isReadOnly: true),
            FieldSpec(name: "DATE_CLOSED", kind: .datetime, title: "Completion date", isReadOnly: true),
            FieldSpec(name: "ORIGINATOR_ID", kind: .string, title: "External source"),
            FieldSpec(name: "ORIGIN_ID", kind: .string, title: "Item ID in data source"),
            FieldSpec(name: "UTM_SOURCE", kind: .string, title: "Ad system"),
            FieldSpec(name: "UTM_MEDIUM", kind: .string, title: "Medium"),
            FieldSpec(name: "UTM_CAMPAIGN", kind: .string, title: "Ad campaign UTM"),
            FieldSpec(name: "UTM_CONTENT", kind: .string, title: "Campaign contents"),
            FieldSpec(name: "UTM_TERM", kind: .string, title: "Campaign search term"),
            FieldSpec(name: "LAST_ACTIVITY_TIME", kind: .datetime, title: "Last activity", isReadOnly: true),
            FieldSpec(name: "LAST_ACTIVITY_BY", kind: .user, title: "Last activity by", isReadOnly: true),
            FieldSpec(name: "PHONE", kind: .multifield, title: "Phone", isMultiple: true),
            FieldSpec(name: "EMAIL", kind: .multifield, title: "E-mail", isMultiple: true),
            FieldSpec(name: "WEB", kind: .multifield, title: "Website", isMultiple: true),
            FieldSpec(name: "IM", kind: .multifield, title: "Messenger", isMultiple: true),
            FieldSpec(name: "LINK", kind: .multifield, title: "Link", isMultiple: true),
        ]
        for definition in custom {
            let kind: FieldKind
            switch definition.userTypeID {
            case "double": kind = .double
            case "integer": kind = .integer
            case "enumeration": kind = .enumeration
            case "datetime": kind = .datetime
            case "boolean": kind = .boolean
            default: kind = .string
            }
            fields.append(
                FieldSpec(
                    name: definition.fieldName, kind: kind, title: definition.label,
                    isMultiple: definition.multiple, isCustom: true
                )
            )
        }
        return EntitySchema(fields: fields)
    }

    /// Contact fields (`crm.contact.list`).
    static let contact = EntitySchema(fields: [
        FieldSpec(name: "ID", kind: .integer, title: "ID", isReadOnly: true),
        FieldSpec(name: "NAME", kind: .string, title: "First name"),
        FieldSpec(name: "SECOND_NAME", kind: .string, title: "Second name"),
        FieldSpec(name: "LAST_NAME", kind: .string, title: "Last name"),
        FieldSpec(name: "POST", kind: .string, title: "Position"),
        FieldSpec(name: "TYPE_ID", kind: .status, title: "Contact type", statusType: "CONTACT_TYPE"),
        FieldSpec(name: "SOURCE_ID", kind: .status, title: "Source", statusType: "SOURCE"),
        FieldSpec(name: "COMPANY_ID", kind: .company, title: "Company"),
        FieldSpec(name: "ASSIGNED_BY_ID", kind: .user, title: "Responsible person"),
        FieldSpec(name: "OPENED", kind: .char, title: "Available to everyone"),
        FieldSpec(name: "DATE_CREATE", kind: .datetime, title: "Created on", isReadOnly: true),
        FieldSpec(name: "DATE_MODIFY", kind: .datetime, title: "Modified on", isReadOnly: true),
        FieldSpec(name: "LEAD_ID", kind: .integer, title: "Lead"),
        FieldSpec(name: "PHONE", kind: .multifield, title: "Phone", isMultiple: true),
        FieldSpec(name: "EMAIL", kind: .multifield, title: "E-mail", isMultiple: true),
    ])

    /// Company fields (`crm.company.list`).
    static let company = EntitySchema(fields: [
        FieldSpec(name: "ID", kind: .integer, title: "ID", isReadOnly: true),
        FieldSpec(name: "TITLE", kind: .string, title: "Company name"),
        FieldSpec(name: "COMPANY_TYPE", kind: .status, title: "Company type", statusType: "COMPANY_TYPE"),
        FieldSpec(name: "INDUSTRY", kind: .status, title: "Industry", statusType: "INDUSTRY"),
        FieldSpec(name: "EMPLOYEES", kind: .status, title: "Employees", statusType: "EMPLOYEES"),
        FieldSpec(name: "REVENUE", kind: .money, title: "Annual revenue"),
        FieldSpec(name: "CURRENCY_ID", kind: .currency, title: "Currency"),
        FieldSpec(name: "IS_MY_COMPANY", kind: .char, title: "My company"),
        FieldSpec(name: "ASSIGNED_BY_ID", kind: .user, title: "Responsible person"),
        FieldSpec(name: "DATE_CREATE", kind: .datetime, title: "Created on", isReadOnly: true),
        FieldSpec(name: "DATE_MODIFY", kind: .datetime, title: "Modified on", isReadOnly: true),
        FieldSpec(name: "LEAD_ID", kind: .integer, title: "Lead"),
        FieldSpec(name: "PHONE", kind: .multifield, title: "Phone", isMultiple: true),
        FieldSpec(name: "EMAIL", kind: .multifield, title: "E-mail", isMultiple: true),
    ])

    /// Stage-history fields (`crm.stagehistory.list`, leads).
    static let stageHistory = EntitySchema(fields: [
        FieldSpec(name: "ID", kind: .integer, title: "ID"),
        FieldSpec(name: "TYPE_ID", kind: .integer, title: "Type"),
        FieldSpec(name: "OWNER_ID", kind: .integer, title: "Owner"),
        FieldSpec(name: "CREATED_TIME", kind: .datetime, title: "Created"),
        FieldSpec(name: "STATUS_SEMANTIC_ID", kind: .string, title: "Semantics"),
        FieldSpec(name: "STATUS_ID", kind: .string, title: "Stage"),
    ])

    /// Deal history fields (`crm.stagehistory.list` with `entityTypeId` 2).
    static let dealStageHistory = EntitySchema(fields: [
        FieldSpec(name: "ID", kind: .integer, title: "ID"),
        FieldSpec(name: "TYPE_ID", kind: .integer, title: "Type"),
        FieldSpec(name: "OWNER_ID", kind: .integer, title: "Owner"),
        FieldSpec(name: "CREATED_TIME", kind: .datetime, title: "Created"),
        FieldSpec(name: "CATEGORY_ID", kind: .integer, title: "Funnel"),
        FieldSpec(name: "STAGE_SEMANTIC_ID", kind: .string, title: "Semantics"),
        FieldSpec(name: "STAGE_ID", kind: .string, title: "Stage"),
    ])

    /// Deal fields as `crm.deal.fields` lists them (the system ones the simulator serves).
    static let deal = EntitySchema(fields: [
        FieldSpec(name: "ID", kind: .integer, title: "ID", isReadOnly: true),
        FieldSpec(name: "TITLE", kind: .string, title: "Name"),
        FieldSpec(name: "TYPE_ID", kind: .status, title: "Type", statusType: "DEAL_TYPE"),
        FieldSpec(name: "CATEGORY_ID", kind: .integer, title: "Pipeline"),
        FieldSpec(name: "STAGE_ID", kind: .status, title: "Stage", statusType: "DEAL_STAGE"),
        FieldSpec(name: "STAGE_SEMANTIC_ID", kind: .string, title: "Stage group", isReadOnly: true),
        FieldSpec(name: "IS_NEW", kind: .char, title: "New deal", isReadOnly: true),
        FieldSpec(name: "IS_RECURRING", kind: .char, title: "Recurring deal"),
        FieldSpec(name: "IS_RETURN_CUSTOMER", kind: .char, title: "Repeat deal", isReadOnly: true),
        FieldSpec(name: "IS_REPEATED_APPROACH", kind: .char, title: "Repeat inquiry", isReadOnly: true),
        FieldSpec(name: "PROBABILITY", kind: .integer, title: "Probability"),
        FieldSpec(name: "CURRENCY_ID", kind: .currency, title: "Currency"),
        FieldSpec(name: "OPPORTUNITY", kind: .money, title: "Amount"),
        FieldSpec(name: "IS_MANUAL_OPPORTUNITY", kind: .char, title: "IS_MANUAL_OPPORTUNITY"),
        FieldSpec(name: "TAX_VALUE", kind: .money, title: "Tax rate"),
        FieldSpec(name: "COMPANY_ID", kind: .company, title: "Company"),
        FieldSpec(name: "CONTACT_ID", kind: .contact, title: "Contact"),
        FieldSpec(name: "BEGINDATE", kind: .datetime, title: "Start date"),
        FieldSpec(name: "CLOSEDATE", kind: .datetime, title: "Expected close date"),
        FieldSpec(name: "OPENED", kind: .char, title: "Available to everyone"),
        FieldSpec(name: "CLOSED", kind: .char, title: "Closed"),
        FieldSpec(name: "ASSIGNED_BY_ID", kind: .user, title: "Responsible person"),
        FieldSpec(name: "CREATED_BY_ID", kind: .user, title: "Created by", isReadOnly: true),
        FieldSpec(name: "MODIFY_BY_ID", kind: .user, title: "Modified by", isReadOnly: true),
        FieldSpec(name: "MOVED_BY_ID", kind: .user, title: "Moved by", isReadOnly: true),
        FieldSpec(name: "DATE_CREATE", kind: .datetime, title: "Created on", isReadOnly: true),
        FieldSpec(name: "DATE_MODIFY", kind: .datetime, title: "Modified on", isReadOnly: true),
        FieldSpec(name: "MOVED_TIME", kind: .datetime, title: "Moved on", isReadOnly: true),
        FieldSpec(name: "SOURCE_ID", kind: .status, title: "Source", statusType: "SOURCE"),
        FieldSpec(name: "LEAD_ID", kind: .integer, title: "Lead", isReadOnly: true),
        FieldSpec(name: "UTM_SOURCE", kind: .string, title: "Ad system"),
        FieldSpec(name: "UTM_MEDIUM", kind: .string, title: "Medium"),
        FieldSpec(name: "UTM_CAMPAIGN", kind: .string, title: "Ad campaign UTM"),
        FieldSpec(name: "UTM_CONTENT", kind: .string, title: "Campaign contents"),
        FieldSpec(name: "UTM_TERM", kind: .string, title: "Campaign search term"),
        FieldSpec(name: "UF_CRM_CONTRACT_NO", kind: .string, title: "Contract number", isCustom: true),
        FieldSpec(name: "UF_CRM_MARGIN", kind: .double, title: "Margin, %", isCustom: true),
    ])

    /// Activity fields as `crm.activity.fields` lists them (the ones the simulator serves).
    static let activity = EntitySchema(fields: [
        FieldSpec(name: "ID", kind: .integer, title: "ID", isReadOnly: true),
        FieldSpec(name: "OWNER_ID", kind: .integer, title: "Owner ID"),
        FieldSpec(name: "OWNER_TYPE_ID", kind: .integer, title: "Owner type ID"),
        FieldSpec(name: "TYPE_ID", kind: .integer, title: "Type"),
        FieldSpec(name: "PROVIDER_ID", kind: .string, title: "Provider"),
        FieldSpec(name: "PROVIDER_TYPE_ID", kind: .string, title: "Provider type"),
        FieldSpec(name: "SUBJECT", kind: .string, title: "Subject"),
        FieldSpec(name: "CREATED", kind: .datetime, title: "Created", isReadOnly: true),
        FieldSpec(name: "LAST_UPDATED", kind: .datetime, title: "Modified", isReadOnly: true),
        FieldSpec(name: "START_TIME", kind: .datetime, title: "Start time"),
        FieldSpec(name: "END_TIME", kind: .datetime, title: "End time"),
        FieldSpec(name: "DEADLINE", kind: .datetime, title: "Deadline", isReadOnly: true),
        FieldSpec(name: "COMPLETED", kind: .char, title: "Completed"),
        FieldSpec(name: "STATUS", kind: .integer, title: "Status"),
        FieldSpec(name: "RESPONSIBLE_ID", kind: .user, title: "Responsible person"),
        FieldSpec(name: "PRIORITY", kind: .integer, title: "Priority"),
        FieldSpec(name: "DESCRIPTION", kind: .string, title: "Description"),
        FieldSpec(name: "DIRECTION", kind: .integer, title: "Direction"),
        FieldSpec(name: "AUTHOR_ID", kind: .user, title: "Created by"),
        FieldSpec(name: "EDITOR_ID", kind: .user, title: "Modified by", isReadOnly: true),
    ])

    /// Product-row fields of `crm.item.productrow.list`, upper snake case as its filter uses them.
    static let productRow = EntitySchema(fields: [
        FieldSpec(name: "ID", kind: .integer, title: "ID"),
        FieldSpec(name: "OWNER_ID", kind: .integer, title: "Owner"),
        FieldSpec(name: "OWNER_TYPE", kind: .string, title: "Owner type"),
        FieldSpec(name: "PRODUCT_ID", kind: .integer, title: "Product"),
        FieldSpec(name: "PRODUCT_NAME", kind: .string, title: "Product name"),
        FieldSpec(name: "PRICE", kind: .double, title: "Price"),
        FieldSpec(name: "QUANTITY", kind: .double, title: "Quantity"),
        FieldSpec(name: "SORT", kind: .integer, title: "Sort"),
    ])

    /// The lead fields `crm.item.list` filters on here (UPPER_SNAKE, as the server converts them).
    static let leadItem = EntitySchema(fields: [
        FieldSpec(name: "ID", kind: .integer, title: "ID"),
        FieldSpec(name: "CONTACT_ID", kind: .integer, title: "Primary contact"),
    ])
}
