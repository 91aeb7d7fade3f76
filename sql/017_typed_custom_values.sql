-- Custom fields typed once, when a lead is written, not on every query. dw.lead_custom_value
-- holds one row per live lead and one column (or several) per custom field, typed by its
-- definition; the sync writes a chunk's leads into it in the chunk's transaction
-- (etl.write_lead_custom_values) and removes leads it marks deleted. When the definitions
-- change, etl.refresh_lead_custom_fields() adds and drops only the columns that changed and fills
-- the added ones (leads that have the field only); the labels of multiple enumerations are kept
-- in the table and rewritten for a portal whose options changed. mart.lead_custom_fields reads
-- the table: single labels, user names and base-currency amounts are still looked up when
-- queried, so a whole-portal query reads plain columns instead of parsing JSON per lead.
-- Typing never fails: a value that is not what the definition says becomes NULL.

CREATE FUNCTION etl.try_bigint(v text) RETURNS bigint
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
    RETURN v::bigint;
EXCEPTION WHEN data_exception THEN
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION etl.try_bigint(text) IS 'The text as a bigint, NULL when it is not one (never an error).';

CREATE FUNCTION etl.try_date(v text) RETURNS date
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
    RETURN v::date;
EXCEPTION WHEN data_exception THEN
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION etl.try_date(text) IS 'The text as a date, NULL when it is not one, 2023-02-30 included (never an error).';

CREATE FUNCTION etl.try_timestamptz(v text) RETURNS timestamptz
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE SET TimeZone = 'UTC' AS $$
BEGIN
    RETURN v::timestamptz;
EXCEPTION WHEN data_exception THEN
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION etl.try_timestamptz(text) IS 'The text as an instant (UTC when it names no offset), NULL when it is not one (never an error).';

CREATE TABLE dw.lead_custom_value (
    portal_id integer NOT NULL,
    lead_id   bigint  NOT NULL,
    PRIMARY KEY (portal_id, lead_id)
);
COMMENT ON TABLE dw.lead_custom_value IS 'Custom fields of every live lead typed by their definitions, one column or several per field (see etl.lead_custom_column); written with the lead by the sync, read by mart.lead_custom_fields.';
GRANT SELECT ON dw.lead_custom_value TO b24pg_reader;

CREATE TABLE etl.lead_custom_column (
    column_name  text PRIMARY KEY,
    field_name   text NOT NULL,
    sql_type     text NOT NULL,
    expression   text NOT NULL,
    safe_expression text NOT NULL,
    join_clause  text NOT NULL DEFAULT '',
    holds_labels boolean NOT NULL DEFAULT false
);
COMMENT ON TABLE etl.lead_custom_column IS 'The columns dw.lead_custom_value has: the field each types, its SQL type, and the expression over a dw.fact_lead row f (with its join) that computes it.';
COMMENT ON COLUMN etl.lead_custom_column.safe_expression IS 'The same value, NULL instead of an error for a value the definition does not allow (2023-02-30, an id out of range): used when the quick expression fails on a chunk.';
COMMENT ON COLUMN etl.lead_custom_column.holds_labels IS 'The column keeps option labels (a multiple enumeration): rewritten for a portal whose options change.';

ALTER TABLE etl.portal ADD COLUMN custom_labels text;
COMMENT ON COLUMN etl.portal.custom_labels IS 'Fingerprint of the options of the portal''s multiple enumeration fields that the labels kept in dw.lead_custom_value were written with.';

CREATE FUNCTION etl.recompute_lead_custom_columns(p_columns text[], p_portal integer) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp SET TimeZone = 'UTC' AS $$
DECLARE
    joins text;
    fields text[];
    quick text;
    safe text;
    statement text := 'UPDATE dw.lead_custom_value t SET %s FROM dw.fact_lead f%s WHERE f.portal_id = t.portal_id AND f.lead_id = t.lead_id%s AND f.custom_fields ?| %L::text[]';
    scope text := CASE WHEN p_portal IS NULL THEN '' ELSE format(' AND t.portal_id = %s', p_portal) END;
BEGIN
    SELECT string_agg(format('%I = %s', c.column_name, c.expression), ', '),
           string_agg(format('%I = %s', c.column_name, c.safe_expression), ', '),
           coalesce(string_agg(DISTINCT c.join_clause, ''), ''), array_agg(DISTINCT c.field_name)
    INTO quick, safe, joins, fields
    FROM etl.lead_custom_column c WHERE c.column_name = ANY (p_columns);
    IF quick IS NULL THEN RETURN; END IF;
    BEGIN
        EXECUTE format(statement, quick, joins, scope, fields);
    EXCEPTION WHEN data_exception THEN
        EXECUTE format(statement, safe, joins, scope, fields);
    END;
END
$$;
COMMENT ON FUNCTION etl.recompute_lead_custom_columns(text[], integer) IS 'Recomputes the given columns of dw.lead_custom_value for the leads that have one of their fields (of one portal, or all when NULL).';
REVOKE ALL ON FUNCTION etl.recompute_lead_custom_columns(text[], integer) FROM PUBLIC;

CREATE FUNCTION etl.write_lead_custom_values(p_portal integer, p_ids bigint[]) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp SET TimeZone = 'UTC' AS $$
DECLARE
    column_list text;
    quick text;
    safe text;
    joins text;
    head text;
    tail text;
    written integer;
BEGIN
    SELECT coalesce(string_agg(', ' || quote_ident(c.column_name), '' ORDER BY c.column_name), ''),
           coalesce(string_agg(', ' || c.expression, '' ORDER BY c.column_name), ''),
           coalesce(string_agg(', ' || c.safe_expression, '' ORDER BY c.column_name), ''),
           coalesce(string_agg(DISTINCT c.join_clause, ''), '')
    INTO column_list, quick, safe, joins
    FROM etl.lead_custom_column c;
    IF p_ids IS NULL THEN
        DELETE FROM dw.lead_custom_value WHERE portal_id = p_portal;
    ELSE
        DELETE FROM dw.lead_custom_value WHERE portal_id = p_portal AND lead_id = ANY (p_ids);
    END IF;
    head := 'INSERT INTO dw.lead_custom_value (portal_id, lead_id' || column_list || ') SELECT f.portal_id, f.lead_id';
    tail := ' FROM dw.fact_lead f' || joins || ' WHERE f.portal_id = $1 AND NOT f.is_deleted'
            || CASE WHEN p_ids IS NULL THEN '' ELSE ' AND f.lead_id = ANY ($2)' END;
    BEGIN
        EXECUTE head || quick || tail USING p_portal, p_ids;
    EXCEPTION WHEN data_exception THEN
        EXECUTE head || safe || tail USING p_portal, p_ids;
    END;
    GET DIAGNOSTICS written = ROW_COUNT;
    RETURN written;
END
$$;
COMMENT ON FUNCTION etl.write_lead_custom_values(integer, bigint[]) IS 'Writes the typed custom fields of the given leads of a portal (all its leads when NULL) from dw.fact_lead, as its owner: live leads get their row, deleted ones lose it; a value the definition does not allow becomes NULL. Returns the rows written.';
REVOKE ALL ON FUNCTION etl.write_lead_custom_values(integer, bigint[]) FROM PUBLIC;

INSERT INTO dw.lead_custom_value (portal_id, lead_id)
SELECT portal_id, lead_id FROM dw.fact_lead WHERE NOT is_deleted;

CREATE FUNCTION etl.lead_custom_expression(p_template text, p_value text, p_multiple boolean) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
SELECT CASE WHEN p_multiple
    THEN format('CASE WHEN jsonb_typeof(%1$s) = ''array'' THEN CASE WHEN jsonb_array_length(%1$s) > 0 THEN ARRAY(SELECT %2$s FROM jsonb_array_elements(%1$s) WITH ORDINALITY AS e(v, n) ORDER BY e.n) END END',
                p_value, format(p_template, 'e.v'))
    ELSE format(p_template, p_value) END
$$;
COMMENT ON FUNCTION etl.lead_custom_expression(text, text, boolean) IS 'The expression that types one field''s value (p_value, jsonb) by a template over one value (%1$s), as an array in the field''s order when the field is multiple.';

CREATE OR REPLACE FUNCTION etl.refresh_lead_custom_fields() RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp SET lock_timeout = '2s' AS $$
DECLARE
    field record;
    n integer := 0;
    used text[] := '{}';
    -- The columns dw.lead_custom_value should have.
    want_name text[] := '{}';
    want_type text[] := '{}';
    want_expr text[] := '{}';
    want_safe text[] := '{}';
    id_quick constant text := 'CASE jsonb_typeof(%1$s) WHEN ''number'' THEN round((%1$s)::numeric)::bigint WHEN ''object'' THEN (%1$s ->> ''id'')::bigint END';
    id_safe constant text := 'CASE jsonb_typeof(%1$s) WHEN ''number'' THEN etl.try_bigint(round((%1$s)::numeric)::text) WHEN ''object'' THEN etl.try_bigint(%1$s ->> ''id'') END';
    want_join text[] := '{}';
    want_field text[] := '{}';
    want_label boolean[] := '{}';
    view_columns text := '';
    view_joins text := '';
    needs_users boolean := false;
    needs_rates boolean := false;
    comments text[] := '{}';
    statement text;
    built_fingerprint text;
    added text[] := '{}';
    removed text[] := '{}';
    result text := 'unchanged';
    changed record;
    relabel text[];
BEGIN
    FOR field IN
        SELECT d.field_name, min(d.type) AS type, bool_or(d.is_multiple) AS is_multiple, min(d.label) AS label
        FROM dw.dim_lead_field d WHERE d.is_custom GROUP BY d.field_name
        ORDER BY min(d.section_sort) NULLS LAST, min(d.field_sort) NULLS LAST, min(d.sort) NULLS LAST, d.field_name
    LOOP
        n := n + 1;
        DECLARE
            v text := format('f.custom_fields -> %L', field.field_name);
            base text := lower(field.field_name);
            column_label text := coalesce(field.label, field.field_name) || ' (' || field.field_name || ', ' || field.type
                                 || CASE WHEN field.is_multiple THEN ', multiple' ELSE '' END || ')';
            -- Stored parts: suffix, SQL type, expression over one value x, join; then what the view shows.
            parts text[] := '{}';
            shown text[] := '{}';      -- triples: suffix, view expression (%s = the stored column), comment
            labels_alias text;
            i integer;
            stored_name text;
            part_name text;
            own_suffix text[] := '{}';
            own_name text[] := '{}';
            main_column text;
            currency_column text;
        BEGIN
            IF base = ANY (used) OR base IN ('portal_id', 'lead_id') THEN base := base || '_' || n; END IF;
            used := used || base;
            CASE field.type
            WHEN 'double' THEN
                parts := ARRAY['', 'numeric', 'CASE WHEN jsonb_typeof(%1$s) = ''number'' THEN (%1$s)::numeric END', NULL, ''];
            WHEN 'integer' THEN
                parts := ARRAY['', 'bigint', 'CASE WHEN jsonb_typeof(%1$s) = ''number'' THEN round((%1$s)::numeric)::bigint END',
                               'CASE WHEN jsonb_typeof(%1$s) = ''number'' THEN etl.try_bigint(round((%1$s)::numeric)::text) END', ''];
            WHEN 'boolean' THEN
                parts := ARRAY['', 'boolean', 'CASE WHEN jsonb_typeof(%1$s) = ''boolean'' THEN (%1$s)::boolean END', NULL, ''];
            WHEN 'date' THEN
                parts := ARRAY['', 'date', 'CASE WHEN %1$s #>> ''{}'' ~ ''^\d{4}-\d{2}-\d{2}'' THEN left(%1$s #>> ''{}'', 10)::date END',
                               'CASE WHEN %1$s #>> ''{}'' ~ ''^\d{4}-\d{2}-\d{2}'' THEN etl.try_date(left(%1$s #>> ''{}'', 10)) END', ''];
            WHEN 'datetime' THEN
                parts := ARRAY['', 'timestamptz', 'CASE WHEN %1$s #>> ''{}'' ~ ''^\d{4}-\d{2}-\d{2}T'' THEN (%1$s #>> ''{}'')::timestamptz END',
                               'CASE WHEN %1$s #>> ''{}'' ~ ''^\d{4}-\d{2}-\d{2}T'' THEN etl.try_timestamptz(%1$s #>> ''{}'') END', ''];
            WHEN 'enumeration' THEN
                IF field.is_multiple THEN
                    labels_alias := 'l' || left(md5(base), 12);
                    parts := ARRAY['', 'text',
                                   format('%s.labels ->> CASE jsonb_typeof(%%1$s) WHEN ''object'' THEN %%1$s ->> ''id'' ELSE %%1$s #>> ''{}'' END', labels_alias), NULL,
                                   format(' LEFT JOIN dw.lead_field_labels %1$s ON %1$s.portal_id = f.portal_id AND %1$s.field_name = %2$L',
                                          labels_alias, field.field_name),
                                   '_id', 'bigint', id_quick, id_safe, ''];
                ELSE
                    labels_alias := 'l' || left(md5(base), 12);
                    parts := ARRAY['_id', 'bigint', id_quick, id_safe, ''];
                    shown := ARRAY['', format('%s.labels ->> %%s::text', labels_alias), '', '_id', '%s', 'option id'];
                    view_joins := view_joins || format(' LEFT JOIN dw.lead_field_labels %1$s ON %1$s.portal_id = t.portal_id AND %1$s.field_name = %2$L',
                                                       labels_alias, field.field_name);
                END IF;
            WHEN 'employee' THEN
                parts := ARRAY['_id', 'bigint', id_quick, id_safe, ''];
                shown := ARRAY['', CASE WHEN field.is_multiple
                                        THEN 'CASE WHEN %1$s IS NOT NULL THEN ARRAY(SELECT un.names ->> u.id::text FROM unnest(%1$s) WITH ORDINALITY AS u(id, n) ORDER BY u.n) END'
                                        ELSE 'un.names ->> %s::text' END, '',
                               '_id', '%s', 'user id'];
                needs_users := true;
            WHEN 'money' THEN
                parts := ARRAY['', 'numeric', 'CASE WHEN jsonb_typeof(%1$s -> ''amount'') = ''number'' THEN (%1$s -> ''amount'')::numeric END', NULL, '',
                               '_currency', 'text', 'CASE WHEN jsonb_typeof(%1$s) = ''object'' THEN %1$s ->> ''currency'' END', NULL, ''];
                needs_rates := true;
            WHEN 'crm' THEN
                parts := ARRAY['', 'text', 'CASE WHEN jsonb_typeof(%1$s) = ''object'' THEN coalesce(%1$s ->> ''type'', ''?'') || '' '' || (%1$s ->> ''id'') END', NULL, '',
                               '_type', 'text', 'CASE WHEN jsonb_typeof(%1$s) = ''object'' THEN %1$s ->> ''type'' END', NULL, '',
                               '_id', 'bigint', 'CASE WHEN jsonb_typeof(%1$s) = ''object'' THEN (%1$s ->> ''id'')::bigint END',
                               'CASE WHEN jsonb_typeof(%1$s) = ''object'' THEN etl.try_bigint(%1$s ->> ''id'') END', ''];
            WHEN 'file' THEN
                parts := ARRAY['', 'text', 'CASE jsonb_typeof(%1$s) WHEN ''object'' THEN coalesce(%1$s ->> ''name'', ''file '' || (%1$s ->> ''id'')) WHEN ''number'' THEN ''file '' || (%1$s #>> ''{}'') END', NULL, ''];
            ELSE
                parts := ARRAY['', 'text', 'CASE WHEN jsonb_typeof(%1$s) IN (''object'', ''array'') THEN (%1$s)::text ELSE %1$s #>> ''{}'' END', NULL, ''];
            END CASE;
            -- What the view shows when nothing else was said: each stored column as it is.
            IF cardinality(shown) = 0 THEN
                i := 1;
                WHILE i <= cardinality(parts) LOOP
                    shown := shown || ARRAY[parts[i], '%s',
                        CASE parts[i] WHEN '_currency' THEN 'currency' WHEN '_type' THEN 'CRM type (lead, contact, company, deal…)'
                                      WHEN '_id' THEN CASE field.type WHEN 'crm' THEN 'CRM item id' ELSE 'option id' END ELSE '' END];
                    i := i + 5;
                END LOOP;
                IF field.type = 'money' THEN
                    shown := shown || ARRAY['_base', CASE WHEN field.is_multiple
                        THEN 'CASE WHEN %1$s IS NOT NULL THEN ARRAY(SELECT round(u.a * (cr.rates ->> u.c)::numeric, 2) FROM unnest(%1$s, %2$s) WITH ORDINALITY AS u(a, c, n) ORDER BY u.n) END'
                        ELSE 'round(%1$s * (cr.rates ->> %2$s)::numeric, 2)' END, 'amount in the portal''s base currency'];
                END IF;
            END IF;
            -- The stored columns.
            i := 1;
            WHILE i <= cardinality(parts) LOOP
                stored_name := base || parts[i];
                IF parts[i] <> '' THEN
                    IF stored_name = ANY (used) THEN stored_name := stored_name || '_' || n; END IF;
                    used := used || stored_name;
                END IF;
                want_name := want_name || stored_name;
                want_type := want_type || (parts[i + 1] || CASE WHEN field.is_multiple THEN '[]' ELSE '' END);
                want_expr := want_expr || etl.lead_custom_expression(parts[i + 2], v, field.is_multiple);
                want_safe := want_safe || etl.lead_custom_expression(coalesce(parts[i + 3], parts[i + 2]), v, field.is_multiple);
                want_join := want_join || parts[i + 4];
                want_field := want_field || field.field_name::text;
                want_label := want_label || (field.type = 'enumeration' AND field.is_multiple AND parts[i] = '');
                own_suffix := own_suffix || parts[i];
                own_name := own_name || stored_name;
                i := i + 5;
            END LOOP;
            -- The view's columns: stored ones under their own name, computed ones beside them.
            main_column := 't.' || quote_ident(own_name[coalesce(array_position(own_suffix, ''), array_position(own_suffix, '_id'))]);
            currency_column := 't.' || quote_ident(coalesce(own_name[array_position(own_suffix, '_currency')], base));
            i := 1;
            WHILE i <= cardinality(shown) LOOP
                IF shown[i + 1] = '%s' THEN
                    part_name := own_name[array_position(own_suffix, shown[i])];
                    view_columns := view_columns || ', t.' || quote_ident(part_name);
                ELSE
                    part_name := base || shown[i];
                    IF shown[i] <> '' THEN
                        IF part_name = ANY (used) THEN part_name := part_name || '_' || n; END IF;
                        used := used || part_name;
                    END IF;
                    view_columns := view_columns || ', ' || format(shown[i + 1], main_column, currency_column) || ' AS ' || quote_ident(part_name);
                END IF;
                comments := comments || format('COMMENT ON COLUMN mart.lead_custom_fields.%I IS %L', part_name,
                    column_label || CASE WHEN shown[i + 2] = '' THEN '' ELSE ': ' || shown[i + 2] END);
                i := i + 3;
            END LOOP;
        END;
    END LOOP;
    IF needs_users THEN view_joins := view_joins || ' LEFT JOIN dw.portal_user_names un ON un.portal_id = t.portal_id'; END IF;
    IF needs_rates THEN view_joins := view_joins || ' LEFT JOIN dw.portal_currency_rates cr ON cr.portal_id = t.portal_id'; END IF;
    statement := 'CREATE VIEW mart.lead_custom_fields AS SELECT t.portal_id, t.lead_id' || view_columns
                 || ' FROM dw.lead_custom_value t' || view_joins;

    SELECT coalesce(array_agg(c.column_name), '{}') INTO removed FROM etl.lead_custom_column c
    WHERE NOT EXISTS (SELECT 1 FROM unnest(want_name, want_type, want_expr, want_join) AS w(name, type, expr, j)
                      WHERE w.name = c.column_name AND w.type = c.sql_type AND w.expr = c.expression AND w.j = c.join_clause);
    SELECT coalesce(array_agg(w.name), '{}') INTO added
    FROM unnest(want_name, want_type, want_expr, want_join) AS w(name, type, expr, j)
    WHERE NOT EXISTS (SELECT 1 FROM etl.lead_custom_column c
                      WHERE w.name = c.column_name AND w.type = c.sql_type AND w.expr = c.expression AND w.j = c.join_clause);
    built_fingerprint := md5(statement || array_to_string(comments, ';'));
    IF cardinality(added) > 0 OR cardinality(removed) > 0 OR to_regclass('mart.lead_custom_fields') IS NULL OR NOT EXISTS (
        SELECT 1 FROM etl.generated_view g
        WHERE g.view_name = 'mart.lead_custom_fields' AND g.fingerprint = built_fingerprint) THEN
        BEGIN
            DROP VIEW IF EXISTS mart.lead_custom_fields;
            FOR i IN 1 .. cardinality(removed) LOOP
                EXECUTE format('ALTER TABLE dw.lead_custom_value DROP COLUMN IF EXISTS %I', removed[i]);
                DELETE FROM etl.lead_custom_column WHERE column_name = removed[i];
            END LOOP;
            FOR i IN 1 .. cardinality(want_name) LOOP
                CONTINUE WHEN want_name[i] <> ALL (added);
                EXECUTE format('ALTER TABLE dw.lead_custom_value ADD COLUMN %I %s', want_name[i], want_type[i]);
                INSERT INTO etl.lead_custom_column (column_name, field_name, sql_type, expression, safe_expression, join_clause, holds_labels)
                VALUES (want_name[i], want_field[i], want_type[i], want_expr[i], want_safe[i], want_join[i], want_label[i]);
            END LOOP;
            IF cardinality(added) > 0 THEN
                PERFORM etl.recompute_lead_custom_columns(added, NULL);
            END IF;
            EXECUTE statement;
            EXECUTE 'COMMENT ON VIEW mart.lead_custom_fields IS ''One live lead per row, a typed column (or several) per custom lead field in the order of the lead card; enumeration labels and user names are current. Typed when the lead is written; rebuilt by a sync when the field definitions change.''';
            FOR i IN 1 .. coalesce(array_length(comments, 1), 0) LOOP
                EXECUTE comments[i];
            END LOOP;
            GRANT SELECT ON mart.lead_custom_fields TO b24pg_reader;
            INSERT INTO etl.generated_view (view_name, fingerprint, built_at)
            VALUES ('mart.lead_custom_fields', built_fingerprint, now())
            ON CONFLICT (view_name) DO UPDATE SET fingerprint = EXCLUDED.fingerprint, built_at = EXCLUDED.built_at;
            result := 'rebuilt';
        EXCEPTION
            WHEN lock_not_available THEN
                RAISE WARNING 'mart.lead_custom_fields is in use by another session; it keeps its old columns until a sync finds it free';
                result := 'busy';
                added := '{}';
            WHEN dependent_objects_still_exist THEN
                RAISE WARNING 'mart.lead_custom_fields is used by other views; it was not rebuilt';
                result := 'used by other views';
                added := '{}';
        END;
    END IF;

    -- Labels kept in the table follow the options of each portal (columns added above are already current).
    SELECT coalesce(array_agg(c.column_name), '{}') INTO relabel FROM etl.lead_custom_column c
    WHERE c.holds_labels AND c.column_name <> ALL (added);
    FOR changed IN
        SELECT p.portal_id, md5(coalesce(string_agg(d.field_name || '=' || coalesce(d.items::text, ''), ';' ORDER BY d.field_name), '')) AS fingerprint
        FROM etl.portal p
        LEFT JOIN dw.dim_lead_field d ON d.portal_id = p.portal_id AND d.is_custom AND d.is_multiple AND d.type = 'enumeration'
        GROUP BY p.portal_id
        HAVING md5(coalesce(string_agg(d.field_name || '=' || coalesce(d.items::text, ''), ';' ORDER BY d.field_name), ''))
               IS DISTINCT FROM min(p.custom_labels)
    LOOP
        IF cardinality(relabel) > 0 THEN
            PERFORM etl.recompute_lead_custom_columns(relabel, changed.portal_id);
        END IF;
        UPDATE etl.portal p SET custom_labels = changed.fingerprint WHERE p.portal_id = changed.portal_id;
    END LOOP;
    RETURN result;
END
$$;
COMMENT ON FUNCTION etl.refresh_lead_custom_fields() IS 'Follows the lead field definitions: adds and drops the columns of dw.lead_custom_value that changed and fills the new ones, rebuilds mart.lead_custom_fields when it would differ (as its owner, waiting at most 2 s for readers), rewrites kept labels of portals whose options changed. Returns rebuilt, unchanged, busy, or used by other views.';

DELETE FROM etl.generated_view WHERE view_name = 'mart.lead_custom_fields';
SELECT etl.refresh_lead_custom_fields();
