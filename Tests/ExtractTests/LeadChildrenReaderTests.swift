import B24Core
import Bitrix24
import Extract
import PortalSim
import SimTestSupport
import Testing

@Suite("Children of leads read in batches against the simulator")
struct ChildrenReaderTests {
    /// The queries a sync asks for `ids`: binding sets of 50, owner sets of 20, exact bindings.
    static func queries(_ ids: [Int64], _ data: PortalDataset) -> [ChildQuery] {
        stride(from: 0, to: ids.count, by: 50).map { ChildQuery.bindingSets(Array(ids[$0..<min($0 + 50, ids.count)])) }
            + stride(from: 0, to: ids.count, by: 20).map {
                ChildQuery.productRowsOfSet(Array(ids[$0..<min($0 + 20, ids.count)]), after: 0)
            } + ids.filter { data.bindings[$0] != nil }.map { ChildQuery.contactItems($0) }
    }

    @Test(
        "binding sets and owner-set product rows of many leads come back exactly, full sets paged by row id; a deleted lead is flagged by its exact read"
    )
    func leadChildren() async throws {
        let setup = try SimulatedSetup(leads: 400)
        let data = setup.portal.snapshot
        let ids = Array(data.leadIDs.prefix(300))
        _ = setup.portal.call("crm.lead.delete", ["id": .int(ids[7])])
        let before = setup.transport.requests.count
        let queries = Self.queries(ids, data)
        let answers = try await ChildrenReader(client: setup.client, concurrency: 3).runToCompletion(queries)
        // One request per 50 queries, then one for the second pages of the full owner sets.
        let full = stride(from: 0, to: ids.count, by: 20).filter { start in
            ids[start..<min(start + 20, ids.count)].reduce(0) { $0 + (data.productRows[$1]?.count ?? 0) } >= 50
        }
        #expect(
            setup.transport.requests.count - before == (queries.count + 49) / 50 + (full.isEmpty ? 0 : 1))
        #expect(answers.missing == (data.bindings[ids[7]] == nil ? [] : [ids[7]]))
        #expect(answers.bindingSets[ids[7]] == nil)
        #expect(answers.refusal == nil, "\(String(describing: answers.refusal))")
        for id in ids where id != ids[7] {
            #expect(
                answers.productRows[id]?.compactMap { $0["ID"]?.lenientInt } == (data.productRows[id] ?? []).map(\.id))
            #expect(answers.productRows[id]?.first?["PRICE_EXCLUSIVE"] != nil || data.productRows[id] == nil)
            let expectedContacts = (data.bindings[id] ?? []).map(\.contactID)
            #expect(
                answers.bindingSets[id]?["contactIds"]?.elements?.compactMap(\.lenientInt) == expectedContacts.sorted())
            if !expectedContacts.isEmpty {
                #expect(answers.contacts[id]?.compactMap { $0["CONTACT_ID"]?.lenientInt } == expectedContacts)
            }
        }
    }

    @Test("an owner-set row of a lead the query did not name is refused, not filed under some lead")
    func foreignOwner() async throws {
        let setup = try SimulatedSetup(leads: 200)
        let data = setup.portal.snapshot
        let ids = Array(data.leadIDs.filter { data.productRows[$0] != nil }.prefix(5))
        setup.transport.rewriteAnswers { _, response in
            var text = String(decoding: response.body, as: UTF8.self)
            text = text.replacingOccurrences(of: "\"ownerId\":\(ids[0])", with: "\"ownerId\":999999")
            return TransportResponse(status: response.status, headers: response.headers, body: Array(text.utf8))
        }
        let error = await #expect(throws: BitrixError.self) {
            try await ChildrenReader(client: setup.client).run([.productRowsOfSet(ids, after: 0)])
        }
        #expect(error?.code == .malformedResponse)
        #expect(error?.message.contains("999999") == true)
    }

    @Test("a portal that refuses owner arrays reports the refused sets and the reason instead of failing")
    func refusedArrays() async throws {
        let setup = try SimulatedSetup(leads: 100)
        setup.portal.childBehaviour = ChildBehaviour(ownerArrays: .refuse)
        let ids = Array(setup.portal.snapshot.leadIDs.prefix(30))
        let answers = try await ChildrenReader(client: setup.client).run([
            .productRowsOfSet(Array(ids[0..<15]), after: 0), .productRowsOfSet(Array(ids[15...]), after: 0),
        ])
        #expect(answers.refusedSets == [Array(ids[0..<15]), Array(ids[15...])])
        #expect(answers.refusal?.code == .accessDenied)
        #expect(answers.productRows.isEmpty)
    }
}
