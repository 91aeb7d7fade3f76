import Foundation

/// Renders the funnel report as one self-contained HTML page: inline CSS, bars drawn with HTML
/// (their labels keep their size on a phone and wrap instead of shrinking), a line chart in SVG
/// with its labels in HTML, no scripts or fonts from anywhere, each chart with its figures in a
/// table. One part per portal; amounts are in each portal's base currency, named.
public enum ReportRenderer {
    /// The page for `portals`, stamped with `generatedAt`.
    public static func html(_ portals: [ReportData], generatedAt: String) -> String {
        let title = "Lead funnel — " + (portals.isEmpty ? "no portal" : portals.map(\.host).joined(separator: ", "))
        var body = "<header><h1>\(escape(title))</h1><p>generated \(escape(generatedAt)) by b24pg</p>"
        if portals.count > 1 {
            body +=
                "<nav>"
                + portals.enumerated().map { "<a href=\"#portal-\($0.offset + 1)\">\(escape($0.element.host))</a>" }
                .joined(separator: " · ") + "</nav>"
        }
        body += "</header>\n"
        for (index, portal) in portals.enumerated() {
            body += part(portal, anchor: "portal-\(index + 1)")
        }
        if portals.isEmpty { body += "<p>No portal has been synced into this database.</p>" }
        return """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(escape(title))</title>
            <style>\(style)</style></head>
            <body>\(body)</body></html>

            """
    }

    /// One portal's sections.
    static func part(_ data: ReportData, anchor: String) -> String {
        let currency = data.baseCurrency ?? "base currency"
        func money(_ text: String) -> String { Self.money(text, currency: currency) }
        var html =
            "<article id=\"\(anchor)\"><h2>\(escape(data.host))</h2><p class=\"lede\">\(data.totalLeads) live leads · amounts in \(escape(currency))</p>\n"
        let steps = data.stages.filter { $0.leadsCumulative != nil }
        let first = Double(steps.first?.leadsCumulative ?? 0)
        html += section(
            "Funnel",
            "Live leads that reached each step or a later one (a lead that skipped a step counts for it), in stage order; failure stages are exits and listed in the table.",
            chart: bars(
                steps.map {
                    let count = Double($0.leadsCumulative ?? 0)
                    return (
                        $0.name, count, color($0.semantic),
                        "\(Int(count)) · \(percent(first > 0 ? count / first : nil))"
                    )
                }),
            table: table(
                ["Stage", "Reached or passed", "Ever had it", "Now"],
                data.stages.map {
                    [$0.name, $0.leadsCumulative.map(String.init) ?? "–", String($0.leadsReached), String($0.leadsNow)]
                }))
        html += section(
            "Conversion by source", "Share of a source's live leads now converted.",
            chart: bars(data.sources.map { ($0.name, $0.conversionRate ?? 0, "#2f7ed8", percent($0.conversionRate)) }),
            table: table(
                ["Source", "Leads", "Converted", "Junk", "Open", "Conversion", "Win rate"],
                data.sources.map {
                    [
                        $0.name, String($0.leads), String($0.converted), String($0.junk), String($0.open),
                        percent($0.conversionRate), percent($0.winRate),
                    ]
                }), wide: true)
        if !data.revenue.isEmpty {
            html += section(
                "Won revenue by source",
                "Deals now won, in \(currency): a deal counts for its lead's source, a deal without a lead for its own; days from a lead's creation to its first won deal (median).",
                chart: bars(
                    data.revenue.map { ($0.name, Double($0.wonRevenue) ?? 0, "#d35400", money($0.wonRevenue)) }),
                table: table(
                    ["Source", "Leads", "Deals", "Won", "Won revenue", "Leads with a deal", "Days to won"],
                    data.revenue.map {
                        [
                            $0.name, String($0.leads), String($0.deals), String($0.wonDeals), money($0.wonRevenue),
                            percent($0.leadToDealRate), $0.medianDaysToWon.map { String(format: "%.1f", $0) } ?? "–",
                        ]
                    }), wide: true)
        }
        if !data.speed.isEmpty {
            html += section(
                "Speed to lead by source",
                "Minutes from a lead's creation to its first real touch (an outgoing call or e-mail, a meeting, a completed to-do or task): median and 90th percentile over the touched leads; shares over all leads.",
                chart: bars(
                    data.speed.map {
                        (
                            $0.name, $0.medianMinutes ?? 0, "#16a085",
                            $0.medianMinutes.map { String(format: "%.1f min", $0) } ?? "–"
                        )
                    }),
                table: table(
                    [
                        "Source", "Leads", "Touched", "Median minutes", "90th percentile", "Within 5 minutes",
                        "Never touched",
                    ],
                    data.speed.map {
                        [
                            $0.name, String($0.leads), String($0.touched), Self.minutes($0.medianMinutes),
                            Self.minutes($0.p90Minutes), percent($0.withinFiveMinutes), percent($0.neverTouched),
                        ]
                    }), wide: true)
        }
        html += section(
            "Daily trend", "Leads created and converted per day (portal time), last \(data.days.count) days.",
            chart: lines(data.days),
            table: table(
                ["Day", "Created", "Converted", "Junk"],
                data.days.reversed().map { [$0.day, String($0.created), String($0.converted), String($0.junk)] }))
        html += section(
            "Top products", "Amount (price × quantity) on live leads, in \(currency).",
            chart: bars(data.products.map { ($0.name, Double($0.amount) ?? 0, "#8e44ad", money($0.amount)) }),
            table: table(
                ["Product", "Leads", "Amount", "On converted"],
                data.products.map { [$0.name, String($0.leads), money($0.amount), money($0.convertedAmount)] }))
        html += section(
            "Owners", "Live leads per responsible user.",
            chart: bars(data.owners.map { ($0.name, Double($0.leads), "#16a085", String($0.leads)) }),
            table: table(
                ["Owner", "Leads", "Converted", "Conversion", "Open amount"],
                data.owners.map {
                    [$0.name, String($0.leads), String($0.converted), percent($0.conversionRate), money($0.openAmount)]
                }), wide: true)
        return html + "</article>\n"
    }

    static let style = """
        body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0 auto;padding:1rem;color:#222;background:#f6f7f9;max-width:1400px;box-sizing:border-box}
        *,*::before,*::after{box-sizing:inherit}
        header h1{font-size:1.4rem;margin:.2rem 0}header p,.lede{color:#666;margin:0 0 1rem}nav{margin:0 0 1rem}
        article h2{font-size:1.25rem;margin:1.2rem 0 .2rem}
        section{background:#fff;border-radius:8px;padding:1rem;margin:0 0 1rem;box-shadow:0 1px 3px rgba(0,0,0,.08)}
        section h3{font-size:1.05rem;margin:0 0 .2rem}section p{color:#666;margin:0 0 .6rem;font-size:.9rem}
        .pair{display:flex;flex-wrap:wrap;gap:1rem}.chart{flex:1 1 360px;min-width:0}.figures{flex:1 1 320px;min-width:0;max-height:420px;overflow:auto}
        .pair.wide .chart,.pair.wide .figures{flex-basis:100%}
        table{border-collapse:collapse;width:100%;font-size:.85rem}
        th,td{padding:.25rem .5rem;border-bottom:1px solid #eee;text-align:right;white-space:nowrap}
        th:first-child,td:first-child{text-align:left;white-space:normal;min-width:8em;overflow-wrap:break-word}th{background:#fafafa;position:sticky;top:0}
        .bars{display:grid;grid-template-columns:minmax(6em,12em) 1fr;gap:.3rem .6rem;align-items:center;font-size:.85rem}
        .bars .label{overflow-wrap:break-word}.bars .track{display:flex;flex-wrap:wrap;align-items:center;gap:.1rem .4rem;min-width:0}
        .bars .fill{height:1.1rem;border-radius:3px;flex:none}.bars .value{color:#555;white-space:nowrap}
        .trend svg{width:100%;height:220px;display:block}.trend .axis{display:flex;justify-content:space-between;color:#777;font-size:.8rem}
        .legend span{margin-right:1rem;font-size:.85rem}.empty{color:#888}
        @media (max-width:600px){body{padding:.5rem}section{padding:.6rem}.bars{grid-template-columns:1fr}.bars .label{margin-top:.3rem}.trend svg{height:160px}}
        """

    static func section(_ title: String, _ note: String, chart: String, table: String, wide: Bool = false) -> String {
        "<section><h3>\(escape(title))</h3><p>\(escape(note))</p><div class=\"pair\(wide ? " wide" : "")\"><div class=\"chart\">\(chart)</div><div class=\"figures\">\(table)</div></div></section>\n"
    }

    static func table(_ header: [String], _ rows: [[String]]) -> String {
        var html = "<table><thead><tr>" + header.map { "<th>\(escape($0))</th>" }.joined() + "</tr></thead><tbody>"
        for row in rows { html += "<tr>" + row.map { "<td>\(escape($0))</td>" }.joined() + "</tr>" }
        if rows.isEmpty { html += "<tr><td colspan=\"\(header.count)\">no data</td></tr>" }
        return html + "</tbody></table>"
    }

    /// Horizontal bars as HTML: label, bar and value text at the page's own font size.
    static func bars(_ items: [(label: String, value: Double, color: String, text: String)]) -> String {
        guard !items.isEmpty else { return "<p class=\"empty\">no data</p>" }
        let maximum = max(items.map(\.value).max() ?? 0, 1e-9)
        var html = "<div class=\"bars\" role=\"img\" aria-label=\"bar chart\">"
        for item in items {
            let share = max(0, min(1, item.value / maximum)) * 70
            html +=
                "<span class=\"label\">\(escape(item.label))</span><span class=\"track\"><span class=\"fill\" style=\"width:\(String(format: "%.1f", share))%;background:\(item.color)\"></span><span class=\"value\">\(escape(item.text))</span></span>"
        }
        return html + "</div>"
    }

    /// Two polylines (created, converted) over the days; axis labels and legend in HTML.
    static func lines(_ days: [ReportData.Day]) -> String {
        guard let first = days.first, let last = days.last else { return "<p class=\"empty\">no data</p>" }
        let width = 600.0
        let height = 200.0
        let maximum = Double(max(days.map { max($0.created, $0.converted) }.max() ?? 1, 1))
        func points(_ value: (ReportData.Day) -> Int) -> String {
            days.enumerated().map { index, day in
                let x = (days.count > 1 ? Double(index) / Double(days.count - 1) : 0) * width
                let y = height - 2 - Double(value(day)) / maximum * (height - 4)
                return String(format: "%.1f,%.1f", x, y)
            }.joined(separator: " ")
        }
        var html = "<div class=\"trend\"><div class=\"legend\"><span style=\"color:#2f7ed8\">■ created</span>"
        html += "<span style=\"color:#27ae60\">■ converted</span><span>peak \(Int(maximum)) a day</span></div>"
        html +=
            "<svg viewBox=\"0 0 \(Int(width)) \(Int(height))\" preserveAspectRatio=\"none\" role=\"img\" aria-label=\"daily trend\">"
        html +=
            "<line x1=\"0\" y1=\"\(Int(height - 1))\" x2=\"\(Int(width))\" y2=\"\(Int(height - 1))\" stroke=\"#ccc\"/>"
        html +=
            "<polyline fill=\"none\" stroke=\"#2f7ed8\" stroke-width=\"2\" vector-effect=\"non-scaling-stroke\" points=\"\(points(\.created))\"/>"
        html +=
            "<polyline fill=\"none\" stroke=\"#27ae60\" stroke-width=\"2\" vector-effect=\"non-scaling-stroke\" points=\"\(points(\.converted))\"/>"
        html +=
            "</svg><div class=\"axis\"><span>\(escape(first.day))</span><span>\(escape(last.day))</span></div></div>"
        return html
    }

    static func color(_ semantic: String) -> String {
        semantic == "S" ? "#27ae60" : (semantic == "F" ? "#c0392b" : "#2f7ed8")
    }

    /// `2019974.5` in `USD` → `2,019,974.50 USD`; an empty amount (no rate) → `–`.
    public static func money(_ text: String, currency: String) -> String {
        guard !text.isEmpty, let value = Double(text) else { return text.isEmpty ? "–" : "\(text) \(currency)" }
        let cents = String(format: "%.2f", abs(value))
        let parts = cents.split(separator: ".")
        var grouped = ""
        for (index, digit) in parts[0].reversed().enumerated() {
            if index > 0, index % 3 == 0 { grouped.append(",") }
            grouped.append(digit)
        }
        return (value < 0 ? "-" : "") + String(grouped.reversed()) + "." + parts[1] + " " + currency
    }

    /// `0.3412` → `34.1 %`; `nil` → `–`.
    public static func percent(_ value: Double?) -> String {
        guard let value else { return "–" }
        return String(format: "%.1f %%", value * 100)
    }

    /// Minutes with one decimal, or `–`.
    public static func minutes(_ value: Double?) -> String {
        value.map { String(format: "%.1f", $0) } ?? "–"
    }

    /// HTML text escaping (`& < > " '`).
    public static func escape(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.count)
        for character in text {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&#39;"
            case "\u{0}": continue
            default: result.append(character)
            }
        }
        return result
    }
}
