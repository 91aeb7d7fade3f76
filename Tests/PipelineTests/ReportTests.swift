import FunnelReport
import LibPQ
import Testing

@Suite("b24pg report: a self-contained HTML page with the same numbers as the mart views")
struct ReportTests {
    @Test("the page holds every stage, source, product and owner figure of the views, and nothing external")
    func reportMatchesViews() async throws {
        let harness = try SyncHarness(leads: 800, seed: 35)
        try await withMigratedDatabase { connection, _ in
            _ = try await harness.sync(connection)
            let data = try ReportData.load(connection)
            let html = ReportRenderer.html(data, generatedAt: "2026-01-01T00:00:00Z")
            #expect(html.hasPrefix("<!DOCTYPE html>"))
            #expect(!html.contains("<script"))
            #expect(!html.contains("http://") && !html.contains("https://"))
            #expect(html.contains("name=\"viewport\""))
            #expect(html.contains("800 live leads"))

            let funnel = try connection.execute(
                "SELECT status_name, leads_reached, leads_now FROM mart.funnel_stage ORDER BY sort"
            ).rows
            for row in funnel {
                #expect(
                    html.contains(
                        "<tr><td>\(ReportRenderer.escape(row[0] ?? ""))</td><td>\(row[1] ?? "")</td><td>\(row[2] ?? "")</td></tr>"
                    ))
            }
            let sources = try connection.execute(
                "SELECT source_name, leads, converted, junk, open FROM mart.conversion_by_source"
            ).rows
            for row in sources {
                let (leads, converted, junk) = (
                    Double(row[1] ?? "") ?? 0, Double(row[2] ?? "") ?? 0, Double(row[3] ?? "") ?? 0
                )
                let cells = [
                    row[0] ?? "", row[1] ?? "", row[2] ?? "", row[3] ?? "", row[4] ?? "",
                    ReportRenderer.percent(converted / leads),
                    ReportRenderer.percent(converted + junk > 0 ? converted / (converted + junk) : nil),
                ]
                #expect(
                    html.contains("<tr>" + cells.map { "<td>\(ReportRenderer.escape($0))</td>" }.joined() + "</tr>"),
                    "source \(row[0] ?? "")")
            }
            let topProduct = try connection.execute(
                "SELECT product_name, leads, round(amount, 2)::text FROM mart.product_revenue ORDER BY amount DESC LIMIT 1"
            ).rows
            #expect(
                html.contains(
                    "<td>\(ReportRenderer.escape(topProduct.first?[0] ?? ""))</td><td>\(topProduct.first?[1] ?? "")</td><td>\(topProduct.first?[2] ?? "")</td>"
                ))
            let topOwner = try connection.execute(
                "SELECT user_name, leads, converted FROM mart.owner_performance ORDER BY leads DESC, user_name LIMIT 1"
            ).rows
            #expect(
                html.contains(
                    "<td>\(ReportRenderer.escape(topOwner.first?[0] ?? ""))</td><td>\(topOwner.first?[1] ?? "")</td><td>\(topOwner.first?[2] ?? "")</td>"
                ))
            let lastDay = try connection.execute(
                "SELECT day::text, created, converted, junk FROM mart.leads_daily ORDER BY day DESC LIMIT 1"
            ).rows
            #expect(html.contains("<tr>" + (lastDay.first ?? []).map { "<td>\($0 ?? "")</td>" }.joined() + "</tr>"))
            #expect(data.days.count <= 90)
        }
    }

    @Test("text is escaped: markup in names cannot break the page")
    func escaping() {
        #expect(
            ReportRenderer.escape("<script>alert('x')</script> & \"q\"")
                == "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;")
        let data = ReportData(
            portals: ["p<1>"], stages: [.init(name: "<b>New</b>", semantic: "P", leadsNow: 1, leadsReached: 2)],
            sources: [], days: [],
            products: [], owners: [], totalLeads: 1)
        let html = ReportRenderer.html(data, generatedAt: "now")
        #expect(!html.contains("<b>New</b>"))
        #expect(html.contains("&lt;b&gt;New&lt;/b&gt;"))
    }
}
