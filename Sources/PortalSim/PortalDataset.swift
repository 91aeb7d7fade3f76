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

/// Everything the simulated portal knows: reference data, leads and their children.
///
/// Generated deterministically from a seed; the write methods change it like the real portal.
public struct PortalDataset: Sendable {
    /// The portal's time zone.
    public var time: PortalTime
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
