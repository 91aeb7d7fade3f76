import B24Core
import Foundation
import LibPQ
import Testing

@Suite("Shipped dashboards: every query runs as b24pg_reader against a synced database and returns rows")
struct DashboardTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("dashboards")

    /// Replaces Grafana's macros and variables the way Grafana would, for a wide time range and portal 1.
    static func grafanaSQL(_ sql: String) -> String {
        var text = sql
        while let range = text.range(of: "$__timeFilter(") {
            guard let close = text[range.upperBound...].firstIndex(of: ")") else { break }
            let column = text[range.upperBound..<close]
            text.replaceSubrange(
                range.lowerBound...close, with: "\(column) BETWEEN '2000-01-01T00:00:00Z' AND '2100-01-01T00:00:00Z'")
        }
        return text.replacingOccurrences(of: "$portal", with: "1")
    }

    /// A Superset asset file: YAML in JSON flow style after its comment line.
    static func asset(_ url: URL) throws -> JSON {
        let text = try String(contentsOf: url, encoding: .utf8)
        return try JSON.parse(
            text.split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.hasPrefix("#") }.joined(
                separator: "\n"))
    }

    static func files(_ folder: String) throws -> [URL] {
        let url = root.appendingPathComponent(folder)
        return try FileManager.default.contentsOfDirectory(at: url, includingPropertiesForKeys: nil).filter {
            $0.pathExtension == "yaml"
        }
        .sorted { $0.path < $1.path }
    }

    @Test(
        "Grafana: every panel and variable query of the three dashboards (lead funnel, lead to revenue, speed to lead) returns rows; the time range and portal variable are used"
    )
    func grafana() async throws {
        let harness = try SyncHarness(leads: 600, seed: 36)
        try await withMigratedDatabase { connection, _ in
            _ = try await harness.sync(connection)
            var queries: [String] = []
            for (file, timed) in [("b24pg-funnel.json", 5), ("b24pg-revenue.json", 4), ("b24pg-speed-to-lead.json", 5)]
            {
                let dashboard = try JSON.parse(
                    try Data(contentsOf: Self.root.appendingPathComponent("grafana/\(file)")))
                let panels = dashboard["panels"]?.elements ?? []
                #expect(panels.count >= 7, "\(file)")
                var own = (dashboard["templating"]?["list"]?.elements ?? []).compactMap { $0["query"]?.stringValue }
                for panel in panels {
                    for target in panel["targets"]?.elements ?? [] {
                        let sql = try #require(target["rawSql"]?.stringValue)
                        #expect(sql.contains("$portal"), "panel \(panel["title"]?.stringValue ?? "") filters by portal")
                        own.append(sql)
                    }
                }
                #expect(own.filter { $0.contains("$__timeFilter") }.count >= timed, "\(file)")
                queries += own
            }
            try connection.execute("SET ROLE b24pg_reader")
            for sql in queries {
                let result = try connection.execute(Self.grafanaSQL(sql))
                #expect(!result.rows.isEmpty, "no rows: \(sql.prefix(80))")
            }
            let datasource = try String(
                contentsOf: Self.root.appendingPathComponent("grafana/provisioning/datasources/b24pg.yaml"),
                encoding: .utf8)
            for variable in ["${B24PG_DB_HOST}", "${B24PG_DB_USER}", "${B24PG_DB_PASSWORD}", "${B24PG_DB_NAME}"] {
                #expect(datasource.contains(variable))
            }
        }
    }

    @Test("Superset: uuids cross-reference, every dataset column and metric exists in mart, charts use known columns")
    func superset() async throws {
        let bundle = "superset/b24pg_dashboards"
        let metadata = try Self.asset(Self.root.appendingPathComponent("\(bundle)/metadata.yaml"))
        #expect(metadata["version"] == "1.0.0" && metadata["type"] == "Dashboard")
        let database = try Self.asset(Self.root.appendingPathComponent("\(bundle)/databases/b24pg.yaml"))
        #expect(
            database["sqlalchemy_uri"] == "__B24PG_SQLALCHEMY_URI__",
            "the URI is filled in by build-bundle, never committed")
        let datasets = try Self.files("\(bundle)/datasets/b24pg").map(Self.asset)
        let charts = try Self.files("\(bundle)/charts").map(Self.asset)
        let dashboards = try Self.files("\(bundle)/dashboards").map(Self.asset)
        let allowed: [String: Set<String>] = [
            "dataset": [
                "table_name", "schema", "uuid", "database_uuid", "version", "description", "main_dttm_col", "columns",
                "metrics",
            ],
            "chart": ["slice_name", "viz_type", "uuid", "dataset_uuid", "version", "params", "cache_timeout"],
            "dashboard": ["dashboard_title", "uuid", "version", "published", "description", "position", "metadata"],
        ]
        for dataset in datasets {
            let datasetKeys = Set(dataset.objectValue?.keys ?? [])
            #expect(datasetKeys.isSubset(of: allowed["dataset", default: []]))
            #expect(dataset["database_uuid"] == database["uuid"])
        }
        let datasetByUUID = Dictionary(
            uniqueKeysWithValues: datasets.compactMap { set in set["uuid"]?.stringValue.map { ($0, set) } })
        for chart in charts {
            let chartKeys = Set(chart.objectValue?.keys ?? [])
            #expect(chartKeys.isSubset(of: allowed["chart", default: []]))
            let dataset = try #require(
                chart["dataset_uuid"]?.stringValue.flatMap { datasetByUUID[$0] },
                "chart \(chart["slice_name"]?.stringValue ?? "")")
            let columns = Set((dataset["columns"]?.elements ?? []).compactMap { $0["column_name"]?.stringValue })
            let metrics = Set((dataset["metrics"]?.elements ?? []).compactMap { $0["metric_name"]?.stringValue })
            let params = chart["params"]
            for column in (params?["all_columns"]?.elements ?? []) + (params?["groupby"]?.elements ?? []) + [
                params?["x_axis"] ?? .null
            ] {
                if let name = column.stringValue { #expect(columns.contains(name), "column \(name)") }
            }
            for metric in (params?["metrics"]?.elements ?? []) + [params?["metric"] ?? .null] {
                if let name = metric.stringValue { #expect(metrics.contains(name), "metric \(name)") }
            }
        }
        let chartUUIDs = Set(charts.compactMap { $0["uuid"]?.stringValue })
        var placed: Set<String> = []
        #expect(dashboards.count == 3, "the lead funnel, lead to revenue and speed to lead")
        for dashboard in dashboards {
            let dashboardKeys = Set(dashboard.objectValue?.keys ?? [])
            #expect(dashboardKeys.isSubset(of: allowed["dashboard", default: []]))
            let nodes = dashboard["position"]?.objectValue?.values ?? []
            let referenced = Set(nodes.filter { $0["type"] == "CHART" }.compactMap { $0["meta"]?["uuid"]?.stringValue })
            #expect(referenced.isSubset(of: chartUUIDs) && !referenced.isEmpty)
            placed.formUnion(referenced)
            #expect(dashboard["position"]?["ROOT_ID"]?["children"] == ["GRID_ID"])
        }
        #expect(placed == chartUUIDs, "every chart is on a dashboard")

        let harness = try SyncHarness(leads: 400, seed: 37)
        try await withMigratedDatabase { connection, _ in
            _ = try await harness.sync(connection)
            try connection.execute("SET ROLE b24pg_reader")
            for dataset in datasets {
                let table = try #require(dataset["table_name"]?.stringValue)
                #expect(dataset["schema"] == "mart")
                let columns = (dataset["columns"]?.elements ?? []).compactMap { $0["column_name"]?.stringValue }
                let list = columns.map { SQLIdentifier.quoted($0) }.joined(separator: ", ")
                #expect(
                    !(try connection.execute("SELECT \(list) FROM mart.\(SQLIdentifier.quoted(table)) LIMIT 5").rows
                        .isEmpty), "dataset \(table)")
                for metric in dataset["metrics"]?.elements ?? [] {
                    let expression = try #require(metric["expression"]?.stringValue)
                    #expect(
                        try connection.execute("SELECT \(expression) FROM mart.\(SQLIdentifier.quoted(table))").scalar
                            != nil)
                }
            }
        }
    }
}
