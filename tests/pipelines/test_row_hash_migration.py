"""Migration 003 recomputes the stored row hashes: a warehouse whose src_ rows still carry the old
md5 hashes takes the same export again as unchanged, with no supersession recorded."""

from __future__ import annotations

import duckdb

from pipelines.canonical.schemas import FILES_BY_NAME, columns_of
from pipelines.ingest import ingest_path
from pipelines.load import TABLE_FILES
from tests.factories import SAMPLE, copy_warehouse


def _old_md5_hash(name: str) -> str:
    """The hash before migration 003: md5 of the row's text, as pipelines/load.py once had it."""
    parts = [f"coalesce(cast({c} as varchar), '\u2205')" for c in columns_of(FILES_BY_NAME[name].model)]
    return f"md5_number_lower(concat_ws('\u241f', {', '.join(parts)}))"


def test_an_old_warehouse_sees_the_same_export_as_unchanged(small_sample_db, tmp_path):
    db = copy_warehouse(small_sample_db, tmp_path / "old.duckdb")
    with duckdb.connect(str(db)) as con:
        for name in TABLE_FILES:
            con.execute(f"update src_{name} set row_hash = {_old_md5_hash(name)}")
        con.execute("delete from meta_schema_version where version = 3")
        n_rows = con.execute("select count(*) from src_marks").fetchone()[0]
        before = con.execute("select count(*) from meta_supersession").fetchone()[0]
    (result,) = ingest_path(SAMPLE, db)
    assert result.status == "unchanged"
    with duckdb.connect(str(db)) as con:
        assert con.execute("select count(*) from meta_schema_version where version = 3").fetchone()[0] == 1
        assert con.execute("select count(*) from meta_supersession").fetchone()[0] == before
        assert con.execute("select count(*) from src_marks").fetchone()[0] == n_rows


def test_without_the_migration_the_old_hashes_would_count_as_changes(small_sample_db, tmp_path):
    """The check above can fail: with md5 hashes left in place every row looks changed."""
    db = copy_warehouse(small_sample_db, tmp_path / "old.duckdb")
    with duckdb.connect(str(db)) as con:
        con.execute(f"update src_marks set row_hash = {_old_md5_hash('marks')}")
    (result,) = ingest_path(SAMPLE, db)
    assert result.counts.updated["marks"] > 0
