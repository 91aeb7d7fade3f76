import B24Core
import Bitrix24
import Foundation
import LibPQ
import Load
import Pipeline
import PortalSim
import PostgresTestSupport
import Testing

@Suite("Deals, the second stream, against the simulator's own deals")
struct DealStreamTests {
    /// Every deal of the star as `id: lead|category|stage|semantic|amount|currency|deleted`.
    static func starDeals(_ connection: Connection) throws -> [Int64: String] {
        var rows: [Int64: String] = [:]
        for row in try connection.execute(
            """
            SELECT deal_id, coalesce(lead_id::text, '-') || '|' || category_id || '|' || stage_id || '|' || stage_semantic
                   || '|' || opportunity::numeric(18, 2) || '|' || currency_id || '|' || is_deleted
            FROM dw.fact_deal
            """
        ).rows {
            if let id = row[0].flatMap({ Int64($0) }) { rows[id] = row[1] ?? "" }
        }
        return rows
    }

    /// The same line for a simulator deal.
    static func line(_ deal: SimDeal, _ data: PortalDataset, deleted: Bool = false) -> String {
        let semantic = data.dealStage(deal.stageID)?.semanticID ?? "P"
        let amount = String(format: "%.2f", Double(deal.opportunityCents) / 100)
        return "\(deal.leadID.map(String.init) ?? "-")|\(deal.categoryID)|\(deal.stageID)|\(semantic)|\(amount)|"
            + "\(deal.currencyID)|\(deleted)"
    }

    /// Every product row of a live deal of the star as `deal|row|product|quantity`.
    static func starDealRows(_ connection: Connection) throws -> Set<String> {
        Set(
            try connection.execute(
                """
                SELECT p.deal_id || '|' || row_id || '|' || coalesce(product_id, 0) || '|' || quantity::numeric(18, 2)
                FROM dw.fact_deal_product p JOIN dw.fact_deal d USING (portal_id, deal_id) WHERE NOT d.is_deleted
                """
            ).rows.compactMap { $0[0] })
    }

    /// The same lines for the simulator's deals.
    static func simDealRows(_ data: PortalDataset) -> Set<String> {
        Set(
            data.dealIDs.flatMap { id in
                (data.dealProductRows[id] ?? []).map {
                    "\(id)|\($0.id)|\($0.productID)|\(String(format: "%.2f", $0.quantity))"
                }
            })
    }

    /// Every binding of a live deal of the star as `deal|contact|primary`.
    static func starDealBindings(_ connection: Connection) throws -> Set<String> {
        Set(
            try connection.execute(
                """
                SELECT b.deal_id || '|' || contact_id || '|' || is_primary
                FROM dw.bridge_deal_contact b JOIN dw.fact_deal d USING (portal_id, deal_id) WHERE NOT d.is_deleted
                """
            ).rows.compactMap { $0[0] })
    }

    /// The same lines for the simulator's deals.
    static func simDealBindings(_ data: PortalDataset) -> Set<String> {
        Set(
            data.dealIDs.flatMap { id in
                (data.dealBindings[id] ?? []).map { "\(id)|\($0.contactID)|\($0.isPrimary)" }
            })
    }

    /// Children, custom fields and versions of every deal equal the simulator's.
    static func expectChildren(_ connection: Connection, _ data: PortalDataset, _ summary: SyncSummary) throws {
        // Children, custom fields and versions of every deal.
        #expect(!Self.simDealRows(data).isEmpty && !Self.simDealBindings(data).isEmpty)
        #expect(try Self.starDealRows(connection) == Self.simDealRows(data))
        #expect(try Self.starDealBindings(connection) == Self.simDealBindings(data))
        #expect(summary.dealProductRows == Self.simDealRows(data).count)
        #expect(
            try connection.execute(
                """
                SELECT count(*) FILTER (WHERE c.contact_id IS NULL), count(*) FROM dw.bridge_deal_contact b
                LEFT JOIN dw.dim_contact c ON c.portal_id = b.portal_id AND c.contact_id = b.contact_id
                """
            ).rows.first?[0] == "0", "every contact a deal names is in dw.dim_contact")
        #expect(
            try connection.execute(
                """
                SELECT count(*) FROM dw.fact_deal d WHERE d.company_id IS NOT NULL
                  AND NOT EXISTS (SELECT 1 FROM dw.dim_company c WHERE c.portal_id = d.portal_id AND c.company_id = d.company_id)
                """
            ).scalar == "0", "every company a deal names is in dw.dim_company")
        let custom = try connection.execute(
            """
            SELECT deal_id || '|' || (custom_fields->>'UF_CRM_CONTRACT_NO') || '|' || (custom_fields->>'UF_CRM_MARGIN')
            FROM dw.fact_deal WHERE nullif(custom_fields->>'UF_CRM_CONTRACT_NO', '') IS NOT NULL
            """
        ).rows.compactMap { $0[0] }
        let simCustom = data.dealIDs.compactMap { id -> String? in
            guard let deal = data.deals[id], let contract = deal.custom["UF_CRM_CONTRACT_NO"] else { return nil }
            return "\(id)|\(contract)|\(deal.custom["UF_CRM_MARGIN"] ?? "")"
        }
        #expect(!simCustom.isEmpty)
        #expect(Set(custom) == Set(simCustom))
        #expect(
            try connection.execute(
                """
                SELECT count(*) FROM dw.fact_deal d JOIN dw.fact_deal_version v
                  ON v.portal_id = d.portal_id AND v.deal_id = d.deal_id AND v.is_current AND v.version = 1
                 AND (v.stage_id, v.opportunity, v.category_id) = (d.stage_id, d.opportunity, d.category_id)
                """
            ).scalar == String(data.dealIDs.count), "one current first version per deal, as the deal is")
        let productRevenue = try connection.execute(
            "SELECT count(*), coalesce(sum(amount), 0)::numeric(18, 2) FROM mart.deal_product"
        ).rows.first
        let simAmount = data.dealIDs.flatMap { data.dealProductRows[$0] ?? [] }.reduce(0.0) {
            $0 + $1.price * $1.quantity
        }
        #expect(productRevenue?[0] == String(Self.simDealRows(data).count))
        #expect(abs((Double(productRevenue?[1] ?? "") ?? -1) - simAmount) < 0.05)
    }

    /// What one unit of `currency` is worth in the portal's base currency.
    static func rate(_ currency: String, _ data: PortalDataset) -> Double {
        guard let base = data.currencies.first(where: \.isBase),
            let unit = data.currencies.first(where: { $0.code == currency })
        else { return .nan }
        return (unit.amount / Double(unit.amountCount)) / (base.amount / Double(base.amountCount))
    }

    /// A deal's amount in the base currency, rounded as the views round it.
    static func base(_ deal: SimDeal, _ data: PortalDataset) -> Double {
        (Double(deal.opportunityCents) / 100 * rate(deal.currencyID, data) * 100).rounded() / 100
    }

    @Test(
        "deals, funnels, stages and deal history equal the portal; mart.lead_journey, mart.revenue_by_source and mart.deal_funnel equal figures computed from the simulator's deals"
    )
    func dealsAndTheirViews() async throws {
        let harness = try SyncHarness(leads: 700, seed: 61)
        try await withMigratedDatabase { connection, _ in
            let summary = try await harness.sync(connection)
            let data = harness.portal.snapshot
            #expect(summary.deals == data.dealIDs.count)
            #expect(data.dealIDs.count > 100)
            #expect(data.deals.values.contains { $0.leadID == nil }, "some deals have no lead")
            #expect(data.dealHistory.contains { $0.typeID == 5 }, "some deal moved between funnels")
            let expected = Dictionary(
                uniqueKeysWithValues: data.dealIDs.compactMap { id in
                    data.deals[id].map { (id, Self.line($0, data)) }
                })
            #expect(try Self.starDeals(connection) == expected)
            #expect(
                try connection.execute("SELECT count(*) FROM dw.fact_deal_stage_history").scalar
                    == String(data.dealHistory.count))
            #expect(
                try connection.execute("SELECT count(*) FROM dw.fact_deal_stage_history WHERE type_id = 5").scalar
                    == String(data.dealHistory.filter { $0.typeID == 5 }.count))
            let stages = try connection.execute(
                "SELECT stage_id || '|' || category_id || '|' || semantic || '|' || sort FROM dw.dim_deal_stage ORDER BY 1"
            ).rows.compactMap { $0[0] }
            #expect(
                stages
                    == data.dealStages.map {
                        "\($0.statusID)|\(PortalDataset.category(ofStageEntity: $0.entityID))|\($0.semanticID)|\($0.sort)"
                    }.sorted())
            let categories = try connection.execute(
                "SELECT category_id || '|' || name || '|' || is_default FROM dw.dim_deal_category ORDER BY category_id"
            ).rows.compactMap { $0[0] }
            #expect(categories == data.dealCategories.map { "\($0.id)|\($0.name)|\($0.id == 0)" })

            try Self.expectChildren(connection, data, summary)

            // mart.lead_journey: per live lead, its deals, won deals and won revenue, its first deal's outcome.
            let leads = data.leadIDs.compactMap { data.leads[$0] }
            let dealsByLead = Dictionary(
                grouping: data.deals.values.filter { $0.leadID != nil }, by: { $0.leadID ?? 0 })
            var journey: [Int64: String] = [:]
            for row in try connection.execute(
                "SELECT lead_id, deals || '|' || won_deals || '|' || won_amount_base || '|' || coalesce(deal_outcome, '-') FROM mart.lead_journey"
            ).rows {
                if let id = row[0].flatMap({ Int64($0) }) { journey[id] = row[1] ?? "" }
            }
            #expect(journey.count == leads.count)
            for lead in leads {
                let deals = (dealsByLead[lead.id] ?? []).sorted { ($0.dateCreate, $0.id) < ($1.dateCreate, $1.id) }
                let won = deals.filter { data.dealStage($0.stageID)?.semantics == "S" }
                let revenue = won.reduce(0.0) { $0 + Self.base($1, data) }
                let outcome =
                    deals.first.map { deal -> String in
                        switch data.dealStage(deal.stageID)?.semantics {
                        case "S": return "won"
                        case "F": return "lost"
                        default: return "open"
                        }
                    } ?? "-"
                let shown = journey[lead.id]?.split(separator: "|").map(String.init) ?? []
                #expect(shown.count == 4, "lead \(lead.id)")
                guard shown.count == 4 else { continue }
                #expect(shown[0] == String(deals.count), "deals of lead \(lead.id)")
                #expect(shown[1] == String(won.count), "won deals of lead \(lead.id)")
                #expect(abs((Double(shown[2]) ?? -1) - revenue) < 0.011, "won revenue of lead \(lead.id)")
                #expect(shown[3] == outcome, "first deal of lead \(lead.id)")
            }

            // mart.revenue_by_source: leads by their source, deals where their lead is (or by their own source).
            var bySource: [String: (leads: Int, deals: Int, won: Int, revenue: Double)] = [:]
            for lead in leads { bySource[lead.sourceID ?? "", default: (0, 0, 0, 0)].leads += 1 }
            var wonDays: [String: [Double]] = [:]
            for lead in leads {
                let wonAt = (dealsByLead[lead.id] ?? []).filter { data.dealStage($0.stageID)?.semantics == "S" }
                    .map(\.movedTime).min()
                if let wonAt {
                    wonDays[lead.sourceID ?? "", default: []].append(Double(max(0, wonAt - lead.dateCreate)) / 86_400)
                }
            }
            for deal in data.deals.values {
                let source = deal.leadID.flatMap { data.leads[$0] }.map { $0.sourceID ?? "" } ?? (deal.sourceID ?? "")
                let isWon = data.dealStage(deal.stageID)?.semantics == "S"
                bySource[source, default: (0, 0, 0, 0)].deals += 1
                if isWon {
                    bySource[source, default: (0, 0, 0, 0)].won += 1
                    bySource[source, default: (0, 0, 0, 0)].revenue += Self.base(deal, data)
                }
            }
            let rows = try connection.execute(
                """
                SELECT coalesce(key, ''), leads, deals, won_deals, won_revenue_base, median_days_lead_to_won
                FROM mart.revenue_by_source
                WHERE dimension = 'source'
                """
            ).rows
            #expect(rows.count == bySource.count)
            for row in rows {
                let key = row[0] ?? ""
                let want = try #require(bySource[key], "source \(key)")
                #expect(row[1] == String(want.leads), "leads of \(key)")
                #expect(row[2] == String(want.deals), "deals of \(key)")
                #expect(row[3] == String(want.won), "won deals of \(key)")
                #expect(abs((Double(row[4] ?? "") ?? -1) - want.revenue) < 0.02, "revenue of \(key)")
                // Median days from each lead to its first won deal (interpolated, as percentile_cont).
                let days = (wonDays[key] ?? []).sorted()
                let median: Double? =
                    days.isEmpty
                    ? nil
                    : days.count % 2 == 1
                        ? days[days.count / 2] : (days[days.count / 2 - 1] + days[days.count / 2]) / 2
                #expect(
                    row[5].flatMap(Double.init) == median.map { ($0 * 10).rounded() / 10 }, "median days of \(key)")
            }

            // mart.deal_funnel: deals in each stage now, ever, and reached or passed in its funnel.
            var now: [String: Int] = [:]
            var ever: [String: Set<Int64>] = [:]
            var top: [String: Int] = [:]  // "deal|category" -> furthest P/S sort
            for deal in data.deals.values {
                now[deal.stageID, default: 0] += 1
                let stages = data.dealHistory.filter { $0.ownerID == deal.id }.map(\.statusID) + [deal.stageID]
                for stageID in stages {
                    ever[stageID, default: []].insert(deal.id)
                    guard let stage = data.dealStage(stageID), stage.semantics != "F" else { continue }
                    let key = "\(deal.id)|\(PortalDataset.category(ofStageEntity: stage.entityID))"
                    top[key] = max(top[key] ?? 0, stage.sort)
                }
            }
            for row in try connection.execute(
                "SELECT stage_id, category_id, sort, semantic, deals_now, deals_reached, reached_or_passed FROM mart.deal_funnel"
            ).rows {
                let stage = row[0] ?? ""
                let category = row[1] ?? ""
                let sort = Int(row[2] ?? "") ?? 0
                #expect(row[4] == String(now[stage] ?? 0), "now in \(stage)")
                #expect(row[5] == String(ever[stage]?.count ?? 0), "ever in \(stage)")
                let passed =
                    row[3] == "F"
                    ? ever[stage]?.count ?? 0
                    : top.filter { $0.key.hasSuffix("|\(category)") && $0.value >= sort }.count
                #expect(row[6] == String(passed), "reached or passed \(stage)")
            }
        }
    }

    @Test(
        "an incremental run after deal changes, a funnel move, a delete and a new deal brings every deal table back to equality with the portal"
    )
    func incrementalDeals() async throws {
        let harness = try SyncHarness(leads: 400, seed: 62)
        try await withMigratedDatabase { connection, _ in
            _ = try await harness.sync(connection)
            let data = harness.portal.snapshot
            let open = data.dealIDs.compactMap { data.deals[$0] }.filter {
                $0.categoryID == 0 && data.dealStage($0.stageID)?.semantics == nil
            }
            try #require(open.count >= 5)
            harness.write(
                "crm.deal.update",
                [
                    "id": .int(open[0].id),
                    "fields": ["STAGE_ID": "WON", "OPPORTUNITY": "999.50", "UF_CRM_CONTRACT_NO": "C-NEW"],
                ])
            harness.write("crm.deal.update", ["id": .int(open[1].id), "fields": ["CATEGORY_ID": 3]])
            harness.write("crm.deal.delete", ["id": .int(open[2].id)])
            let added = harness.write("crm.deal.add", ["fields": ["TITLE": "New repeat order", "CATEGORY_ID": 1]])
            // Children written without moving the deal's DATE_MODIFY (the simulator's default): the
            // contact set is compared on every run, product rows on an audit run.
            harness.write(
                "crm.deal.contact.items.set",
                ["id": .int(open[3].id), "items": [["CONTACT_ID": 7, "IS_PRIMARY": "Y"], ["CONTACT_ID": 8]]])
            harness.write(
                "crm.deal.productrows.set",
                [
                    "id": .int(open[4].id),
                    "rows": [["PRODUCT_ID": 0, "PRODUCT_NAME": "Setup", "PRICE": 120, "QUANTITY": 3]],
                ])
            harness.clock.advance(by: 600)
            let second = try await harness.sync(connection)
            #expect(second.dealsDeleted == 1)
            #expect(second.dealsRepaired == 1, "the deal whose contacts changed was read again")
            let afterSecond = harness.portal.snapshot
            #expect(try Self.starDealBindings(connection) == Self.simDealBindings(afterSecond))
            #expect(try Self.starDealRows(connection) != Self.simDealRows(afterSecond), "rows wait for an audit")
            let audit = try await harness.sync(connection, options: SyncOptions(auditChildren: true))
            #expect(audit.dealsRepaired == 1, "the audit read the deal whose rows changed")
            #expect(try Self.starDealRows(connection) == Self.simDealRows(harness.portal.snapshot))
            let versions = try connection.execute(
                """
                SELECT version || '|' || stage_id || '|' || is_current || '|' || (valid_to IS NOT NULL) || '|' || is_deleted
                FROM dw.fact_deal_version WHERE deal_id = $1 ORDER BY version
                """, [String(open[0].id)]
            ).rows.compactMap { $0[0] }
            #expect(versions == ["1|\(open[0].stageID)|false|true|false", "2|WON|true|false|false"])
            #expect(
                try connection.execute(
                    "SELECT is_deleted FROM dw.fact_deal_version WHERE deal_id = $1 AND is_current",
                    [String(open[2].id)]
                ).scalar == "t", "a deleted deal's current version says so")
            #expect(
                try connection.execute(
                    "SELECT custom_fields->>'UF_CRM_CONTRACT_NO' FROM dw.fact_deal WHERE deal_id = $1",
                    [String(open[0].id)]
                ).scalar == "C-NEW")
            #expect(second.deals >= 3, "the changed and the new deals were read")
            #expect(second.deals < data.dealIDs.count / 2, "only what changed was read")
            let after = harness.portal.snapshot
            var expected = Dictionary(
                uniqueKeysWithValues: after.dealIDs.compactMap { id in
                    after.deals[id].map { (id, Self.line($0, after)) }
                })
            expected[open[2].id] = Self.line(open[2], data, deleted: true)
            #expect(try Self.starDeals(connection) == expected)
            if case .success(let result, _, _) = added, let id = result.lenientInt {
                #expect(
                    try connection.execute("SELECT category_id FROM dw.fact_deal WHERE deal_id = $1", [String(id)])
                        .scalar == "1")
            } else {
                Issue.record("crm.deal.add failed: \(added)")
            }
            #expect(
                try connection.execute("SELECT count(*) FROM dw.fact_deal_stage_history").scalar
                    == String(after.dealHistory.count))
            let moved = try connection.execute(
                "SELECT type_id, category_id, stage_id FROM dw.fact_deal_stage_history WHERE deal_id = $1 ORDER BY history_id DESC LIMIT 1",
                [String(open[1].id)]
            ).rows
            #expect(moved == [["5", "3", "C3:NEW"]])
            #expect(
                try connection.execute("SELECT count(*) FROM mart.deal WHERE deal_id = $1", [String(open[2].id)]).scalar
                    == "0", "a deleted deal leaves the views")
        }
    }

    @Test(
        "a run that fails in the deal stream keeps the deal chunks it committed and a resumable cursor; the rerun equals a clean run"
    )
    func dealCrashAndResume() async throws {
        let harness = try SyncHarness(leads: 1_500, seed: 63)
        let options = SyncOptions(leadsPerChunk: 100)
        try await withMigratedDatabase { clean, _ in
            _ = try await harness.sync(clean, options: options)
            let middle = try #require(
                try clean.execute("SELECT deal_id FROM dw.fact_deal ORDER BY deal_id OFFSET 250 LIMIT 1").scalar)
            try await withMigratedDatabase { broken, _ in
                // The database stops taking deals past the middle one, as a run killed there would stop.
                try broken.executeScript(
                    """
                    CREATE FUNCTION public.stop_deals() RETURNS trigger LANGUAGE plpgsql AS $$
                    BEGIN
                        IF NEW.deal_id > \(middle) THEN RAISE EXCEPTION 'killed during the deal stream'; END IF;
                        RETURN NEW;
                    END $$;
                    CREATE TRIGGER stop_deals BEFORE INSERT ON dw.fact_deal FOR EACH ROW EXECUTE FUNCTION public.stop_deals();
                    """)
                await #expect(throws: (any Error).self) { try await harness.sync(broken, options: options) }
                let state = try broken.execute(
                    "SELECT watermark_id, pass_started_at IS NOT NULL FROM etl.sync_state WHERE stream = 'deals'"
                ).rows
                #expect(state.first?[1] == "t", "the deal pass is marked unfinished")
                let cursor = state.first?[0].flatMap { Int64($0) } ?? 0
                #expect(cursor > 0 && cursor <= Int64(middle) ?? 0, "deal chunks up to the middle committed")
                #expect(
                    try broken.execute("SELECT count(*) FROM dw.fact_deal").scalar.flatMap { Int($0) } ?? 0 >= 200)
                try broken.executeScript("DROP TRIGGER stop_deals ON dw.fact_deal; DROP FUNCTION public.stop_deals();")
                let rerun = try await harness.sync(broken, options: options)
                #expect(rerun.deals < harness.portal.snapshot.dealIDs.count, "the rerun went on after the cursor")
                #expect(try StarFingerprint.take(broken) == (try StarFingerprint.take(clean)))
                #expect(
                    try broken.execute(
                        "SELECT watermark_id, pass_started_at IS NULL FROM etl.sync_state WHERE stream = 'deals'"
                    ).rows == [["0", "t"]])
            }
        }
    }
}
