"""Migration 003 drops the src_ tables' row hashes: an older warehouse, whose rows still carry
md5 hashes, loses the column, keeps every row, and takes the same export again as unchanged;
a changed row is still told from an unchanged one without any hash."""

from __future__ import annotations

import duckdb
import polars as pl

from pipelines.canonical.schemas import FILES_BY_NAME, columns_of
from pipelines.ingest import ingest_path
from tests.factories import SAMPLE, copy_warehouse, unapply_column_drop, write_export


def _old_md5_hash(name: str) -> str:
    """The hash the tables kept before migration 003: md5 of the row's text."""
    parts = [f"coalesce(cast({c} as varchar), '\u2205')" for c in columns_of(FILES_BY_NAME[name].model)]
    return f"md5_number_lower(concat_ws('\u241f', {', '.join(parts)}))"


def _as_before_003(db) -> dict[str, int]:
    return unapply_column_drop(db, 3, "row_hash", "ubigint", _old_md5_hash)


def test_an_older_warehouse_loses_the_hashes_and_keeps_its_rows(small_sample_db, tmp_path):
    db = copy_warehouse(small_sample_db, tmp_path / "old.duckdb")
    counts = _as_before_003(db)
    with duckdb.connect(str(db)) as con:
        before = con.execute("select count(*) from meta_supersession").fetchone()[0]
    (result,) = ingest_path(SAMPLE, db)
    assert result.status == "unchanged"
    with duckdb.connect(str(db)) as con:
        assert con.execute("select count(*) from meta_schema_version where version = 3").fetchone()[0] == 1
        hashed = con.execute("select count(*) from duckdb_columns() where column_name = 'row_hash'").fetchone()[0]
        assert hashed == 0
        assert con.execute("select count(*) from meta_supersession").fetchone()[0] == before
        for name, n in counts.items():
            assert con.execute(f"select count(*) from src_{name}").fetchone()[0] == n, name


def test_a_changed_row_is_told_from_the_unchanged_ones(small_sample_db, tmp_path):
    """The same export with one mark's value and one empty weight changed: two rows updated, none
    inserted, the rest confirmed."""
    db = copy_warehouse(small_sample_db, tmp_path / "w.duckdb")
    folder = tmp_path / "newer"
    data = {p.stem: pl.read_csv(p, separator=";", infer_schema=False).to_dicts() for p in SAMPLE.glob("*.csv")}
    data = {k: [{c: ("" if v is None else v) for c, v in row.items()} for row in rows] for k, rows in data.items()}
    marks = data["marks"]
    marks[0]["mark_value"] = "2" if marks[0]["mark_value"] != "2" else "3"
    weightless = next(i for i, m in enumerate(marks) if not m["weight"] and i > 0)
    marks[weightless]["weight"] = "2"
    write_export(data, folder)
    (result,) = ingest_path(folder, db)
    assert result.counts.updated["marks"] == 2
    assert result.counts.inserted["marks"] == 0
