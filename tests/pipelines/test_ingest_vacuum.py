"""A school's first load commits without DuckDB's vacuum; every other batch vacuums as usual.

A first load only adds rows, so the vacuum has no deleted row to reclaim: it would merely merge
the school's new row groups into the previous school's, rewriting them at every commit of a
region loaded school after school. A reload replaces rows, and its checkpoint must compact them.
Seen here through the row groups of ``src_school`` (one row per school): two after two first
loads, merged back into one by the reload that replaces a school's row.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from pipelines.ingest import ingest_export
from tests.factories import tiny_export, write_export
from warehouse.db import connect


def _export(folder: Path, school_id: str, *, exported_at: str = "01.06.2026 20:00", name: str | None = None) -> Path:
    data = tiny_export()
    for file in ("export", "school"):
        data[file][0]["school_id"] = school_id
    data["export"][0]["exported_at"] = exported_at
    if name is not None:
        data["school"][0]["school_name"] = name
    return write_export(data, folder)


def _seen(db: Path) -> tuple[int, int]:
    """(row groups of src_school, max_vacuum_tasks) on a connection to the batches' DuckDB
    instance, closed again: an open second connection would make the next commit's checkpoint a
    concurrent one, which vacuums nothing."""
    with connect(db) as con:
        (row_groups,) = con.execute(
            "select count(distinct row_group_id) from pragma_storage_info('src_school')"
        ).fetchone()
        (tasks,) = con.execute("select current_setting('max_vacuum_tasks')").fetchone()
    return row_groups, tasks


def test_first_loads_keep_their_row_groups_and_a_reload_vacuums(tmp_path):
    db = tmp_path / "w.duckdb"
    with contextlib.ExitStack() as held:
        for school in ("sch-a", "sch-b"):
            result = ingest_export(_export(tmp_path / school, school), db, keep_open=held)
            assert result.status == "loaded", result.issues[:3]
            assert result.counts.only_adds
        # the second school's row not merged into the first's; the setting restored after the commit
        assert _seen(db) == (2, 100)

        renamed = _export(tmp_path / "sch-b-2", "sch-b", exported_at="02.06.2026 20:00", name="МБОУ «Другая школа»")
        result = ingest_export(renamed, db, keep_open=held)
        assert result.status == "loaded", result.issues[:3]
        assert not result.counts.only_adds
        assert result.counts.updated["school"] == 1
        assert _seen(db) == (1, 100)  # the reload's checkpoint vacuumed
        with connect(db) as con:
            names = con.execute("select school_id, school_name from src_school order by 1").fetchall()
    assert names == [("sch-a", "МБОУ «Тестовая школа»"), ("sch-b", "МБОУ «Другая школа»")]
