import B24Core
import PortalSim
import Testing

@Suite("Generated portal data: deterministic, realistic, consistent, hostile where it should be")
struct DatasetTests {
    static let time = PortalTime(offsetSeconds: 10_800)
    static let data = PortalDataset.generate(seed: 42, leadCount: 3000, time: time, anchor: SimHarness.anchor)

    @Test("the same seed gives the same portal; another seed another one")
    func deterministic() {
        let again = PortalDataset.generate(seed: 42, leadCount: 3000, time: Self.time, anchor: SimHarness.anchor)
        #expect(again.leadIDs == Self.data.leadIDs)
        #expect(again.leads == Self.data.leads)
        #expect(again.history == Self.data.history)
        #expect(again.productRows == Self.data.productRows)
        let other = PortalDataset.generate(seed: 43, leadCount: 3000, time: Self.time, anchor: SimHarness.anchor)
        #expect(other.leads != Self.data.leads)
    }

    @Test("stage history agrees with every lead's current stage, dates and semantics")
    func historyConsistency() throws {
        let byLead = Dictionary(grouping: Self.data.history, by: \.ownerID)
        #expect(Self.data.history.map(\.id) == Self.data.history.map(\.id).sorted())
        #expect(zip(Self.data.history, Self.data.history.dropFirst()).allSatisfy { $0.createdTime <= $1.createdTime })
        for id in Self.data.leadIDs {
            let lead = try #require(Self.data.leads[id])
            // Leads from before the portal kept history have none; every other lead has its own.
            #expect((byLead[id] == nil) == PortalDataset.predatesHistory(id), "lead \(id)")
            guard let events = byLead[id] else { continue }
            #expect(events.first?.typeID == 1 && events.first?.statusID == "NEW", "lead \(id) starts as created/NEW")
            #expect(events.first?.createdTime == lead.dateCreate)
            #expect(events.last?.statusID == lead.statusID, "lead \(id): last history stage is the current stage")
            let stage = try #require(Self.data.stage(lead.statusID))
            #expect((lead.dateClosed != nil) == (stage.semantics != nil), "lead \(id): closed iff in a final stage")
            for event in events.dropFirst() {
                let final = Self.data.stage(event.statusID)?.semantics != nil
                #expect(event.typeID == (final ? 3 : 2))
                #expect(event.semanticID == Self.data.stage(event.statusID)?.semanticID)
            }
            #expect(lead.dateModify >= (events.last?.createdTime ?? 0))
            #expect(lead.dateModify <= SimHarness.anchor)
        }
    }

    @Test("realistic shapes: funnel shares, id gaps, shared DATE_MODIFY seconds, 0–5 rows, 0–3 contacts")
    func realism() {
        let leads = Self.data.leadIDs.compactMap { Self.data.leads[$0] }
        let converted = leads.filter { $0.statusID == "CONVERTED" }.count
        let junk = leads.filter { ["JUNK", "UC_NO_BUDGET"].contains($0.statusID) }.count
        #expect(converted > leads.count / 10 && converted < leads.count / 2)
        #expect(junk > leads.count / 10)
        #expect(leads.contains { $0.statusID == "UC_QUALIFY" })
        #expect(zip(Self.data.leadIDs, Self.data.leadIDs.dropFirst()).contains { $1 - $0 > 1 })

        let perSecond = Dictionary(grouping: leads, by: \.dateModify).values.map(\.count)
        #expect((perSecond.max() ?? 0) >= 50, "bulk updates make many leads share one DATE_MODIFY second")

        let rowCounts = Self.data.leadIDs.map { Self.data.productRows[$0]?.count ?? 0 }
        #expect(Set(rowCounts) == Set(0...5))
        let average = Double(rowCounts.reduce(0, +)) / Double(rowCounts.count)
        #expect(average > 1.8 && average < 2.6)
        let contactCounts = Self.data.leadIDs.map { Self.data.bindings[$0]?.count ?? 0 }
        #expect(Set(contactCounts).isSubset(of: Set(0...3)))
        #expect(Set(contactCounts).count == 4)

        let created = leads.map(\.dateCreate)
        #expect((created.max() ?? 0) - (created.min() ?? 0) > 700 * 86_400, "creation dates span two years")
    }

    @Test("hostile text is present: tabs, newlines, backslashes, quotes, emoji, RTL, NUL, a 1 MB string")
    func hostileText() {
        let texts = Self.data.leads.values.flatMap { lead -> [String] in
            var all = [lead.title] + [lead.comments, lead.name].compactMap { $0 }
            if case .string(let note) = lead.custom["UF_CRM_BUDGET_NOTE"] { all.append(note) }
            return all
        }
        for needle in ["\t", "\n", "\\", "\"", "🚀", "שלום", "\u{0}"] {
            #expect(texts.contains { $0.contains(needle) }, "some text contains \(needle.debugDescription)")
        }
        #expect(texts.contains { $0.utf8.count >= 1_000_000 })
    }

    @Test("custom fields of several types with enumeration items")
    func customFields() {
        let types = Set(Self.data.customFields.map(\.userTypeID))
        #expect(
            types == [
                "string", "double", "enumeration", "datetime", "boolean", "integer", "money", "date", "employee", "crm",
                "file", "address", "url",
            ])
        let interests = Self.data.customFields.first { $0.fieldName == "UF_CRM_INTERESTS" }
        #expect(interests?.multiple == true)
        #expect(interests?.items.count == 5)
    }
}
