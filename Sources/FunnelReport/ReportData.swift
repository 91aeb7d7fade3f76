import LibPQ

/// Everything the funnel report shows for one portal, read from the `mart` views. Ids are never
/// compared across portals: each portal is read on its own.
public struct ReportData: Sendable, Equatable {
    /// One funnel stage.
    public struct Stage: Sendable, Equatable {
        /// Stage name.
        public var name: String
        /// `P`, `S` or `F`.
        public var semantic: String
        /// Live leads in the stage now.
        public var leadsNow: Int
        /// Live leads that ever had it.
        public var leadsReached: Int
        /// Live leads that reached it or a later step (`mart.funnel_cumulative`); `nil` for
        /// failure stages, which are exits rather than steps.
        public var leadsCumulative: Int?

        /// Creates a stage.
        public init(name: String, semantic: String, leadsNow: Int, leadsReached: Int, leadsCumulative: Int? = nil) {
            self.name = name
            self.semantic = semantic
            self.leadsNow = leadsNow
            self.leadsReached = leadsReached
            self.leadsCumulative = leadsCumulative
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

    /// One product, its amounts summed over currencies in the base currency.
    public struct Product: Sendable, Equatable {
        /// Name.
        public var name: String
        /// Leads with it.
        public var leads: Int
        /// Amount (price × quantity) in the base currency, as text; empty when a rate is missing.
        public var amount: String
        /// Amount on converted leads in the base currency.
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
        /// Amount still open, in the base currency; empty when a rate is missing.
        public var openAmount: String
    }

    /// Leads and won revenue of one source (`mart.revenue_by_source`, dimension `source`).
    public struct Revenue: Sendable, Equatable {
        /// Source name (`(none)` for leads without one).
        public var name: String
        /// Live leads.
        public var leads: Int
        /// Live deals attributed to the source.
        public var deals: Int
        /// Of them, won.
        public var wonDeals: Int
        /// Won revenue in the base currency, exact decimal text.
        public var wonRevenue: String
        /// Share of the leads with a deal (0 to 1).
        public var leadToDealRate: Double?
        /// Median days from a lead's creation to its first won deal.
        public var medianDaysToWon: Double?

        /// A row.
        public init(
            name: String, leads: Int, deals: Int, wonDeals: Int, wonRevenue: String, leadToDealRate: Double?,
            medianDaysToWon: Double?
        ) {
            self.name = name
            self.leads = leads
            self.deals = deals
            self.wonDeals = wonDeals
            self.wonRevenue = wonRevenue
            self.leadToDealRate = leadToDealRate
            self.medianDaysToWon = medianDaysToWon
        }
    }

    /// How fast one source's leads were first touched (`mart.speed_to_lead`).
    public struct SpeedToLead: Sendable, Equatable {
        /// Source name (`(none)` for leads without one).
        public var name: String
        /// Live leads.
        public var leads: Int
        /// Of them, touched at or after creation.
        public var touched: Int
        /// Median minutes to the first touch, over the touched ones.
        public var medianMinutes: Double?
        /// 90th percentile of those minutes.
        public var p90Minutes: Double?
        /// Share of the leads touched within 5 minutes (0 to 1).
        public var withinFiveMinutes: Double?
        /// Share of the leads never touched (0 to 1).
        public var neverTouched: Double?

        /// A row.
        public init(
            name: String, leads: Int, touched: Int, medianMinutes: Double?, p90Minutes: Double?,
            withinFiveMinutes: Double?, neverTouched: Double?
        ) {
            self.name = name
            self.leads = leads
            self.touched = touched
            self.medianMinutes = medianMinutes
            self.p90Minutes = p90Minutes
            self.withinFiveMinutes = withinFiveMinutes
            self.neverTouched = neverTouched
        }
    }

    /// Portal host.
    public var host: String
    /// The portal's base currency, in which every amount is shown (`nil` when unknown).
    public var baseCurrency: String?
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
    /// Won revenue by source, the largest first (empty before the first deal is synced).
    public var revenue: [Revenue]
    /// Speed to lead by source, the most leads first (empty before the first activity is synced).
    public var speed: [SpeedToLead]

    /// Creates report data.
    public init(
        host: String, baseCurrency: String?, stages: [Stage], sources: [Source], days: [Day], products: [Product],
        owners: [Owner], totalLeads: Int, revenue: [Revenue] = [], speed: [SpeedToLead] = []
    ) {
        self.revenue = revenue
        self.speed = speed
        self.host = host
        self.baseCurrency = baseCurrency
        self.stages = stages
        self.sources = sources
        self.days = days
        self.products = products
        self.owners = owners
        self.totalLeads = totalLeads
    }

    /// Reads the report of every portal named in `hosts` (by `etl.portal` name: its host unless a
    /// config named it; every synced portal when empty), one per portal, ordered by name. An
    /// unknown name is an error, not an empty page.
    public static func load(
        _ connection: Connection, hosts: [String] = [], days: Int = 90, top: Int = 10
    ) throws -> [ReportData] {
        let known = try connection.execute("SELECT portal_id, name FROM mart.portal ORDER BY name").rows
            .compactMap { row -> (String, String)? in
                guard let id = row[0], let host = row[1] else { return nil }
                return (id, host)
            }
        if let missing = hosts.first(where: { host in !known.contains { $0.1 == host } }) {
            throw ReportError.unknownPortal(missing, known: known.map(\.1))
        }
        return try known.filter { hosts.isEmpty || hosts.contains($0.1) }.map { id, host in
            try loadPortal(connection, id: id, host: host, days: days, top: top)
        }
    }

    /// One portal's figures.
    static func loadPortal(
        _ connection: Connection, id: String, host: String, days: Int, top: Int
    ) throws
        -> ReportData
    {
        func int(_ text: String?) -> Int { text.flatMap { Int($0) } ?? 0 }
        let base = try connection.execute("SELECT base_currency_id FROM mart.portal WHERE portal_id = $1::int", [id])
            .scalar
        let stages = try connection.execute(
            """
            SELECT s.status_name, s.semantic, s.leads_now, s.leads_reached, c.leads_reached
            FROM mart.funnel_stage s
            LEFT JOIN mart.funnel_cumulative c ON c.portal_id = s.portal_id AND c.status_id = s.status_id
            WHERE s.portal_id = $1::int ORDER BY s.sort NULLS LAST, s.status_id
            """, [id]
        ).rows.map {
            Stage(
                name: $0[0] ?? "?", semantic: $0[1] ?? "P", leadsNow: int($0[2]), leadsReached: int($0[3]),
                leadsCumulative: $0[4].flatMap { Int($0) })
        }
        let sources = try connection.execute(
            """
            SELECT source_name, leads, converted, junk, open, conversion_rate::float8, win_rate::float8
            FROM mart.conversion_by_source WHERE portal_id = $1::int ORDER BY leads DESC, source_name
            """, [id]
        ).rows.map {
            Source(
                name: $0[0] ?? "?", leads: int($0[1]), converted: int($0[2]), junk: int($0[3]), open: int($0[4]),
                conversionRate: $0[5].flatMap(Double.init), winRate: $0[6].flatMap(Double.init))
        }
        let trend = try connection.execute(
            """
            SELECT day::text, created, converted, junk FROM mart.leads_daily
            WHERE portal_id = $1::int
              AND day > (SELECT max(day) FROM mart.leads_daily WHERE portal_id = $1::int) - $2::int
            ORDER BY day
            """, [id, String(days)]
        ).rows.map { Day(day: $0[0] ?? "", created: int($0[1]), converted: int($0[2]), junk: int($0[3])) }
        let products = try connection.execute(
            """
            SELECT product_name, sum(leads),
                   CASE WHEN bool_and(amount_base IS NOT NULL) THEN sum(amount_base)::text END,
                   CASE WHEN bool_and(converted_amount_base IS NOT NULL) THEN sum(converted_amount_base)::text END
            FROM mart.product_revenue WHERE portal_id = $1::int GROUP BY product_id, product_name
            ORDER BY sum(amount_base) DESC NULLS LAST, 1 LIMIT $2::int
            """, [id, String(top)]
        ).rows.map {
            Product(name: $0[0] ?? "(unnamed)", leads: int($0[1]), amount: $0[2] ?? "", convertedAmount: $0[3] ?? "")
        }
        let owners = try connection.execute(
            """
            SELECT user_name, leads, converted, conversion_rate::float8, open_amount_base::text
            FROM mart.owner_performance WHERE portal_id = $1::int ORDER BY leads DESC, user_name LIMIT $2::int
            """, [id, String(top)]
        ).rows.map {
            Owner(
                name: $0[0] ?? "?", leads: int($0[1]), converted: int($0[2]),
                conversionRate: $0[3].flatMap(Double.init), openAmount: $0[4] ?? "")
        }
        let total = int(try connection.execute("SELECT count(*) FROM mart.lead WHERE portal_id = $1::int", [id]).scalar)
        let revenue = try connection.execute(
            """
            SELECT label, leads, deals, won_deals, won_revenue_base::text, lead_to_deal_rate::float8,
                   median_days_lead_to_won::float8
            FROM mart.revenue_by_source WHERE portal_id = $1::int AND dimension = 'source' AND deals > 0
            ORDER BY won_revenue_base DESC, label LIMIT $2::int
            """, [id, String(top)]
        ).rows.map {
            Revenue(
                name: $0[0] ?? "?", leads: int($0[1]), deals: int($0[2]), wonDeals: int($0[3]), wonRevenue: $0[4] ?? "",
                leadToDealRate: $0[5].flatMap(Double.init), medianDaysToWon: $0[6].flatMap(Double.init))
        }
        let touchedAny =
            try connection.execute(
                "SELECT EXISTS (SELECT 1 FROM dw.fact_lead_activity WHERE portal_id = $1::int)", [id]
            ).scalar == "t"
        let speed =
            touchedAny
            ? try connection.execute(
                """
                SELECT coalesce(source_name, source_id, '(none)'), count(*), count(*) FILTER (WHERE touched),
                       (percentile_cont(0.5) WITHIN GROUP (ORDER BY minutes_to_first_touch))::float8,
                       (percentile_cont(0.9) WITHIN GROUP (ORDER BY minutes_to_first_touch))::float8,
                       (count(*) FILTER (WHERE minutes_to_first_touch <= 5))::float8 / count(*),
                       (count(*) FILTER (WHERE NOT touched))::float8 / count(*)
                FROM mart.speed_to_lead WHERE portal_id = $1::int
                GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT $2::int
                """, [id, String(top)]
            ).rows.map {
                SpeedToLead(
                    name: $0[0] ?? "?", leads: int($0[1]), touched: int($0[2]),
                    medianMinutes: $0[3].flatMap(Double.init),
                    p90Minutes: $0[4].flatMap(Double.init), withinFiveMinutes: $0[5].flatMap(Double.init),
                    neverTouched: $0[6].flatMap(Double.init))
            } : []
        return ReportData(
            host: host, baseCurrency: base, stages: stages, sources: sources, days: trend, products: products,
            owners: owners, totalLeads: total, revenue: revenue, speed: speed)
    }
}

/// Why a report could not be read.
public enum ReportError: Error, Equatable, CustomStringConvertible {
    /// `--portal` named a host that was never synced into this database.
    case unknownPortal(String, known: [String])

    /// A sentence naming the host and the ones that exist.
    public var description: String {
        switch self {
        case .unknownPortal(let host, let known):
            "no portal \(host) in this database (synced: \(known.isEmpty ? "none" : known.joined(separator: ", ")))"
        }
    }
}
