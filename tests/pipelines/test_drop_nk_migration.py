"""Migration 004 drops the src_ tables' text natural key (nk): an older warehouse, whose rows
still carry it, loses the column, keeps every row, and takes the same export again as unchanged.
Rows are then matched by their key columns, a null in a key column included; the supersession
log still names each row it records by its key as text."""

from __future__ import annotations

import duckdb

from pipelines.ingest import ingest_path
from pipelines.keys import NATURAL_KEYS
from tests.factories import SAMPLE, copy_warehouse, sample_export, unapply_column_drop, write_export


def _old_nk(name: str) -> str:
    """The text key the tables kept before migration 004."""
    parts = [f"coalesce(cast({c} as varchar), '')" for c in NATURAL_KEYS[name]]
    return f"concat_ws('|', {', '.join(parts)})"


def _as_before_004(db) -> dict[str, int]:
    return unapply_column_drop(db, 4, "nk", "varchar", _old_nk)


def test_an_older_warehouse_loses_the_text_keys_and_keeps_its_rows(small_sample_db, tmp_path):
    db = copy_warehouse(small_sample_db, tmp_path / "old.duckdb")
    counts = _as_before_004(db)
    with duckdb.connect(str(db)) as con:
        before = con.execute("select count(*) from meta_supersession").fetchone()[0]
    (result,) = ingest_path(SAMPLE, db)
    assert result.status == "unchanged"
    with duckdb.connect(str(db)) as con:
        assert con.execute("select count(*) from meta_schema_version where version = 4").fetchone()[0] == 1
        keyed = con.execute(
            "select count(*) from duckdb_columns() where column_name = 'nk' and table_name like 'src\\_%' escape '\\'"
        ).fetchone()[0]
        assert keyed == 0
        assert con.execute("select count(*) from meta_supersession").fetchone()[0] == before
        for name, n in counts.items():
            assert con.execute(f"select count(*) from src_{name}").fetchone()[0] == n, name


def test_rows_of_composite_and_null_keys_are_matched_by_their_columns(small_sample_db, tmp_path):
    """A holiday (key with an empty «классы») renamed, one pupil's absence changed and another
    pupil's attendance row of the same lesson gone: one update each, one removal, no insert."""
    db = copy_warehouse(small_sample_db, tmp_path / "w.duckdb")
    data = sample_export()
    holiday = next(h for h in data["holidays"] if not h["grades"])
    holiday["holiday_name"] += " (перенос)"
    attendance = data["attendance"]
    # two stored rows of one lesson (only rows with a code are stored: pipelines/keys.py, STORED_ONLY_WITH)
    coded = [a for a in attendance if a["absence_code"]]
    changed, gone = next(
        (a, b)
        for a in coded
        for b in coded
        if a["absence_code"] == "н" and b["lesson_id"] == a["lesson_id"] and b is not a
    )
    changed["absence_code"] = "у"
    attendance.remove(gone)
    folder = tmp_path / "newer"
    write_export(data, folder)
    with duckdb.connect(str(db), read_only=True) as con:
        n_attendance = con.execute("select count(*) from src_attendance").fetchone()[0]
        n_holidays = con.execute("select count(*) from src_holidays").fetchone()[0]
    (result,) = ingest_path(folder, db)
    assert result.counts.updated["holidays"] == 1
    assert result.counts.updated["attendance"] == 1
    assert result.counts.removed["attendance"] == 1
    assert result.counts.total("inserted") == 0
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("select count(*) from src_attendance").fetchone()[0] == n_attendance - 1
        assert con.execute("select count(*) from src_holidays").fetchone()[0] == n_holidays
        names = con.execute(
            "select holiday_name from src_holidays where start_date = strptime(?, '%d.%m.%Y') and grades is null",
            [holiday["start_date"]],
        ).fetchall()
        assert names == [(holiday["holiday_name"],)]
        logged = con.execute("select table_name, nk, action_code from meta_supersession order by 1, 3").fetchall()
    day, month, year = holiday["start_date"].split(".")
    assert logged == [
        ("src_attendance", f"{gone['pupil_id']}|{gone['lesson_id']}", "removed"),
        ("src_attendance", f"{changed['pupil_id']}|{changed['lesson_id']}", "updated"),
        ("src_holidays", f"{holiday['academic_year_id']}|{year}-{month}-{day}|", "updated"),
    ]
