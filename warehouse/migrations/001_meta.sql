-- Bookkeeping of the warehouse itself: schema version, batch lineage, quarantine, supersession.

-- Grain: one row per applied migration file. Key: version.
create table if not exists meta_schema_version (
    version integer not null,
    file_name varchar not null,
    applied_at timestamp not null
);

-- Grain: one row per ingested batch (one canonical export). Key: batch_id.
create table if not exists meta_batch (
    batch_id bigint not null,
    school_id varchar not null,
    source_system varchar,
    export_kind_code varchar,
    exported_at timestamp,
    covers_from_date date,
    covers_to_date date,
    source_path varchar not null,
    status_code varchar not null,          -- loaded | loaded_with_rejections | unchanged
    n_rows_in bigint not null,
    n_rows_accepted bigint not null,
    n_rows_rejected bigint not null,
    n_rows_inserted bigint not null,
    n_rows_updated bigint not null,
    n_rows_removed bigint not null,
    n_rows_kept_newer bigint not null,
    started_at timestamp not null,
    finished_at timestamp not null,
    seconds_validate double not null,
    seconds_load double not null,
    run_by varchar not null,
    host_name varchar not null
);

-- Grain: one row per file of a batch. Key: (batch_id, file_name).
create table if not exists meta_batch_file (
    batch_id bigint not null,
    file_name varchar not null,
    canonical_name varchar not null,
    sha256 varchar not null,
    n_bytes bigint not null,
    encoding_code varchar,
    n_rows_in bigint not null,
    n_rows_accepted bigint not null,
    n_rows_rejected bigint not null
);

-- Grain: one row per rejected source row and rule. Rows here never reach src_/dim_/fct_ tables.
create table if not exists meta_quarantine (
    batch_id bigint not null,
    school_id varchar,
    file_name varchar not null,
    row_number bigint,
    column_name varchar,
    cell_value varchar,
    rule_code varchar not null,
    message varchar not null,
    raw_row varchar
);

-- Grain: one row per natural key that a batch replaced, removed or refused to overwrite.
create table if not exists meta_supersession (
    batch_id bigint not null,
    table_name varchar not null,
    school_id varchar not null,
    nk varchar not null,
    action_code varchar not null,          -- updated | removed | kept_newer
    previous_batch_id bigint,
    previous_exported_at timestamp
);
