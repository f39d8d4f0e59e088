"""A folder of many exports loaded with worker processes (``EJOURNAL_INGEST_WORKERS``) gives the
same results and the same warehouse as one process loading them one by one: statuses, issues,
counts, src_ rows, quarantine and facts, for clean, partly bad and refused exports alike."""

from __future__ import annotations

import sys
import types
from pathlib import Path

import duckdb
import pytest

from pipelines import ingest
from pipelines.canonical import validate_sql
from pipelines.ingest import ingest_path
from tests.factories import tiny_export, write_export
from tests.pipelines.test_validation_rules import CASES


def _region(folder: Path) -> Path:
    """Four schools: clean, with rejected rows (checked in DuckDB and in polars), and refused."""
    for number in range(4):
        data = tiny_export()
        for name in ("export", "school"):
            data[name][0]["school_id"] = f"sch-{number}"
        if number == 1:
            for _rule, _file, _column, bad, _good in CASES[:10]:
                bad(data)
        write_export(data, folder / f"school-{number}")
    (folder / "school-3" / "marks.csv").write_bytes(b"\x00\x01binary")
    return folder


def _stored(db: Path) -> dict[str, list]:
    with duckdb.connect(str(db), read_only=True) as con:
        tables = [
            t
            for (t,) in con.execute(
                "select table_name from duckdb_tables() where table_name similar to '(src|fct)_.*'"
            ).fetchall()
        ]
        stored = {
            t: sorted(con.execute(f"select * exclude (batch_id) from {t}").fetchall(), key=repr)
            for t in tables
            if t.startswith("src_")
        }
        stored |= {
            t: sorted(con.execute(f"select * from {t}").fetchall(), key=repr) for t in tables if t.startswith("fct_")
        }
        stored["quarantine"] = sorted(
            con.execute("select school_id, file_name, row_number, rule_code, message from meta_quarantine").fetchall(),
            key=repr,
        )
    return stored


def _summary(results) -> list[tuple]:
    return [
        (
            r.source_path.name,
            r.status,
            r.n_rows_in,
            r.n_rows_accepted,
            sorted((i.file_name, i.row_number or 0, i.rule_code, i.message) for i in r.issues),
            {k: dict(getattr(r.counts, k)) for k in ("inserted", "updated", "removed")},
        )
        for r in results
    ]


@pytest.mark.parametrize("checked_in_duckdb", [True, False], ids=["duckdb", "polars"])
def test_workers_load_a_region_as_one_process_does(tmp_path, monkeypatch, checked_in_duckdb):
    region = _region(tmp_path / "region")
    monkeypatch.setattr(validate_sql, "DUCKDB_MIN_BYTES", 0 if checked_in_duckdb else 1 << 62)
    monkeypatch.setenv("EJOURNAL_INGEST_WORKERS", "0")
    alone = ingest_path(region, tmp_path / "alone.duckdb")
    monkeypatch.setenv("EJOURNAL_INGEST_WORKERS", "1")
    monkeypatch.setattr(ingest, "PARALLEL_MIN_BYTES", 0)
    prepared = []
    export = ingest.ingest_export

    def counted(*args, **kwargs):
        prepared.append(kwargs.get("prepared") is not None)
        return export(*args, **kwargs)

    monkeypatch.setattr(ingest, "ingest_export", counted)
    # the test runner's (or the dashboard's) main script must not run again in a worker
    script = tmp_path / "main_script.py"
    script.write_text("raise SystemExit('a worker ran the main script')\n", encoding="utf-8")
    main = types.ModuleType("__main__")
    main.__file__ = str(script)
    monkeypatch.setitem(sys.modules, "__main__", main)
    with_workers = ingest_path(region, tmp_path / "workers.duckdb")
    assert prepared == [True] * 4
    assert [r.status for r in alone] == ["loaded", "loaded_with_rejections", "loaded", "refused"]
    assert _summary(with_workers) == _summary(alone)
    assert _stored(tmp_path / "workers.duckdb") == _stored(tmp_path / "alone.duckdb")


def test_the_number_of_workers_is_checked(monkeypatch):
    from ejournal.settings import environment

    monkeypatch.setenv("EJOURNAL_INGEST_WORKERS", "много")
    with pytest.raises(ValueError, match="EJOURNAL_INGEST_WORKERS"):
        environment()
    monkeypatch.setenv("EJOURNAL_INGEST_WORKERS", "0")
    assert environment().ingest_workers == 0


@pytest.mark.parametrize(("cores", "workers"), [(1, 0), (2, 1), (3, 1), (8, 2), (128, 16)])
def test_by_default_a_quarter_of_the_cores_check_ahead_and_one_on_two(monkeypatch, cores, workers):
    from ejournal.settings import environment

    monkeypatch.delenv("EJOURNAL_INGEST_WORKERS", raising=False)
    monkeypatch.setattr("os.cpu_count", lambda: cores)
    assert environment().ingest_workers == workers
