"""A batch's checks run before its transaction; the transaction holds only the changes.

DuckDB keeps a table dropped inside a transaction until the commit, memory and all: the files'
scratch tables would then crowd the models' sorts out of memory. So the checks (which change only
the connection's temporary tables) run first, the transaction begins when the batch is applied,
and the batch's temporary tables go when it ends, loaded or refused: the batch runs on a connection
of its own, closed at its end (a temporary table lives only as long as its connection).

For a school the warehouse has no row of, each file checked in DuckDB is staged as a view of its
checked rows: its typed table (and the list of its refused rows) is then the staging and stays;
for a school it holds, the rows are copied into staging and every scratch table is dropped first.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import duckdb
import pytest

import pipelines.ingest as ingest
import pipelines.load as load
from pipelines.canonical import validate_sql
from tests.factories import tiny_export, write_export


def _in_transaction(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether an explicit transaction is open: without one every statement gets a new id."""
    (first,), (second,) = (con.execute("select txid_current()").fetchone() for _ in range(2))
    return first == second


def _temporary_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    return sorted(n for (n,) in con.execute("select table_name from duckdb_tables() where temporary").fetchall())


@pytest.fixture
def watched(monkeypatch):
    """What the connection looked like at the cross-file checks, the model build and the end."""
    seen: dict[str, object] = {}
    monkeypatch.setattr(validate_sql, "DUCKDB_MIN_BYTES", 0)  # every CSV through DuckDB's scratch tables
    cross_check = load.BatchStage.cross_check

    def watched_cross_check(self, *args, **kwargs):
        seen["checks_in_transaction"] = _in_transaction(self.con)
        return cross_check(self, *args, **kwargs)

    build_models = ingest.build_models

    def watched_build(con, *args, **kwargs):
        seen["build_in_transaction"] = _in_transaction(con)
        seen["scratch_at_build"] = [t for t in _temporary_tables(con) if t.startswith("dck_")]
        seen["staged_at_build"] = [t for t in _temporary_tables(con) if t.startswith("stg_")]
        seen["views_at_build"] = sorted(
            n for (n,) in con.execute("select view_name from duckdb_views() where temporary").fetchall()
        )
        return build_models(con, *args, **kwargs)

    opened = ingest._opened

    @contextlib.contextmanager
    def watched_opened(db_path, keep_open):
        with opened(db_path, keep_open) as con:
            yield con
            seen["transaction_at_end"] = _in_transaction(con)
            seen["temporary_at_end"] = bool(_temporary_tables(con))
        try:
            con.execute("select 1")
            seen["closed_at_end"] = False
        except duckdb.ConnectionException:
            seen["closed_at_end"] = True

    monkeypatch.setattr(load.BatchStage, "cross_check", watched_cross_check)
    monkeypatch.setattr(ingest, "build_models", watched_build)
    monkeypatch.setattr(ingest, "_opened", watched_opened)
    return seen


def test_a_new_school_s_files_are_staged_as_views_of_their_checked_rows(tmp_path: Path, watched):
    data = tiny_export()
    folder = write_export(data, tmp_path / "export")
    (result,) = ingest.ingest_path(folder, tmp_path / "w.duckdb")
    assert result.status == "loaded", result.issues
    assert watched["build_in_transaction"] is True
    files = sorted(name for name in data if name != "export")
    assert [f"stg_{name}" for name in files] == [v for v in watched["views_at_build"] if v.startswith("stg_")]
    # each view reads its file's typed rows without the refused ones: no other scratch table is left
    assert watched["scratch_at_build"] == sorted(
        f"dck_{kind}_{name}" for name in files for kind in ("flagged", "typed")
    )
    assert [t for t in watched["staged_at_build"] if t != "stg_failed"] == []
    assert watched["temporary_at_end"] is True and watched["closed_at_end"] is True


def test_checks_run_before_the_transaction_and_nothing_temporary_is_left(tmp_path: Path, watched):
    folder = write_export(tiny_export(), tmp_path / "export")
    db = tmp_path / "w.duckdb"
    ingest.ingest_path(folder, db)
    later = tiny_export()
    later["export"][0]["exported_at"] = "02.06.2026 20:00"  # the same school again: it is held now
    later["marks"][0]["mark_value"] = "3" if later["marks"][0]["mark_value"] != "3" else "4"
    watched.clear()
    (result,) = ingest.ingest_path(write_export(later, tmp_path / "later"), db)
    assert result.status == "loaded", result.issues
    assert result.counts.total("updated") == 1
    assert watched["checks_in_transaction"] is False
    assert watched["build_in_transaction"] is True
    assert watched["scratch_at_build"] == []  # every file's typed copy was dropped before
    assert "stg_marks" in watched["staged_at_build"]  # the staged rows were there to apply
    # and the cross-file checks' own copy of the target keys was gone
    assert [t for t in watched["staged_at_build"] if t.endswith("_all") or t.startswith("stg_keys_")] == []
    assert watched["temporary_at_end"] is True  # the staging was still there when the batch ended,
    assert watched["closed_at_end"] is True  # and went with the batch's own connection
    assert watched["transaction_at_end"] is False


def test_a_refused_export_leaves_no_transaction_and_no_temporary_table(tmp_path: Path, watched):
    export = tiny_export()
    export["marks"][0]["mark_value"] = "девять"
    folder = write_export(export, tmp_path / "export")
    db = tmp_path / "w.duckdb"
    (result,) = ingest.ingest_path(folder, db, strict=True)
    assert result.status == "refused"
    assert any(issue.file_name == "marks.csv" for issue in result.issues)
    assert "build_in_transaction" not in watched  # refused before anything was applied
    assert watched["closed_at_end"] is True
    assert watched["transaction_at_end"] is False
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("select count(*) from src_marks").fetchone() == (0,)
