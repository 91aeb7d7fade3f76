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

    /// Creates a row with every field given.
    public init(
        leadID: Int64, title: String? = nil, name: String? = nil, lastName: String? = nil, companyTitle: String? = nil,
        statusID: String? = nil, statusSemantic: String? = nil, sourceID: String? = nil,
        sourceDescription: String? = nil, assignedByID: Int64? = nil, createdByID: Int64? = nil,
        modifyByID: Int64? = nil, companyID: Int64? = nil, contactID: Int64? = nil, opportunity: String? = nil,
        currencyID: String? = nil, isManualOpportunity: Bool? = nil, isReturnCustomer: Bool? = nil, opened: Bool? = nil,
        hasPhone: Bool? = nil, hasEmail: Bool? = nil, createdAt: Int64? = nil, modifiedAt: Int64? = nil,
        movedAt: Int64? = nil, closedAt: Int64? = nil, createdDateKey: Int, closedDateKey: Int, utm: [String?],
        customFields: String, strippedNULs: Int
    ) {
        self.leadID = leadID
        self.title = title
        self.name = name
        self.lastName = lastName
        self.companyTitle = companyTitle
        self.statusID = statusID
        self.statusSemantic = statusSemantic
        self.sourceID = sourceID
        self.sourceDescription = sourceDescription
        self.assignedByID = assignedByID
        self.createdByID = createdByID
        self.modifyByID = modifyByID
        self.companyID = companyID
        self.contactID = contactID
        self.opportunity = opportunity
        self.currencyID = currencyID
        self.isManualOpportunity = isManualOpportunity
        self.isReturnCustomer = isReturnCustomer
        self.opened = opened
        self.hasPhone = hasPhone
        self.hasEmail = hasEmail
        self.createdAt = createdAt
        self.modifiedAt = modifiedAt
        self.movedAt = movedAt
        self.closedAt = closedAt
        self.createdDateKey = createdDateKey
        self.closedDateKey = closedDateKey
        self.utm = utm
        self.customFields = customFields
        self.strippedNULs = strippedNULs
    }
}

/// One product row of a lead (`dw.fact_lead_product`) or a deal (`dw.fact_deal_product`).
public struct ProductRowRecord: Sendable, Equatable {
    /// Row id.
    public var rowID: Int64
    /// The lead or deal the row belongs to.
    public var ownerID: Int64
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

    /// Creates a row with every field given.
    public init(
        rowID: Int64, ownerID: Int64, productID: Int64? = nil, productName: String? = nil, price: String? = nil,
        priceExclusive: String? = nil, priceNetto: String? = nil, priceBrutto: String? = nil, quantity: String? = nil,
        discountTypeID: Int64? = nil, discountRate: String? = nil, discountSum: String? = nil, taxRate: String? = nil,
        taxIncluded: Bool? = nil, customized: Bool? = nil, measureCode: Int64? = nil, measureName: String? = nil,
        sort: Int64? = nil, type: Int64? = nil
    ) {
        self.rowID = rowID
        self.ownerID = ownerID
        self.productID = productID
        self.productName = productName
        self.price = price
        self.priceExclusive = priceExclusive
        self.priceNetto = priceNetto
        self.priceBrutto = priceBrutto
        self.quantity = quantity
        self.discountTypeID = discountTypeID
        self.discountRate = discountRate
        self.discountSum = discountSum
        self.taxRate = taxRate
        self.taxIncluded = taxIncluded
        self.customized = customized
        self.measureCode = measureCode
        self.measureName = measureName
        self.sort = sort
        self.type = type
    }
}

/// One contact binding of a lead (`dw.bridge_lead_contact`) or a deal (`dw.bridge_deal_contact`).
public struct ContactLinkRecord: Sendable, Equatable {
    /// The lead or deal.
    public var ownerID: Int64
    /// The contact.
    public var contactID: Int64
    /// Primary contact of the lead.
    public var isPrimary: Bool
    /// Display order.
    public var sort: Int64?
    /// Reserved by Bitrix24.
    public var roleID: Int64?

    /// Creates a row with every field given.
    public init(
        ownerID: Int64, contactID: Int64, isPrimary: Bool, sort: Int64? = nil, roleID: Int64? = nil
    ) {
        self.ownerID = ownerID
        self.contactID = contactID
        self.isPrimary = isPrimary
        self.sort = sort
        self.roleID = roleID
    }
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

    /// Creates a row with every field given.
    public init(
        historyID: Int64, leadID: Int64, typeID: Int64? = nil, statusID: String? = nil, statusSemantic: String? = nil,
        createdAt: Int64? = nil, createdDateKey: Int
    ) {
        self.historyID = historyID
        self.leadID = leadID
        self.typeID = typeID
        self.statusID = statusID
        self.statusSemantic = statusSemantic
        self.createdAt = createdAt
        self.createdDateKey = createdDateKey
    }
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
    /// For `crm` fields: the CRM types it may bind (`LEAD`, `CONTACT`…), from its settings; a
    /// value without a type prefix belongs to the only one.
    public var crmTypes: [String]

    /// Creates a definition.
    public init(
        name: String, type: String, isMultiple: Bool, items: [Int64: String], label: String?, crmTypes: [String] = []
    ) {
        self.name = name
        self.type = type
        self.isMultiple = isMultiple
        self.items = items
        self.label = label
        self.crmTypes = crmTypes
    }
}

/// Which contacts a lead is bound to, as far as a set tells: the contacts and the primary one
/// (not their order or sort, which the bulk answer does not give).
public struct BindingSet: Sendable, Equatable {
    /// Every bound contact.
    public var contactIDs: Set<Int64>
    /// The primary contact, when the lead has any.
    public var primary: Int64?

    /// A set with these contacts and primary.
    public init(contactIDs: Set<Int64>, primary: Int64?) {
        self.contactIDs = contactIDs
        self.primary = contactIDs.isEmpty ? nil : primary
    }

    /// No contacts.
    public static let empty = BindingSet(contactIDs: [], primary: nil)
}
