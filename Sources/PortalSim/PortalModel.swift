import B24Core

/// A lead stage or source as `crm.status.list` returns it.
public struct SimStatus: Sendable, Equatable {
    /// `STATUS` (lead stages) or `SOURCE`.
    public var entityID: String
    /// The code leads refer to, e.g. `NEW`, `CONVERTED`, `UC_QUALIFY`.
    public var statusID: String
    /// Display name.
    public var name: String
    /// Order in the funnel.
    public var sort: Int
    /// `nil` in progress, `S` success, `F` failure (stages only).
    public var semantics: String?
    /// Whether Bitrix24 ships it.
    public var isSystem: Bool
    /// Row id in `b_crm_status`.
    public var id: Int
    /// Stage colour.
    public var color: String

    /// `P`, `S` or `F` — the lead's `STATUS_SEMANTIC_ID` while it sits in this stage.
    public var semanticID: String { semantics ?? "P" }
}

/// A portal user as `user.get` returns it.
public struct SimUser: Sendable, Equatable {
    /// User id.
    public var id: Int64
    /// First name.
    public var name: String
    /// Last name.
    public var lastName: String
    /// E-mail.
    public var email: String
    /// Job title.
    public var position: String
    /// Whether the user can log in.
    public var active: Bool
}

/// A catalog product referenced by product rows.
public struct SimProduct: Sendable, Equatable {
    /// Product id (0 would mean "not from the catalog").
    public var id: Int64
    /// Product name.
    public var name: String
    /// Unit price in the portal's base currency.
    public var price: Double
    /// Unit of measure code (OKEI), e.g. 796 for pieces.
    public var measureCode: Int
    /// Unit of measure name.
    public var measureName: String
    /// Product type: 1 simple, 4 variation, 7 service.
    public var type: Int
}

/// One product row of a lead or a deal.
public struct SimProductRow: Sendable, Equatable {
    /// Row id (global, shared by leads and deals).
    public var id: Int64
    /// The lead or deal the row belongs to.
    public var ownerID: Int64
    /// Catalog product, 0 when typed by hand.
    public var productID: Int64
    /// Product name as written on the row.
    public var productName: String
    /// Final unit price (after discount, with tax if included).
    public var price: Double
    /// Quantity.
    public var quantity: Double
    /// 1 absolute, 2 percent.
    public var discountTypeID: Int
    /// Discount percent.
    public var discountRate: Double
    /// Discount per unit.
    public var discountSum: Double
    /// Tax percent, or `nil`.
    public var taxRate: Double?
    /// Whether `price` includes tax.
    public var taxIncluded: Bool
    /// Unit of measure code.
    public var measureCode: Int
    /// Unit of measure name.
    public var measureName: String
    /// Display order.
    public var sort: Int
    /// Product type.
    public var type: Int
    /// `L` for a lead's row, `D` for a deal's.
    public var ownerType: String = "L"
}

/// One CRM activity (`crm.activity.*`): a call, e-mail, meeting, to-do or provider activity.
public struct SimActivity: Sendable, Equatable {
    /// Activity id.
    public var id: Int64
    /// 1 meeting, 2 call, 3 task, 4 e-mail, 6 provider activity.
    public var typeID: Int
    /// `VOXIMPLANT_CALL`, `CRM_EMAIL`, `CRM_MEETING`, `CRM_TODO`, `CRM_WEBFORM`…
    public var providerID: String
    /// `CALL`, `EMAIL`, `MEETING`, `TODO`, `WEBFORM`…
    public var providerTypeID: String
    /// 0 none, 1 incoming, 2 outgoing.
    public var direction: Int
    /// Whether it is done.
    public var completed: Bool
    /// 1 waiting, 2 completed, 3 auto-completed.
    public var status: Int
    /// 1 low, 2 medium, 3 high.
    public var priority: Int
    /// Created (unix seconds).
    public var created: Int64
    /// Last changed (unix seconds).
    public var lastUpdated: Int64
    /// Starts (unix seconds).
    public var startTime: Int64?
    /// Ends (unix seconds).
    public var endTime: Int64?
    /// Due (unix seconds); `nil` is the portal's "no deadline" (`9999-12-31`).
    public var deadline: Int64?
    /// Responsible user.
    public var responsibleID: Int64
    /// Author.
    public var authorID: Int64
    /// Subject line.
    public var subject: String
    /// What it is bound to, the owner (`OWNER_TYPE_ID`/`OWNER_ID`) first.
    public var bindings: [SimActivityBinding]
}

/// One binding of an activity to a CRM entity.
public struct SimActivityBinding: Sendable, Equatable, Hashable {
    /// 1 lead, 2 deal, 3 contact, 4 company.
    public var ownerTypeID: Int
    /// The entity's id.
    public var ownerID: Int64

    /// A binding.
    public init(ownerTypeID: Int, ownerID: Int64) {
        self.ownerTypeID = ownerTypeID
        self.ownerID = ownerID
    }
}

/// A lead-contact binding as `crm.lead.contact.items.get` returns it.
public struct SimContactBinding: Sendable, Equatable {
    /// The bound contact.
    public var contactID: Int64
    /// Display order.
    public var sort: Int
    /// Reserved by Bitrix24, always 0.
    public var roleID: Int
    /// Whether this is the primary contact.
    public var isPrimary: Bool
}

/// One stage-history record (`crm.stagehistory.list`, entityTypeId 1).
public struct SimStageHistory: Sendable, Equatable {
    /// Record id; grows with time.
    public var id: Int64
    /// 1 created, 2 moved to an intermediate stage, 3 moved to a final stage.
    public var typeID: Int
    /// The lead.
    public var ownerID: Int64
    /// When it happened (unix seconds).
    public var createdTime: Int64
    /// `P`, `S` or `F`.
    public var semanticID: String
    /// The stage entered.
    public var statusID: String
    /// The deal's funnel after the change (deal history only; `nil` for leads).
    public var categoryID: Int64? = nil
}

/// A phone or e-mail of a lead (`crm_multifield`).
public struct SimMultifield: Sendable, Equatable {
    /// Multifield row id.
    public var id: Int64
    /// `PHONE` or `EMAIL`.
    public var typeID: String
    /// `WORK`, `MOBILE`, `HOME`…
    public var valueType: String
    /// The number or address.
    public var value: String
}

/// A value of a custom (`UF_CRM_*`) field.
public enum SimCustomValue: Sendable, Equatable {
    /// A string.
    case string(String)
    /// A number (`double` fields).
    case double(Double)
    /// An integer.
    case integer(Int64)
    /// Enumeration option ids (one for a single-value field).
    case enumeration([Int64])
    /// A date and time (unix seconds).
    case datetime(Int64)
    /// A boolean.
    case boolean(Bool)
    /// Values of the other user types (and multiple strings and numbers), typed; the portal writes
    /// them as the legacy API does.
    case values([SimTypedValue])
}

/// One value of a custom field of a type the legacy API writes as text (or, for files, an object).
public enum SimTypedValue: Sendable, Equatable {
    /// Text (`string`, `url`).
    case text(String)
    /// A number (`double`).
    case number(Double)
    /// An integer (`integer`).
    case integer(Int64)
    /// Money: an amount in cents and its currency, written `1500|USD` or `99.95|EUR`.
    case money(cents: Int64, currency: String)
    /// A day (`date`): the portal-local day of this instant, written as that day's local midnight.
    case day(Int64)
    /// An instant (`datetime`).
    case instant(Int64)
    /// A user id (`employee`).
    case user(Int64)
    /// A CRM item (`crm`): its type prefix (`L`, `C`, `CO`, `D`) and id.
    case crm(prefix: String, id: Int64)
    /// A file: its id and name (the legacy API answers only the id and two URLs that carry the
    /// caller's token).
    case file(id: Int64, name: String)
    /// An address with its point and location id, written `text|lat;lng|id`.
    case address(String, latitude: Double, longitude: Double, locationID: Int64)
}

/// A custom field definition (`crm.lead.userfield.list`).
public struct SimCustomField: Sendable, Equatable {
    /// Definition id.
    public var id: Int
    /// `UF_CRM_…`.
    public var fieldName: String
    /// `string`, `double`, `integer`, `enumeration`, `datetime`, `boolean`.
    public var userTypeID: String
    /// Whether it holds several values.
    public var multiple: Bool
    /// Whether it must be filled.
    public var mandatory: Bool
    /// Display order.
    public var sort: Int
    /// The label users see.
    public var label: String
    /// Enumeration options (id, value).
    public var items: [(id: Int64, value: String)]
    /// For `crm` fields: the CRM types it may bind (`LEAD`, `CONTACT`, `COMPANY`, `DEAL`).
    public var crmTypes: [String] = []

    /// Equal when every attribute and option is equal.
    public static func == (lhs: SimCustomField, rhs: SimCustomField) -> Bool {
        lhs.id == rhs.id && lhs.fieldName == rhs.fieldName && lhs.userTypeID == rhs.userTypeID
            && lhs.multiple == rhs.multiple && lhs.label == rhs.label && lhs.sort == rhs.sort
            && lhs.items.map(\.id) == rhs.items.map(\.id) && lhs.items.map(\.value) == rhs.items.map(\.value)
            && lhs.crmTypes == rhs.crmTypes
    }
}

/// A lead with every field the simulator serves.
public struct SimLead: Sendable, Equatable {
    /// Lead id.
    public var id: Int64
    /// Title.
    public var title: String
    /// Contact person's first name.
    public var name: String?
    /// Contact person's second name.
    public var secondName: String?
    /// Contact person's last name.
    public var lastName: String?
    /// Company name typed into the lead.
    public var companyTitle: String?
    /// Job title.
    public var post: String?
    /// Free-text comments (may be long or hostile).
    public var comments: String?
    /// Current stage.
    public var statusID: String
    /// Stage comment.
    public var statusDescription: String?
    /// Source code.
    public var sourceID: String?
    /// Source comment.
    public var sourceDescription: String?
    /// Owner.
    public var assignedByID: Int64
    /// Creator.
    public var createdByID: Int64
    /// Last modifier.
    public var modifyByID: Int64
    /// Who last moved the stage.
    public var movedByID: Int64
    /// Linked company, if any.
    public var companyID: Int64?
    /// Expected amount in cents.
    public var opportunityCents: Int64
    /// Currency code.
    public var currencyID: String
    /// Whether the amount was typed (not summed from products).
    public var isManualOpportunity: Bool
    /// Visible to everyone.
    public var opened: Bool
    /// Created (unix seconds).
    public var dateCreate: Int64
    /// Last modified (unix seconds).
    public var dateModify: Int64
    /// Last stage move (unix seconds).
    public var movedTime: Int64
    /// Closed (unix seconds), for leads in a final stage.
    public var dateClosed: Int64?
    /// UTM tags: source, medium, campaign, content, term.
    public var utm: [String?]
    /// Phones and e-mails.
    public var multifields: [SimMultifield]
    /// Custom field values by field name.
    public var custom: [String: SimCustomValue]
}

/// A deal funnel as `crm.category.list` (`entityTypeId` 2) returns it; id 0 is the default funnel.
public struct SimDealCategory: Sendable, Equatable {
    /// Funnel id.
    public var id: Int64
    /// Name users see.
    public var name: String
    /// Display order.
    public var sort: Int

    /// The `ENTITY_ID` its stages have in `crm.status.list`: `DEAL_STAGE` or `DEAL_STAGE_<id>`.
    public var stageEntityID: String { id == 0 ? "DEAL_STAGE" : "DEAL_STAGE_\(id)" }
}

/// A deal with the fields the simulator serves.
public struct SimDeal: Sendable, Equatable {
    /// Deal id.
    public var id: Int64
    /// Name.
    public var title: String
    /// The lead it was converted from; `nil` for a deal made without one (a repeat sale).
    public var leadID: Int64?
    /// Its funnel.
    public var categoryID: Int64
    /// Its stage (`C<n>:` prefixed outside funnel 0).
    public var stageID: String
    /// Amount in cents.
    public var opportunityCents: Int64
    /// Currency of the amount.
    public var currencyID: String
    /// Start day (unix seconds of the day's start).
    public var beginDate: Int64
    /// Planned or actual close day (unix seconds of the day's start).
    public var closeDate: Int64
    /// Responsible user.
    public var assignedByID: Int64
    /// Source code.
    public var sourceID: String?
    /// Company.
    public var companyID: Int64?
    /// Created (unix seconds).
    public var dateCreate: Int64
    /// Modified (unix seconds).
    public var dateModify: Int64
    /// Entered its stage (unix seconds).
    public var movedTime: Int64
    /// UTM source, medium, campaign, content, term.
    public var utm: [String?]
    /// A repeat deal of a client.
    public var isReturnCustomer: Bool
    /// A repeated approach of a client.
    public var isRepeatedApproach: Bool
    /// Custom field values by `UF_*` name, as the list sends them.
    public var custom: [String: String] = [:]
}
