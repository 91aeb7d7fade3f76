import B24Core
import Star
import Testing
import Transform

@Suite("Transform: API records to typed star rows")
struct TransformTests {
    static let transformer = LeadTransformer(
        time: PortalTime(offsetSeconds: 10_800), stageSemantics: ["NEW": "P", "CONVERTED": "S", "JUNK": "F"],
        customFields: [
            "UF_CRM_CHANNEL": CustomFieldDefinition(
                name: "UF_CRM_CHANNEL", type: "enumeration", isMultiple: false, items: [201: "Phone"], label: "Channel"),
            "UF_CRM_TAGS": CustomFieldDefinition(
                name: "UF_CRM_TAGS", type: "enumeration", isMultiple: true, items: [1: "A", 2: "B"], label: nil),
            "UF_CRM_SCORE": CustomFieldDefinition(
                name: "UF_CRM_SCORE", type: "double", isMultiple: false, items: [:], label: nil),
            "UF_CRM_VIP": CustomFieldDefinition(
                name: "UF_CRM_VIP", type: "boolean", isMultiple: false, items: [:], label: nil),
            "UF_CRM_NOTE": CustomFieldDefinition(
                name: "UF_CRM_NOTE", type: "string", isMultiple: false, items: [:], label: nil),
            "UF_CRM_CALL": CustomFieldDefinition(
                name: "UF_CRM_CALL", type: "datetime", isMultiple: false, items: [:], label: nil),
        ])

    @Test(
        "money, employees, CRM bindings, files, addresses and dates of other user types are typed; a file keeps no URL"
    )
    func otherUserTypes() throws {
        func definition(
            _ name: String, _ type: String, multiple: Bool = false, crm: [String] = []
        ) -> (
            String, CustomFieldDefinition
        ) {
            (
                name,
                CustomFieldDefinition(
                    name: name, type: type, isMultiple: multiple, items: [:], label: nil, crmTypes: crm)
            )
        }
        let transformer = LeadTransformer(
            time: PortalTime(offsetSeconds: 10_800), stageSemantics: [:],
            customFields: Dictionary(
                uniqueKeysWithValues: [
                    definition("UF_MONEY", "money"), definition("UF_MONIES", "money", multiple: true),
                    definition("UF_USER", "employee"), definition("UF_LINK", "crm", crm: ["CONTACT", "LEAD"]),
                    definition("UF_CONTACTS", "crm", multiple: true, crm: ["CONTACT"]),
                    definition("UF_FILE", "file"), definition("UF_ADDRESS", "address"), definition("UF_DAY", "date"),
                ]))
        let lead = try transformer.lead([
            "ID": 3, "UF_MONEY": "1500|USD", "UF_MONIES": ["99.95|EUR", "7|RUB"], "UF_USER": "12",
            "UF_LINK": "CO_5", "UF_CONTACTS": ["8", "9"],
            "UF_FILE": ["id": 44, "showUrl": "/show?fileId=44", "downloadUrl": "/rest/x?auth=SECRET&fileId=44"],
            "UF_ADDRESS": "1 Main St, Austin|30.2;-97.7|17", "UF_DAY": "2024-01-15T00:00:00+03:00",
        ])
        let json = try JSON.parse(lead.customFields)
        #expect(json["UF_MONEY"] == ["amount": 1500, "currency": "USD"])
        #expect(json["UF_MONIES"] == [["amount": 99.95, "currency": "EUR"], ["amount": 7, "currency": "RUB"]])
        #expect(json["UF_USER"] == 12)
        #expect(json["UF_LINK"] == ["type": "company", "id": 5])
        #expect(json["UF_CONTACTS"] == [["type": "contact", "id": 8], ["type": "contact", "id": 9]])
        #expect(json["UF_FILE"] == ["id": 44, "name": .null])
        #expect(!lead.customFields.contains("SECRET") && !lead.customFields.contains("Url"))
        #expect(json["UF_ADDRESS"] == "1 Main St, Austin")
        #expect(json["UF_DAY"] == "2024-01-15")
        let bad = #expect(throws: TransformError.self) { try transformer.lead(["ID": 4, "UF_MONEY": "lots|USD"]) }
        #expect(bad?.field == "UF_MONEY")
    }

    @Test("every empty spelling becomes NULL; strings, flags and numbers are typed")
    func emptiesAndTypes() throws {
        let lead = try Self.transformer.lead([
            "ID": "42", "TITLE": "Tab\there", "NAME": "", "COMPANY_ID": "0", "CONTACT_ID": .null, "ASSIGNED_BY_ID": 7,
            "OPPORTUNITY": "1500.00", "OPENED": "Y", "HAS_PHONE": "N", "IS_RETURN_CUSTOMER": .bool(true),
            "DATE_CREATE": "2024-05-23T23:30:00+03:00", "DATE_CLOSED": "", "STATUS_ID": "CONVERTED",
            "DATE_MODIFY": "2024-05-24T01:00:00+03:00",
        ])
        #expect(lead.leadID == 42)
        #expect(lead.title == "Tab\there")
        #expect(lead.name == nil && lead.companyID == nil && lead.contactID == nil)
        #expect(lead.assignedByID == 7)
        #expect(lead.opportunity == "1500.00")
        #expect(lead.opened == true && lead.hasPhone == false && lead.isReturnCustomer == true)
        #expect(lead.statusSemantic == "S")
        #expect(lead.createdDateKey == 20_240_523)
        #expect(lead.closedAt == nil && lead.closedDateKey == 0)
        #expect(lead.utm == [nil, nil, nil, nil, nil])
    }

    @Test("date keys are local dates in the portal's zone, whatever offset a date carries")
    func dateKeys() throws {
        let utcLate = try Self.transformer.lead(["ID": 1, "DATE_CREATE": "2024-05-23T22:30:00+00:00"])
        #expect(utcLate.createdDateKey == 20_240_524)
        let noOffset = try Self.transformer.lead(["ID": 2, "DATE_CREATE": "2024-05-23 23:59:59"])
        #expect(noOffset.createdDateKey == 20_240_523)
        #expect(noOffset.createdAt == 1_716_497_999)
        let zeroDate = try Self.transformer.lead(["ID": 3, "DATE_CREATE": "0000-00-00 00:00:00"])
        #expect(zeroDate.createdAt == nil && zeroDate.createdDateKey == 0)
        let closed = try Self.transformer.lead([
            "ID": 4, "STATUS_ID": "JUNK", "DATE_CLOSED": "2025-01-01T00:30:00+03:00",
        ])
        #expect(closed.closedDateKey == 20_250_101)
    }

    @Test("values that cannot be loaded exactly reject the lead, naming id and field")
    func rejections() {
        for (field, value) in [
            ("OPPORTUNITY", JSON.string("abc")), ("OPPORTUNITY", "1e400"), ("DATE_CREATE", "yesterday"),
            ("ASSIGNED_BY_ID", "admin"), ("OPENED", "maybe"),
        ] {
            let error = #expect(throws: TransformError.self) {
                try Self.transformer.lead(["ID": "77", .init(stringLiteral: field): value])
            }
            #expect(error?.id == 77)
            #expect(error?.field == field)
            #expect(error?.description.hasPrefix("lead 77: \(field)") == true)
        }
        let missingID = #expect(throws: TransformError.self) { try Self.transformer.lead(["TITLE": "x"]) }
        #expect(missingID?.field == "ID")
        let negative = try? Self.transformer.lead(["ID": 5, "OPPORTUNITY": "-12.50"])
        #expect(negative?.opportunity == "-12.50")
    }

    @Test("custom fields: typed JSON, enumeration option ids, empty multiples, NUL stripped and counted")
    func customFields() throws {
        let lead = try Self.transformer.lead([
            "ID": 9, "UF_CRM_CHANNEL": "201", "UF_CRM_TAGS": ["1", "2"], "UF_CRM_SCORE": "12.5", "UF_CRM_VIP": "1",
            "UF_CRM_NOTE": "a\u{0}b", "UF_CRM_CALL": "", "UF_CRM_UNKNOWN": "kept",
        ])
        let json = try JSON.parse(lead.customFields)
        // Enumerations keep the option ids: labels are looked up when read, so renames show.
        #expect(json["UF_CRM_CHANNEL"] == 201)
        #expect(json["UF_CRM_TAGS"] == [1, 2])
        #expect(json["UF_CRM_SCORE"] == .double(12.5))
        #expect(json["UF_CRM_VIP"] == .bool(true))
        #expect(json["UF_CRM_NOTE"] == "ab")
        #expect(json["UF_CRM_CALL"] == .null)
        #expect(json["UF_CRM_UNKNOWN"] == "kept")
        #expect(lead.strippedNULs == 1)
        let empty = try Self.transformer.lead(["ID": 10, "UF_CRM_TAGS": false, "UF_CRM_CHANNEL": .null])
        #expect(try JSON.parse(empty.customFields)["UF_CRM_TAGS"] == .array([]))
        let bad = #expect(throws: TransformError.self) {
            try Self.transformer.lead(["ID": 11, "UF_CRM_SCORE": "lots"])
        }
        #expect(bad?.field == "UF_CRM_SCORE")
    }

    @Test("product rows accept the mixed string/number shapes; bindings and history are typed")
    func children() throws {
        let row = try Self.transformer.children.productRow(
            [
                "ID": "1429", "PRODUCT_ID": 6595, "PRICE": 22175.328, "QUANTITY": 1, "TAX_RATE": .null,
                "TAX_INCLUDED": "N",
                "DISCOUNT_TYPE_ID": 2, "SORT": 30, "PRICE_ACCOUNT": "22175.32800000",
            ], ownerID: 5)
        #expect(row.rowID == 1429 && row.ownerID == 5 && row.productID == 6595)
        #expect(row.price == "22175.328")
        #expect(row.taxRate == nil && row.taxIncluded == false)
        let link = try Self.transformer.children.contactLink(
            ["CONTACT_ID": 1010, "SORT": 10, "ROLE_ID": 0, "IS_PRIMARY": "Y"], ownerID: 5)
        #expect(link.contactID == 1010 && link.isPrimary)
        let history = try Self.transformer.stageHistory(
            [
                "ID": 35, "TYPE_ID": 1, "OWNER_ID": 21, "CREATED_TIME": "2024-04-25T22:59:11+00:00", "STATUS_ID": "NEW",
                "STATUS_SEMANTIC_ID": "P",
            ])
        #expect(history.leadID == 21 && history.createdDateKey == 20_240_426)
    }
}

@Suite("Transform: contacts and companies follow the lead rules")
struct DimensionTransformTests {
    static let transformer = LeadTransformer(
        time: PortalTime(offsetSeconds: 10_800), stageSemantics: [:], customFields: [:])

    @Test("empty spellings become NULL; a bad value rejects the record with its id and field")
    func contactsAndCompanies() throws {
        let contact = try Self.transformer.contact([
            "ID": "12", "NAME": "Ann", "LAST_NAME": "", "COMPANY_ID": "0", "ASSIGNED_BY_ID": "3",
            "DATE_CREATE": "2025-05-23T18:18:25+03:00", "DATE_MODIFY": "",
        ])
        #expect(contact.contactID == 12 && contact.name == "Ann" && contact.lastName == nil)
        #expect(contact.companyID == nil && contact.assignedByID == 3 && contact.modifiedAt == nil)
        #expect(contact.createdAt == 1_748_013_505)
        #expect(throws: TransformError(entity: "contact", id: 12, field: "COMPANY_ID", reason: "\"x1\" is not an id")) {
            try Self.transformer.contact(["ID": "12", "COMPANY_ID": "x1"])
        }
        #expect(
            throws: TransformError(
                entity: "company", id: 5, field: "REVENUE", reason: "\"lots\" is not a finite number")
        ) {
            try Self.transformer.company(["ID": "5", "TITLE": "Acme", "REVENUE": "lots"])
        }
        let company = try Self.transformer.company(["ID": "5", "TITLE": "Acme", "REVENUE": "1500.50"])
        #expect(company.revenue == "1500.50" && company.title == "Acme")
    }
}

@Suite("Transform: date keys in a zone with daylight saving")
struct SeasonalDateKeyTests {
    @Test("a summer lead created at 00:30 local and read in winter keeps its summer day, and so does its history")
    func summerLeadReadInWinter() throws {
        let winter = LeadTransformer(time: PortalTime(offsetSeconds: 3_600), stageSemantics: [:], customFields: [:])
        let lead = try winter.lead([
            "ID": "7", "STATUS_ID": "CONVERTED", "STATUS_SEMANTIC_ID": "S", "DATE_CREATE": "2025-07-15T00:30:00+02:00",
            "DATE_CLOSED": "2025-07-20T00:10:00+02:00",
        ])
        #expect(lead.createdDateKey == 20_250_715)
        #expect(lead.closedDateKey == 20_250_720)
        #expect(lead.createdAt == 1_752_532_200)
        let summer = LeadTransformer(time: PortalTime(offsetSeconds: 7_200), stageSemantics: [:], customFields: [:])
        let again = try summer.lead([
            "ID": "7", "STATUS_ID": "CONVERTED", "STATUS_SEMANTIC_ID": "S", "DATE_CREATE": "2025-07-15T00:30:00+02:00",
            "DATE_CLOSED": "2025-07-20T00:10:00+02:00",
        ])
        #expect(again.createdDateKey == lead.createdDateKey && again.closedDateKey == lead.closedDateKey)
        let history = try winter.stageHistory([
            "ID": 9, "TYPE_ID": 1, "OWNER_ID": 7, "CREATED_TIME": "2025-07-15T00:30:00+02:00", "STATUS_ID": "NEW",
        ])
        #expect(history.createdDateKey == 20_250_715)
    }
}
