import B24Core

/// Deterministic generation of a realistic portal from a seed.
extension PortalDataset {
    /// Default lead stages plus two custom ones (an in-progress and a failure stage).
    static let defaultStages: [SimStatus] = [
        SimStatus(
            entityID: "STATUS", statusID: "NEW", name: "Unassigned", sort: 10, semantics: nil, isSystem: true, id: 1,
            color: "#39A8EF"),
        SimStatus(
            entityID: "STATUS", statusID: "IN_PROCESS", name: "In progress", sort: 20, semantics: nil, isSystem: false,
            id: 2, color: "#2FC6F6"),
        SimStatus(
            entityID: "STATUS", statusID: "UC_QUALIFY", name: "Qualified", sort: 25, semantics: nil, isSystem: false,
            id: 41, color: "#55D0E0"),
        SimStatus(
            entityID: "STATUS", statusID: "PROCESSED", name: "Processed", sort: 30, semantics: nil, isSystem: false,
            id: 3, color: "#47E4C2"),
        SimStatus(
            entityID: "STATUS", statusID: "CONVERTED", name: "Good lead", sort: 40, semantics: "S", isSystem: true,
            id: 4, color: "#7BD500"),
        SimStatus(
            entityID: "STATUS", statusID: "JUNK", name: "Junk lead", sort: 50, semantics: "F", isSystem: true, id: 5,
            color: "#FF5752"),
        SimStatus(
            entityID: "STATUS", statusID: "UC_NO_BUDGET", name: "No budget", sort: 60, semantics: "F", isSystem: false,
            id: 42, color: "#F7A700"),
    ]

    /// Bitrix24's default sources.
    static let defaultSources: [SimStatus] = [
        ("CALL", "Call"), ("EMAIL", "E-Mail"), ("WEB", "Website"), ("ADVERTISING", "Advertising"),
        ("PARTNER", "Existing client"), ("RECOMMENDATION", "By recommendation"), ("TRADE_SHOW", "Show/exhibition"),
        ("WEBFORM", "CRM form"), ("CALLBACK", "Callback"), ("OTHER", "Other"),
    ].enumerated().map { index, pair in
        SimStatus(
            entityID: "SOURCE", statusID: pair.0, name: pair.1, sort: (index + 1) * 10, semantics: nil,
            isSystem: true, id: 100 + index, color: "")
    }

    /// Generates a portal with `leadCount` leads; the same seed, count and anchor give the same data.
    ///
    /// - Parameters:
    ///   - seed: fixes every random choice.
    ///   - leadCount: number of leads.
    ///   - time: the portal's time zone.
    ///   - anchor: unix time of the newest generated change; creation dates span the two years before it.
    public static func generate(seed: UInt64, leadCount: Int, time: PortalTime, anchor: Int64) -> PortalDataset {
        var random = SimRandom(seed: seed, stream: 1)
        let userCount = min(200, max(8, leadCount / 500))
        var users: [SimUser] = []
        var userID: Int64 = 1
        for index in 0..<userCount {
            users.append(
                SimUser(
                    id: userID, name: random.pick(SampleText.firstNames), lastName: random.pick(SampleText.lastNames),
                    email: "user\(userID)@example.com", position: random.pick(SampleText.positions),
                    active: index == 0 || random.chance(0.9)))
            userID += index == 2 ? 2 : 1
        }
        let products = SampleText.productNames.enumerated().map { index, name in
            SimProduct(
                id: Int64(1000 + index * 3), name: name, price: Double(Int.random(in: 10...2000, using: &random)),
                measureCode: index % 4 == 0 ? 796 : 9, measureName: index % 4 == 0 ? "pcs" : "unit",
                type: index % 5 == 0 ? 7 : (index % 7 == 0 ? 4 : 1))
        }
        let customFields =
            [
                SimCustomField(
                    id: 301, fieldName: "UF_CRM_BUDGET_NOTE", userTypeID: "string", multiple: false, mandatory: false,
                    sort: 100, label: "Budget note", items: []),
                SimCustomField(
                    id: 302, fieldName: "UF_CRM_SCORE", userTypeID: "double", multiple: false, mandatory: false,
                    sort: 110,
                    label: "Lead score", items: []),
                SimCustomField(
                    id: 303, fieldName: "UF_CRM_INTERESTS", userTypeID: "enumeration", multiple: true, mandatory: false,
                    sort: 120,
                    label: "Interests",
                    items: [
                        (101, "CRM"), (102, "Telephony"), (103, "Tasks"), (104, "Sites"), (105, "Мобильное приложение"),
                    ]),
                SimCustomField(
                    id: 304, fieldName: "UF_CRM_CHANNEL", userTypeID: "enumeration", multiple: false, mandatory: false,
                    sort: 130,
                    label: "Preferred channel",
                    items: [(201, "Phone"), (202, "E-mail"), (203, "Messenger"), (204, "Visit")]),
                SimCustomField(
                    id: 305, fieldName: "UF_CRM_NEXT_CALL", userTypeID: "datetime", multiple: false, mandatory: false,
                    sort: 140, label: "Next call", items: []),
                SimCustomField(
                    id: 306, fieldName: "UF_CRM_VIP", userTypeID: "boolean", multiple: false, mandatory: false,
                    sort: 150,
                    label: "VIP", items: []),
                SimCustomField(
                    id: 307, fieldName: "UF_CRM_1704817278", userTypeID: "integer", multiple: false, mandatory: false,
                    sort: 160, label: "External id", items: []),
            ] + typedCustomFields
        var dataset = PortalDataset(
            time: time, stages: defaultStages, sources: defaultSources,
            currencies: [
                SimCurrency(code: "USD", fullName: "US Dollar", amount: 1, amountCount: 1, isBase: true, sort: 100),
                SimCurrency(code: "EUR", fullName: "Euro", amount: 1.08, amountCount: 1, isBase: false, sort: 200),
                SimCurrency(
                    code: "RUB", fullName: "Russian Ruble", amount: 1.1, amountCount: 100, isBase: false, sort: 300),
            ],
            users: users, products: products, customFields: customFields, leads: [:], leadIDs: [], productRows: [:],
            bindings: [:], history: [], contactCount: Int64(max(50, leadCount * 4 / 5)),
            companyCount: Int64(max(10, leadCount / 5)), seed: seed, nextLeadID: 1, nextRowID: 1, nextHistoryID: 1,
            nextMultifieldID: 1)

        let bulkSeconds = [3600, 86_400, 7 * 86_400, 30 * 86_400, 90 * 86_400].map { anchor - Int64($0) }
        var events: [(time: Int64, lead: Int64, type: Int, status: String)] = []
        events.reserveCapacity(leadCount * 3)
        dataset.leads.reserveCapacity(leadCount)
        dataset.leadIDs.reserveCapacity(leadCount)
        var leadID: Int64 = 1
        for position in 0..<leadCount {
            var leadRandom = SimRandom(seed: seed, stream: 0x1EAD_0000_0000 + UInt64(leadID))
            let generated = dataset.makeLead(
                id: leadID, position: position, anchor: anchor, bulkSeconds: bulkSeconds, random: &leadRandom)
            dataset.leads[leadID] = generated.lead
            dataset.leadIDs.append(leadID)
            if !generated.rows.isEmpty { dataset.productRows[leadID] = generated.rows }
            if !generated.bindings.isEmpty { dataset.bindings[leadID] = generated.bindings }
            // Leads from before the portal kept stage history (imported or very old) have none.
            if !Self.predatesHistory(leadID) {
                for event in generated.events { events.append((event.time, leadID, event.type, event.status)) }
            }
            leadID += leadRandom.chance(0.08) ? Int64.random(in: 2...25, using: &leadRandom) : 1
        }
        dataset.nextLeadID = leadID
        events.sort { ($0.time, $0.lead) < ($1.time, $1.lead) }
        var historyID: Int64 = 1
        dataset.history.reserveCapacity(events.count)
        for event in events {
            let semantic = dataset.stage(event.status)?.semanticID ?? "P"
            dataset.history.append(
                SimStageHistory(
                    id: historyID, typeID: event.type, ownerID: event.lead, createdTime: event.time,
                    semanticID: semantic, statusID: event.status))
            historyID += random.chance(0.05) ? 3 : 1
        }
        dataset.nextHistoryID = historyID
        dataset.generateDeals(anchor: anchor)
        dataset.generateActivities(anchor: anchor)
        return dataset
    }

    /// Whether a generated lead has no stage history at all (about 1 in 150), as leads created
    /// before a portal kept history or imported have none.
    public static func predatesHistory(_ leadID: Int64) -> Bool {
        leadID % 151 == 17
    }

    /// Custom fields of every other user type, single and multiple (`bitrix24-api.md` §7 lists
    /// the types; their legacy value shapes are not verified, so the portal writes the harsher
    /// plausible ones: dates as local midnight with offset, files without a name).
    static let typedCustomFields: [SimCustomField] = [
        ("UF_CRM_BUDGET", "money", false, "Budget"), ("UF_CRM_OFFERS", "money", true, "Offers"),
        ("UF_CRM_BIRTHDAY", "date", false, "Birthday"), ("UF_CRM_VISITS", "date", true, "Visit days"),
        ("UF_CRM_CALLS", "datetime", true, "Call times"), ("UF_CRM_CURATOR", "employee", false, "Curator"),
        ("UF_CRM_TEAM", "employee", true, "Team"), ("UF_CRM_ORIGIN", "crm", false, "Came from"),
        ("UF_CRM_PEOPLE", "crm", true, "Related contacts"), ("UF_CRM_CONTRACT", "file", false, "Contract"),
        ("UF_CRM_SCANS", "file", true, "Scans"), ("UF_CRM_OFFICE", "address", false, "Office"),
        ("UF_CRM_BRANCHES", "address", true, "Branches"), ("UF_CRM_SITE", "url", false, "Website"),
        ("UF_CRM_PAGES", "url", true, "Pages"), ("UF_CRM_TAGS", "string", true, "Tags"),
        ("UF_CRM_RATINGS", "double", true, "Ratings"), ("UF_CRM_SEATS", "integer", true, "Seats"),
    ].enumerated().map { index, field in
        SimCustomField(
            id: 308 + index, fieldName: field.0, userTypeID: field.1, multiple: field.2, mandatory: false,
            sort: 170 + index * 10, label: field.3, items: [],
            crmTypes: field.0 == "UF_CRM_ORIGIN"
                ? ["LEAD", "CONTACT"] : (field.0 == "UF_CRM_PEOPLE" ? ["CONTACT"] : []))
    }

    /// Values of `typedCustomFields` for one lead, from their own random stream (the lead's other
    /// values do not move when these change).
    func typedCustomValues(lead id: Int64, created: Int64) -> [String: SimCustomValue] {
        var random = SimRandom(seed: seed, stream: 0xC057_0000_0000 + UInt64(id))
        var values: [String: SimCustomValue] = [:]
        func some<T>(_ share: Double, _ make: (inout SimRandom) -> T) -> [T] {
            guard random.chance(share) else { return [] }
            return (0..<Int.random(in: 1...3, using: &random)).map { _ in make(&random) }
        }
        func money(_ random: inout SimRandom) -> SimTypedValue {
            let cents = Int64.random(in: 1...500_000, using: &random) * (random.chance(0.5) ? 100 : 5)
            return .money(cents: cents, currency: random.pick(["USD", "EUR", "RUB"]))
        }
        func day(_ random: inout SimRandom) -> SimTypedValue {
            .day(created + Int64.random(in: -400...400, using: &random) * 86_400)
        }
        func file(_ random: inout SimRandom) -> SimTypedValue {
            let fileID = Int64.random(in: 1000...99_999, using: &random)
            return .file(id: fileID, name: "scan-\(fileID).pdf")
        }
        func address(_ random: inout SimRandom) -> SimTypedValue {
            .address(
                "\(Int.random(in: 1...99, using: &random)) \(random.pick(["Main St", "Tverskaya", "Unter den Linden"])), \(random.pick(["Berlin", "Moscow", "Austin"]))",
                latitude: Double(Int.random(in: -8000...8000, using: &random)) / 100,
                longitude: Double(Int.random(in: -17_000...17_000, using: &random)) / 100,
                locationID: Int64.random(in: 1...5000, using: &random))
        }
        let userIDs = users.map(\.id)
        let typed: [(String, [SimTypedValue])] = [
            ("UF_CRM_BUDGET", Array(some(0.5, money).prefix(1))), ("UF_CRM_OFFERS", some(0.4, money)),
            ("UF_CRM_BIRTHDAY", Array(some(0.4, day).prefix(1))), ("UF_CRM_VISITS", some(0.4, day)),
            ("UF_CRM_CALLS", some(0.4) { .instant(created + Int64.random(in: 60...9_000_000, using: &$0)) }),
            ("UF_CRM_CURATOR", Array(some(0.5) { .user($0.pick(userIDs)) }.prefix(1))),
            ("UF_CRM_TEAM", some(0.4) { .user($0.pick(userIDs)) }),
            (
                "UF_CRM_ORIGIN",
                Array(
                    some(0.4) {
                        $0.chance(0.5)
                            ? .crm(prefix: "L", id: Int64.random(in: 1...max(1, id), using: &$0))
                            : .crm(prefix: "C", id: Int64.random(in: 1...contactCount, using: &$0))
                    }.prefix(1))
            ),
            ("UF_CRM_PEOPLE", some(0.4) { .crm(prefix: "C", id: Int64.random(in: 1...contactCount, using: &$0)) }),
            ("UF_CRM_CONTRACT", Array(some(0.3, file).prefix(1))), ("UF_CRM_SCANS", some(0.3, file)),
            ("UF_CRM_OFFICE", Array(some(0.4, address).prefix(1))), ("UF_CRM_BRANCHES", some(0.3, address)),
            (
                "UF_CRM_SITE",
                Array(some(0.4) { .text("https://site\(Int.random(in: 1...999, using: &$0)).example/") }.prefix(1))
            ),
            (
                "UF_CRM_PAGES",
                some(0.3) { .text("https://example.org/p/\(Int.random(in: 1...999, using: &$0))?a=1&b=2") }
            ),
            ("UF_CRM_TAGS", some(0.5) { .text($0.pick(["vip", "partner", "tender", "Ёлка", "a|b"])) }),
            ("UF_CRM_RATINGS", some(0.5) { .number(Double(Int.random(in: 0...50, using: &$0)) / 10) }),
            ("UF_CRM_SEATS", some(0.5) { .integer(Int64.random(in: 1...500, using: &$0)) }),
        ]
        for (name, list) in typed where !list.isEmpty { values[name] = .values(list) }
        return values
    }

    /// Builds one lead with its product rows, bindings and stage events.
    private mutating func makeLead(
        id: Int64, position: Int, anchor: Int64, bulkSeconds: [Int64], random: inout SimRandom
    ) -> (
        lead: SimLead, rows: [SimProductRow], bindings: [SimContactBinding],
        events: [(time: Int64, type: Int, status: String)]
    ) {
        let twoYears: Int64 = 730 * 86_400
        var created = anchor - Int64.random(in: 3600..<twoYears, using: &random)
        if id % 13 == 0 {
            // Some leads arrive in the hour after local midnight, in summer and winter alike: their
            // day is the one a portal in a zone with daylight saving writes, not the day before.
            created = min(anchor - 3600, time.startOfDay(created) + (id % 60) * 60 + 30)
        }
        let age = Double(anchor - created) / Double(twoYears)
        // Older leads are more likely to be closed; shares give a realistic funnel.
        let openWeight = max(0.05, 0.6 - age)
        let finalStatus = [
            "NEW", "IN_PROCESS", "UC_QUALIFY", "PROCESSED", "CONVERTED", "JUNK", "UC_NO_BUDGET",
        ][random.weighted([openWeight * 0.35, openWeight * 0.3, openWeight * 0.15, openWeight * 0.2, 0.3, 0.3, 0.1])]
        var path = ["NEW"]
        switch finalStatus {
        case "NEW": break
        case "IN_PROCESS": path.append("IN_PROCESS")
        case "UC_QUALIFY": path += ["IN_PROCESS", "UC_QUALIFY"]
        case "PROCESSED":
            path += random.chance(0.5) ? ["IN_PROCESS", "PROCESSED"] : ["IN_PROCESS", "UC_QUALIFY", "PROCESSED"]
        case "CONVERTED": path += random.chance(0.3) ? ["CONVERTED"] : ["IN_PROCESS", "PROCESSED", "CONVERTED"]
        default: path += random.chance(0.5) ? [finalStatus] : ["IN_PROCESS", finalStatus]
        }
        var events: [(time: Int64, type: Int, status: String)] = [(created, 1, "NEW")]
        var moment = created
        for status in path.dropFirst() {
            moment = min(anchor, moment + Int64.random(in: 600..<(20 * 86_400), using: &random))
            let isFinal = stage(status)?.semantics != nil
            events.append((moment, isFinal ? 3 : 2, status))
        }
        let movedTime = moment
        let closed: Int64? = stage(finalStatus)?.semantics != nil ? moment : nil
        var modified = min(anchor, moment + Int64.random(in: 0..<(3 * 86_400), using: &random))
        if random.chance(0.15), let shared = bulkSeconds.filter({ $0 >= moment }).randomElement(using: &random) {
            modified = shared
        }

        var rows: [SimProductRow] = []
        for index in 0..<random.weighted([0.15, 0.2, 0.25, 0.2, 0.12, 0.08]) {
            let product = random.pick(products)
            let handTyped = random.chance(0.03)
            let rate = [0.0, 0, 5, 10, 15][Int.random(in: 0..<5, using: &random)]
            let quantity = random.chance(0.1) ? 1.5 : Double(Int.random(in: 1...10, using: &random))
            let price = (product.price * (100 - rate)).rounded() / 100
            let taxRate: Double? = random.chance(0.3) ? nil : [0.0, 10, 20][Int.random(in: 0..<3, using: &random)]
            rows.append(
                SimProductRow(
                    id: nextRowID, ownerID: id, productID: handTyped ? 0 : product.id,
                    productName: handTyped ? "Custom item \(index + 1)" : product.name, price: price,
                    quantity: quantity,
                    discountTypeID: 2, discountRate: rate,
                    discountSum: (product.price - price * 1).rounded(toPlaces: 2),
                    taxRate: taxRate, taxIncluded: random.chance(0.5), measureCode: product.measureCode,
                    measureName: product.measureName, sort: (index + 1) * 10, type: product.type))
            nextRowID += random.chance(0.05) ? 2 : 1
        }
        var bindings: [SimContactBinding] = []
        var used: Set<Int64> = []
        for index in 0..<random.weighted([0.1, 0.4, 0.35, 0.15]) {
            let contact = Int64.random(in: 1...contactCount, using: &random)
            guard used.insert(contact).inserted else { continue }
            bindings.append(
                SimContactBinding(contactID: contact, sort: (index + 1) * 10, roleID: 0, isPrimary: index == 0))
        }
        let isManual = rows.isEmpty || random.chance(0.1)
        let opportunity: Int64 =
            isManual
            ? (random.chance(0.2) ? 0 : Int64.random(in: 100..<5_000_000, using: &random))
            : Int64((rows.reduce(0) { $0 + $1.price * $1.quantity } * 100).rounded())
        var multifields: [SimMultifield] = []
        if random.chance(0.7) {
            multifields.append(
                SimMultifield(
                    id: nextMultifieldID, typeID: "PHONE", valueType: random.pick(["WORK", "MOBILE", "HOME"]),
                    value: "+1555\(PortalTime.pad(Int64.random(in: 0..<10_000_000, using: &random), 7))"))
            nextMultifieldID += 1
        }
        if random.chance(0.6) {
            multifields.append(
                SimMultifield(
                    id: nextMultifieldID, typeID: "EMAIL", valueType: random.pick(["WORK", "HOME"]),
                    value: "lead\(id)@example.org"))
            nextMultifieldID += 1
        }
        var custom: [String: SimCustomValue] = [:]
        if random.chance(0.6) {
            custom["UF_CRM_BUDGET_NOTE"] = .string(
                random.chance(0.05)
                    ? random.pick(SampleText.hostile) : "Budget \(Int.random(in: 1...99, using: &random))k")
        }
        if random.chance(0.7) {
            custom["UF_CRM_SCORE"] = .double(Double(Int.random(in: 0...1000, using: &random)) / 10)
        }
        let interests = (101...105).filter { _ in random.chance(0.25) }.map { Int64($0) }
        custom["UF_CRM_INTERESTS"] = .enumeration(interests)
        if random.chance(0.8) { custom["UF_CRM_CHANNEL"] = .enumeration([Int64.random(in: 201...204, using: &random)]) }
        if random.chance(0.4) {
            custom["UF_CRM_NEXT_CALL"] = .datetime(modified + Int64.random(in: 3600..<2_000_000, using: &random))
        }
        custom["UF_CRM_VIP"] = .boolean(random.chance(0.1))
        if random.chance(0.5) {
            custom["UF_CRM_1704817278"] = .integer(Int64.random(in: 1...9_999_999, using: &random))
        }
        custom.merge(typedCustomValues(lead: id, created: created)) { first, _ in first }

        let hasUTM = random.chance(0.4)
        var title = "\(random.pick(SampleText.titleWords)) #\(id)"
        if random.chance(0.02) { title = random.pick(SampleText.hostile) }
        var comments: String? = random.chance(0.5) ? random.pick(SampleText.comments) : nil
        if random.chance(0.03) { comments = random.pick(SampleText.hostile) }
        if random.chance(0.002) {
            comments = String(repeating: "long comment ✓ ", count: Int.random(in: 5000...20_000, using: &random))
        }
        if position == 3 { comments = String(repeating: "0123456789abcdé\n", count: 65_536) }
        let owner = random.pick(users).id
        let lead = SimLead(
            id: id, title: title,
            name: random.chance(0.9)
                ? (random.chance(0.01) ? random.pick(SampleText.hostile) : random.pick(SampleText.firstNames)) : nil,
            secondName: nil, lastName: random.chance(0.8) ? random.pick(SampleText.lastNames) : nil,
            companyTitle: random.chance(0.5)
                ? "\(random.pick(SampleText.companyWords)) \(random.pick(SampleText.companySuffixes))" : nil,
            post: random.chance(0.3) ? random.pick(SampleText.positions) : nil, comments: comments,
            statusID: finalStatus, statusDescription: nil,
            sourceID: random.chance(0.95) ? random.pick(sources).statusID : nil,
            sourceDescription: random.chance(0.2) ? "Form on /landing?utm=1&x=\"y\"" : nil,
            assignedByID: owner, createdByID: random.pick(users).id, modifyByID: owner, movedByID: owner,
            companyID: random.chance(0.35) ? Int64.random(in: 1...companyCount, using: &random) : nil,
            opportunityCents: opportunity,
            currencyID: ["USD", "USD", "USD", "USD", "USD", "USD", "USD", "USD", "EUR", "RUB"][
                Int.random(in: 0..<10, using: &random)],
            isManualOpportunity: isManual, opened: random.chance(0.9), dateCreate: created, dateModify: modified,
            movedTime: movedTime, dateClosed: closed,
            utm: hasUTM
                ? [
                    random.pick(SampleText.utmSources), random.pick(SampleText.utmMediums),
                    random.pick(SampleText.utmCampaigns),
                    random.chance(0.5) ? "ad_\(Int.random(in: 1...9, using: &random))" : nil,
                    random.chance(0.3) ? "crm software" : nil,
                ]
                : [nil, nil, nil, nil, nil],
            multifields: multifields, custom: custom)
        return (lead, rows, bindings, events)
    }
}

extension Double {
    /// The value rounded half away from zero to `places` decimals.
    func rounded(toPlaces places: Int) -> Double {
        var scale = 1.0
        for _ in 0..<places { scale *= 10 }
        return (self * scale).rounded() / scale
    }
}
