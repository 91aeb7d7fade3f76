import B24Core

/// A currency as `crm.currency.list` returns it.
public struct SimCurrency: Sendable, Equatable {
    /// ISO code.
    public var code: String
    /// Full name.
    public var fullName: String
    /// Rate against the base currency for `amountCount` units.
    public var amount: Double
    /// Units the rate is for.
    public var amountCount: Int
    /// Whether it is the base currency.
    public var isBase: Bool
    /// Display order.
    public var sort: Int
}

/// A contact, derived from its id and the seed (contacts are many and never change in the simulator).
public struct SimContact: Sendable, Equatable {
    /// Contact id.
    public var id: Int64
    /// First name.
    public var name: String
    /// Last name.
    public var lastName: String
    /// Position.
    public var post: String?
    /// `CLIENT`, `SUPPLIER`, `PARTNER`, `OTHER`.
    public var typeID: String
    /// Source code.
    public var sourceID: String
    /// Company, if any.
    public var companyID: Int64?
    /// Owner.
    public var assignedByID: Int64
    /// Created (unix seconds).
    public var dateCreate: Int64
    /// Modified (unix seconds).
    public var dateModify: Int64
    /// Phones and e-mails.
    public var multifields: [SimMultifield]
}

/// A company, derived from its id and the seed.
public struct SimCompany: Sendable, Equatable {
    /// Company id.
    public var id: Int64
    /// Name.
    public var title: String
    /// `CUSTOMER`, `PARTNER`…
    public var companyType: String
    /// `IT`, `MANUFACTURING`…
    public var industry: String
    /// Head-count band, e.g. `EMPLOYEES_2`.
    public var employees: String
    /// Annual revenue in cents.
    public var revenueCents: Int64
    /// Currency of the revenue.
    public var currencyID: String
    /// Owner.
    public var assignedByID: Int64
    /// Created (unix seconds).
    public var dateCreate: Int64
    /// Modified (unix seconds).
    public var dateModify: Int64
}

/// A section of the lead card.
public struct SimCardSection: Sendable, Equatable {
    /// Section code (`main`, `additional`…).
    public var name: String
    /// Title users see.
    public var title: String
    /// Field names in the order the card shows them.
    public var fields: [String]

    /// The simulator's shared card: custom fields in an order other than their `SORT`, some
    /// not on the card at all.
    public static let defaultLayout: [SimCardSection] = [
        SimCardSection(
            name: "main", title: "About the lead",
            fields: ["TITLE", "STATUS_ID", "SOURCE_ID", "UF_CRM_CHANNEL", "OPPORTUNITY"]),
        SimCardSection(
            name: "user_deal", title: "Deal terms",
            fields: ["UF_CRM_BUDGET", "UF_CRM_OFFERS", "UF_CRM_SCORE", "UF_CRM_INTERESTS"]),
        SimCardSection(
            name: "user_people", title: "People",
            fields: ["UF_CRM_CURATOR", "UF_CRM_TEAM", "UF_CRM_PEOPLE", "UF_CRM_ORIGIN"]),
        SimCardSection(
            name: "additional", title: "More",
            fields: [
                "ASSIGNED_BY_ID", "UF_CRM_NEXT_CALL", "UF_CRM_CALLS", "UF_CRM_VISITS", "UF_CRM_BIRTHDAY", "UF_CRM_VIP",
                "UF_CRM_SITE", "UF_CRM_PAGES", "UF_CRM_OFFICE", "UF_CRM_BRANCHES", "UF_CRM_CONTRACT", "UF_CRM_SCANS",
                "UF_CRM_TAGS", "UF_CRM_RATINGS",
            ]),
    ]
}

/// Everything the simulated portal knows: reference data, leads and their children.
///
/// Generated deterministically from a seed; the write methods change it like the real portal.
public struct PortalDataset: Sendable {
    /// The portal's time zone.
    public var time: PortalTime
    /// The shared lead card (`crm.lead.details.configuration.get`, scope `C`): sections in order,
    /// each with its fields in order; `nil` when no common layout was saved.
    public var cardLayout: [SimCardSection]? = SimCardSection.defaultLayout
    /// Lead stages in funnel order (`ENTITY_ID=STATUS`).
    public var stages: [SimStatus]
    /// Lead sources (`ENTITY_ID=SOURCE`).
    public var sources: [SimStatus]
    /// Currencies.
    public var currencies: [SimCurrency]
    /// Users.
    public var users: [SimUser]
    /// Catalog products.
    public var products: [SimProduct]
    /// Custom lead fields.
    public var customFields: [SimCustomField]
    /// Leads by id.
    public var leads: [Int64: SimLead]
    /// Lead ids in ascending order.
    public var leadIDs: [Int64]
    /// Product rows by lead id.
    public var productRows: [Int64: [SimProductRow]]
    /// Contact bindings by lead id.
    public var bindings: [Int64: [SimContactBinding]]
    /// Stage history in ascending id order.
    public var history: [SimStageHistory]
    /// Deal funnels, the default (id 0) first.
    public var dealCategories: [SimDealCategory] = []
    /// Deal stages of every funnel, in each funnel's order (`ENTITY_ID` `DEAL_STAGE…`).
    public var dealStages: [SimStatus] = []
    /// Deals by id.
    public var deals: [Int64: SimDeal] = [:]
    /// Deal ids in ascending order.
    public var dealIDs: [Int64] = []
    /// Deal stage history in ascending id order (funnel moves included).
    public var dealHistory: [SimStageHistory] = []
    /// Product rows by deal id (owner type `D`; ids shared with leads' rows).
    public var dealProductRows: [Int64: [SimProductRow]] = [:]
    /// Contact bindings by deal id.
    public var dealBindings: [Int64: [SimContactBinding]] = [:]
    /// Activities by id.
    public var activities: [Int64: SimActivity] = [:]
    /// Activity ids in ascending order.
    public var activityIDs: [Int64] = []
    /// Next id `crm.activity.add` hands out.
    var nextActivityID: Int64 = 1
    /// Next ids the deal write methods hand out.
    var nextDealID: Int64 = 1
    var nextDealHistoryID: Int64 = 1
    /// Contacts exist for ids 1…contactCount.
    public var contactCount: Int64
    /// Contacts changed by `crm.contact.update`, in place of their generated selves.
    public var editedContacts: [Int64: SimContact] = [:]
    /// Companies exist for ids 1…companyCount.
    public var companyCount: Int64
    /// The seed everything derives from.
    public var seed: UInt64
    /// Next ids handed out by the write methods.
    var nextLeadID: Int64
    var nextRowID: Int64
    var nextHistoryID: Int64
    var nextMultifieldID: Int64

    /// The lead schema (system fields plus this portal's custom fields).
    public var leadSchema: EntitySchema {
        EntitySchema.lead(custom: customFields)
    }

    /// The stage called `statusID`, if it exists.
    public func stage(_ statusID: String) -> SimStatus? {
        stages.first { $0.statusID == statusID }
    }

    /// The deal stage called `stageID`, if it exists.
    public func dealStage(_ stageID: String) -> SimStatus? {
        dealStages.first { $0.statusID == stageID }
    }

    /// The funnel a deal stage belongs to (0 for `DEAL_STAGE`, n for `DEAL_STAGE_<n>`).
    public static func category(ofStageEntity entityID: String) -> Int64 {
        entityID == "DEAL_STAGE" ? 0 : Int64(entityID.dropFirst("DEAL_STAGE_".count)) ?? 0
    }

    /// The contact with `id`, if it exists.
    public func contact(_ id: Int64) -> SimContact? {
        guard id >= 1, id <= contactCount else { return nil }
        if let edited = editedContacts[id] { return edited }
        var random = SimRandom(seed: seed, stream: 0xC0_0000_0000 + UInt64(id))
        let created = Int64(1_600_000_000) + Int64.random(in: 0..<120_000_000, using: &random)
        return SimContact(
            id: id,
            name: random.pick(SampleText.firstNames),
            lastName: random.pick(SampleText.lastNames),
            post: random.chance(0.6) ? random.pick(SampleText.positions) : nil,
            typeID: random.pick(["CLIENT", "SUPPLIER", "PARTNER", "OTHER"]),
            sourceID: random.pick(sources).statusID,
            companyID: random.chance(0.4) && companyCount > 0
                ? Int64.random(in: 1...companyCount, using: &random) : nil,
            assignedByID: random.pick(users).id,
            dateCreate: created,
            dateModify: created + Int64.random(in: 0..<5_000_000, using: &random),
            multifields: [
                SimMultifield(
                    id: 5_000_000 + id * 2, typeID: "PHONE", valueType: "WORK",
                    value: "+1555\(PortalTime.pad(id % 10_000_000, 7))")
            ]
        )
    }

    /// The company with `id`, if it exists.
    public func company(_ id: Int64) -> SimCompany? {
        guard id >= 1, id <= companyCount else { return nil }
        var random = SimRandom(seed: seed, stream: 0xC0_1000_0000 + UInt64(id))
        let created = Int64(1_600_000_000) + Int64.random(in: 0..<120_000_000, using: &random)
        return SimCompany(
            id: id,
            title: "\(random.pick(SampleText.companyWords)) \(random.pick(SampleText.companySuffixes)) #\(id)",
            companyType: random.pick(["CUSTOMER", "PARTNER", "RESELLER", "COMPETITOR", "OTHER"]),
            industry: random.pick(["IT", "TELECOM", "MANUFACTURING", "BANKING", "CONSULTING", "FINANCE", "OTHER"]),
            employees: random.pick(["EMPLOYEES_1", "EMPLOYEES_2", "EMPLOYEES_3", "EMPLOYEES_4"]),
            revenueCents: Int64.random(in: 0..<10_000_000_000, using: &random),
            currencyID: "USD",
            assignedByID: random.pick(users).id,
            dateCreate: created,
            dateModify: created + Int64.random(in: 0..<5_000_000, using: &random)
        )
    }
}
