"""An attendance row without a code says the pupil was present, as no row does. Loading checks
such a row, accepts it and compares it with the stored rows like any other, but src_attendance
keeps only rows with a code (pipelines/keys.py: STORED_ONLY_WITH; migration 005 for older warehouses).
Expected figures come from the committed sample's CSV files, read with the standard library."""

from __future__ import annotations

import duckdb

from pipelines.ingest import ingest_path
from tests.factories import SAMPLE, copy_warehouse, raw, sample_export, write_export

FACT = "select school_id, lesson_id, pupil_id, absence_code, is_present, is_absent, entered_at from fct_attendance"


def _later(data: dict[str, list[dict[str, str]]], minutes: int) -> None:
    """The same export made ``minutes`` later (export.csv's exported_at moved on)."""
    day, time = data["export"][0]["exported_at"].split(" ")
    hours, mins = map(int, time.split(":"))
    total = hours * 60 + mins + minutes
    data["export"][0]["exported_at"] = f"{day} {total // 60:02d}:{total % 60:02d}"


def _rows(db, sql: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return sorted(con.execute(sql).fetchall(), key=repr)


def test_rows_without_a_code_are_accepted_and_not_stored(small_sample_db):
    rows = raw("attendance")
    coded = {(r["pupil_id"], r["lesson_id"], r["absence_code"]) for r in rows if r["absence_code"].strip()}
    assert 0 < len(coded) < len(rows)  # the sample lists present pupils too
    assert _rows(small_sample_db, "select pupil_id, lesson_id, absence_code from src_attendance") == sorted(
        coded, key=repr
    )
    accepted = _rows(
        small_sample_db, "select n_rows_in, n_rows_accepted from meta_batch_file where file_name = 'attendance.csv'"
    )
    assert accepted == [(len(rows), len(rows))]


def test_an_export_of_absences_only_gives_the_same_tables(small_sample_db, tmp_path):
    data = sample_export()
    data["attendance"] = [r for r in data["attendance"] if r["absence_code"].strip()]
    (result,) = ingest_path(write_export(data, tmp_path / "absences"), tmp_path / "w.duckdb")
    assert result.status == "loaded", result.issues[:3]
    assert result.counts.inserted["attendance"] == len(data["attendance"])
    stored = "select school_id, pupil_id, lesson_id, absence_code, entered_at from src_attendance"
    assert _rows(tmp_path / "w.duckdb", stored) == _rows(small_sample_db, stored)
    assert _rows(tmp_path / "w.duckdb", FACT) == _rows(small_sample_db, FACT)


def test_a_code_taken_back_removes_the_stored_absence(small_sample_db, tmp_path):
    """A later export with an absence changed to no code (present): the stored absence goes, as an
    update; the pupil is present in fct_attendance. The same change in an older export is not
    applied: the newer stored absence stays."""
    data = sample_export()
    absent = next(r for r in data["attendance"] if r["absence_code"] == "н")
    key = (absent["pupil_id"], absent["lesson_id"])
    absent["absence_code"], absent["entered_at"] = "", ""
    where = f"where pupil_id = '{key[0]}' and lesson_id = '{key[1]}'"

    older = copy_warehouse(small_sample_db, tmp_path / "older.duckdb")
    _later(data, -60)
    (result,) = ingest_path(write_export(data, tmp_path / "older"), older)
    assert (result.counts.updated["attendance"], result.counts.kept_newer["attendance"]) == (0, 1)
    assert _rows(older, f"select absence_code from src_attendance {where}") == [("н",)]

    newer = copy_warehouse(small_sample_db, tmp_path / "newer.duckdb")
    _later(data, 120)
    (result,) = ingest_path(write_export(data, tmp_path / "newer"), newer)
    assert result.status == "loaded", result.issues[:3]
    assert (result.counts.updated["attendance"], result.counts.inserted["attendance"]) == (1, 0)
    assert _rows(newer, f"select count(*) from src_attendance {where}") == [(0,)]
    assert _rows(newer, f"select absence_code, is_present from fct_attendance {where}") == [(None, True)]
    logged = _rows(newer, "select table_name, nk, action_code from meta_supersession")
    assert logged == [("src_attendance", f"{key[0]}|{key[1]}", "updated")]


def test_migration_005_deletes_the_stored_rows_without_a_code(small_sample_db, tmp_path):
    """A warehouse of before migration 005 kept present pupils' rows: the migration deletes them
    and nothing else; the same export then loads as unchanged."""
    db = copy_warehouse(small_sample_db, tmp_path / "old.duckdb")
    present = [r for r in raw("attendance") if not r["absence_code"].strip()][:40]
    with duckdb.connect(str(db)) as con:
        before = con.execute("select count(*) from src_attendance").fetchone()[0]
        con.executemany(
            "insert into src_attendance select school_id, ?, ?, null, null, batch_id, exported_at "
            "from src_attendance limit 1",
            [[r["pupil_id"], r["lesson_id"]] for r in present],
        )
        con.execute("delete from meta_schema_version where version = 5")
        assert con.execute("select count(*) from src_attendance").fetchone()[0] == before + len(present)
    (result,) = ingest_path(SAMPLE, db)
    assert result.status == "unchanged"
    assert _rows(db, "select count(*), count(absence_code) from src_attendance") == [(before, before)]
    assert _rows(db, "select count(*) from meta_schema_version where version = 5") == [(1,)]


def test_a_code_taken_back_for_a_stored_lesson_the_export_does_not_bring(small_sample_db, tmp_path):
    """A later export that does not bring the lesson again (lessons.csv without it) but takes back
    one absence of it: the stored absence goes all the same, and the lesson's other rows stay."""
    data = sample_export()
    coded = [r for r in data["attendance"] if r["absence_code"]]
    absent = next(
        r for r in coded if r["absence_code"] == "н" and sum(o["lesson_id"] == r["lesson_id"] for o in coded) > 1
    )
    lesson = absent["lesson_id"]
    data["lessons"] = [r for r in data["lessons"] if r["lesson_id"] != lesson]
    data["marks"] = [r for r in data["marks"] if r["lesson_id"] != lesson]
    data["attendance"] = [r for r in data["attendance"] if r["lesson_id"] != lesson or r is absent]
    absent["absence_code"], absent["entered_at"] = "", ""
    _later(data, 120)
    db = copy_warehouse(small_sample_db, tmp_path / "w.duckdb")
    of_lesson = f"from src_attendance where lesson_id = '{lesson}'"
    others = _rows(db, f"select pupil_id, absence_code {of_lesson} and pupil_id <> '{absent['pupil_id']}'")
    assert others
    (result,) = ingest_path(write_export(data, tmp_path / "later"), db)
    assert result.status == "loaded", result.issues[:3]
    assert (result.counts.updated["attendance"], result.counts.removed["attendance"]) == (1, 0)
    assert _rows(db, f"select pupil_id, absence_code {of_lesson}") == others
