import LibPQ

/// A fingerprint of the star's content without run bookkeeping (run ids, load times): two
/// databases with equal fingerprints hold the same data.
public enum StarFingerprint {
    static let tables: [(name: String, order: String, excluded: Set<String>)] = [
        ("dw.fact_lead", "portal_id, lead_id", ["last_run_id", "loaded_at", "deleted_at"]),
        ("dw.fact_lead_product", "portal_id, row_id", []),
        ("dw.bridge_lead_contact", "portal_id, lead_id, contact_id", []),
        ("dw.fact_lead_stage_history", "portal_id, history_id", []),
        ("dw.fact_lead_version", "portal_id, lead_id, version", ["run_id"]),
        ("dw.dim_status", "portal_id, status_id", []), ("dw.dim_source", "portal_id, source_id", []),
        ("dw.dim_user", "portal_id, user_id", []), ("dw.dim_currency", "portal_id, currency_id", []),
        ("dw.dim_contact", "portal_id, contact_id", []), ("dw.dim_company", "portal_id, company_id", []),
        ("dw.dim_product", "portal_id, product_id", []), ("dw.dim_lead_field", "portal_id, field_name", []),
        ("dw.lead_stage_reached", "portal_id, status_id, lead_id", []),
        ("dw.fact_deal", "portal_id, deal_id", ["last_run_id", "loaded_at", "deleted_at"]),
        ("dw.fact_deal_stage_history", "portal_id, history_id", []),
        ("dw.fact_deal_product", "portal_id, row_id", []),
        ("dw.bridge_deal_contact", "portal_id, deal_id, contact_id", []),
        ("dw.fact_deal_version", "portal_id, deal_id, version", ["run_id"]),
        ("dw.fact_lead_activity", "portal_id, activity_id, lead_id", ["last_run_id", "loaded_at", "deleted_at"]),
        ("dw.dim_activity_type", "portal_id, type_id, provider_id, provider_type_id", []),
        ("dw.dim_deal_category", "portal_id, category_id", []), ("dw.dim_deal_stage", "portal_id, stage_id", []),
    ]

    /// `table: rows md5` for every star table.
    public static func take(_ connection: Connection) throws -> [String] {
        try take(connection, portal: nil)
    }

    /// `table: rows md5` for every star table, of the portal named `portal` only (then without
    /// `portal_id`, so two databases that numbered their portals differently compare).
    public static func take(_ connection: Connection, portal: String?) throws -> [String] {
        try tables.map { table in
            let columns = try connection.execute(
                """
                SELECT column_name FROM information_schema.columns
                WHERE table_schema || '.' || table_name = $1 ORDER BY ordinal_position
                """, [table.name]
            ).rows.compactMap { $0[0] }.filter { !table.excluded.contains($0) && (portal == nil || $0 != "portal_id") }
            let list = columns.map { SQLIdentifier.quoted($0) }.joined(separator: ", ")
            let filter = portal == nil ? "" : "WHERE portal_id = (SELECT portal_id FROM etl.portal WHERE name = $1)"
            let result = try connection.execute(
                "SELECT count(*), md5(coalesce(string_agg(row_text, '|'), '')) FROM (SELECT ROW(\(list))::text AS row_text FROM \(table.name) \(filter) ORDER BY \(table.order)) t",
                portal.map { [$0] } ?? []
            )
            return "\(table.name): \(result.rows.first?[0] ?? "?") rows \(result.rows.first?[1] ?? "?")"
        }
    }
}
