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

    /// Stage semantics by status id.
    public var stageSemantics: [String: String] {
        Dictionary(stages.map { ($0.statusID, $0.semantic) }, uniquingKeysWith: { first, _ in first })
    }
}

/// A batch of leads ready to load: rows plus the children of every lead in it.
public struct LeadChunk: Sendable {
    /// Lead rows.
    public var leads: [LeadRow] = []
    /// Product rows of those leads.
    public var productRows: [ProductRowRecord] = []
    /// Contact bindings of those leads.
    public var contactLinks: [ContactLinkRecord] = []
    /// Contacts referenced by them.
    public var contacts: [ContactRecord] = []
    /// Companies referenced by them.
    public var companies: [CompanyRecord] = []
    /// Records rejected (named in the run log).
    public var rejected: [TransformError] = []
    /// The keyset cursor after this chunk (the last lead id read, loaded or not).
    public var cursor: Int64 = 0
}
