import B24Core
import PortalSim
import Testing

@Suite("What the webhook's user may see: narrowed rights, simple CRM mode, the recycle bin")
struct AccessTests {
    static func portal() -> SimulatedPortal {
        SimulatedPortal(
            dataset: PortalDataset.generate(
                seed: 12, leadCount: 400, time: PortalTime(offsetSeconds: 10_800), anchor: 1_767_214_800),
            limits: PortalLimits(rate: 0))
    }

    static func json(_ outcome: MethodOutcome) -> JSON {
        if case .success(let result, _, _) = outcome { return result }
        return .null
    }

    @Test(
        "narrowed to one user: lists and their totals hold only that user's leads, get is refused, profile is not admin"
    )
    func narrowed() throws {
        let portal = Self.portal()
        let data = portal.snapshot
        let own = data.leadIDs.filter { data.leads[$0]?.assignedByID == 3 }
        let other = try #require(data.leadIDs.first { data.leads[$0]?.assignedByID != 3 })
        #expect(!own.isEmpty && own.count < data.leadIDs.count)
        portal.accessRights = PortalAccess(visibleTo: 3)
        var listed: [Int64] = []
        var start: Int64 = 0
        var total: Int64?
        while true {
            let outcome = portal.call(
                "crm.lead.list", ["select": ["ID"], "order": ["ID": "ASC"], "start": .int(start)])
            guard case .success(let result, let pageTotal, let next) = outcome else {
                Issue.record("list failed: \(outcome)")
                return
            }
            total = total ?? pageTotal.map { Int64($0) }
            listed += (result.elements ?? []).compactMap { $0["ID"]?.lenientInt }
            guard let next else { break }
            start = Int64(next)
        }
        #expect(listed == own)
        #expect(total == Int64(own.count))
        guard case .failure(let denied) = portal.call("crm.lead.get", ["id": .int(other)]) else {
            Issue.record("an invisible lead was returned")
            return
        }
        #expect(denied.description == "Access denied.")
        #expect(Self.json(portal.call("profile", [:]))["ADMIN"] == .bool(false))
        let history = Self.json(
            portal.call("crm.stagehistory.list", ["entityTypeId": 1, "order": ["ID": "ASC"], "start": 0]))
        let owners = Set((history["items"]?.elements ?? []).compactMap { $0["OWNER_ID"]?.lenientInt })
        #expect(owners.isSubset(of: Set(own)))
        portal.accessRights = PortalAccess()
        #expect(Self.json(portal.call("profile", [:]))["ADMIN"] == .bool(true))
    }

    @Test("simple CRM mode: crm.settings.mode.get says 2 and lead lists are empty")
    func simpleMode() {
        let portal = Self.portal()
        #expect(Self.json(portal.call("crm.settings.mode.get", [:])) == .int(1))
        portal.accessRights = PortalAccess(crmMode: 2)
        #expect(Self.json(portal.call("crm.settings.mode.get", [:])) == .int(2))
        #expect(Self.json(portal.call("crm.lead.list", ["start": -1])).elements?.isEmpty == true)
    }

    @Test("a deleted lead comes back from the recycle bin with its children and history, its DATE_MODIFY kept")
    func restore() {
        let portal = Self.portal()
        let before = portal.snapshot
        let id = before.leadIDs[5]
        #expect(Self.json(portal.call("crm.lead.delete", ["id": .int(id)])) == .bool(true))
        #expect(portal.snapshot.leads[id] == nil)
        #expect(portal.restore(lead: id))
        #expect(!portal.restore(lead: id))
        let after = portal.snapshot
        #expect(after.leadIDs == before.leadIDs)
        #expect(after.leads[id]?.dateModify == before.leads[id]?.dateModify)
        #expect(after.productRows[id]?.map(\.id) == before.productRows[id]?.map(\.id))
        #expect(after.history.map(\.id) == before.history.map(\.id))
    }
}
