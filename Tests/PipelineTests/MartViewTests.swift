import B24Core
import Foundation
import LibPQ
import Pipeline
import PortalSim
import Testing

@Suite("mart views against numbers computed independently from the simulator's data")
struct MartViewTests {
    /// Percentile with linear interpolation, as PostgreSQL's percentile_cont computes it.
    static func percentile(_ values: [Double], _ fraction: Double) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return 0 }
        let position = fraction * Double(sorted.count - 1)
        let lower = Int(position.rounded(.down))
        let upper = min(lower + 1, sorted.count - 1)
        return sorted[lower] + (sorted[upper] - sorted[lower]) * (position - Double(lower))
    }

    static func rate(_ part: Int, _ whole: Int) -> String? {
        guard whole > 0 else { return nil }
        return String(format: "%.4f", (Double(part) / Double(whole) * 10_000).rounded() / 10_000)
    }

    @Test("every mart view equals what the portal's data says; deleted leads are excluded")
    func martViews() async throws {
        let harness = try SyncHarness(leads: 1_500, seed: 33)
        try await withMigratedDatabase { connection, _ in
            _ = try await harness.sync(connection)
            // A deleted lead with product rows, and a lead whose stage and currency change while
            // its product rows stay as they are (what its rows keep of it must follow).
            let start = harness.portal.snapshot
            let withRows = start.leadIDs.filter { !(start.productRows[$0] ?? []).isEmpty }
            let victim = try #require(withRows.first)
            harness.write("crm.lead.delete", ["id": .int(victim)])
            // It has one product on two rows, so its rows written again must count it once.
            let moved = try #require(
                withRows.dropFirst().first { id in
                    let products = (start.productRows[id] ?? []).map(\.productID)
                    return start.leads[id]?.statusID != "CONVERTED" && start.leads[id]?.currencyID == "USD"
                        && Set(products).count < products.count
                })
            harness.write(
                "crm.lead.update", ["id": .int(moved), "fields": ["STATUS_ID": "CONVERTED", "CURRENCY_ID": "EUR"]])
            harness.clock.advance(by: 600)
            _ = try await harness.sync(connection)
            let data = harness.portal.snapshot
            #expect(data.leads[moved]?.currencyID == "EUR" && data.productRows[moved] == start.productRows[moved])
            let leads = data.leadIDs.compactMap { data.leads[$0] }
            func semantic(_ lead: SimLead) -> String { data.stage(lead.statusID)?.semanticID ?? "P" }

            // funnel_stage
            try FunnelFromData(data).expectFunnelStage(connection)

            // conversion_by_source
            let bySource = Dictionary(grouping: leads, by: \.sourceID)
            let conversion = try connection.execute(
                "SELECT source_id, leads, converted, junk, open, conversion_rate::text, win_rate::text FROM mart.conversion_by_source"
            ).rows
            #expect(conversion.count == bySource.count)
            for row in conversion {
                let group = bySource[row[0]] ?? []
                let converted = group.filter { semantic($0) == "S" }.count
                let junk = group.filter { semantic($0) == "F" }.count
                let expected: [String?] = [
                    row[0], String(group.count), String(converted), String(junk),
                    String(group.count - converted - junk),
                    Self.rate(converted, group.count), Self.rate(converted, converted + junk),
                ]
                #expect(row == expected, "source \(row[0] ?? "none")")
            }

            // leads_daily
            var daily: [String: (Int, Int, Int)] = [:]
            func day(_ stamp: Int64) -> String {
                String(data.time.format(stamp).prefix(10))
            }
            for lead in leads {
                daily[day(lead.dateCreate), default: (0, 0, 0)].0 += 1
                if let closed = lead.dateClosed {
                    if semantic(lead) == "S" { daily[day(closed), default: (0, 0, 0)].1 += 1 }
                    if semantic(lead) == "F" { daily[day(closed), default: (0, 0, 0)].2 += 1 }
                }
            }
            let days = try connection.execute(
                "SELECT day::text, created, converted, junk FROM mart.leads_daily ORDER BY day"
            ).rows
            // A dense calendar: every day from the first event to the last, quiet days as zeros.
            let firstDay = try #require(daily.keys.min())
            let lastDay = try #require(daily.keys.max())
            #expect(days.first?[0] == firstDay && days.last?[0] == lastDay)
            let span = try connection.execute("SELECT $2::date - $1::date + 1", [firstDay, lastDay]).scalar
            #expect(String(days.count) == span)
            for row in days {
                let expected = daily[row[0] ?? ""] ?? (0, 0, 0)
                #expect(
                    row[1...] == [String(expected.0), String(expected.1), String(expected.2)][...],
                    "day \(row[0] ?? "")")
            }

            // time_to_convert
            let firstSuccess = Dictionary(
                data.history.filter { $0.semanticID == "S" }.map { ($0.ownerID, $0.createdTime) }, uniquingKeysWith: min
            )
            let convertedLeads = leads.filter { firstSuccess[$0.id] != nil }
            let ttc = try connection.execute(
                """
                SELECT source_id, ever_converted, median_hours::float8, p90_hours::float8, negative_durations, source_name
                FROM mart.time_to_convert
                """
            ).rows
            for row in ttc {
                let group = convertedLeads.filter { $0.sourceID == row[0] }
                let raw = group.map { Double((firstSuccess[$0.id] ?? 0) - $0.dateCreate) / 3600 }
                let hours = raw.map { max(0, $0) }
                #expect(row[1] == String(group.count))
                #expect(abs((row[2].flatMap(Double.init) ?? -1) - Self.percentile(hours, 0.5)) < 0.01)
                #expect(abs((row[3].flatMap(Double.init) ?? -1) - Self.percentile(hours, 0.9)) < 0.01)
                #expect(row[4] == String(raw.filter { $0 < 0 }.count))
                #expect(row[5] == (data.sources.first { $0.statusID == row[0] }?.name ?? row[0] ?? "(no source)"))
            }
            #expect(ttc.map { Int($0[1] ?? "") ?? 0 }.reduce(0, +) == convertedLeads.count)

            // Money: each amount in its own currency and in the base one, never added across.
            let base = try #require(data.currencies.first { $0.isBase })
            let rates = Dictionary(
                uniqueKeysWithValues: data.currencies.map {
                    ($0.code, $0.amount / Double($0.amountCount) / (base.amount / Double(base.amountCount)))
                })
            #expect(Set(leads.map(\.currencyID)).count > 1, "the simulator's leads use several currencies")
            func cents(_ value: Double) -> Double { (value * 100).rounded() / 100 }

            // product_revenue: a row per product and currency of its leads
            let productRows = leads.flatMap { lead in (data.productRows[lead.id] ?? []).map { (lead, $0) } }
            struct ProductKey: Hashable {
                let product: Int64
                let currency: String
            }
            let byProduct = Dictionary(grouping: productRows) {
                ProductKey(product: $0.1.productID, currency: $0.0.currencyID)
            }
            let revenue = try connection.execute(
                """
                SELECT product_id, currency_id, leads, quantity::float8, amount::float8, converted_amount::float8,
                       amount_base::float8, converted_amount_base::float8, base_currency_id
                FROM mart.product_revenue
                """
            ).rows
            #expect(revenue.count == byProduct.count)
            for row in revenue {
                let currency = row[1] ?? ""
                let group = byProduct[ProductKey(product: Int64(row[0] ?? "") ?? -1, currency: currency)] ?? []
                #expect(!group.isEmpty, "product \(row[0] ?? "") in \(currency)")
                #expect(row[2] == String(Set(group.map(\.0.id)).count))
                #expect(abs((row[3].flatMap(Double.init) ?? -1) - group.reduce(0) { $0 + $1.1.quantity }) < 1e-6)
                let amount = group.reduce(0) { $0 + $1.1.price * $1.1.quantity }
                #expect(abs((row[4].flatMap(Double.init) ?? -1) - amount) < 1e-4)
                let converted = group.filter { semantic($0.0) == "S" }.reduce(0) { $0 + $1.1.price * $1.1.quantity }
                #expect(abs((row[5].flatMap(Double.init) ?? -1) - converted) < 1e-4)
                let rate = try #require(rates[currency])
                #expect(abs((row[6].flatMap(Double.init) ?? -1) - cents(amount * rate)) < 0.006)
                #expect(abs((row[7].flatMap(Double.init) ?? -1) - cents(converted * rate)) < 0.006)
                #expect(row[8] == base.code)
            }

            // owner_performance: open amounts per currency and summed in the base currency
            let byOwner = Dictionary(grouping: leads, by: \.assignedByID)
            let owners = try connection.execute(
                """
                SELECT user_id, leads, converted, conversion_rate::text, open_amount_base::float8, base_currency_id,
                       open_amounts::text
                FROM mart.owner_performance
                """
            ).rows
            #expect(owners.count == byOwner.count)
            for row in owners {
                let group = byOwner[Int64(row[0] ?? "") ?? -1] ?? []
                let converted = group.filter { semantic($0) == "S" }.count
                let open = group.filter { semantic($0) == "P" }
                let openBase = open.reduce(0.0) {
                    $0 + Double($1.opportunityCents) / 100 * (rates[$1.currencyID] ?? .nan)
                }
                #expect(row[1] == String(group.count) && row[2] == String(converted))
                #expect(row[3] == Self.rate(converted, group.count))
                #expect(abs((row[4].flatMap(Double.init) ?? -1) - cents(openBase)) < 0.006)
                #expect(row[5] == base.code)
                let perCurrency = Dictionary(grouping: open, by: \.currencyID).mapValues {
                    Double($0.reduce(Int64(0)) { $0 + $1.opportunityCents }) / 100
                }
                let parsed = try JSONSerialization.jsonObject(with: Data((row[6] ?? "{}").utf8)) as? [String: Double]
                #expect(parsed == perCurrency, "user \(row[0] ?? "")")
            }

            // lead: opportunity and product amount in the base currency
            let foreign = try #require(
                leads.first { $0.currencyID != base.code && !(data.productRows[$0.id] ?? []).isEmpty })
            let converted = try connection.execute(
                "SELECT opportunity_base::float8, product_amount_base::float8, base_currency_id FROM mart.lead WHERE lead_id = $1",
                ids: [foreign.id]
            ).rows.first
            let foreignRate = try #require(rates[foreign.currencyID])
            let foreignProducts = (data.productRows[foreign.id] ?? []).reduce(0) { $0 + $1.price * $1.quantity }
            #expect(
                abs(
                    (converted?[0].flatMap(Double.init) ?? -1)
                        - cents(Double(foreign.opportunityCents) / 100 * foreignRate)) < 0.006)
            #expect(abs((converted?[1].flatMap(Double.init) ?? -1) - cents(foreignProducts * foreignRate)) < 0.006)
            #expect(converted?[2] == base.code)

            // lead and the deleted lead
            #expect(try connection.execute("SELECT count(*) FROM mart.lead").scalar == String(leads.count))
            #expect(
                try connection.execute("SELECT count(*) FROM mart.lead WHERE lead_id = $1", [String(victim)]).scalar
                    == "0")
            let sample = try #require(leads.first { (data.productRows[$0.id]?.count ?? 0) > 1 })
            let readable = try connection.execute(
                "SELECT status_name, product_count, contact_count, created_date::text FROM mart.lead WHERE lead_id = $1",
                [String(sample.id)]
            ).rows
            #expect(
                readable == [
                    [
                        data.stage(sample.statusID)?.name, String(data.productRows[sample.id]?.count ?? 0),
                        String(data.bindings[sample.id]?.count ?? 0), day(sample.dateCreate),
                    ]
                ])
        }
    }

    @Test("mart.lead_custom_fields has one typed column per custom field, labels in comments")
    func customFieldView() async throws {
        let harness = try SyncHarness(leads: 300, seed: 34)
        try await withMigratedDatabase { connection, _ in
            _ = try await harness.sync(connection)
            let columns = try connection.execute(
                """
                SELECT column_name, data_type, col_description('mart.lead_custom_fields'::regclass, ordinal_position)
                FROM information_schema.columns WHERE table_schema = 'mart' AND table_name = 'lead_custom_fields'
                ORDER BY ordinal_position
                """
            ).rows
            let types = Dictionary(uniqueKeysWithValues: columns.map { ($0[0] ?? "", $0[1] ?? "") })
            #expect(types["uf_crm_score"] == "numeric")
            #expect(types["uf_crm_vip"] == "boolean")
            #expect(types["uf_crm_next_call"] == "timestamp with time zone")
            #expect(types["uf_crm_interests"] == "ARRAY")
            #expect(types["uf_crm_channel"] == "text")
            #expect(columns.first { $0[0] == "uf_crm_score" }?[2]?.contains("Lead score") == true)
            let data = harness.portal.snapshot
            let lead = try #require(
                data.leadIDs.compactMap { data.leads[$0] }.first {
                    if case .enumeration(let ids) = $0.custom["UF_CRM_INTERESTS"] { return ids.count >= 2 }
                    return false
                })
            let row = try connection.execute(
                "SELECT array_to_string(uf_crm_interests, ','), uf_crm_vip::text FROM mart.lead_custom_fields WHERE lead_id = $1",
                [String(lead.id)]
            ).rows
            guard case .enumeration(let ids) = lead.custom["UF_CRM_INTERESTS"],
                case .boolean(let vip) = lead.custom["UF_CRM_VIP"]
            else { return }
            let labels = data.customFields.first { $0.fieldName == "UF_CRM_INTERESTS" }?.items.filter {
                ids.contains($0.id)
            }.map(\.value)
            #expect(row == [[labels?.joined(separator: ","), vip ? "true" : "false"]])
        }
    }
}

@Suite("Outcome vocabulary in the mart views, against the simulator's data")
struct VocabularyViewTests {
    @Test(
        "a closed lead without DATE_CLOSED counts on the day its history shows it closing; a success dated before creation counts as 0 hours and is counted"
    )
    func closingDayAndNegativeDurations() async throws {
        let harness = try SyncHarness(leads: 400, seed: 42)
        try await withMigratedDatabase { connection, _ in
            _ = try await harness.sync(connection)
            let data = harness.portal.snapshot
            // A converted lead whose portal left DATE_CLOSED empty (as the star holds it then).
            let closed = try #require(
                data.leadIDs.first { id in
                    data.leads[id]?.statusID == "CONVERTED"
                        && data.history.contains { $0.ownerID == id && $0.semanticID == "S" }
                })
            let closingDay = try #require(
                data.history.filter { $0.ownerID == closed && $0.semanticID == "S" }.map(\.createdTime).min()
                    .map { String(data.time.format($0).prefix(10)) })
            try connection.execute(
                "UPDATE dw.fact_lead SET closed_at = NULL, closed_date_key = 0 WHERE lead_id = $1", ids: [closed])
            let others = data.leadIDs.compactMap { data.leads[$0] }.filter { lead in
                lead.id != closed && data.stage(lead.statusID)?.semanticID == "S"
                    && lead.dateClosed.map { String(data.time.format($0).prefix(10)) } == closingDay
            }
            let counted = try connection.execute(
                "SELECT converted FROM mart.leads_daily WHERE day = $1::date", [closingDay]
            ).scalar
            #expect(counted == String(others.count + 1))
            // A success stage dated before the lead's creation: clamped to 0 hours, counted.
            try connection.execute(
                "UPDATE dw.fact_lead SET created_at = created_at + interval '10 years' WHERE lead_id = $1",
                ids: [closed])
            let source = try #require(data.leads[closed]?.sourceID)
            let row = try connection.execute(
                "SELECT negative_durations, median_hours >= 0 FROM mart.time_to_convert WHERE source_id = $1", [source]
            ).rows.first
            #expect(row == ["1", "t"])
        }
    }
}

@Suite("Live funnels against numbers computed independently from the simulator's data")
struct FunnelViewTests {
    @Test(
        "mart.funnel_stage counts live leads only (history of a lead deleted before it was loaded and of a deleted lead is left out); mart.funnel_cumulative counts a lead for every stage up to its furthest, a jump over stages included"
    )
    func liveAndCumulativeFunnels() async throws {
        let harness = try SyncHarness(leads: 1_200, seed: 41)
        #expect(harness.portal.childBehaviour.deletedLeadHistory == .keep)
        try await withMigratedDatabase { connection, _ in
            _ = try await harness.sync(connection)
            // A jump over stages: a new lead moved straight from NEW to the success stage.
            harness.write("crm.lead.add", ["fields": ["TITLE": "Jumper", "STATUS_ID": "NEW", "SOURCE_ID": "WEB"]])
            let jumper = try #require(harness.portal.snapshot.leadIDs.last)
            harness.write("crm.lead.update", ["id": .int(jumper), "fields": ["STATUS_ID": "CONVERTED"]])
            // An orphan: a lead added, moved and deleted between two runs leaves stage history
            // of a lead the star never loads.
            harness.write("crm.lead.add", ["fields": ["TITLE": "Ghost", "STATUS_ID": "NEW", "SOURCE_ID": "WEB"]])
            let ghost = try #require(harness.portal.snapshot.leadIDs.last)
            harness.write("crm.lead.update", ["id": .int(ghost), "fields": ["STATUS_ID": "CONVERTED"]])
            harness.write("crm.lead.delete", ["id": .int(ghost)])
            let victim = harness.portal.snapshot.leadIDs[5]
            harness.write("crm.lead.delete", ["id": .int(victim)])
            harness.clock.advance(by: 600)
            _ = try await harness.sync(connection)
            let orphanRows = try connection.execute(
                "SELECT count(*) FROM dw.fact_lead_stage_history WHERE lead_id = $1", ids: [ghost]
            ).scalar
            #expect(orphanRows == "2", "the ghost's history reached the star")
            let data = harness.portal.snapshot
            let funnel = FunnelFromData(data)
            try funnel.expectFunnelStage(connection)
            let cumulative = try funnel.expectCumulative(connection)
            #expect(cumulative.first?[2] == "1.0000")
            // Leads without any stage history are among those the figures above were checked on.
            let unrecorded = funnel.leads.filter { lead in !data.history.contains { $0.ownerID == lead.id } }
            #expect(!unrecorded.isEmpty, "the simulator has leads without stage history")
            // The jumper counts for every step up to the success stage, though it never had them.
            let between = funnel.steps.filter { $0.statusID != "NEW" && $0.semanticID == "P" }
            #expect(!between.isEmpty)
            #expect(!funnel.reached(try #require(data.leads[jumper])).contains(between[0].statusID))
            #expect(cumulative.first?[1] == String(funnel.reachedOrPassed(Int.min)))
        }
    }

    @Test("a changed stage order moves every lead's furthest stage in the next run")
    func stageOrderChange() async throws {
        let harness = try SyncHarness(leads: 400, seed: 43)
        try await withMigratedDatabase { connection, _ in
            _ = try await harness.sync(connection)
            let before = try connection.execute(
                "SELECT status_id, leads_reached FROM mart.funnel_cumulative ORDER BY sort, status_id"
            ).rows
            // Qualified moves after Processed: a lead that had both now reaches Qualified furthest.
            let qualify = try #require(harness.portal.snapshot.stage("UC_QUALIFY")?.id)
            harness.write("crm.status.update", ["id": .int(Int64(qualify)), "fields": ["SORT": 38]])
            harness.clock.advance(by: 600)
            _ = try await harness.sync(connection)
            let funnel = FunnelFromData(harness.portal.snapshot)
            #expect(funnel.steps.map(\.statusID) == ["NEW", "IN_PROCESS", "PROCESSED", "UC_QUALIFY", "CONVERTED"])
            let after = try funnel.expectCumulative(connection).map { Array($0.prefix(2)) }
            #expect(after != before)
        }
    }
}

/// Funnel figures computed from the simulator's data alone: every stage a live lead ever had
/// (its history and its current stage), and its furthest in-progress or success stage by sort.
struct FunnelFromData {
    /// Live leads.
    let leads: [SimLead]
    /// In-progress and success stages in funnel order.
    let steps: [SimStatus]
    let data: PortalDataset
    private let history: [Int64: [SimStageHistory]]
    private let sortOf: [String: Int]

    init(_ data: PortalDataset) {
        self.data = data
        leads = data.leadIDs.compactMap { data.leads[$0] }
        steps = data.stages.filter { $0.semanticID != "F" }
        history = Dictionary(grouping: data.history, by: \.ownerID)
        sortOf = Dictionary(uniqueKeysWithValues: steps.map { ($0.statusID, $0.sort) })
    }

    /// Every stage `lead` ever had.
    func reached(_ lead: SimLead) -> Set<String> {
        Set((history[lead.id] ?? []).map(\.statusID)).union([lead.statusID])
    }

    /// Live leads whose furthest step is at `sort` or later (a lead with no step counts nowhere).
    func reachedOrPassed(_ sort: Int) -> Int {
        leads.filter { lead in reached(lead).compactMap { sortOf[$0] }.max().map { $0 >= sort } ?? false }.count
    }

    /// `mart.funnel_stage` equals the data: every stage in order, leads now and ever reached.
    func expectFunnelStage(_ connection: Connection) throws {
        let funnel = try connection.execute(
            "SELECT status_id, leads_now, leads_reached FROM mart.funnel_stage ORDER BY sort"
        ).rows
        #expect(funnel.map { $0[0] } == data.stages.map(\.statusID))
        for row in funnel {
            let status = row[0] ?? ""
            let now = leads.filter { $0.statusID == status }.count
            let ever = leads.filter { reached($0).contains(status) }.count
            #expect(row[1] == String(now) && row[2] == String(ever), "stage \(status)")
        }
    }

    /// `mart.funnel_cumulative` equals the data; returns its rows (status, reached, share).
    @discardableResult
    func expectCumulative(_ connection: Connection) throws -> [[String?]] {
        let cumulative = try connection.execute(
            "SELECT status_id, leads_reached, share_of_first FROM mart.funnel_cumulative ORDER BY sort, status_id"
        ).rows
        #expect(cumulative.map { $0[0] } == steps.map(\.statusID))
        for (row, stage) in zip(cumulative, steps) {
            #expect(row[1] == String(reachedOrPassed(stage.sort)), "stage \(stage.statusID)")
        }
        return cumulative
    }
}
