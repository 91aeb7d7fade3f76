/// A stage or source row for `dw.dim_status` / `dw.dim_source`.
public struct StatusRecord: Sendable, Equatable {
    /// Code, e.g. `CONVERTED`.
    public var statusID: String
    /// Display name.
    public var name: String?
    /// Funnel order.
    public var sort: Int64?
    /// `P`, `S` or `F` (stages).
    public var semantic: String
    /// Colour.
    public var color: String?
    /// Shipped by Bitrix24.
    public var isSystem: Bool?

    /// Creates a row with every field given.
    public init(
        statusID: String, name: String? = nil, sort: Int64? = nil, semantic: String, color: String? = nil,
        isSystem: Bool? = nil
    ) {
        self.statusID = statusID
        self.name = name
        self.sort = sort
        self.semantic = semantic
        self.color = color
        self.isSystem = isSystem
    }
}

/// A `dw.dim_user` row.
public struct UserRecord: Sendable, Equatable {
    /// User id.
    public var userID: Int64
    /// Full name.
    public var name: String?
    /// First name.
    public var firstName: String?
    /// Last name.
    public var lastName: String?
    /// E-mail.
    public var email: String?
    /// Position.
    public var position: String?
    /// Active.
    public var active: Bool?

    /// Creates a row with every field given.
    public init(
        userID: Int64, name: String? = nil, firstName: String? = nil, lastName: String? = nil, email: String? = nil,
        position: String? = nil, active: Bool? = nil
    ) {
        self.userID = userID
        self.name = name
        self.firstName = firstName
        self.lastName = lastName
        self.email = email
        self.position = position
        self.active = active
    }
}

/// A `dw.dim_currency` row.
public struct CurrencyRecord: Sendable, Equatable {
    /// ISO code.
    public var currencyID: String
    /// Full name.
    public var name: String?
    /// Rate against the base currency.
    public var amount: String?
    /// Units the rate is for.
    public var amountCount: Int64?
    /// Base currency.
    public var isBase: Bool?
    /// Display order.
    public var sort: Int64?

    /// Creates a row with every field given.
    public init(
        currencyID: String, name: String? = nil, amount: String? = nil, amountCount: Int64? = nil, isBase: Bool? = nil,
        sort: Int64? = nil
    ) {
        self.currencyID = currencyID
        self.name = name
        self.amount = amount
        self.amountCount = amountCount
        self.isBase = isBase
        self.sort = sort
    }
}

/// A `dw.dim_lead_field` row.
public struct LeadFieldRecord: Sendable, Equatable {
    /// Field name.
    public var fieldName: String
    /// API type.
    public var type: String
    /// Label.
    public var label: String?
    /// Holds several values.
    public var isMultiple: Bool
    /// Must be filled.
    public var isRequired: Bool
    /// A `UF_` field.
    public var isCustom: Bool
    /// Enumeration options as JSON text (`[{"id":…,"value":…}]`).
    public var items: String?
    /// Display order.
    public var sort: Int64?
    /// The lead card's section that shows the field (shared layout), if any.
    public var sectionName: String?
    /// That section's position on the card, from 1.
    public var sectionSort: Int64?
    /// The field's position within its section, from 1.
    public var fieldSort: Int64?

    /// Creates a row with every field given.
    public init(
        fieldName: String, type: String, label: String? = nil, isMultiple: Bool, isRequired: Bool, isCustom: Bool,
        items: String? = nil, sort: Int64? = nil
    ) {
        self.fieldName = fieldName
        self.type = type
        self.label = label
        self.isMultiple = isMultiple
        self.isRequired = isRequired
        self.isCustom = isCustom
        self.items = items
        self.sort = sort
    }
}

/// A `dw.dim_contact` row.
public struct ContactRecord: Sendable, Equatable {
    /// Contact id.
    public var contactID: Int64
    /// Full name.
    public var name: String?
    /// First name.
    public var firstName: String?
    /// Last name.
    public var lastName: String?
    /// Position.
    public var post: String?
    /// Type.
    public var typeID: String?
    /// Source.
    public var sourceID: String?
    /// Company.
    public var companyID: Int64?
    /// Owner.
    public var assignedByID: Int64?
    /// Created.
    public var createdAt: Int64?
    /// Modified.
    public var modifiedAt: Int64?

    /// Creates a row with every field given.
    public init(
        contactID: Int64, name: String? = nil, firstName: String? = nil, lastName: String? = nil, post: String? = nil,
        typeID: String? = nil, sourceID: String? = nil, companyID: Int64? = nil, assignedByID: Int64? = nil,
        createdAt: Int64? = nil, modifiedAt: Int64? = nil
    ) {
        self.contactID = contactID
        self.name = name
        self.firstName = firstName
        self.lastName = lastName
        self.post = post
        self.typeID = typeID
        self.sourceID = sourceID
        self.companyID = companyID
        self.assignedByID = assignedByID
        self.createdAt = createdAt
        self.modifiedAt = modifiedAt
    }
}

/// A `dw.dim_company` row.
public struct CompanyRecord: Sendable, Equatable {
    /// Company id.
    public var companyID: Int64
    /// Name.
    public var title: String?
    /// Type.
    public var companyType: String?
    /// Industry.
    public var industry: String?
    /// Head-count band.
    public var employees: String?
    /// Annual revenue.
    public var revenue: String?
    /// Currency of the revenue.
    public var currencyID: String?
    /// Owner.
    public var assignedByID: Int64?
    /// Created.
    public var createdAt: Int64?
    /// Modified.
    public var modifiedAt: Int64?

    /// Creates a row with every field given.
    public init(
        companyID: Int64, title: String? = nil, companyType: String? = nil, industry: String? = nil,
        employees: String? = nil, revenue: String? = nil, currencyID: String? = nil, assignedByID: Int64? = nil,
        createdAt: Int64? = nil, modifiedAt: Int64? = nil
    ) {
        self.companyID = companyID
        self.title = title
        self.companyType = companyType
        self.industry = industry
        self.employees = employees
        self.revenue = revenue
        self.currencyID = currencyID
        self.assignedByID = assignedByID
        self.createdAt = createdAt
        self.modifiedAt = modifiedAt
    }
}

/// All reference data of one portal, read at the start of a run.
public struct ReferenceData: Sendable {
    /// Lead stages.
    public var stages: [StatusRecord] = []
    /// Lead sources.
    public var sources: [StatusRecord] = []
    /// Users.
    public var users: [UserRecord] = []
    /// Currencies.
    public var currencies: [CurrencyRecord] = []
    /// Lead fields, system and custom.
    public var fields: [LeadFieldRecord] = []
    /// Custom-field definitions for the transform.
    public var customFields: [String: CustomFieldDefinition] = [:]
    /// Deal funnels (the default one, id 0, always among them).
    public var dealCategories: [DealCategoryRecord] = []
    /// Deal stages of every funnel.
    public var dealStages: [DealStageRecord] = []

    /// Deal stage semantics by stage id.
    public var dealStageSemantics: [String: String] {
        Dictionary(dealStages.map { ($0.stageID, $0.semantic) }, uniquingKeysWith: { first, _ in first })
    }

    /// The multiple custom fields, by name: lead lists return them only when named.
    public var multipleCustomFields: [String] {
        customFields.values.filter(\.isMultiple).map(\.name).sorted()
    }

    /// Stage semantics by status id.
    public var stageSemantics: [String: String] {
        Dictionary(stages.map { ($0.statusID, $0.semantic) }, uniquingKeysWith: { first, _ in first })
    }

    /// Empty reference data.
    public init() {}
}

/// A batch of leads ready to load: rows plus the children of every lead in it.
public struct LeadChunk: Sendable {
    /// Lead rows.
    public var leads: [LeadRow] = []
    /// Product rows of those leads.
    public var productRows: [ProductRowRecord] = []
    /// Contact bindings of those leads, except those in `linksKept`.
    public var contactLinks: [ContactLinkRecord] = []
    /// Leads whose contact set matched `dw`: their bindings there stay as they are.
    public var linksKept: [Int64] = []
    /// Contacts referenced by them.
    public var contacts: [ContactRecord] = []
    /// Companies referenced by them.
    public var companies: [CompanyRecord] = []
    /// Records rejected (named in the run log).
    public var rejected: [TransformError] = []
    /// The keyset cursor after this chunk (the last lead id read, loaded or not).
    public var cursor: Int64 = 0

    /// An empty value.
    public init() {}
}
