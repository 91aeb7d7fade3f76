-- Custom fields typed by their definition, labels and names read when queried, the lead card's
-- own sections. mart.lead_custom_fields gets columns per field by its type (money: amount,
-- currency and base amount; date: date; datetime: timestamptz; enumeration: the option's
-- current label and its id; employee: the user's name and id; crm: type and id; file: its name;
-- multiple fields: arrays in the field's order). The view is rebuilt only when what it would be
-- differs from what was built (etl.generated_view), waits at most 2 s for a BI query to let go
-- of it (the sync goes on and says so), and is rebuilt by its owner whichever role runs the
-- sync (SECURITY DEFINER). Option labels, user names and currency rates come from one small map
-- per field or portal joined once per query, not a lookup per value. dw.dim_lead_field gains the card layout: section, section order and
-- field order as users see them on the lead card.

ALTER TABLE dw.dim_lead_field
    ADD COLUMN section_name text,
    ADD COLUMN section_sort integer,
    ADD COLUMN field_sort   integer;
COMMENT ON COLUMN dw.dim_lead_field.section_name IS 'Section of the shared lead card (crm.lead.details.configuration.get, scope C) the field is in; NULL when the card does not show it or no common layout was saved.';
COMMENT ON COLUMN dw.dim_lead_field.section_sort IS 'Position of that section on the card (1 = first).';
COMMENT ON COLUMN dw.dim_lead_field.field_sort IS 'Position of the field within its section (1 = first).';

CREATE VIEW dw.lead_field_item AS
SELECT d.portal_id, d.field_name, (x.item ->> 'id')::bigint AS item_id, x.item ->> 'value' AS label, x.position AS sort
FROM dw.dim_lead_field d
CROSS JOIN LATERAL jsonb_array_elements(CASE WHEN jsonb_typeof(d.items) = 'array' THEN d.items ELSE '[]'::jsonb END)
    WITH ORDINALITY AS x(item, position)
WHERE x.item ? 'id';
COMMENT ON VIEW dw.lead_field_item IS 'Enumeration options of lead fields as they are now: id and label.';
GRANT SELECT ON dw.lead_field_item TO b24pg_reader;

CREATE TABLE etl.generated_view (
    view_name    text PRIMARY KEY,
    fingerprint  text NOT NULL,
    built_at     timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE etl.generated_view IS 'Views b24pg writes from the data''s definitions, with a fingerprint of what was built: a sync rebuilds one only when it would differ.';

DROP FUNCTION etl.refresh_lead_custom_fields();
CREATE VIEW dw.lead_field_labels AS
SELECT portal_id, field_name, jsonb_object_agg(item_id::text, label) AS labels
FROM dw.lead_field_item GROUP BY portal_id, field_name;
COMMENT ON VIEW dw.lead_field_labels IS 'Per portal and enumeration field: its options as one {"id": "label"} object.';

CREATE VIEW dw.portal_user_names AS
SELECT portal_id, jsonb_object_agg(user_id::text, coalesce(name, 'user ' || user_id)) AS names
FROM dw.dim_user GROUP BY portal_id;
COMMENT ON VIEW dw.portal_user_names IS 'Per portal: its users as one {"id": "name"} object.';

CREATE VIEW dw.portal_currency_rates AS
SELECT portal_id, jsonb_object_agg(currency_id, rate) AS rates
FROM dw.currency_rate GROUP BY portal_id;
COMMENT ON VIEW dw.portal_currency_rates IS 'Per portal: what one unit of each currency is worth in the base currency, as one object.';
GRANT SELECT ON dw.lead_field_labels, dw.portal_user_names, dw.portal_currency_rates TO b24pg_reader;

CREATE FUNCTION etl.refresh_lead_custom_fields() RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp SET lock_timeout = '2s' AS $$
DECLARE
    field record;
    columns text := '';
    joins text := '';
    needs_users boolean := false;
    needs_rates boolean := false;
    comments text[] := '{}';
    used text[] := '{}';
    n integer := 0;
    v text;
    elements text;
    column_label text;
    statement text;
    built_fingerprint text;
    column_base text;
BEGIN
    FOR field IN
        SELECT d.field_name, min(d.type) AS type, bool_or(d.is_multiple) AS is_multiple, min(d.label) AS label
        FROM dw.dim_lead_field d WHERE d.is_custom GROUP BY d.field_name
        ORDER BY min(d.section_sort) NULLS LAST, min(d.field_sort) NULLS LAST, min(d.sort) NULLS LAST, d.field_name
    LOOP
        n := n + 1;
        v := format('f.custom_fields -> %L', field.field_name);
        elements := format('jsonb_array_elements(CASE WHEN jsonb_typeof(%s) = ''array'' THEN %s ELSE ''[]''::jsonb END) WITH ORDINALITY AS e(v, n)', v, v);
        column_label := coalesce(field.label, field.field_name) || ' (' || field.field_name || ', ' || field.type
                 || CASE WHEN field.is_multiple THEN ', multiple' ELSE '' END || ')';
        column_base := lower(field.field_name);
        IF column_base = ANY (used) OR column_base IN ('portal_id', 'lead_id') THEN column_base := column_base || '_' || n; END IF;
        -- Expressions over one value x (jsonb), by type; extra columns carry ids, currencies, bases.
        DECLARE
            x text := CASE WHEN field.is_multiple THEN 'e.v' ELSE v END;
            main text;
            extra text[] := '{}';   -- pairs: suffix, expression
            extra_comment text[] := '{}';
            i integer;
        BEGIN
            CASE field.type
            WHEN 'double' THEN
                main := format('CASE WHEN jsonb_typeof(%1$s) = ''number'' THEN (%1$s)::numeric END', x);
            WHEN 'integer' THEN
                main := format('CASE WHEN jsonb_typeof(%1$s) = ''number'' THEN round((%1$s)::numeric)::bigint END', x);
            WHEN 'boolean' THEN
                main := format('CASE WHEN jsonb_typeof(%1$s) = ''boolean'' THEN (%1$s)::boolean END', x);
            WHEN 'date' THEN
                main := format('CASE WHEN %1$s #>> ''{}'' ~ ''^\d{4}-\d{2}-\d{2}'' THEN left(%1$s #>> ''{}'', 10)::date END', x);
            WHEN 'datetime' THEN
                main := format('CASE WHEN %1$s #>> ''{}'' ~ ''^\d{4}-\d{2}-\d{2}T'' THEN (%1$s #>> ''{}'')::timestamptz END', x);
            WHEN 'enumeration', 'employee' THEN
                DECLARE
                    id_expr text := format('CASE jsonb_typeof(%1$s) WHEN ''number'' THEN round((%1$s)::numeric)::bigint WHEN ''object'' THEN (%1$s ->> ''id'')::bigint END', x);
                    name_of text := CASE field.type
                        WHEN 'enumeration' THEN format('(l%s.labels ->> (%s)::text)', n, id_expr)
                        ELSE format('(un.names ->> (%s)::text)', id_expr) END;
                BEGIN
                    IF field.type = 'enumeration' THEN
                        joins := joins || format(' LEFT JOIN dw.lead_field_labels l%s ON l%s.portal_id = f.portal_id AND l%s.field_name = %L',
                                                 n, n, n, field.field_name);
                    ELSE
                        needs_users := true;
                    END IF;
                    main := name_of;
                    extra := ARRAY['_id', id_expr];
                    extra_comment := ARRAY[CASE field.type WHEN 'enumeration' THEN 'option id' ELSE 'user id' END];
                END;
            WHEN 'money' THEN
                main := format('CASE WHEN jsonb_typeof(%1$s) = ''object'' AND jsonb_typeof(%1$s -> ''amount'') = ''number'' THEN (%1$s -> ''amount'')::numeric END', x);
                extra := ARRAY['_currency', format('%s ->> ''currency''', x),
                               '_base', format('round((CASE WHEN jsonb_typeof(%1$s -> ''amount'') = ''number'' THEN (%1$s -> ''amount'')::numeric END) * (cr.rates ->> (%1$s ->> ''currency''))::numeric, 2)', x)];
                needs_rates := true;
                extra_comment := ARRAY['currency', 'amount in the portal''s base currency'];
            WHEN 'crm' THEN
                main := format('CASE WHEN jsonb_typeof(%1$s) = ''object'' THEN coalesce(%1$s ->> ''type'', ''?'') || '' '' || (%1$s ->> ''id'') END', x);
                extra := ARRAY['_type', format('%s ->> ''type''', x),
                               '_id', format('CASE WHEN jsonb_typeof(%1$s) = ''object'' THEN (%1$s ->> ''id'')::bigint END', x)];
                extra_comment := ARRAY['CRM type (lead, contact, company, deal…)', 'CRM item id'];
            WHEN 'file' THEN
                main := format('CASE jsonb_typeof(%1$s) WHEN ''object'' THEN coalesce(%1$s ->> ''name'', ''file '' || (%1$s ->> ''id'')) WHEN ''number'' THEN ''file '' || (%1$s #>> ''{}'') END', x);
            ELSE
                main := format('CASE WHEN jsonb_typeof(%1$s) IN (''object'', ''array'') THEN (%1$s)::text ELSE %1$s #>> ''{}'' END', x);
            END CASE;
            IF field.is_multiple THEN
                columns := columns || format(', ARRAY(SELECT %s FROM %s ORDER BY e.n) AS %I', main, elements, column_base);
            ELSE
                columns := columns || format(', %s AS %I', main, column_base);
            END IF;
            used := used || column_base;
            comments := comments || format('COMMENT ON COLUMN mart.lead_custom_fields.%I IS %L', column_base, column_label);
            i := 1;
            WHILE i < coalesce(array_length(extra, 1), 0) LOOP
                DECLARE
                    extra_name text := column_base || extra[i];
                BEGIN
                    IF extra_name = ANY (used) THEN extra_name := extra_name || '_' || n; END IF;
                    IF field.is_multiple THEN
                        columns := columns || format(', ARRAY(SELECT %s FROM %s ORDER BY e.n) AS %I', extra[i + 1], elements, extra_name);
                    ELSE
                        columns := columns || format(', %s AS %I', extra[i + 1], extra_name);
                    END IF;
                    used := used || extra_name;
                    comments := comments || format('COMMENT ON COLUMN mart.lead_custom_fields.%I IS %L', extra_name,
                                                   column_label || ': ' || extra_comment[(i + 1) / 2]);
                END;
                i := i + 2;
            END LOOP;
        END;
    END LOOP;
    IF needs_users THEN joins := joins || ' LEFT JOIN dw.portal_user_names un ON un.portal_id = f.portal_id'; END IF;
    IF needs_rates THEN joins := joins || ' LEFT JOIN dw.portal_currency_rates cr ON cr.portal_id = f.portal_id'; END IF;
    statement := 'CREATE VIEW mart.lead_custom_fields AS SELECT f.portal_id, f.lead_id' || columns
                 || ' FROM dw.fact_lead f' || joins || ' WHERE NOT f.is_deleted';
    built_fingerprint := md5(statement || array_to_string(comments, ';'));
    IF to_regclass('mart.lead_custom_fields') IS NOT NULL AND EXISTS (
        SELECT 1 FROM etl.generated_view g
        WHERE g.view_name = 'mart.lead_custom_fields' AND g.fingerprint = built_fingerprint) THEN
        RETURN 'unchanged';
    END IF;
    BEGIN
        DROP VIEW IF EXISTS mart.lead_custom_fields;
        EXECUTE statement;
        EXECUTE 'COMMENT ON VIEW mart.lead_custom_fields IS ''One live lead per row, a typed column (or several) per custom lead field in the order of the lead card; enumeration labels and user names are current. Rebuilt by a sync when the field definitions change.''';
        FOR i IN 1 .. coalesce(array_length(comments, 1), 0) LOOP
            EXECUTE comments[i];
        END LOOP;
        GRANT SELECT ON mart.lead_custom_fields TO b24pg_reader;
    EXCEPTION
        WHEN lock_not_available THEN
            RAISE WARNING 'mart.lead_custom_fields is in use by another session; it keeps its old columns until a sync finds it free';
            RETURN 'busy';
        WHEN dependent_objects_still_exist THEN
            RAISE WARNING 'mart.lead_custom_fields is used by other views; it was not rebuilt';
            RETURN 'used by other views';
    END;
    INSERT INTO etl.generated_view (view_name, fingerprint, built_at)
    VALUES ('mart.lead_custom_fields', built_fingerprint, now())
    ON CONFLICT (view_name) DO UPDATE SET fingerprint = EXCLUDED.fingerprint, built_at = EXCLUDED.built_at;
    RETURN 'rebuilt';
END
$$;
COMMENT ON FUNCTION etl.refresh_lead_custom_fields() IS 'Rebuilds mart.lead_custom_fields when the lead field definitions changed (as its owner, waiting at most 2 s for readers): rebuilt, unchanged, busy, or used by other views.';
REVOKE ALL ON FUNCTION etl.refresh_lead_custom_fields() FROM PUBLIC;

CREATE VIEW mart.lead_field AS
SELECT d.portal_id, d.field_name, lower(d.field_name) AS column_name, coalesce(d.label, d.field_name) AS label, d.type,
       d.is_multiple, d.is_custom, d.section_name, d.section_sort, d.field_sort,
       row_number() OVER (PARTITION BY d.portal_id
                          ORDER BY d.section_sort NULLS LAST, d.field_sort NULLS LAST, d.sort NULLS LAST, d.field_name) AS card_order
FROM dw.dim_lead_field d;
COMMENT ON VIEW mart.lead_field IS 'Lead fields of each portal as its lead card shows them: label, type, section and order (fields not on the card last, by their SORT); column_name is the field''s column in mart.lead_custom_fields.';
COMMENT ON COLUMN mart.lead_field.card_order IS 'Position on the card: by section, then within it; fields the card does not show come last.';
GRANT SELECT ON mart.lead_field TO b24pg_reader;
SELECT etl.refresh_lead_custom_fields();
