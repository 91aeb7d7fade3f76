import ArgumentParser
import Foundation
import LibPQ

/// `b24pg status`: watermarks, lag, last runs and row counts — never a secret.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Show watermarks, lag, the last runs and row counts per table.")

    @OptionGroup var database: DatabaseOptions

    @Option(help: "How many recent runs to list.")
    var runs = 10

    func run() throws {
        let connection = try database.connect()
        do {
            try SyncCommand.requireMigrated(connection)
            print("database: \(connection.connectionString)")
            let streams = try connection.execute(
                """
                SELECT p.host, p.time_zone, s.stream, s.watermark_time, s.watermark_id,
                       CASE WHEN s.watermark_time IS NULL THEN NULL
                            ELSE date_trunc('second', now() - s.watermark_time)::text END AS lag,
                       s.pass_started_at IS NOT NULL AS pass_unfinished
                FROM etl.portal p LEFT JOIN etl.sync_state s USING (portal_id) ORDER BY p.host, s.stream
                """)
            print("\nwatermarks")
            TextTable.print(
                ["portal", "tz", "stream", "watermark", "last id", "lag", "unfinished pass"], streams.rows)
            let recent = try connection.execute(
                """
                SELECT r.run_id, p.host, r.mode, r.status, to_char(r.started_at, 'YYYY-MM-DD HH24:MI:SS'),
                       round(extract(epoch FROM coalesce(r.finished_at, now()) - r.started_at)::numeric, 1),
                       r.leads_upserted, r.product_rows, r.contact_links, r.stage_history, r.leads_deleted,
                       r.records_skipped, r.http_requests, r.retries, r.throttled, left(r.error, 80)
                FROM etl.sync_run r JOIN etl.portal p USING (portal_id) ORDER BY r.run_id DESC LIMIT $1
                """, [String(runs)])
            print("\nlast runs")
            TextTable.print(
                [
                    "run", "portal", "mode", "status", "started", "seconds", "leads", "products", "links", "history",
                    "deleted", "skipped", "requests", "retries", "503/429", "error",
                ], recent.rows)
            let counts = try connection.execute(
                """
                SELECT 'dw.fact_lead', count(*) FILTER (WHERE NOT is_deleted)::text || ' live, '
                       || count(*) FILTER (WHERE is_deleted)::text || ' deleted' FROM dw.fact_lead
                UNION ALL SELECT 'dw.fact_lead_product', count(*)::text FROM dw.fact_lead_product
                UNION ALL SELECT 'dw.bridge_lead_contact', count(*)::text FROM dw.bridge_lead_contact
                UNION ALL SELECT 'dw.fact_lead_stage_history', count(*)::text FROM dw.fact_lead_stage_history
                UNION ALL SELECT 'dw.fact_lead_version', count(*)::text FROM dw.fact_lead_version
                UNION ALL SELECT 'dw.dim_status', count(*)::text FROM dw.dim_status
                UNION ALL SELECT 'dw.dim_source', count(*)::text FROM dw.dim_source
                UNION ALL SELECT 'dw.dim_user', count(*)::text FROM dw.dim_user
                UNION ALL SELECT 'dw.dim_contact', count(*)::text FROM dw.dim_contact
                UNION ALL SELECT 'dw.dim_company', count(*)::text FROM dw.dim_company
                UNION ALL SELECT 'dw.dim_product', count(*)::text FROM dw.dim_product
                UNION ALL SELECT 'dw.dim_lead_field', count(*)::text FROM dw.dim_lead_field
                """)
            print("\nrows")
            TextTable.print(["table", "rows"], counts.rows)
            let deferred = try connection.execute(
                """
                SELECT index_name, table_name, to_char(deferred_at, 'YYYY-MM-DD HH24:MI:SS')
                FROM etl.deferred_index ORDER BY index_name
                """)
            if !deferred.rows.isEmpty {
                print("\nindexes set aside by an unfinished first load (the next sync builds them again)")
                TextTable.print(["index", "table", "since"], deferred.rows)
            }
        } catch let failure as RunFailure {
            throw failure
        } catch {
            throw RunFailure.failed(error)
        }
    }
}

/// Plain aligned text tables for the terminal.
enum TextTable {
    /// Prints `header` and `rows` with columns padded to their widest cell; NULL shows as `-`.
    static func print(_ header: [String], _ rows: [[String?]]) {
        let cells = [header] + rows.map { $0.map { ($0 ?? "-").replacingOccurrences(of: "\n", with: " ") } }
        var widths = Array(repeating: 0, count: header.count)
        for row in cells {
            for (index, cell) in row.enumerated() where index < widths.count {
                widths[index] = max(widths[index], cell.count)
            }
        }
        for (number, row) in cells.enumerated() {
            let line = row.enumerated().map { index, cell in
                index < widths.count ? cell.padding(toLength: widths[index], withPad: " ", startingAt: 0) : cell
            }.joined(separator: "  ")
            Swift.print(line)
            if number == 0 { Swift.print(widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")) }
        }
        if rows.isEmpty { Swift.print("(none)") }
    }
}
