import FunnelReport
import LibPQ
import Testing

@Suite("b24pg report: a self-contained HTML page with the same numbers as the mart views")
struct ReportTests {
    @Test(
        "one part per portal, each with that portal's own stage, source, product and owner figures (ids shared by both portals never merge), amounts in its base currency, nothing external"
    )
    func reportMatchesViews() async throws {
        let first = try SyncHarness(leads: 800, seed: 35)
        let second = try SyncHarness(leads: 300, seed: 36)
        try await withMigratedDatabase { connection, _ in
            _ = try await first.sync(connection, host: "alpha.example")
            _ = try await second.sync(connection, host: "beta.example")
            let reports = try ReportData.load(connection)
            #expect(reports.map(\.host) == ["alpha.example", "beta.example"])
            #expect(reports.map(\.totalLeads) == [800, 300])
            #expect(try ReportData.load(connection, hosts: ["beta.example"]).map(\.host) == ["beta.example"])
            #expect(throws: ReportError.self) { try ReportData.load(connection, hosts: ["nowhere.example"]) }
            let html = ReportRenderer.html(reports, generatedAt: "2026-01-01T00:00:00Z")
            #expect(html.hasPrefix("<!DOCTYPE html>"))
            #expect(!html.contains("<script"))
            #expect(!html.contains("http://") && !html.contains("https://"))
            #expect(html.contains("name=\"viewport\""))
            let parts = html.components(separatedBy: "<article ").dropFirst().map { String($0) }
            #expect(parts.count == 2)
            for (part, host) in zip(parts, ["alpha.example", "beta.example"]) {
                let id = try #require(
                    try connection.execute("SELECT portal_id FROM mart.portal WHERE host = $1", [host]).scalar)
                #expect(part.contains("<h2>\(host)</h2>"))
                let total = try connection.execute("SELECT count(*) FROM mart.lead WHERE portal_id = $1::int", [id])
                    .scalar
                #expect(part.contains("\(total ?? "?") live leads · amounts in USD"))
                let funnel = try connection.execute(
                    """
                    SELECT s.status_name, coalesce(c.leads_reached::text, '–'), s.leads_reached, s.leads_now
                    FROM mart.funnel_stage s
                    LEFT JOIN mart.funnel_cumulative c USING (portal_id, status_id)
                    WHERE s.portal_id = $1::int ORDER BY s.sort
                    """, [id]
                ).rows
                let funnelRows = funnel.map { row in
                    "<tr>" + row.map { "<td>\(ReportRenderer.escape($0 ?? ""))</td>" }.joined() + "</tr>"
                }
                #expect(part.contains(funnelRows.joined()), "the funnel in stage order, \(host)")
                let sources = try connection.execute(
                    """
                    SELECT source_name, leads, converted, junk, open, conversion_rate::float8, win_rate::float8
                    FROM mart.conversion_by_source WHERE portal_id = $1::int
                    """,
                    [id]
                ).rows
                for row in sources {
                    let cells = [
                        row[0] ?? "", row[1] ?? "", row[2] ?? "", row[3] ?? "", row[4] ?? "",
                        ReportRenderer.percent(row[5].flatMap(Double.init)),
                        ReportRenderer.percent(row[6].flatMap(Double.init)),
                    ]
                    #expect(
                        part.contains(
                            "<tr>" + cells.map { "<td>\(ReportRenderer.escape($0))</td>" }.joined() + "</tr>"),
                        "source \(row[0] ?? "") of \(host)")
                }
                // Products summed over currencies in the base currency, this portal's rows only.
                let topProduct = try connection.execute(
                    """
                    SELECT product_name, sum(leads), sum(amount_base)::text FROM mart.product_revenue
                    WHERE portal_id = $1::int GROUP BY product_id, product_name ORDER BY sum(amount_base) DESC LIMIT 1
                    """, [id]
                ).rows.first
                #expect(
                    part.contains(
                        "<td>\(ReportRenderer.escape(topProduct?[0] ?? ""))</td><td>\(topProduct?[1] ?? "")</td><td>\(ReportRenderer.money(topProduct?[2] ?? "", currency: "USD"))</td>"
                    ))
                let topOwner = try connection.execute(
                    """
                    SELECT user_name, leads, converted, open_amount_base::text FROM mart.owner_performance
                    WHERE portal_id = $1::int ORDER BY leads DESC, user_name LIMIT 1
                    """, [id]
                ).rows.first
                #expect(
                    part.contains(
                        "<td>\(ReportRenderer.escape(topOwner?[0] ?? ""))</td><td>\(topOwner?[1] ?? "")</td><td>\(topOwner?[2] ?? "")</td>"
                    ))
                #expect(part.contains("<td>\(ReportRenderer.money(topOwner?[3] ?? "", currency: "USD"))</td>"))
                let lastDay = try connection.execute(
                    "SELECT day::text, created, converted, junk FROM mart.leads_daily WHERE portal_id = $1::int ORDER BY day DESC LIMIT 1",
                    [id]
                ).rows
                #expect(part.contains("<tr>" + (lastDay.first ?? []).map { "<td>\($0 ?? "")</td>" }.joined() + "</tr>"))
                // Speed to lead: the source with the most leads, its leads, touched and median as the view gives them.
                let speed = try connection.execute(
                    """
                    SELECT coalesce(source_name, source_id, '(none)'), count(*), count(*) FILTER (WHERE touched),
                           (percentile_cont(0.5) WITHIN GROUP (ORDER BY minutes_to_first_touch))::float8
                    FROM mart.speed_to_lead WHERE portal_id = $1::int GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1
                    """, [id]
                ).rows.first
                #expect(part.contains("Speed to lead by source"))
                #expect(
                    part.contains(
                        "<td>\(ReportRenderer.escape(speed?[0] ?? ""))</td><td>\(speed?[1] ?? "")</td><td>\(speed?[2] ?? "")</td>"
                            + "<td>\(ReportRenderer.minutes(speed?[3].flatMap { Double($0) }))</td>"), "\(host)")
            }
            #expect(reports.allSatisfy { $0.days.count <= 90 })
            // Layout: charts are HTML bars (labels at the page's font size on a phone, wrapping),
            // wide tables get the full width under their chart, nothing is wider than the page.
            #expect(html.contains("<div class=\"bars\""))
            #expect(!html.contains("<text"))
            #expect(html.contains("class=\"pair wide\""))
            #expect(html.contains("@media (max-width:600px)"))
        }
    }

    @Test("money is grouped by thousands with two decimals and its currency")
    func moneyFormat() {
        #expect(ReportRenderer.money("2019974.5", currency: "USD") == "2,019,974.50 USD")
        #expect(ReportRenderer.money("-1234", currency: "EUR") == "-1,234.00 EUR")
        #expect(ReportRenderer.money("999.994", currency: "RUB") == "999.99 RUB")
        #expect(ReportRenderer.money("", currency: "USD") == "–")
    }

    @Test("text is escaped: markup in names cannot break the page")
    func escaping() {
        #expect(
            ReportRenderer.escape("<script>alert('x')</script> & \"q\"")
                == "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;")
        let data = ReportData(
            host: "p<1>", baseCurrency: "U<S>D",
            stages: [.init(name: "<b>New</b>", semantic: "P", leadsNow: 1, leadsReached: 2, leadsCumulative: 2)],
            sources: [], days: [], products: [], owners: [], totalLeads: 1)
        let html = ReportRenderer.html([data], generatedAt: "now")
        #expect(!html.contains("p<1>") && !html.contains("U<S>D"))
        #expect(!html.contains("<b>New</b>"))
        #expect(html.contains("&lt;b&gt;New&lt;/b&gt;"))
    }
}
