/// One `dw.fact_lead` row, typed; times are unix seconds, money is exact decimal text.
public struct LeadRow: Sendable, Equatable {
    /// Lead id.
    public var leadID: Int64
    /// `TITLE`.
    public var title: String?
    /// `NAME`.
    public var name: String?
    /// `LAST_NAME`.
    public var lastName: String?
    /// `COMPANY_TITLE`.
    public var companyTitle: String?
    /// `STATUS_ID`.
    public var statusID: String?
    /// `P`, `S` or `F`.
    public var statusSemantic: String?
    /// `SOURCE_ID`.
    public var sourceID: String?
    /// `SOURCE_DESCRIPTION`.
    public var sourceDescription: String?
    /// `ASSIGNED_BY_ID`.
    public var assignedByID: Int64?
    /// `CREATED_BY_ID`.
    public var createdByID: Int64?
    /// `MODIFY_BY_ID`.
    public var modifyByID: Int64?
    /// `COMPANY_ID` (NULL for `"0"`, `""`, `null`).
    public var companyID: Int64?
    /// `CONTACT_ID`.
    public var contactID: Int64?
    /// `OPPORTUNITY` as decimal text.
    public var opportunity: String?
    /// `CURRENCY_ID`.
    public var currencyID: String?
    /// `IS_MANUAL_OPPORTUNITY`.
    public var isManualOpportunity: Bool?
    /// `IS_RETURN_CUSTOMER`.
    public var isReturnCustomer: Bool?
    /// `OPENED`.
    public var opened: Bool?
    /// `HAS_PHONE`.
    public var hasPhone: Bool?
    /// `HAS_EMAIL`.
    public var hasEmail: Bool?
    /// `DATE_CREATE`.
    public var createdAt: Int64?
    /// `DATE_MODIFY`.
    public var modifiedAt: Int64?
    /// `MOVED_TIME`.
    public var movedAt: Int64?
    /// `DATE_CLOSED`.
    public var closedAt: Int64?
    /// Local date of `createdAt` in the portal's zone, `yyyymmdd`, 0 when unknown.
    public var createdDateKey: Int
    /// Local date of `closedAt`, 0 when open or unknown.
    public var closedDateKey: Int
    /// `UTM_SOURCE`, `UTM_MEDIUM`, `UTM_CAMPAIGN`, `UTM_CONTENT`, `UTM_TERM`.
    public var utm: [String?]
    /// Custom fields as JSON text for `jsonb`.
    public var customFields: String
    /// NUL characters removed from custom-field text (jsonb cannot hold them).
    public var strippedNULs: Int
}

/// One `dw.fact_lead_product` row.
public struct ProductRowRecord: Sendable, Equatable {
    /// Row id.
    public var rowID: Int64
    /// Owning lead.
    public var leadID: Int64
    /// Catalog product (0 = typed by hand).
    public var productID: Int64?
    /// Name on the row.
    public var productName: String?
    /// Final unit price.
    public var price: String?
    /// Price with discount, without tax.
    public var priceExclusive: String?
    /// Price without discount and tax.
    public var priceNetto: String?
    /// Price with tax, without discount.
    public var priceBrutto: String?
    /// Quantity.
    public var quantity: String?
    /// 1 absolute, 2 percent.
    public var discountTypeID: Int64?
    /// Discount percent.
    public var discountRate: String?
    /// Discount amount per unit.
    public var discountSum: String?
    /// Tax percent.
    public var taxRate: String?
    /// Whether the price includes tax.
    public var taxIncluded: Bool?
    /// Whether the row was edited by hand.
    public var customized: Bool?
    /// Unit code.
    public var measureCode: Int64?
    /// Unit name.
    public var measureName: String?
    /// Display order.
    public var sort: Int64?
    /// Product type.
    public var type: Int64?
}

/// One `dw.bridge_lead_contact` row.
public struct ContactLinkRecord: Sendable, Equatable {
    /// The lead.
    public var leadID: Int64
    /// The contact.
    public var contactID: Int64
    /// Primary contact of the lead.
    public var isPrimary: Bool
    /// Display order.
    public var sort: Int64?
    /// Reserved by Bitrix24.
    public var roleID: Int64?
}

/// One `dw.fact_lead_stage_history` row.
public struct StageHistoryRecord: Sendable, Equatable {
    /// History record id.
    public var historyID: Int64
    /// The lead.
    public var leadID: Int64
    /// 1 created, 2 intermediate, 3 final, 5 funnel changed.
    public var typeID: Int64?
    /// Stage entered.
    public var statusID: String?
    /// `P`, `S`, `F`.
    public var statusSemantic: String?
    /// When (unix seconds).
    public var createdAt: Int64?
    /// Local date key of `createdAt`.
    public var createdDateKey: Int
}

/// A custom field's definition, as the transform needs it.
public struct CustomFieldDefinition: Sendable, Equatable {
    /// `UF_CRM_…`.
    public var name: String
    /// `string`, `double`, `integer`, `boolean`, `enumeration`, `datetime`, `date`, `money`…
    public var type: String
    /// Holds several values.
    public var isMultiple: Bool
    /// Enumeration option labels by id.
    public var items: [Int64: String]
    /// The label users see.
    public var label: String?

    /// Creates a definition.
    public init(name: String, type: String, isMultiple: Bool, items: [Int64: String], label: String?) {
        self.name = name
        self.type = type
        self.isMultiple = isMultiple
        self.items = items
        self.label = label
    }
}
