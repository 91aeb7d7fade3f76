-- mart: the analyst-facing views live here (later migrations add them).
-- b24pg_reader: read-only role for BI tools; grant it to a login role of your own:
--   CREATE ROLE grafana LOGIN PASSWORD '…' IN ROLE b24pg_reader;

CREATE SCHEMA IF NOT EXISTS mart;
COMMENT ON SCHEMA mart IS 'b24pg views for dashboards and SQL; deleted leads are excluded.';

DO $$
BEGIN
    CREATE ROLE b24pg_reader NOLOGIN;
EXCEPTION
    WHEN duplicate_object OR unique_violation THEN
        NULL;  -- roles are cluster-wide: another database of this cluster created it first
END
$$;

GRANT USAGE ON SCHEMA dw, mart TO b24pg_reader;
GRANT SELECT ON ALL TABLES IN SCHEMA dw, mart TO b24pg_reader;
ALTER DEFAULT PRIVILEGES IN SCHEMA dw, mart GRANT SELECT ON TABLES TO b24pg_reader;
