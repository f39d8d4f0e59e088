"""The committed sample school, loaded for real: warehouse figures against figures this test
computes itself from the raw CSV files with the standard library (no project code)."""

from __future__ import annotations

import csv
import shutil
from collections import Counter, defaultdict
from pathlib import Path

import duckdb
import pytest

from pipelines.ingest import ingest_path
from tests.factories import SAMPLE, copy_warehouse, raw

GOLDEN = Path(__file__).resolve().parent / "golden_row_counts.csv"


@pytest.fixture(scope="module")
def warehouse(small_sample_db, tmp_path_factory) -> Path:
    """SAMPLE loaded by ``ingest_path`` (once per test process: ``small_sample_warehouse`` asserts
    that it loaded), in a copy of this module's."""
    return copy_warehouse(small_sample_db, tmp_path_factory.mktemp("sample") / "sample.duckdb")


def query(db: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_golden_row_counts(warehouse):
    """Row counts per table for the committed sample: an unintended change shows here.

    Regenerate deliberately with: UPDATE_GOLDEN=1 pytest tests/warehouse/test_sample_figures.py
    """
    import os

    with duckdb.connect(str(warehouse), read_only=True) as con:
        names = [
            n
            for (n,) in con.execute(
                "select table_name from information_schema.tables where table_schema = 'main' "
                "and (table_name like 'src_%' or table_name like 'dim_%' or table_name like 'fct_%') order by 1"
            ).fetchall()
        ]
        counts = {n: con.execute(f"select count(*) from {n}").fetchone()[0] for n in names}
    if os.environ.get("UPDATE_GOLDEN"):
        with GOLDEN.open("w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["table", "rows"])
            writer.writerows(sorted(counts.items()))
    with GOLDEN.open(newline="") as handle:
        golden = {row["table"]: int(row["rows"]) for row in csv.DictReader(handle)}
    assert counts == golden
    assert all(v > 0 for v in counts.values()), [k for k, v in counts.items() if v == 0]


def test_marks_per_pupil_match_the_raw_file(warehouse):
    expected = Counter(row["pupil_id"] for row in raw("marks"))
    got = dict(query(warehouse, "select pupil_id, count(*) from fct_mark group by pupil_id"))
    assert got == dict(expected)


def _weighted_averages() -> dict[tuple[str, str], float]:
    weights = {w["work_type_id"]: float(w["weight"]) for w in raw("work_types")}
    subject_of = {lesson["lesson_id"]: lesson["subject_id"] for lesson in raw("lessons")}
    num: dict[tuple[str, str], float] = defaultdict(float)
    den: dict[tuple[str, str], float] = defaultdict(float)
    for m in raw("marks"):
        parts = [int(p) for p in m["mark_value"].split("/") if p.isdigit()]
        weight = float(m["weight"].replace(",", ".")) if m["weight"] else weights[m["work_type_id"]]
        key = (m["pupil_id"], subject_of[m["lesson_id"]])
        num[key] += sum(parts) * weight
        den[key] += len(parts) * weight
    return {k: num[k] / den[k] for k in num if den[k] > 0}


def test_weighted_averages_match_a_hand_computation(warehouse):
    expected = _weighted_averages()
    got = {
        (p, s): v
        for p, s, v in query(
            warehouse,
            "select pupil_id, subject_id, sum(sum_numeric * weight) / sum(n_numeric * weight) "
            "from fct_mark group by 1, 2 having sum(n_numeric * weight) > 0",
        )
    }
    assert got.keys() == expected.keys()
    assert all(abs(got[k] - expected[k]) < 1e-9 for k in expected)


def test_absences_by_reason_match_the_raw_file(warehouse):
    expected = Counter(row["absence_code"] for row in raw("attendance") if row["absence_code"])
    got = dict(
        query(warehouse, "select absence_code, count(*) from fct_attendance where absence_code is not null group by 1")
    )
    assert got == dict(expected)
    present = sum(1 for row in raw("attendance") if row["absence_code"] in ("", "оп"))
    assert query(warehouse, "select count(*) from fct_attendance where is_present")[0][0] == present


def test_absence_only_input_gives_the_same_attendance(warehouse, tmp_path):
    folder = tmp_path / "absences-only"
    shutil.copytree(SAMPLE, folder, ignore=shutil.ignore_patterns("_truth"))
    rows = raw("attendance")
    with (folder / "attendance.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), delimiter=";")
        writer.writeheader()
        writer.writerows(r for r in rows if r["absence_code"])
    db = tmp_path / "absences.duckdb"
    (result,) = ingest_path(folder, db)
    assert result.status == "loaded"
    sql = (
        "select count(*), count(*) filter (where is_present), count(*) filter (where is_absent), "
        "count(*) filter (where is_illness), count(*) filter (where is_late) from fct_attendance"
    )
    assert query(db, sql) == query(warehouse, sql)
    assert query(db, sql)[0][0] == len(rows)


def test_period_marks_match_the_raw_file(warehouse):
    expected = Counter((r["mark_kind_code"], r["mark_value"]) for r in raw("period_marks"))
    got = dict(
        ((k, v), n)
        for k, v, n in query(
            warehouse, "select mark_kind_code, mark_value, count(*) from fct_period_mark group by 1, 2"
        )
    )
    assert got == dict(expected)
