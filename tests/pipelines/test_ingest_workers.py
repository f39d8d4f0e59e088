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
from pipelines.load import BatchStage
from tests.factories import tiny_export, write_export
from tests.pipelines.test_validation_rules import CASES


def _region(folder: Path) -> Path:
    """Five exports: a clean school; one with rows the per-file checks reject (checked in DuckDB
    and in polars); one with rows the cross-file checks reject; a refused one; and the second
    school again, a day later, which the warehouse then holds rows of."""
    for number in range(5):
        data = tiny_export()
        for name in ("export", "school"):
            data[name][0]["school_id"] = f"sch-{1 if number == 4 else number}"
        if number in (1, 4):
            for _rule, _file, _column, bad, _good in CASES[:10]:
                bad(data)
        if number == 2:
            for rule, _file, _column, bad, _good in CASES:
                if rule in CROSS_FILE_RULES:
                    bad(data)
        if number == 4:
            day, time = data["export"][0]["exported_at"].split(" ")
            data["export"][0]["exported_at"] = f"{int(day[:2]) + 1:02d}{day[2:]} {time}"
            data["marks"] = data["marks"][1:]
        write_export(data, folder / f"school-{number}")
    (folder / "school-3" / "marks.csv").write_bytes(b"\x00\x01binary")
    return folder


# the rules of pipelines/load.py (cross_check) that reject rows of an export that is still loaded
CROSS_FILE_RULES = {
    "date_outside_year",
    "lesson_on_holiday",
    "pupil_not_enrolled",
    "mark_before_lesson",
    "reference",
    "lesson_incomplete",
    "lesson_refused",
    "refers_to_refused",
}


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


def _schools_calling(monkeypatch, method: str) -> list[str]:
    """The schools whose BatchStage calls ``method`` from now on, in order (the call goes on)."""
    schools: list[str] = []
    original = getattr(BatchStage, method)

    def recorded(stage, *args):
        schools.append(stage.school_id)
        return original(stage, *args)

    monkeypatch.setattr(BatchStage, method, recorded)
    return schools


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
    cross_checked = _schools_calling(monkeypatch, "cross_check")
    alone = ingest_path(region, tmp_path / "alone.duckdb")
    assert cross_checked == ["sch-0", "sch-1", "sch-2", "sch-1"]
    cross_checked.clear()
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
    assert prepared == [True] * 5
    # the workers ran the cross-file checks of the schools the warehouse had no row of; this
    # process ran those of the second school's second export, checked with its stored rows
    assert cross_checked == ["sch-1"]
    statuses = ["loaded", "loaded_with_rejections", "loaded_with_rejections", "refused", "loaded_with_rejections"]
    assert [r.status for r in alone] == statuses
    assert {i.rule_code for i in alone[2].issues} >= {"reference", "pupil_not_enrolled", "lesson_refused"}
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


def test_workers_leave_out_a_forgotten_pupil_of_a_school_new_to_the_warehouse(tmp_path, monkeypatch, small_sample_db):
    """A pupil forgotten under 152-ФЗ, then the school's export loaded again with workers into a
    new warehouse (which holds no row of the school): the loading process checks the school itself,
    so the pupil's rows leave staging before any check, as in one process."""
    import shutil

    from typer.testing import CliRunner

    from cli.main import app
    from tests.factories import SAMPLE, copy_warehouse, raw

    home = tmp_path / "home"
    monkeypatch.setenv("EJOURNAL_HOME", str(home))
    monkeypatch.setenv("EJOURNAL_ACCESS_DB", str(home / "access.sqlite"))
    monkeypatch.setenv("EJOURNAL_DB", str(copy_warehouse(small_sample_db, home / "w.duckdb")))
    pupil = raw("pupils")[3]["pupil_id"]
    outcome = CliRunner().invoke(app, ["forget", pupil, "--school", "sch-0001", "--yes"])
    assert outcome.exit_code == 0, outcome.output

    region = tmp_path / "region"
    shutil.copytree(SAMPLE, region / "a-sample", ignore=shutil.ignore_patterns("_*"))
    other = tiny_export()
    for name in ("export", "school"):
        other[name][0]["school_id"] = "sch-other"
    write_export(other, region / "b-other")
    monkeypatch.setenv("EJOURNAL_INGEST_WORKERS", "1")
    monkeypatch.setattr(ingest, "PARALLEL_MIN_BYTES", 0)
    results = ingest_path(region, tmp_path / "new.duckdb")
    assert [r.status for r in results] == ["loaded", "loaded"]
    assert [w.rule_code for w in results[0].warnings] == ["forgotten_pupil"]
    with duckdb.connect(str(tmp_path / "new.duckdb"), read_only=True) as con:
        for table in ("src_pupils", "src_enrolments", "src_marks", "src_attendance", "fct_attendance"):
            assert con.execute(f"select count(*) from {table} where pupil_id = ?", [pupil]).fetchone()[0] == 0
        assert con.execute("select count(*) from src_marks where school_id = 'sch-0001'").fetchone()[0] > 0


def test_staging_as_views_loads_as_staging_as_copies(tmp_path, monkeypatch):
    """In one process, a school the warehouse has no row of is staged as views of each file's
    checked rows (the rows the cross-file checks refuse leave through stg_failed, round after
    round); the same region staged as copies gives the same statuses, issues, rows and facts."""
    region = _region(tmp_path / "region")
    monkeypatch.setattr(validate_sql, "DUCKDB_MIN_BYTES", 0)  # every CSV checked in DuckDB
    monkeypatch.setenv("EJOURNAL_INGEST_WORKERS", "0")
    viewed = _schools_calling(monkeypatch, "stage_as_views")
    as_views = ingest_path(region, tmp_path / "views.duckdb")
    # the region's new schools (the refused one too, before its bad file), not the repeated one
    assert viewed == ["sch-0", "sch-1", "sch-2", "sch-3"]
    monkeypatch.setattr(BatchStage, "stage_as_views", lambda stage, *args: None)
    as_copies = ingest_path(region, tmp_path / "copies.duckdb")
    assert {i.rule_code for i in as_views[2].issues} >= {"reference", "pupil_not_enrolled", "lesson_refused"}
    assert _summary(as_views) == _summary(as_copies)
    assert _stored(tmp_path / "views.duckdb") == _stored(tmp_path / "copies.duckdb")
