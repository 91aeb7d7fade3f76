import B24Core
import Bitrix24
import Extract
import SimTestSupport
import Testing

@Suite("Children of leads read in batches against the simulator")
struct LeadChildrenReaderTests {
    @Test("children of many leads come back exactly, 50 commands per request; a deleted lead is flagged")
    func leadChildren() async throws {
        let setup = try SimulatedSetup(leads: 400)
        let data = setup.portal.snapshot
        let ids = Array(data.leadIDs.prefix(300))
        _ = setup.portal.call("crm.lead.delete", ["id": .int(ids[7])])
        let before = setup.transport.requests.count
        let children = try await LeadChildrenReader(client: setup.client, concurrency: 3).read(ids)
        #expect(setup.transport.requests.count - before == 12)
        #expect(children.count == 300)
        #expect(children[ids[7]]?.isMissing == true)
        for id in ids where id != ids[7] {
            let got = try #require(children[id])
            #expect(!got.isMissing)
            #expect(got.productRows.compactMap { $0["ID"]?.lenientInt } == (data.productRows[id] ?? []).map(\.id))
            #expect(
                got.contacts.compactMap { $0["CONTACT_ID"]?.lenientInt } == (data.bindings[id] ?? []).map(\.contactID))
        }
        let withoutContacts = Set(ids.filter { data.bindings[$0] == nil })
        let lighter = setup.transport.requests.count
        _ = try await LeadChildrenReader(client: setup.client).read(ids, withoutContacts: withoutContacts)
        #expect(setup.transport.requests.count - lighter == (600 - withoutContacts.count + 49) / 50)
    }
}
