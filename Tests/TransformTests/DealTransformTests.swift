import B24Core
import Star
import Testing
import Transform

@Suite("Transform: deals, deal history and deal funnels to typed star rows")
struct DealTransformTests {
    static let transformer = DealTransformer(
        time: PortalTime(offsetSeconds: 10_800), stageSemantics: ["NEW": "P", "WON": "S", "C1:LOSE": "F"])

    @Test(
        "a deal without a lead in every spelling has none; days are the local days their text names; a closed deal's day is its move"
    )
    func dealRow() throws {
        for empty: JSON in [.null, "", "0", .int(0)] {
            let row = try Self.transformer.deal(["ID": "7", "LEAD_ID": empty, "STAGE_ID": "NEW"])
            #expect(row.leadID == nil, "\(empty)")
        }
        let row = try Self.transformer.deal([
            "ID": "12", "LEAD_ID": "345", "CATEGORY_ID": "1", "STAGE_ID": "C1:LOSE", "OPPORTUNITY": "1500.50",
            "CURRENCY_ID": "EUR", "BEGINDATE": "2024-03-01T00:00:00+03:00", "CLOSEDATE": "2024-03-31T00:00:00+03:00",
            "CLOSED": "Y", "DATE_CREATE": "2024-03-01T10:00:00+03:00", "MOVED_TIME": "2024-03-31T01:30:00+03:00",
            "COMPANY_ID": "0", "IS_RETURN_CUSTOMER": "N",
        ])
        #expect(row.leadID == 345)
        #expect(row.categoryID == 1)
        #expect(row.stageSemantic == "F", "the stage's semantics when the record sends none")
        #expect(row.opportunity == "1500.50")
        #expect(row.beginDate == "2024-03-01" && row.closeDate == "2024-03-31")
        #expect(row.companyID == nil)
        #expect(row.closedDateKey == 20_240_331, "the local day it moved to its lost stage")
        #expect(row.createdDateKey == 20_240_301)
        let open = try Self.transformer.deal(["ID": "13", "STAGE_ID": "NEW", "MOVED_TIME": "2024-03-31T01:30:00+03:00"])
        #expect(open.closedDateKey == 0, "open deals have no close day")
        #expect(open.categoryID == 0, "no CATEGORY_ID is the default funnel")
    }

    @Test("a deal whose amount or date is not one is rejected with its id and field")
    func rejects() {
        #expect(throws: TransformError.self) { try Self.transformer.deal(["ID": "5", "OPPORTUNITY": "a lot"]) }
        do {
            _ = try Self.transformer.deal(["ID": "6", "DATE_CREATE": "yesterday"])
            Issue.record("a bad date was accepted")
        } catch {
            #expect(error.id == 6 && error.field == "DATE_CREATE")
        }
    }

    @Test("deal history keeps its funnel; a funnel change is type 5")
    func history() throws {
        let row = try Self.transformer.stageHistory([
            "ID": 90, "TYPE_ID": 5, "OWNER_ID": 12, "CREATED_TIME": "2024-05-01T12:00:00+03:00", "CATEGORY_ID": 3,
            "STAGE_SEMANTIC_ID": "P", "STAGE_ID": "C3:NEW",
        ])
        #expect(row.typeID == 5 && row.categoryID == 3 && row.stageID == "C3:NEW" && row.dealID == 12)
    }

    @Test(
        "funnels come from crm.category.list, stages from the DEAL_STAGE rows of crm.status.list; without the categories the funnels are named, 0 always among them"
    )
    func funnels() {
        let statuses: [JSON] = [
            ["ENTITY_ID": "STATUS", "STATUS_ID": "NEW", "SORT": "10"],
            ["ENTITY_ID": "DEAL_STAGE", "STATUS_ID": "NEW", "NAME": "New", "SORT": "10"],
            ["ENTITY_ID": "DEAL_STAGE", "STATUS_ID": "WON", "NAME": "Won", "SORT": "60", "SEMANTICS": "S"],
            ["ENTITY_ID": "DEAL_STAGE_4", "STATUS_ID": "C4:LOSE", "NAME": "Lost", "SORT": "30", "SEMANTICS": "F"],
        ]
        let read = ReferenceTransformer.deals(
            categories: [["id": 0, "name": "Sales", "sort": 100, "isDefault": "Y"], ["id": 4, "name": "Tenders"]],
            statuses: statuses)
        #expect(read.stages.map(\.stageID) == ["NEW", "WON", "C4:LOSE"], "lead stages are left out")
        #expect(read.stages.map(\.categoryID) == [0, 0, 4])
        #expect(read.stages.map(\.semantic) == ["P", "S", "F"])
        #expect(read.categories.map(\.name) == ["Sales", "Tenders"])
        let refused = ReferenceTransformer.deals(categories: nil, statuses: statuses)
        #expect(refused.categories.map(\.categoryID) == [0, 4])
        #expect(refused.categories.map(\.isDefault) == [true, false])
        #expect(ReferenceTransformer.deals(categories: nil, statuses: []).categories.map(\.categoryID) == [0])
    }
}
