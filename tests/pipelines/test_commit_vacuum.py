"""A batch that only adds a school new to the warehouse commits without merging row groups (no
vacuum): the groups the schools before it left are not written again. A batch of a school the
warehouse holds replaces rows, and its commit merges them as DuckDB does by default."""

from __future__ import annotations

from pathlib import Path

import duckdb

from tests.factories import ingest_export, tiny_export

TABLES = ("src_lessons", "src_marks", "fct_attendance")


def _school(school: str, exported_at: str | None = None) -> dict:
    data = tiny_export()
    for name in ("export", "school"):
        data[name][0]["school_id"] = school
    if exported_at:
        data["export"][0]["exported_at"] = exported_at
    return data


def _groups(db: Path) -> dict[str, list[int]]:
    with duckdb.connect(str(db), read_only=True) as con:
        return {
            t: [
                n
                for _, n in con.execute(
                    f"select row_group_id, max(count) from pragma_storage_info('{t}') group by 1 order by 1"
                ).fetchall()
            ]
            for t in TABLES
        }


def test_new_schools_add_row_groups_and_a_held_school_s_batch_merges_them(tmp_path: Path):
    db = tmp_path / "w.duckdb"
    tiny = tiny_export()
    lessons, marks = len(tiny["lessons"]), len(tiny["marks"])
    for school in ("sch-a", "sch-b", "sch-c"):
        assert ingest_export(_school(school), tmp_path / school, db).status == "loaded"
    groups = _groups(db)
    assert groups["src_lessons"] == [lessons] * 3  # each school's rows in a group of their own
    assert groups["src_marks"] == [marks] * 3
    assert len(groups["fct_attendance"]) == 3

    later = _school("sch-b", "02.06.2026 20:00")
    later["marks"][0]["mark_value"] = "3" if later["marks"][0]["mark_value"] != "3" else "4"
    result = ingest_export(later, tmp_path / "sch-b-later", db)
    assert result.status == "loaded" and result.counts.total("updated") == 1
    groups = _groups(db)
    assert groups["src_marks"] == [3 * marks]  # merged again, the replaced mark's old row gone
    assert groups["src_lessons"] == [3 * lessons]
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("select count(*), count(distinct school_id) from src_marks").fetchone() == (3 * marks, 3)
