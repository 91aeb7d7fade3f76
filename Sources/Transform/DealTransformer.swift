import B24Core
import Star

/// Pure functions from `crm.deal.list` records and deal stage history to typed star rows, with
/// the same rules as leads: every empty spelling is NULL (a `LEAD_ID` of `"0"` too), a value
/// that cannot be loaded exactly rejects the record with a `TransformError`.
public struct DealTransformer: Sendable {
    /// The portal's time zone: days and date keys are local there.
    public let time: PortalTime
    /// Deal stage semantics by stage id, for deals or history that lack them.
    public let stageSemantics: [String: String]

    /// A transformer for one portal.
    public init(time: PortalTime, stageSemantics: [String: String]) {
        self.time = time
        self.stageSemantics = stageSemantics
    }

    /// The children of deals (product rows, bindings, contact sets).
    public var children: ChildTransformer { ChildTransformer(time: time, owner: "deal") }

    /// A `crm.deal.list` record as a `dw.fact_deal` row.
    public func deal(_ record: JSON) throws(TransformError) -> DealRow {
        var reader = RecordReader(record: record, entity: "deal", time: time)
        let id = try reader.id("ID")
        reader.id = id
        let stage = reader.text("STAGE_ID")
        let semantic = semantics(reader.text("STAGE_SEMANTIC_ID"), stage: stage)
        let created = try reader.dated("DATE_CREATE")
        let moved = try reader.dated("MOVED_TIME")
        return DealRow(
            dealID: id, title: reader.text("TITLE"), leadID: try reader.reference("LEAD_ID"),
            categoryID: try reader.integer("CATEGORY_ID") ?? 0, stageID: stage, stageSemantic: semantic,
            opportunity: try reader.decimal("OPPORTUNITY"), currencyID: reader.text("CURRENCY_ID"),
            beginDate: try day(reader, "BEGINDATE"), closeDate: try day(reader, "CLOSEDATE"),
            closed: try reader.flag("CLOSED"), createdAt: created?.stamp,
            modifiedAt: try reader.timestamp("DATE_MODIFY"), movedAt: moved?.stamp,
            assignedByID: try reader.reference("ASSIGNED_BY_ID"), sourceID: reader.text("SOURCE_ID"),
            companyID: try reader.reference("COMPANY_ID"),
            utm: ["UTM_SOURCE", "UTM_MEDIUM", "UTM_CAMPAIGN", "UTM_CONTENT", "UTM_TERM"].map { reader.text($0) },
            isReturnCustomer: try reader.flag("IS_RETURN_CUSTOMER"),
            isRepeatedApproach: try reader.flag("IS_REPEATED_APPROACH"), createdDateKey: created?.dateKey ?? 0,
            closedDateKey: semantic == "S" || semantic == "F" ? (moved?.dateKey ?? 0) : 0,
            customFields: Self.customFieldsJSON(record))
    }

    /// The record's `UF_*` fields as sent (numbers, text, lists), NUL removed and every member of
    /// an object whose name ends in `url` left out (file links carry an access token).
    static func customFieldsJSON(_ record: JSON) -> String {
        guard let members = record.objectValue else { return "{}" }
        var object = JSONObject()
        for (key, value) in members where key.hasPrefix("UF_") {
            object[key] = LeadTransformer.stripNUL(withoutLinks(value)).0
        }
        return JSON.object(object).serialized()
    }

    private static func withoutLinks(_ value: JSON) -> JSON {
        switch value {
        case .array(let elements):
            return .array(elements.map(withoutLinks))
        case .object(let members):
            var kept = JSONObject()
            for (key, member) in members where !key.lowercased().hasSuffix("url") { kept[key] = withoutLinks(member) }
            return .object(kept)
        default:
            return value
        }
    }

    /// A `crm.stagehistory.list` item of a deal.
    public func stageHistory(_ record: JSON) throws(TransformError) -> DealStageHistoryRecord {
        var reader = RecordReader(record: record, entity: "deal stage history", time: time)
        let id = try reader.id("ID")
        reader.id = id
        let created = try reader.dated("CREATED_TIME")
        let stage = reader.text("STAGE_ID")
        return DealStageHistoryRecord(
            historyID: id, dealID: try reader.id("OWNER_ID"), typeID: try reader.integer("TYPE_ID"),
            categoryID: try reader.integer("CATEGORY_ID") ?? 0, stageID: stage,
            stageSemantic: semantics(reader.text("STAGE_SEMANTIC_ID"), stage: stage), createdAt: created?.stamp,
            createdDateKey: created?.dateKey ?? 0)
    }

    /// `P`, `S` or `F` as sent, else the stage's own, else `P` when there is a stage.
    private func semantics(_ sent: String?, stage: String?) -> String? {
        if let sent = sent?.uppercased(), ["P", "S", "F"].contains(sent) { return sent }
        return stage.flatMap { stageSemantics[$0] } ?? (stage == nil ? nil : "P")
    }

    /// A date field (`2024-04-25` or midnight with its offset) as the local day it names.
    private func day(_ reader: RecordReader, _ field: String) throws(TransformError) -> String? {
        guard let dated = try reader.dated(field) else { return nil }
        let key = dated.dateKey
        return "\(PortalTime.pad(Int64(key / 10_000), 4))-\(PortalTime.pad(Int64(key / 100 % 100), 2))-"
            + PortalTime.pad(Int64(key % 100), 2)
    }
}

extension ReferenceTransformer {
    /// Deal funnels and their stages: `categories` from `crm.category.list` (entity type 2; `nil`
    /// when the portal refused it: the funnels are then named by their stages' lists), `statuses`
    /// every `crm.status.list` row (those of `DEAL_STAGE…` are kept). The default funnel 0 is
    /// always among the funnels.
    public static func deals(
        categories: [JSON]?, statuses: [JSON]
    ) -> (
        categories: [DealCategoryRecord], stages: [DealStageRecord]
    ) {
        var stages: [DealStageRecord] = []
        for row in statuses {
            guard let entity = row["ENTITY_ID"]?.lenientText, entity.hasPrefix("DEAL_STAGE"),
                let status = status(row)
            else { continue }
            let category =
                row["CATEGORY_ID"]?.lenientInt ?? (entity == "DEAL_STAGE" ? 0 : Int64(entity.dropFirst(11)) ?? 0)
            stages.append(
                DealStageRecord(
                    stageID: status.statusID, categoryID: category, name: status.name, sort: status.sort,
                    semantic: status.semantic, color: status.color, isSystem: status.isSystem))
        }
        var funnels: [Int64: DealCategoryRecord] = [:]
        for row in categories ?? [] {
            guard let id = (row["id"] ?? row["ID"])?.lenientInt else { continue }
            funnels[id] = DealCategoryRecord(
                categoryID: id, name: (row["name"] ?? row["NAME"])?.lenientText,
                sort: (row["sort"] ?? row["SORT"])?.lenientInt,
                isDefault: (row["isDefault"] ?? row["IS_DEFAULT"])?.lenientBool ?? (id == 0))
        }
        for stage in stages where funnels[stage.categoryID] == nil {
            funnels[stage.categoryID] = DealCategoryRecord(
                categoryID: stage.categoryID, name: stage.categoryID == 0 ? "Deals" : "Funnel \(stage.categoryID)",
                sort: nil, isDefault: stage.categoryID == 0)
        }
        if funnels[0] == nil {
            funnels[0] = DealCategoryRecord(categoryID: 0, name: "Deals", sort: nil, isDefault: true)
        }
        return (funnels.values.sorted { $0.categoryID < $1.categoryID }, stages)
    }
}
