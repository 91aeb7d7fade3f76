import Foundation

/// Renders the funnel report as one self-contained HTML page: inline CSS and SVG charts, no
/// scripts or fonts from anywhere, each chart with its figures in a table beside it.
public enum ReportRenderer {
    /// The page for `data`, stamped with `generatedAt`.
    public static func html(_ data: ReportData, generatedAt: String) -> String {
        let title = "Lead funnel — " + (data.portals.isEmpty ? "no portal" : data.portals.joined(separator: ", "))
        var body =
            "<header><h1>\(escape(title))</h1><p>\(data.totalLeads) live leads · generated \(escape(generatedAt)) by b24pg</p></header>\n"
        body += section(
            "Funnel", "Leads that ever reached each stage (bars) and leads there now.",
            chart: bars(
                data.stages.map { ($0.name, Double($0.leadsReached), color($0.semantic)) }, format: { String(Int($0)) }),
            table: table(
                ["Stage", "Reached", "Now"],
                data.stages.map { [$0.name, String($0.leadsReached), String($0.leadsNow)] }))
        body += section(
            "Conversion by source", "Share of a source's leads that converted.",
            chart: bars(data.sources.map { ($0.name, $0.conversionRate ?? 0, "#2f7ed8") }, format: percent),
            table: table(
                ["Source", "Leads", "Converted", "Junk", "Open", "Conversion", "Win rate"],
                data.sources.map {
                    [
                        $0.name, String($0.leads), String($0.converted), String($0.junk), String($0.open),
                        percent($0.conversionRate), percent($0.winRate),
                    ]
                }))
        body += section(
            "Daily trend", "Leads created and converted per day (portal time), last \(data.days.count) days with data.",
            chart: lines(data.days),
            table: table(
                ["Day", "Created", "Converted", "Junk"],
                data.days.reversed().map { [$0.day, String($0.created), String($0.converted), String($0.junk)] }))
        body += section(
            "Top products", "Amount (price × quantity) on live leads.",
            chart: bars(
                data.products.map { ($0.name, Double($0.amount) ?? 0, "#8e44ad") },
                format: { String(format: "%.0f", $0) }),
            table: table(
                ["Product", "Leads", "Amount", "On converted"],
                data.products.map { [$0.name, String($0.leads), $0.amount, $0.convertedAmount] }))
        body += section(
            "Owners", "Leads per responsible user.",
            chart: bars(data.owners.map { ($0.name, Double($0.leads), "#16a085") }, format: { String(Int($0)) }),
            table: table(
                ["Owner", "Leads", "Converted", "Conversion", "Open amount"],
                data.owners.map {
                    [$0.name, String($0.leads), String($0.converted), percent($0.conversionRate), $0.openAmount]
                }))
        return """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(escape(title))</title>
            <style>\(style)</style></head>
            <body>\(body)</body></html>

            """
    }

    static let style = """
        body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;padding:1rem;color:#222;background:#f6f7f9}
        header h1{font-size:1.4rem;margin:.2rem 0}header p{color:#666;margin:0 0 1rem}
        section{background:#fff;border-radius:8px;padding:1rem;margin:0 0 1rem;box-shadow:0 1px 3px rgba(0,0,0,.08)}
        section h2{font-size:1.1rem;margin:0 0 .2rem}section p{color:#666;margin:0 0 .6rem;font-size:.9rem}
        .pair{display:flex;flex-wrap:wrap;gap:1rem}.chart{flex:1 1 420px;min-width:0}.figures{flex:1 1 320px;min-width:0;max-height:420px;overflow:auto}
        svg{width:100%;height:auto;display:block}table{border-collapse:collapse;width:100%;font-size:.85rem}
        th,td{padding:.25rem .5rem;border-bottom:1px solid #eee;text-align:right;white-space:nowrap}
        th:first-child,td:first-child{text-align:left;white-space:normal;min-width:8em;overflow-wrap:break-word}th{background:#fafafa;position:sticky;top:0}
        @media (max-width:600px){body{padding:.5rem}section{padding:.6rem}}
        """

    static func section(_ title: String, _ note: String, chart: String, table: String) -> String {
        "<section><h2>\(escape(title))</h2><p>\(escape(note))</p><div class=\"pair\"><div class=\"chart\">\(chart)</div><div class=\"figures\">\(table)</div></div></section>\n"
    }

    static func table(_ header: [String], _ rows: [[String]]) -> String {
        var html = "<table><thead><tr>" + header.map { "<th>\(escape($0))</th>" }.joined() + "</tr></thead><tbody>"
        for row in rows { html += "<tr>" + row.map { "<td>\(escape($0))</td>" }.joined() + "</tr>" }
        if rows.isEmpty { html += "<tr><td colspan=\"\(header.count)\">no data</td></tr>" }
        return html + "</tbody></table>"
    }

    /// Horizontal bars with labels and values.
    static func bars(_ items: [(String, Double, String)], format: (Double) -> String) -> String {
        let rowHeight = 26.0
        let height = max(rowHeight, Double(items.count) * rowHeight + 8)
        let maximum = max(items.map(\.1).max() ?? 0, 1e-9)
        var svg = "<svg viewBox=\"0 0 600 \(Int(height))\" role=\"img\" aria-label=\"bar chart\">"
        for (index, item) in items.enumerated() {
            let y = Double(index) * rowHeight + 4
            let width = max(0, item.1 / maximum * 330)
            svg +=
                "<text x=\"0\" y=\"\(y + 17)\" font-size=\"13\" fill=\"#333\">\(escape(String(item.0.prefix(28))))</text>"
            svg +=
                "<rect x=\"200\" y=\"\(y + 3)\" width=\"\(String(format: "%.1f", width))\" height=\"18\" rx=\"3\" fill=\"\(item.2)\"/>"
            svg +=
                "<text x=\"\(String(format: "%.1f", 206 + width))\" y=\"\(y + 17)\" font-size=\"12\" fill=\"#555\">\(escape(format(item.1)))</text>"
        }
        if items.isEmpty { svg += "<text x=\"10\" y=\"18\" font-size=\"13\" fill=\"#888\">no data</text>" }
        return svg + "</svg>"
    }

    /// Two polylines (created, converted) over the days.
    static func lines(_ days: [ReportData.Day]) -> String {
        let width = 600.0
        let height = 240.0
        let maximum = Double(max(days.map { max($0.created, $0.converted) }.max() ?? 1, 1))
        func points(_ value: (ReportData.Day) -> Int) -> String {
            days.enumerated().map { index, day in
                let x = 30 + (days.count > 1 ? Double(index) / Double(days.count - 1) : 0) * (width - 40)
                let y = height - 25 - Double(value(day)) / maximum * (height - 45)
                return String(format: "%.1f,%.1f", x, y)
            }.joined(separator: " ")
        }
        var svg = "<svg viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"daily trend\">"
        svg +=
            "<line x1=\"30\" y1=\"\(Int(height - 25))\" x2=\"\(Int(width - 10))\" y2=\"\(Int(height - 25))\" stroke=\"#ccc\"/>"
        svg +=
            "<text x=\"0\" y=\"20\" font-size=\"11\" fill=\"#777\">\(Int(maximum))</text><text x=\"0\" y=\"\(Int(height - 27))\" font-size=\"11\" fill=\"#777\">0</text>"
        if let first = days.first, let last = days.last {
            svg += "<text x=\"30\" y=\"\(Int(height - 8))\" font-size=\"11\" fill=\"#777\">\(escape(first.day))</text>"
            svg +=
                "<text x=\"\(Int(width - 10))\" y=\"\(Int(height - 8))\" font-size=\"11\" fill=\"#777\" text-anchor=\"end\">\(escape(last.day))</text>"
            svg += "<polyline fill=\"none\" stroke=\"#2f7ed8\" stroke-width=\"2\" points=\"\(points(\.created))\"/>"
            svg += "<polyline fill=\"none\" stroke=\"#27ae60\" stroke-width=\"2\" points=\"\(points(\.converted))\"/>"
            svg +=
                "<text x=\"40\" y=\"20\" font-size=\"12\" fill=\"#2f7ed8\">created</text><text x=\"110\" y=\"20\" font-size=\"12\" fill=\"#27ae60\">converted</text>"
        } else {
            svg += "<text x=\"40\" y=\"40\" font-size=\"13\" fill=\"#888\">no data</text>"
        }
        return svg + "</svg>"
    }

    static func color(_ semantic: String) -> String {
        semantic == "S" ? "#27ae60" : (semantic == "F" ? "#c0392b" : "#2f7ed8")
    }

    /// `0.3412` → `34.1 %`; `nil` → `–`.
    public static func percent(_ value: Double?) -> String {
        guard let value else { return "–" }
        return String(format: "%.1f %%", value * 100)
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
