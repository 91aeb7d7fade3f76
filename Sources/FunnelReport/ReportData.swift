import LibPQ

/// Everything the funnel report shows, read from the `mart` views.
public struct ReportData: Sendable, Equatable {
    /// One funnel stage.
    public struct Stage: Sendable, Equatable {
        /// Stage name.
        public var name: String
        /// `P`, `S` or `F`.
        public var semantic: String
        /// Live leads in the stage now.
        public var leadsNow: Int
        /// Live leads that ever reached it.
        public var leadsReached: Int

        /// Creates a stage.
        public init(name: String, semantic: String, leadsNow: Int, leadsReached: Int) {
            self.name = name
            self.semantic = semantic
            self.leadsNow = leadsNow
            self.leadsReached = leadsReached
        }
    }

    /// One source's outcomes.
    public struct Source: Sendable, Equatable {
        /// Source name.
        public var name: String
        /// Leads.
        public var leads: Int
        /// Converted leads.
        public var converted: Int
        /// Junk leads.
        public var junk: Int
        /// Open leads.
        public var open: Int
        /// converted / leads.
        public var conversionRate: Double?
        /// converted / (converted + junk).
        public var winRate: Double?
    }

    /// One day of the trend.
    public struct Day: Sendable, Equatable {
        /// `YYYY-MM-DD`, local to the portal.
        public var day: String
        /// Leads created.
        public var created: Int
        /// Leads converted.
        public var converted: Int
        /// Leads junked.
        public var junk: Int
    }

    /// One product.
    public struct Product: Sendable, Equatable {
        /// Name.
        public var name: String
        /// Leads with it.
        public var leads: Int
        /// Amount (price × quantity), as text.
        public var amount: String
        /// Amount on converted leads.
        public var convertedAmount: String
    }

    /// One owner.
    public struct Owner: Sendable, Equatable {
        /// User name.
        public var name: String
        /// Leads.
        public var leads: Int
        /// Converted leads.
        public var converted: Int
        /// converted / leads.
        public var conversionRate: Double?
        /// Amount still open.
        public var openAmount: String
    }

    /// Portal hosts covered.
    public var portals: [String]
    /// Funnel stages in order.
    public var stages: [Stage]
    /// Sources by leads.
    public var sources: [Source]
    /// The last `days` days that have data.
    public var days: [Day]
    /// Top products by amount.
    public var products: [Product]
    /// Top owners by leads.
    public var owners: [Owner]
    /// Live leads.
    public var totalLeads: Int

    /// Creates report data.
    public init(
        portals: [String], stages: [Stage], sources: [Source], days: [Day], products: [Product], owners: [Owner],
        totalLeads: Int
    ) {
        self.portals = portals
        self.stages = stages
        self.sources = sources
        self.days = days
        self.products = products
        self.owners = owners
        self.totalLeads = totalLeads
    }

    /// Reads the report's figures from `mart`, optionally for one portal host.
    public static func load(
        _ connection: Connection, portal: String? = nil, days: Int = 90, top: Int = 10
    ) throws -> ReportData {
        let ids = try connection.execute(
            "SELECT portal_id, host FROM etl.portal WHERE $1::text IS NULL OR host = $1 ORDER BY host", [portal])
        let portalIDs = "{" + ids.rows.compactMap { $0[0] }.joined(separator: ",") + "}"
        func int(_ text: String?) -> Int { text.flatMap { Int($0) } ?? 0 }
        let stages = try connection.execute(
            """
            SELECT status_name, semantic, sum(leads_now), sum(leads_reached) FROM mart.funnel_stage
            WHERE portal_id = ANY($1::int[]) GROUP BY status_id, status_name, semantic ORDER BY min(sort), status_id
            """, [portalIDs]
        ).rows.map { Stage(name: $0[0] ?? "?", semantic: $0[1] ?? "P", leadsNow: int($0[2]), leadsReached: int($0[3])) }
        let sources = try connection.execute(
            """
            SELECT source_name, sum(leads), sum(converted), sum(junk), sum(open),
                   sum(converted)::float8 / nullif(sum(leads), 0), sum(converted)::float8 / nullif(sum(converted) + sum(junk), 0)
            FROM mart.conversion_by_source WHERE portal_id = ANY($1::int[]) GROUP BY source_name ORDER BY 2 DESC, 1
            """, [portalIDs]
        ).rows.map {
            Source(
                name: $0[0] ?? "?", leads: int($0[1]), converted: int($0[2]), junk: int($0[3]), open: int($0[4]),
                conversionRate: $0[5].flatMap(Double.init), winRate: $0[6].flatMap(Double.init))
        }
        let trend = try connection.execute(
            """
            SELECT day::text, sum(created), sum(converted), sum(junk) FROM mart.leads_daily
            WHERE portal_id = ANY($1::int[])
              AND day > (SELECT max(day) FROM mart.leads_daily WHERE portal_id = ANY($1::int[])) - $2::int
            GROUP BY day ORDER BY day
            """, [portalIDs, String(days)]
        ).rows.map { Day(day: $0[0] ?? "", created: int($0[1]), converted: int($0[2]), junk: int($0[3])) }
        let products = try connection.execute(
            """
            SELECT product_name, sum(leads), round(sum(amount), 2)::text, round(sum(converted_amount), 2)::text
            FROM mart.product_revenue WHERE portal_id = ANY($1::int[]) GROUP BY product_id, product_name
            ORDER BY sum(amount) DESC NULLS LAST, 1 LIMIT $2
            """, [portalIDs, String(top)]
        ).rows.map {
            Product(name: $0[0] ?? "(unnamed)", leads: int($0[1]), amount: $0[2] ?? "0", convertedAmount: $0[3] ?? "0")
        }
        let owners = try connection.execute(
            """
            SELECT user_name, sum(leads), sum(converted), sum(converted)::float8 / nullif(sum(leads), 0),
                   round(sum(open_amount), 2)::text
            FROM mart.owner_performance WHERE portal_id = ANY($1::int[]) GROUP BY user_id, user_name
            ORDER BY 2 DESC, 1 LIMIT $2
            """, [portalIDs, String(top)]
        ).rows.map {
            Owner(
                name: $0[0] ?? "?", leads: int($0[1]), converted: int($0[2]),
                conversionRate: $0[3].flatMap(Double.init), openAmount: $0[4] ?? "0")
        }
        let total = int(
            try connection.execute("SELECT count(*) FROM mart.lead WHERE portal_id = ANY($1::int[])", [portalIDs])
                .scalar)
        return ReportData(
            portals: ids.rows.compactMap { $0[1] }, stages: stages, sources: sources, days: trend, products: products,
            owners: owners,
            totalLeads: total)
    }
}
