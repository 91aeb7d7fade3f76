import B24Core

/// Deals: funnels with their own stages, deals born from converted leads (most, not all), deals
/// with no lead (repeat sales), won, lost and open ones, and their stage history with moves
/// between funnels.
extension PortalDataset {
    /// The default funnel (0) and two more with custom stages.
    static let defaultDealCategories: [SimDealCategory] = [
        SimDealCategory(id: 0, name: "Sales", sort: 100),
        SimDealCategory(id: 1, name: "Repeat sales", sort: 200),
        SimDealCategory(id: 3, name: "Tenders", sort: 300),
    ]

    /// Stages of every default funnel, in order: in progress, then success, then failures.
    static let defaultDealStages: [SimStatus] = {
        let funnels: [(entity: String, prefix: String, stages: [(String, String, String?)])] = [
            (
                "DEAL_STAGE", "",
                [
                    ("NEW", "New", nil), ("PREPARATION", "Preparing documents", nil),
                    ("PREPAYMENT_INVOICE", "Invoice", nil), ("EXECUTING", "In progress", nil),
                    ("FINAL_INVOICE", "Final invoice", nil), ("WON", "Deal won", "S"), ("LOSE", "Deal lost", "F"),
                    ("APOLOGY", "Analyse failure", "F"),
                ]
            ),
            (
                "DEAL_STAGE_1", "C1:",
                [
                    ("NEW", "New", nil), ("UC_OFFER", "Offer sent", nil), ("WON", "Deal won", "S"),
                    ("LOSE", "Deal lost", "F"),
                ]
            ),
            (
                "DEAL_STAGE_3", "C3:",
                [
                    ("NEW", "New", nil), ("UC_BID", "Bid submitted", nil), ("UC_SHORTLIST", "Shortlisted", nil),
                    ("WON", "Tender won", "S"), ("LOSE", "Tender lost", "F"),
                ]
            ),
        ]
        var rows: [SimStatus] = []
        var rowID = 500
        for funnel in funnels {
            for (index, stage) in funnel.stages.enumerated() {
                rows.append(
                    SimStatus(
                        entityID: funnel.entity, statusID: funnel.prefix + stage.0, name: stage.1,
                        sort: (index + 1) * 10, semantics: stage.2, isSystem: !stage.0.hasPrefix("UC_"), id: rowID,
                        color: stage.2 == "S" ? "#7BD500" : (stage.2 == "F" ? "#FF5752" : "#39A8EF")))
                rowID += 1
            }
        }
        return rows
    }()

    /// The stages of funnel `category`, in order.
    public func dealStages(of category: Int64) -> [SimStatus] {
        let entity = category == 0 ? "DEAL_STAGE" : "DEAL_STAGE_\(category)"
        return dealStages.filter { $0.entityID == entity }
    }

    /// Makes the portal's deals from its leads: about 85 % of converted leads became a deal soon
    /// after converting (most in the default funnel, some tenders), and one deal in five has no
    /// lead (repeat sales, mostly in their own funnel); about 1 in 12 moved between funnels.
    mutating func generateDeals(anchor: Int64) {
        dealCategories = Self.defaultDealCategories
        dealStages = Self.defaultDealStages
        var random = SimRandom(seed: seed, stream: 0xDEA1_0000_0000)
        var births: [(created: Int64, lead: SimLead?)] = []
        for id in leadIDs {
            guard let lead = leads[id], lead.statusID == "CONVERTED", random.chance(0.85) else { continue }
            let converted = lead.dateClosed ?? lead.movedTime
            births.append((min(anchor - 60, converted + Int64.random(in: 60...(3 * 86_400), using: &random)), lead))
        }
        let withoutLead = max(2, births.count / 4)
        for _ in 0..<withoutLead {
            births.append((anchor - Int64.random(in: 3600..<(700 * 86_400), using: &random), nil))
        }
        births.sort { ($0.created, $0.lead?.id ?? 0) < ($1.created, $1.lead?.id ?? 0) }
        var events: [(time: Int64, deal: Int64, type: Int, stage: String, category: Int64)] = []
        var dealID: Int64 = 1
        for birth in births {
            var dealRandom = SimRandom(seed: seed, stream: 0xDEA1_1000_0000 + UInt64(dealID))
            let made = makeDeal(
                id: dealID, created: birth.created, lead: birth.lead, anchor: anchor, random: &dealRandom)
            deals[dealID] = made.deal
            dealIDs.append(dealID)
            makeDealChildren(of: dealID, lead: birth.lead, random: &dealRandom)
            for event in made.events { events.append((event.time, dealID, event.type, event.stage, event.category)) }
            dealID += dealRandom.chance(0.1) ? 2 : 1
        }
        nextDealID = dealID
        events.sort { ($0.time, $0.deal) < ($1.time, $1.deal) }
        var historyID: Int64 = 1
        for event in events {
            dealHistory.append(
                SimStageHistory(
                    id: historyID, typeID: event.type, ownerID: event.deal, createdTime: event.time,
                    semanticID: dealStage(event.stage)?.semanticID ?? "P", statusID: event.stage,
                    categoryID: event.category))
            historyID += random.chance(0.05) ? 2 : 1
        }
        nextDealHistoryID = historyID
    }

    /// The deal's product rows and contacts: a converted lead's copied (new row ids, owner type
    /// `D`), sometimes with a quantity changed, a row dropped or one added; a deal without a lead
    /// gets up to three rows and up to two contacts of its own.
    private mutating func makeDealChildren(of dealID: Int64, lead: SimLead?, random: inout SimRandom) {
        var rows: [SimProductRow] = []
        if let lead {
            rows = productRows[lead.id] ?? []
            if !rows.isEmpty, random.chance(0.2) { rows[Int.random(in: 0..<rows.count, using: &random)].quantity += 1 }
            if rows.count > 1, random.chance(0.1) { rows.removeLast() }
        }
        let added = lead == nil ? random.weighted([0.2, 0.4, 0.3, 0.1]) : (random.chance(0.1) ? 1 : 0)
        for _ in 0..<added {
            let product = random.pick(products)
            rows.append(
                SimProductRow(
                    id: 0, ownerID: dealID, productID: product.id, productName: product.name, price: product.price,
                    quantity: Double(Int.random(in: 1...5, using: &random)), discountTypeID: 2, discountRate: 0,
                    discountSum: 0, taxRate: nil, taxIncluded: false, measureCode: product.measureCode,
                    measureName: product.measureName, sort: (rows.count + 1) * 10, type: product.type))
        }
        for index in rows.indices {
            rows[index].id = nextRowID
            rows[index].ownerID = dealID
            rows[index].ownerType = "D"
            nextRowID += 1
        }
        if !rows.isEmpty { dealProductRows[dealID] = rows }
        var contacts = lead.flatMap { bindings[$0.id] } ?? []
        if lead == nil {
            for index in 0..<random.weighted([0.3, 0.5, 0.2]) {
                let contact = Int64.random(in: 1...max(1, contactCount), using: &random)
                guard !contacts.contains(where: { $0.contactID == contact }) else { continue }
                contacts.append(
                    SimContactBinding(contactID: contact, sort: (index + 1) * 10, roleID: 0, isPrimary: index == 0))
            }
        }
        if !contacts.isEmpty { dealBindings[dealID] = contacts }
    }

    /// One deal and its stage events: created in the first stage of its funnel, moved along it
    /// (sometimes from the default funnel to tenders), ending won, lost or still open.
    private func makeDeal(
        id: Int64, created: Int64, lead: SimLead?, anchor: Int64, random: inout SimRandom
    ) -> (deal: SimDeal, events: [(time: Int64, type: Int, stage: String, category: Int64)]) {
        var category: Int64 = lead == nil ? (random.chance(0.7) ? 1 : 0) : (random.chance(0.1) ? 3 : 0)
        var events: [(time: Int64, type: Int, stage: String, category: Int64)] = []
        var moment = created
        func move(to stage: String, type: Int) {
            events.append((moment, type, stage, category))
        }
        move(to: dealStages(of: category)[0].statusID, type: 1)
        let age = Double(anchor - created) / Double(730 * 86_400)
        let outcome = random.weighted([max(0.1, 0.4 - age), 0.35 + age * 0.2, 0.3])  // open, won, lost
        func advance(_ stages: [SimStatus]) {
            for stage in stages {
                moment = min(anchor, moment + Int64.random(in: 600..<(15 * 86_400), using: &random))
                move(to: stage.statusID, type: stage.semantics == nil ? 2 : 3)
            }
        }
        if category == 0, lead != nil, random.chance(0.08) {
            // Started in sales, then moved to the tender funnel: a funnel change, then its stages.
            advance(Array(dealStages(of: 0).dropFirst().prefix(1)))
            category = 3
            moment = min(anchor, moment + Int64.random(in: 600..<86_400, using: &random))
            move(to: dealStages(of: 3)[0].statusID, type: 5)
        }
        let inProgress = dealStages(of: category).filter { $0.semantics == nil }.dropFirst()
        let reached = outcome == 0 ? Int.random(in: 0...inProgress.count, using: &random) : inProgress.count
        advance(Array(inProgress.prefix(random.chance(0.3) && outcome != 0 ? 1 : reached)))
        if outcome != 0 {
            let finals = dealStages(of: category).filter { $0.semantics == (outcome == 1 ? "S" : "F") }
            advance([random.pick(finals)])
        }
        let stageID = events.last?.stage ?? "NEW"
        let closed = dealStage(stageID)?.semantics != nil
        let amount: Int64 =
            lead.map { lead in
                random.chance(0.3)
                    ? lead.opportunityCents * Int64.random(in: 80...130, using: &random) / 100 : lead.opportunityCents
            } ?? Int64.random(in: 10_000..<2_000_000, using: &random)
        let modified = min(anchor, moment + Int64.random(in: 0..<(2 * 86_400), using: &random))
        let deal = SimDeal(
            id: id, title: lead.map { "Deal for lead #\($0.id)" } ?? "Repeat order #\(id)", leadID: lead?.id,
            categoryID: category, stageID: stageID, opportunityCents: amount,
            currencyID: lead?.currencyID ?? random.pick(["USD", "USD", "USD", "EUR", "RUB"]),
            beginDate: time.startOfDay(created),
            closeDate: time.startOfDay(closed ? moment : created + 30 * 86_400),
            assignedByID: lead?.assignedByID ?? random.pick(users).id,
            sourceID: lead.map { $0.sourceID } ?? (random.chance(0.5) ? "PARTNER" : nil),
            companyID: lead?.companyID
                ?? (random.chance(0.8) ? Int64.random(in: 1...companyCount, using: &random) : nil),
            dateCreate: created, dateModify: modified, movedTime: moment, utm: lead?.utm ?? [nil, nil, nil, nil, nil],
            isReturnCustomer: lead == nil, isRepeatedApproach: lead != nil && random.chance(0.05),
            custom: closed && random.chance(0.7)
                ? ["UF_CRM_CONTRACT_NO": "C-\(id)", "UF_CRM_MARGIN": String(Int.random(in: 5...40, using: &random))]
                : [:])
        return (deal, events)
    }

    /// A field of `deal` as the legacy deal list reads it.
    func dealValue(_ deal: SimDeal, _ field: FieldSpec) -> FieldValue {
        switch field.name {
        case "ID": return .int(deal.id)
        case "TITLE": return .string(deal.title)
        case "TYPE_ID": return .string("SALE")
        case "CATEGORY_ID": return .int(deal.categoryID)
        case "STAGE_ID": return .string(deal.stageID)
        case "STAGE_SEMANTIC_ID": return .string(dealStage(deal.stageID)?.semanticID ?? "P")
        case "IS_NEW": return .flag(deal.stageID == dealStages(of: deal.categoryID).first?.statusID)
        case "IS_RECURRING": return .flag(false)
        case "IS_RETURN_CUSTOMER": return .flag(deal.isReturnCustomer)
        case "IS_REPEATED_APPROACH": return .flag(deal.isRepeatedApproach)
        case "PROBABILITY": return .null
        case "CURRENCY_ID": return .string(deal.currencyID)
        case "OPPORTUNITY": return .money(deal.opportunityCents)
        case "IS_MANUAL_OPPORTUNITY": return .flag(true)
        case "TAX_VALUE": return .money(0)
        case "COMPANY_ID": return deal.companyID.map(FieldValue.int) ?? .null
        case "CONTACT_ID": return .null
        case "BEGINDATE": return .date(deal.beginDate)
        case "CLOSEDATE": return .date(deal.closeDate)
        case "OPENED": return .flag(true)
        case "CLOSED": return .flag(dealStage(deal.stageID)?.semantics != nil)
        case "ASSIGNED_BY_ID", "CREATED_BY_ID", "MODIFY_BY_ID", "MOVED_BY_ID": return .int(deal.assignedByID)
        case "DATE_CREATE": return .date(deal.dateCreate)
        case "DATE_MODIFY": return .date(deal.dateModify)
        case "MOVED_TIME": return .date(deal.movedTime)
        case "SOURCE_ID": return deal.sourceID.map(FieldValue.string) ?? .null
        // A deal without a lead: `null` in most answers, `"0"` in some (both are seen in the wild).
        case "LEAD_ID": return deal.leadID.map(FieldValue.int) ?? (deal.id % 3 == 0 ? .string("0") : .null)
        case "UTM_SOURCE": return deal.utm[0].map(FieldValue.string) ?? .null
        case "UTM_MEDIUM": return deal.utm[1].map(FieldValue.string) ?? .null
        case "UTM_CAMPAIGN": return deal.utm[2].map(FieldValue.string) ?? .null
        case "UTM_CONTENT": return deal.utm[3].map(FieldValue.string) ?? .null
        case "UTM_TERM": return deal.utm[4].map(FieldValue.string) ?? .null
        default: return deal.custom[field.name].map(FieldValue.string) ?? .null
        }
    }

    /// A deal-history record's field as `crm.stagehistory.list` (`entityTypeId` 2) reads it.
    func dealHistoryValue(_ record: SimStageHistory, _ field: FieldSpec) -> FieldValue {
        switch field.name {
        case "ID": return .int(record.id)
        case "TYPE_ID": return .int(Int64(record.typeID))
        case "OWNER_ID": return .int(record.ownerID)
        case "CREATED_TIME": return .date(record.createdTime)
        case "CATEGORY_ID": return .int(record.categoryID ?? 0)
        case "STAGE_SEMANTIC_ID": return .string(record.semanticID)
        case "STAGE_ID": return .string(record.statusID)
        default: return .null
        }
    }
}
