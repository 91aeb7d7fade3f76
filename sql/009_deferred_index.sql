-- Secondary indexes set aside while a database's first load copies straight into the empty star
-- (building an index once over loaded rows is several times cheaper than maintaining it row by
-- row). Each row holds the exact definition (pg_get_indexdef) of an index that was dropped in the
-- same transaction; the sync that finishes the load recreates it in the transaction that deletes
-- the row, so a crash at any moment leaves either the index or its definition here.

CREATE TABLE etl.deferred_index (
    index_name  text        PRIMARY KEY,
    table_name  text        NOT NULL,
    definition  text        NOT NULL,
    deferred_at timestamptz NOT NULL DEFAULT now()
);

COMMENT ON TABLE etl.deferred_index IS 'Secondary dw indexes dropped for a first load, with the definitions the sync recreates when the load ends.';
