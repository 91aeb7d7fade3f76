/// The SQL the loader runs: staging tables and set-based upserts, built from constants only.
/// `$PORTAL` and `$RUN` are replaced by integer ids before the script runs; no data ever
/// enters this text (data travels as COPY rows).
extension StarLoader {
    static let leadColumns = [
        "portal_id", "lead_id", "title", "name", "last_name", "company_title", "status_id", "status_semantic",
        "source_id", "source_description", "assigned_by_id", "created_by_id", "modify_by_id", "company_id",
        "contact_id",
        "opportunity", "currency_id", "is_manual_opportunity", "is_return_customer", "opened", "has_phone", "has_email",
        "created_at", "modified_at", "moved_at", "closed_at", "created_date_key", "closed_date_key", "utm_source",
        "utm_medium", "utm_campaign", "utm_content", "utm_term", "custom_fields",
    ]

    static let productColumns = [
        "portal_id", "row_id", "lead_id", "product_id", "product_name", "price", "price_exclusive", "price_netto",
        "price_brutto", "quantity", "discount_type_id", "discount_rate", "discount_sum", "tax_rate", "tax_included",
        "customized", "measure_code", "measure_name", "sort", "type",
    ]

    /// Attributes whose change opens a new `dw.fact_lead_version`.
    static let trackedColumns = [
        "status_id", "status_semantic", "source_id", "assigned_by_id", "opportunity", "currency_id", "company_id",
        "contact_id",
    ]

    static let stagingDDL = """
        CREATE TEMP TABLE IF NOT EXISTS stage_lead (LIKE dw.fact_lead INCLUDING DEFAULTS) ON COMMIT DELETE ROWS;
        CREATE TEMP TABLE IF NOT EXISTS stage_product (LIKE dw.fact_lead_product) ON COMMIT DELETE ROWS;
        CREATE TEMP TABLE IF NOT EXISTS stage_link (LIKE dw.bridge_lead_contact INCLUDING DEFAULTS) ON COMMIT DELETE ROWS;
        CREATE TEMP TABLE IF NOT EXISTS stage_contact (LIKE dw.dim_contact) ON COMMIT DELETE ROWS;
        CREATE TEMP TABLE IF NOT EXISTS stage_company (LIKE dw.dim_company) ON COMMIT DELETE ROWS;
        CREATE TEMP TABLE IF NOT EXISTS stage_history (LIKE dw.fact_lead_stage_history) ON COMMIT DELETE ROWS;
        CREATE TEMP TABLE IF NOT EXISTS stage_ids (lead_id bigint PRIMARY KEY) ON COMMIT DELETE ROWS;
        CREATE TEMP TABLE IF NOT EXISTS stage_status (
            kind text, status_id text, name text, sort integer, semantic char(1), color text, is_system boolean
        ) ON COMMIT DELETE ROWS;
        CREATE TEMP TABLE IF NOT EXISTS stage_user (
            user_id bigint, name text, first_name text, last_name text, email text, position text, active boolean
        ) ON COMMIT DELETE ROWS;
        CREATE TEMP TABLE IF NOT EXISTS stage_currency (
            currency_id text, name text, amount numeric, amount_cnt integer, is_base boolean, sort integer
        ) ON COMMIT DELETE ROWS;
        CREATE TEMP TABLE IF NOT EXISTS stage_field (
            field_name text, type text, label text, is_multiple boolean, is_required boolean, is_custom boolean,
            items jsonb, sort integer
        ) ON COMMIT DELETE ROWS;
        """

    static var chunkUpserts: String {
        let updates = leadColumns.dropFirst(2).map { "\($0) = EXCLUDED.\($0)" }.joined(separator: ", ")
        let columns = leadColumns.joined(separator: ", ")
        let productUpdates = productColumns.dropFirst(2).map { "\($0) = EXCLUDED.\($0)" }.joined(separator: ", ")
        let tracked = trackedColumns.joined(separator: ", ")
        let trackedStage = trackedColumns.map { "s.\($0)" }.joined(separator: ", ")
        let trackedVersion = trackedColumns.map { "v.\($0)" }.joined(separator: ", ")
        return """
            INSERT INTO dw.fact_lead AS f (\(columns), is_deleted, deleted_at, last_run_id, loaded_at)
            SELECT \(columns), false, NULL, $RUN, now() FROM pg_temp.stage_lead
            ON CONFLICT (portal_id, lead_id) DO UPDATE SET \(updates),
                is_deleted = false, deleted_at = NULL, last_run_id = $RUN, loaded_at = now();

            DELETE FROM dw.fact_lead_product p USING pg_temp.stage_lead s
            WHERE p.portal_id = $PORTAL AND p.lead_id = s.lead_id;
            INSERT INTO dw.fact_lead_product (\(productColumns.joined(separator: ", ")))
            SELECT \(productColumns.joined(separator: ", ")) FROM pg_temp.stage_product
            ON CONFLICT (portal_id, row_id) DO UPDATE SET \(productUpdates);

            DELETE FROM dw.bridge_lead_contact b USING pg_temp.stage_lead s
            WHERE b.portal_id = $PORTAL AND b.lead_id = s.lead_id;
            INSERT INTO dw.bridge_lead_contact (portal_id, lead_id, contact_id, is_primary, sort, role_id)
            SELECT DISTINCT ON (lead_id, contact_id) portal_id, lead_id, contact_id, is_primary, sort, role_id
            FROM pg_temp.stage_link ORDER BY lead_id, contact_id
            ON CONFLICT (portal_id, lead_id, contact_id) DO UPDATE SET is_primary = EXCLUDED.is_primary,
                sort = EXCLUDED.sort, role_id = EXCLUDED.role_id;

            INSERT INTO dw.dim_product (portal_id, product_id, name, measure_name)
            SELECT DISTINCT ON (product_id) $PORTAL, product_id, product_name, measure_name FROM pg_temp.stage_product
            WHERE product_id IS NOT NULL AND product_id > 0 ORDER BY product_id, row_id DESC
            \(productConflict)

            \(contactAndCompanyUpserts)
            INSERT INTO dw.lead_stage_reached (portal_id, status_id, lead_id)
            SELECT portal_id, status_id, lead_id FROM pg_temp.stage_lead WHERE status_id IS NOT NULL
            ON CONFLICT DO NOTHING;

            UPDATE dw.fact_lead_version v SET is_current = false, valid_to = COALESCE(s.modified_at, now())
            FROM pg_temp.stage_lead s
            WHERE v.portal_id = $PORTAL AND v.lead_id = s.lead_id AND v.is_current
              AND (\(trackedVersion), v.is_deleted) IS DISTINCT FROM (\(trackedStage), false);
            INSERT INTO dw.fact_lead_version (portal_id, lead_id, version, valid_from, is_current, \(tracked), is_deleted, run_id)
            SELECT $PORTAL, s.lead_id,
                   COALESCE((SELECT max(v.version) FROM dw.fact_lead_version v WHERE v.portal_id = $PORTAL AND v.lead_id = s.lead_id), 0) + 1,
                   COALESCE(s.modified_at, s.created_at, now()), true, \(trackedStage), false, $RUN
            FROM pg_temp.stage_lead s
            WHERE NOT EXISTS (SELECT 1 FROM dw.fact_lead_version v WHERE v.portal_id = $PORTAL AND v.lead_id = s.lead_id AND v.is_current);
            """
    }

    /// How a product already in `dw.dim_product` takes a chunk's name (both load paths; an
    /// unchanged row is left alone).
    static let productConflict = """
        ON CONFLICT (portal_id, product_id) DO UPDATE SET name = EXCLUDED.name, measure_name = EXCLUDED.measure_name
        WHERE (dw.dim_product.name, dw.dim_product.measure_name) IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.measure_name);
        """

    /// Contacts and companies of a chunk, from their staging tables (both load paths).
    static let contactAndCompanyUpserts = """
        INSERT INTO dw.dim_contact SELECT DISTINCT ON (contact_id) * FROM pg_temp.stage_contact ORDER BY contact_id
        ON CONFLICT (portal_id, contact_id) DO UPDATE SET name = EXCLUDED.name, first_name = EXCLUDED.first_name,
            last_name = EXCLUDED.last_name, post = EXCLUDED.post, type_id = EXCLUDED.type_id,
            source_id = EXCLUDED.source_id, company_id = EXCLUDED.company_id,
            assigned_by_id = EXCLUDED.assigned_by_id, created_at = EXCLUDED.created_at, modified_at = EXCLUDED.modified_at;
        INSERT INTO dw.dim_company SELECT DISTINCT ON (company_id) * FROM pg_temp.stage_company ORDER BY company_id
        ON CONFLICT (portal_id, company_id) DO UPDATE SET title = EXCLUDED.title,
            company_type = EXCLUDED.company_type, industry = EXCLUDED.industry, employees = EXCLUDED.employees,
            revenue = EXCLUDED.revenue, currency_id = EXCLUDED.currency_id, assigned_by_id = EXCLUDED.assigned_by_id,
            created_at = EXCLUDED.created_at, modified_at = EXCLUDED.modified_at;
        """

    /// After a chunk was copied straight into empty targets (the portal's first load): the
    /// products, contacts, companies, stages reached and first versions those rows imply.
    /// `$FIRST`/`$LAST` bound the chunk's lead ids.
    static var directChunkFollowUp: String {
        let tracked = trackedColumns.joined(separator: ", ")
        return """
            INSERT INTO dw.dim_product (portal_id, product_id, name, measure_name)
            SELECT DISTINCT ON (product_id) portal_id, product_id, product_name, measure_name FROM dw.fact_lead_product
            WHERE portal_id = $PORTAL AND lead_id BETWEEN $FIRST AND $LAST AND product_id IS NOT NULL AND product_id > 0
            ORDER BY product_id, row_id DESC
            \(productConflict)

            \(contactAndCompanyUpserts)

            INSERT INTO dw.lead_stage_reached (portal_id, status_id, lead_id)
            SELECT portal_id, status_id, lead_id FROM dw.fact_lead
            WHERE portal_id = $PORTAL AND lead_id BETWEEN $FIRST AND $LAST AND status_id IS NOT NULL
            ON CONFLICT DO NOTHING;

            INSERT INTO dw.fact_lead_version (portal_id, lead_id, version, valid_from, is_current, \(tracked), is_deleted, run_id)
            SELECT portal_id, lead_id, 1, COALESCE(modified_at, created_at, now()), true, \(tracked), false, $RUN
            FROM dw.fact_lead WHERE portal_id = $PORTAL AND lead_id BETWEEN $FIRST AND $LAST;
            """
    }

    /// Secondary indexes a database's first load may set aside: non-unique, and used by no
    /// statement of the load itself (the per-lead lookups keep theirs). A schema test checks
    /// that each exists.
    public static let deferrableIndexes = [
        "bridge_lead_contact_contact", "fact_lead_closed", "fact_lead_created", "fact_lead_modified", "fact_lead_owner",
        "fact_lead_product_product", "fact_lead_source", "fact_lead_stage_history_lead",
        "fact_lead_stage_history_status", "fact_lead_stage_history_success", "fact_lead_status",
        "lead_stage_reached_lead",
    ]

    /// Serialises setting indexes aside and building them again across concurrent syncs.
    static let indexLockKey: Int64 = 0x6232_3470_6764_6978

    /// The `pass_mode` of the stage-history stream while its first load copies straight in.
    static let historyFirstLoad = "first_load"

    /// After a first load of stage history: the stages its rows show reached, as one set-based
    /// statement (per chunk, the conflict checks cost twice as much), and the mark cleared. The
    /// sync's advisory lock makes it the only writer of the portal's rows.
    static let historyFirstLoadFollowUp = """
        SET LOCAL work_mem = '128MB';
        INSERT INTO dw.lead_stage_reached (portal_id, status_id, lead_id)
        SELECT DISTINCT h.portal_id, h.status_id, h.lead_id FROM dw.fact_lead_stage_history h
        WHERE h.portal_id = $PORTAL AND h.status_id IS NOT NULL
          AND NOT EXISTS (
              SELECT 1 FROM dw.lead_stage_reached r
              WHERE r.portal_id = h.portal_id AND r.status_id = h.status_id AND r.lead_id = h.lead_id);
        UPDATE etl.sync_state SET pass_mode = NULL WHERE portal_id = $PORTAL AND stream = 'stage_history';
        """

    static let historyUpsert = """
        INSERT INTO dw.fact_lead_stage_history SELECT DISTINCT ON (history_id) * FROM pg_temp.stage_history ORDER BY history_id
        ON CONFLICT (portal_id, history_id) DO UPDATE SET lead_id = EXCLUDED.lead_id, type_id = EXCLUDED.type_id,
            status_id = EXCLUDED.status_id, status_semantic = EXCLUDED.status_semantic, created_at = EXCLUDED.created_at,
            created_date_key = EXCLUDED.created_date_key;
        INSERT INTO dw.lead_stage_reached (portal_id, status_id, lead_id)
        SELECT DISTINCT portal_id, status_id, lead_id FROM pg_temp.stage_history WHERE status_id IS NOT NULL
        ON CONFLICT DO NOTHING;
        """

    static let referenceUpserts = """
        INSERT INTO dw.dim_status (portal_id, status_id, name, sort, semantic, color, is_system)
        SELECT DISTINCT ON (status_id) $PORTAL, status_id, name, sort, semantic, color, is_system
        FROM pg_temp.stage_status WHERE kind = 'STATUS' ORDER BY status_id
        ON CONFLICT (portal_id, status_id) DO UPDATE SET name = EXCLUDED.name, sort = EXCLUDED.sort,
            semantic = EXCLUDED.semantic, color = EXCLUDED.color, is_system = EXCLUDED.is_system;
        INSERT INTO dw.dim_source (portal_id, source_id, name, sort)
        SELECT DISTINCT ON (status_id) $PORTAL, status_id, name, sort FROM pg_temp.stage_status WHERE kind = 'SOURCE'
        ORDER BY status_id
        ON CONFLICT (portal_id, source_id) DO UPDATE SET name = EXCLUDED.name, sort = EXCLUDED.sort;
        INSERT INTO dw.dim_user (portal_id, user_id, name, first_name, last_name, email, position, active)
        SELECT DISTINCT ON (user_id) $PORTAL, user_id, name, first_name, last_name, email, position, active
        FROM pg_temp.stage_user ORDER BY user_id
        ON CONFLICT (portal_id, user_id) DO UPDATE SET name = EXCLUDED.name, first_name = EXCLUDED.first_name,
            last_name = EXCLUDED.last_name, email = EXCLUDED.email, position = EXCLUDED.position, active = EXCLUDED.active;
        INSERT INTO dw.dim_currency (portal_id, currency_id, name, amount, amount_cnt, is_base, sort)
        SELECT DISTINCT ON (currency_id) $PORTAL, currency_id, name, amount, amount_cnt, is_base, sort
        FROM pg_temp.stage_currency ORDER BY currency_id
        ON CONFLICT (portal_id, currency_id) DO UPDATE SET name = EXCLUDED.name, amount = EXCLUDED.amount,
            amount_cnt = EXCLUDED.amount_cnt, is_base = EXCLUDED.is_base, sort = EXCLUDED.sort;
        INSERT INTO dw.dim_lead_field (portal_id, field_name, type, label, is_multiple, is_required, is_custom, items, sort)
        SELECT DISTINCT ON (field_name) $PORTAL, field_name, type, label, is_multiple, is_required, is_custom, items, sort
        FROM pg_temp.stage_field ORDER BY field_name
        ON CONFLICT (portal_id, field_name) DO UPDATE SET type = EXCLUDED.type, label = EXCLUDED.label,
            is_multiple = EXCLUDED.is_multiple, is_required = EXCLUDED.is_required, is_custom = EXCLUDED.is_custom,
            items = EXCLUDED.items, sort = EXCLUDED.sort;
        SELECT etl.refresh_lead_custom_fields();
        """
}
