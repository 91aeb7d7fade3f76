/// The tables a sync writes. Each list is the one place its columns are named for loading:
/// the COPY statements, the staging tables' use and the merges are built from it, and the
/// encoders in `CopyWriter+Star.swift` write values in exactly this order (a row with a value
/// too many or too few fails its COPY).
extension StarTable {
    /// `dw.fact_lead`, the accumulating snapshot of each lead.
    public static let factLead = StarTable(
        "dw.fact_lead",
        columns: [
            "portal_id", "lead_id", "title", "name", "last_name", "company_title", "status_id", "status_semantic",
            "source_id", "source_description", "assigned_by_id", "created_by_id", "modify_by_id", "company_id",
            "contact_id", "opportunity", "currency_id", "is_manual_opportunity", "is_return_customer", "opened",
            "has_phone", "has_email", "created_at", "modified_at", "moved_at", "closed_at", "created_date_key",
            "closed_date_key", "utm_source", "utm_medium", "utm_campaign", "utm_content", "utm_term", "custom_fields",
        ],
        key: ["portal_id", "lead_id"])

    /// `dw.fact_lead_product`, one row per product row.
    public static let factLeadProduct = StarTable(
        "dw.fact_lead_product",
        columns: [
            "portal_id", "row_id", "lead_id", "product_id", "product_name", "price", "price_exclusive", "price_netto",
            "price_brutto", "quantity", "discount_type_id", "discount_rate", "discount_sum", "tax_rate",
            "tax_included", "customized", "measure_code", "measure_name", "sort", "type",
        ],
        key: ["portal_id", "row_id"])

    /// `dw.fact_lead_product` as the load writes it: the portal's columns and what each row keeps of
    /// its lead and of the lead's other rows (compared with the portal: `factLeadProduct`).
    public static let factLeadProductLoaded = StarTable(
        factLeadProduct.name,
        columns: factLeadProduct.columns + [
            "lead_currency_id", "lead_status_semantic", "lead_is_deleted", "repeats_product",
        ],
        key: factLeadProduct.key)

    /// `dw.bridge_lead_contact`, one row per lead and bound contact.
    public static let bridgeLeadContact = StarTable(
        "dw.bridge_lead_contact",
        columns: ["portal_id", "lead_id", "contact_id", "is_primary", "sort", "role_id"],
        key: ["portal_id", "lead_id", "contact_id"])

    /// `dw.fact_lead_stage_history`, one row per stage change.
    public static let factLeadStageHistory = StarTable(
        "dw.fact_lead_stage_history",
        columns: [
            "portal_id", "history_id", "lead_id", "type_id", "status_id", "status_semantic", "created_at",
            "created_date_key",
        ],
        key: ["portal_id", "history_id"])

    /// `dw.dim_contact`.
    public static let dimContact = StarTable(
        "dw.dim_contact",
        columns: [
            "portal_id", "contact_id", "name", "first_name", "last_name", "post", "type_id", "source_id", "company_id",
            "assigned_by_id", "created_at", "modified_at",
        ],
        key: ["portal_id", "contact_id"])

    /// `dw.dim_company`.
    public static let dimCompany = StarTable(
        "dw.dim_company",
        columns: [
            "portal_id", "company_id", "title", "company_type", "industry", "employees", "revenue", "currency_id",
            "assigned_by_id", "created_at", "modified_at",
        ],
        key: ["portal_id", "company_id"])

    /// `dw.dim_status` (lead stages).
    public static let dimStatus = StarTable(
        "dw.dim_status", columns: ["portal_id", "status_id", "name", "sort", "semantic", "color", "is_system"],
        key: ["portal_id", "status_id"])

    /// `dw.dim_source`.
    public static let dimSource = StarTable(
        "dw.dim_source", columns: ["portal_id", "source_id", "name", "sort"], key: ["portal_id", "source_id"])

    /// `dw.dim_user`.
    public static let dimUser = StarTable(
        "dw.dim_user",
        columns: ["portal_id", "user_id", "name", "first_name", "last_name", "email", "position", "active"],
        key: ["portal_id", "user_id"])

    /// `dw.dim_currency`.
    public static let dimCurrency = StarTable(
        "dw.dim_currency", columns: ["portal_id", "currency_id", "name", "amount", "amount_cnt", "is_base", "sort"],
        key: ["portal_id", "currency_id"])

    /// `dw.dim_lead_field`.
    public static let dimLeadField = StarTable(
        "dw.dim_lead_field",
        columns: [
            "portal_id", "field_name", "type", "label", "is_multiple", "is_required", "is_custom", "items", "sort",
            "section_name", "section_sort", "field_sort",
        ],
        key: ["portal_id", "field_name"])

    /// `dw.fact_deal`, the accumulating snapshot of each deal.
    public static let factDeal = StarTable(
        "dw.fact_deal",
        columns: [
            "portal_id", "deal_id", "title", "lead_id", "category_id", "stage_id", "stage_semantic", "opportunity",
            "currency_id", "begin_date", "close_date", "closed", "created_at", "modified_at", "moved_at",
            "assigned_by_id", "source_id", "company_id", "utm_source", "utm_medium", "utm_campaign", "utm_content",
            "utm_term", "is_return_customer", "is_repeated_approach", "created_date_key", "closed_date_key",
            "custom_fields",
        ],
        key: ["portal_id", "deal_id"])

    /// `dw.fact_deal_product`, one row per product row of a deal.
    public static let factDealProduct = StarTable(
        "dw.fact_deal_product",
        columns: ["portal_id", "row_id", "deal_id"] + factLeadProduct.columns.dropFirst(3),
        key: ["portal_id", "row_id"])

    /// `dw.bridge_deal_contact`, one row per deal and bound contact.
    public static let bridgeDealContact = StarTable(
        "dw.bridge_deal_contact",
        columns: ["portal_id", "deal_id", "contact_id", "is_primary", "sort", "role_id"],
        key: ["portal_id", "deal_id", "contact_id"])

    /// `dw.fact_deal_stage_history`, one row per stage or funnel change of a deal.
    public static let factDealStageHistory = StarTable(
        "dw.fact_deal_stage_history",
        columns: [
            "portal_id", "history_id", "deal_id", "type_id", "category_id", "stage_id", "stage_semantic", "created_at",
            "created_date_key",
        ],
        key: ["portal_id", "history_id"])

    /// `dw.dim_deal_category` (deal funnels).
    public static let dimDealCategory = StarTable(
        "dw.dim_deal_category", columns: ["portal_id", "category_id", "name", "sort", "is_default"],
        key: ["portal_id", "category_id"])

    /// `dw.fact_lead_activity`, one row per activity and lead it is bound to.
    public static let factLeadActivity = StarTable(
        "dw.fact_lead_activity",
        columns: [
            "portal_id", "activity_id", "lead_id", "owner_type_id", "owner_id", "type_id", "provider_id",
            "provider_type_id", "direction", "completed", "status", "priority", "created_at", "last_updated_at",
            "start_at", "end_at", "deadline_at", "responsible_id", "author_id", "subject", "created_date_key",
        ],
        key: ["portal_id", "activity_id", "lead_id"])

    /// `dw.dim_deal_stage` (the stages of every funnel).
    public static let dimDealStage = StarTable(
        "dw.dim_deal_stage",
        columns: ["portal_id", "stage_id", "category_id", "name", "sort", "semantic", "color", "is_system"],
        key: ["portal_id", "stage_id"])

    /// Every table a chunk or a reference load stages, for the session's staging DDL.
    static let staged: [StarTable] = [
        .factLead, .factLeadProduct, .bridgeLeadContact, .factLeadStageHistory, .dimContact, .dimCompany, .dimStatus,
        .dimSource, .dimUser, .dimCurrency, .dimLeadField, .factDeal, .factDealStageHistory, .dimDealCategory,
        .dimDealStage, .factDealProduct, .bridgeDealContact, .factLeadActivity,
    ]

    /// Deal attributes whose change opens a new `dw.fact_deal_version`.
    static let trackedDealColumns = [
        "category_id", "stage_id", "stage_semantic", "assigned_by_id", "opportunity", "currency_id", "company_id",
    ]

    /// Lead attributes whose change opens a new `dw.fact_lead_version`.
    static let trackedLeadColumns = [
        "status_id", "status_semantic", "source_id", "assigned_by_id", "opportunity", "currency_id", "company_id",
        "contact_id",
    ]
}
