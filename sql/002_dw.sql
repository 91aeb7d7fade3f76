-- dw: the star schema. Facts keyed by (portal_id, natural id); dimensions per portal.

CREATE SCHEMA IF NOT EXISTS dw;
COMMENT ON SCHEMA dw IS 'b24pg star schema: lead facts, bridges and dimensions loaded from Bitrix24.';

CREATE TABLE dw.dim_date (
    date_key     integer  PRIMARY KEY,
    date         date     UNIQUE,
    year         smallint,
    quarter      smallint,
    month        smallint,
    month_name   text,
    year_month   text,
    iso_year     smallint,
    iso_week     smallint,
    day          smallint,
    day_of_week  smallint,
    day_name     text,
    day_of_year  smallint,
    is_weekend   boolean
);
COMMENT ON TABLE dw.dim_date IS 'Calendar 2000-01-01 .. 2045-12-31, key yyyymmdd; key 0 is "unknown".';
COMMENT ON COLUMN dw.dim_date.day_of_week IS 'ISO day of week: 1 = Monday .. 7 = Sunday.';

CREATE TABLE dw.dim_status (
    portal_id  integer  NOT NULL REFERENCES etl.portal ON DELETE CASCADE,
    status_id  text     NOT NULL,
    name       text,
    sort       integer,
    semantic   char(1)  NOT NULL CHECK (semantic IN ('P', 'S', 'F')),
    color      text,
    is_system  boolean,
    PRIMARY KEY (portal_id, status_id)
);
COMMENT ON TABLE dw.dim_status IS 'Lead stages (crm.status.list ENTITY_ID=STATUS) with semantics P/S/F.';

CREATE TABLE dw.dim_source (
    portal_id  integer NOT NULL REFERENCES etl.portal ON DELETE CASCADE,
    source_id  text    NOT NULL,
    name       text,
    sort       integer,
    PRIMARY KEY (portal_id, source_id)
);
COMMENT ON TABLE dw.dim_source IS 'Lead sources (crm.status.list ENTITY_ID=SOURCE).';

CREATE TABLE dw.dim_user (
    portal_id   integer NOT NULL REFERENCES etl.portal ON DELETE CASCADE,
    user_id     bigint  NOT NULL,
    name        text,
    first_name  text,
    last_name   text,
    email       text,
    position    text,
    active      boolean,
    PRIMARY KEY (portal_id, user_id)
);
COMMENT ON TABLE dw.dim_user IS 'Portal users (user.get): lead owners, creators, modifiers.';

CREATE TABLE dw.dim_currency (
    portal_id    integer NOT NULL REFERENCES etl.portal ON DELETE CASCADE,
    currency_id  text    NOT NULL,
    name         text,
    amount       numeric,
    amount_cnt   integer,
    is_base      boolean,
    sort         integer,
    PRIMARY KEY (portal_id, currency_id)
);
COMMENT ON COLUMN dw.dim_currency.amount IS 'Rate against the base currency for amount_cnt units.';

CREATE TABLE dw.dim_contact (
    portal_id       integer NOT NULL REFERENCES etl.portal ON DELETE CASCADE,
    contact_id      bigint  NOT NULL,
    name            text,
    first_name      text,
    last_name       text,
    post            text,
    type_id         text,
    source_id       text,
    company_id      bigint,
    assigned_by_id  bigint,
    created_at      timestamptz,
    modified_at     timestamptz,
    PRIMARY KEY (portal_id, contact_id)
);

CREATE TABLE dw.dim_company (
    portal_id       integer NOT NULL REFERENCES etl.portal ON DELETE CASCADE,
    company_id      bigint  NOT NULL,
    title           text,
    company_type    text,
    industry        text,
    employees       text,
    revenue         numeric,
    currency_id     text,
    assigned_by_id  bigint,
    created_at      timestamptz,
    modified_at     timestamptz,
    PRIMARY KEY (portal_id, company_id)
);

CREATE TABLE dw.dim_product (
    portal_id     integer NOT NULL REFERENCES etl.portal ON DELETE CASCADE,
    product_id    bigint  NOT NULL,
    name          text,
    measure_name  text,
    PRIMARY KEY (portal_id, product_id)
);
COMMENT ON TABLE dw.dim_product IS 'Catalog products as named in product rows; product_id 0 is "not from the catalog".';

CREATE TABLE dw.dim_lead_field (
    portal_id    integer NOT NULL REFERENCES etl.portal ON DELETE CASCADE,
    field_name   text    NOT NULL,
    type         text    NOT NULL,
    label        text,
    is_multiple  boolean NOT NULL DEFAULT false,
    is_required  boolean NOT NULL DEFAULT false,
    is_custom    boolean NOT NULL DEFAULT false,
    items        jsonb,
    sort         integer,
    PRIMARY KEY (portal_id, field_name)
);
COMMENT ON TABLE dw.dim_lead_field IS 'Lead fields (crm.lead.fields, crm.lead.userfield.list); items holds enumeration options.';

CREATE TABLE dw.fact_lead (
    portal_id              integer NOT NULL REFERENCES etl.portal ON DELETE CASCADE,
    lead_id                bigint  NOT NULL,
    title                  text,
    name                   text,
    last_name              text,
    company_title          text,
    status_id              text,
    status_semantic        char(1) CHECK (status_semantic IN ('P', 'S', 'F')),
    source_id              text,
    source_description     text,
    assigned_by_id         bigint,
    created_by_id          bigint,
    modify_by_id           bigint,
    company_id             bigint,
    contact_id             bigint,
    opportunity            numeric,
    currency_id            text,
    is_manual_opportunity  boolean,
    is_return_customer     boolean,
    opened                 boolean,
    has_phone              boolean,
    has_email              boolean,
    created_at             timestamptz,
    modified_at            timestamptz,
    moved_at               timestamptz,
    closed_at              timestamptz,
    created_date_key       integer NOT NULL DEFAULT 0,
    closed_date_key        integer NOT NULL DEFAULT 0,
    utm_source             text,
    utm_medium             text,
    utm_campaign           text,
    utm_content            text,
    utm_term               text,
    custom_fields          jsonb   NOT NULL DEFAULT '{}'::jsonb,
    is_deleted             boolean NOT NULL DEFAULT false,
    deleted_at             timestamptz,
    last_run_id            bigint,
    loaded_at              timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (portal_id, lead_id)
);
CREATE INDEX fact_lead_status ON dw.fact_lead (portal_id, status_id);
CREATE INDEX fact_lead_source ON dw.fact_lead (portal_id, source_id);
CREATE INDEX fact_lead_created ON dw.fact_lead (portal_id, created_date_key);
CREATE INDEX fact_lead_modified ON dw.fact_lead (portal_id, modified_at);
COMMENT ON TABLE dw.fact_lead IS 'One row per lead (accumulating snapshot); deleted leads stay with is_deleted = true.';
COMMENT ON COLUMN dw.fact_lead.custom_fields IS 'UF_ custom fields keyed by field name, typed JSON; enumerations as {"id":…,"value":…}.';
COMMENT ON COLUMN dw.fact_lead.created_date_key IS 'yyyymmdd of created_at in the portal''s time zone; 0 when unknown.';
COMMENT ON COLUMN dw.fact_lead.closed_date_key IS 'yyyymmdd of closed_at in the portal''s time zone; 0 when open or unknown.';

CREATE TABLE dw.fact_lead_product (
    portal_id         integer  NOT NULL REFERENCES etl.portal ON DELETE CASCADE,
    row_id            bigint   NOT NULL,
    lead_id           bigint   NOT NULL,
    product_id        bigint,
    product_name      text,
    price             numeric,
    price_exclusive   numeric,
    price_netto       numeric,
    price_brutto      numeric,
    quantity          numeric,
    discount_type_id  smallint,
    discount_rate     numeric,
    discount_sum      numeric,
    tax_rate          numeric,
    tax_included      boolean,
    customized        boolean,
    measure_code      integer,
    measure_name      text,
    sort              integer,
    type              smallint,
    amount            numeric GENERATED ALWAYS AS (price * quantity) STORED,
    PRIMARY KEY (portal_id, row_id)
);
CREATE INDEX fact_lead_product_lead ON dw.fact_lead_product (portal_id, lead_id);
CREATE INDEX fact_lead_product_product ON dw.fact_lead_product (portal_id, product_id);
COMMENT ON TABLE dw.fact_lead_product IS 'Product rows of leads; replaced as a set whenever their lead is read.';
COMMENT ON COLUMN dw.fact_lead_product.amount IS 'price × quantity (price is the final unit price).';

CREATE TABLE dw.bridge_lead_contact (
    portal_id   integer NOT NULL REFERENCES etl.portal ON DELETE CASCADE,
    lead_id     bigint  NOT NULL,
    contact_id  bigint  NOT NULL,
    is_primary  boolean NOT NULL DEFAULT false,
    sort        integer,
    role_id     integer,
    PRIMARY KEY (portal_id, lead_id, contact_id)
);
CREATE INDEX bridge_lead_contact_contact ON dw.bridge_lead_contact (portal_id, contact_id);
COMMENT ON TABLE dw.bridge_lead_contact IS 'Lead-contact bindings (crm.lead.contact.items.get); replaced as a set per lead.';

CREATE TABLE dw.fact_lead_stage_history (
    portal_id         integer     NOT NULL REFERENCES etl.portal ON DELETE CASCADE,
    history_id        bigint      NOT NULL,
    lead_id           bigint      NOT NULL,
    type_id           smallint,
    status_id         text,
    status_semantic   char(1),
    created_at        timestamptz,
    created_date_key  integer     NOT NULL DEFAULT 0,
    PRIMARY KEY (portal_id, history_id)
);
CREATE INDEX fact_lead_stage_history_lead ON dw.fact_lead_stage_history (portal_id, lead_id);
CREATE INDEX fact_lead_stage_history_status ON dw.fact_lead_stage_history (portal_id, status_id, lead_id);
COMMENT ON COLUMN dw.fact_lead_stage_history.type_id IS '1 created, 2 moved to an intermediate stage, 3 moved to a final stage, 5 funnel changed.';

CREATE TABLE dw.fact_lead_version (
    portal_id        integer     NOT NULL REFERENCES etl.portal ON DELETE CASCADE,
    lead_id          bigint      NOT NULL,
    version          integer     NOT NULL,
    valid_from       timestamptz NOT NULL,
    valid_to         timestamptz,
    is_current       boolean     NOT NULL DEFAULT true,
    status_id        text,
    status_semantic  char(1),
    source_id        text,
    assigned_by_id   bigint,
    opportunity      numeric,
    currency_id      text,
    company_id       bigint,
    contact_id       bigint,
    is_deleted       boolean     NOT NULL DEFAULT false,
    run_id           bigint,
    PRIMARY KEY (portal_id, lead_id, version)
);
CREATE UNIQUE INDEX fact_lead_version_current ON dw.fact_lead_version (portal_id, lead_id) WHERE is_current;
COMMENT ON TABLE dw.fact_lead_version IS 'History (SCD2): a new version only when a tracked attribute changed.';
