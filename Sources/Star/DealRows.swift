/// One `dw.fact_deal` row, typed; times are unix seconds, days `YYYY-MM-DD` in the portal's zone.
public struct DealRow: Sendable, Equatable {
    /// Deal id.
    public var dealID: Int64
    /// `TITLE`.
    public var title: String?
    /// `LEAD_ID`: the lead it was converted from (NULL for `null`, `"0"`, `""`).
    public var leadID: Int64?
    /// `CATEGORY_ID`: its funnel (0 is the default one).
    public var categoryID: Int64
    /// `STAGE_ID`.
    public var stageID: String?
    /// `P`, `S` or `F`.
    public var stageSemantic: String?
    /// `OPPORTUNITY` as decimal text.
    public var opportunity: String?
    /// `CURRENCY_ID`.
    public var currencyID: String?
    /// `BEGINDATE` as the local day it names.
    public var beginDate: String?
    /// `CLOSEDATE` as the local day it names (the planned close day while open).
    public var closeDate: String?
    /// `CLOSED`.
    public var closed: Bool?
    /// `DATE_CREATE`.
    public var createdAt: Int64?
    /// `DATE_MODIFY`.
    public var modifiedAt: Int64?
    /// `MOVED_TIME`: when the deal entered its stage.
    public var movedAt: Int64?
    /// `ASSIGNED_BY_ID`.
    public var assignedByID: Int64?
    /// `SOURCE_ID`.
    public var sourceID: String?
    /// `COMPANY_ID`.
    public var companyID: Int64?
    /// `UTM_SOURCE`, `UTM_MEDIUM`, `UTM_CAMPAIGN`, `UTM_CONTENT`, `UTM_TERM`.
    public var utm: [String?]
    /// `IS_RETURN_CUSTOMER`.
    public var isReturnCustomer: Bool?
    /// `IS_REPEATED_APPROACH`.
    public var isRepeatedApproach: Bool?
    /// Local date of `createdAt`, `yyyymmdd`, 0 when unknown.
    public var createdDateKey: Int
    /// Local date the deal closed (its move to a won or lost stage), 0 while open.
    public var closedDateKey: Int
    /// `UF_*` fields as a JSON object (text), file URLs left out.
    public var customFields: String

    /// Creates a row.
    public init(
        dealID: Int64, title: String? = nil, leadID: Int64? = nil, categoryID: Int64 = 0, stageID: String? = nil,
        stageSemantic: String? = nil, opportunity: String? = nil, currencyID: String? = nil, beginDate: String? = nil,
        closeDate: String? = nil, closed: Bool? = nil, createdAt: Int64? = nil, modifiedAt: Int64? = nil,
        movedAt: Int64? = nil, assignedByID: Int64? = nil, sourceID: String? = nil, companyID: Int64? = nil,
        utm: [String?] = [nil, nil, nil, nil, nil], isReturnCustomer: Bool? = nil, isRepeatedApproach: Bool? = nil,
        createdDateKey: Int = 0, closedDateKey: Int = 0, customFields: String = "{}"
    ) {
        self.dealID = dealID
        self.title = title
        self.leadID = leadID
        self.categoryID = categoryID
        self.stageID = stageID
        self.stageSemantic = stageSemantic
        self.opportunity = opportunity
        self.currencyID = currencyID
        self.beginDate = beginDate
        self.closeDate = closeDate
        self.closed = closed
        self.createdAt = createdAt
        self.modifiedAt = modifiedAt
        self.movedAt = movedAt
        self.assignedByID = assignedByID
        self.sourceID = sourceID
        self.companyID = companyID
        self.utm = utm
        self.isReturnCustomer = isReturnCustomer
        self.isRepeatedApproach = isRepeatedApproach
        self.createdDateKey = createdDateKey
        self.closedDateKey = closedDateKey
        self.customFields = customFields
    }
}

/// One `dw.fact_deal_stage_history` row: a deal entering a stage, or a funnel.
public struct DealStageHistoryRecord: Sendable, Equatable {
    /// Record id.
    public var historyID: Int64
    /// The deal.
    public var dealID: Int64
    /// 1 created, 2 intermediate stage, 3 final stage, 5 moved to another funnel.
    public var typeID: Int64?
    /// The funnel after the change.
    public var categoryID: Int64
    /// The stage entered.
    public var stageID: String?
    /// `P`, `S` or `F`.
    public var stageSemantic: String?
    /// When (unix seconds).
    public var createdAt: Int64?
    /// Its local date, `yyyymmdd`.
    public var createdDateKey: Int

    /// Creates a row.
    public init(
        historyID: Int64, dealID: Int64, typeID: Int64?, categoryID: Int64, stageID: String?, stageSemantic: String?,
        createdAt: Int64?, createdDateKey: Int
    ) {
        self.historyID = historyID
        self.dealID = dealID
        self.typeID = typeID
        self.categoryID = categoryID
        self.stageID = stageID
        self.stageSemantic = stageSemantic
        self.createdAt = createdAt
        self.createdDateKey = createdDateKey
    }
}

/// A `dw.dim_deal_category` row: a deal funnel.
public struct DealCategoryRecord: Sendable, Equatable {
    /// Funnel id (0: the default funnel).
    public var categoryID: Int64
    /// Name.
    public var name: String?
    /// Display order.
    public var sort: Int64?
    /// The portal's default funnel.
    public var isDefault: Bool

    /// Creates a row.
    public init(categoryID: Int64, name: String?, sort: Int64?, isDefault: Bool) {
        self.categoryID = categoryID
        self.name = name
        self.sort = sort
        self.isDefault = isDefault
    }
}

/// A `dw.dim_deal_stage` row: a stage of one funnel.
public struct DealStageRecord: Sendable, Equatable {
    /// Stage id (`C<n>:` prefixed outside the default funnel).
    public var stageID: String
    /// Its funnel.
    public var categoryID: Int64
    /// Name.
    public var name: String?
    /// Order within the funnel.
    public var sort: Int64?
    /// `P` in progress, `S` won, `F` lost.
    public var semantic: String
    /// Colour.
    public var color: String?
    /// Shipped by Bitrix24.
    public var isSystem: Bool?

    /// Creates a row.
    public init(
        stageID: String, categoryID: Int64, name: String?, sort: Int64?, semantic: String, color: String?,
        isSystem: Bool?
    ) {
        self.stageID = stageID
        self.categoryID = categoryID
        self.name = name
        self.sort = sort
        self.semantic = semantic
        self.color = color
        self.isSystem = isSystem
    }
}

/// A batch of deals ready to load, with the keyset cursor it moves to.
public struct DealChunk: Sendable {
    /// Deal rows.
    public var deals: [DealRow] = []
    /// Records rejected (named in the run log).
    public var rejected: [TransformError] = []
    /// The last deal id read, loaded or not.
    public var cursor: Int64 = 0
    /// Product rows of the chunk's deals (every row of each deal: a deal's rows are replaced as a set).
    public var productRows: [ProductRowRecord] = []
    /// Exact contact bindings of the deals whose contact set differed from `dw`.
    public var contactLinks: [ContactLinkRecord] = []
    /// Deals whose contact set equals `dw`'s: their bindings stay.
    public var linksKept: [Int64] = []
    /// Contacts the chunk's bindings name that `dw` did not hold.
    public var contacts: [ContactRecord] = []
    /// Companies the chunk's deals name that `dw` did not hold.
    public var companies: [CompanyRecord] = []

    /// An empty chunk.
    public init() {}
}
