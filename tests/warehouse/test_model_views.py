"""Models marked ``-- Materialized: view`` are views: the warehouse stores them nowhere, an older
warehouse that holds one as a table gets the view at its next build, and a school's rebuild
leaves the view alone while the tables after it are rebuilt from what it shows."""

from __future__ import annotations

import duckdb

from pipelines.ingest import ingest_path
from tests.factories import tiny_export, write_export
from warehouse import db

VIEWS = {"int_lesson", "mart_lesson_entry"}
KEPT = {"fct_mark"}  # views of the columns they keep in their source table (tests/warehouse/test_kept_models.py)


def _kinds(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    return dict(
        con.execute(
            "select table_name, table_type from information_schema.tables where table_schema = 'main'"
        ).fetchall()
    )


def _loaded(tmp_path, school_id: str = "sch-test"):
    data = tiny_export()
    for name in ("export", "school"):
        data[name][0]["school_id"] = school_id
    (result,) = ingest_path(write_export(data, tmp_path / school_id), tmp_path / "w.duckdb")
    assert result.status == "loaded", result.issues[:3]
    return tmp_path / "w.duckdb"


def test_the_marked_models_are_views_and_every_other_model_a_table(tmp_path):
    marked = {m.name for m in db.load_models() if m.is_view}
    assert marked == VIEWS
    with duckdb.connect(str(_loaded(tmp_path)), read_only=True) as con:
        kinds = _kinds(con)
        assert {m.name: kinds[m.name] for m in db.load_models() if m.name in VIEWS} == dict.fromkeys(VIEWS, "VIEW")
        assert {kinds[m.name] for m in db.load_models() if m.name not in VIEWS | KEPT} == {"BASE TABLE"}
        # the view shows fct_lesson's rows under the control pages' names
        assert (
            con.execute("select count(*) from mart_lesson_entry").fetchone()
            == con.execute("select count(*) from fct_lesson").fetchone()
        )
        mismatched = con.execute(
            "select count(*) from mart_lesson_entry as e join fct_lesson as l using (school_id, lesson_id) "
            "where e.teacher_id is distinct from l.effective_teacher_id "
            "or e.class_last_lesson_number is distinct from l.class_last_lesson_number"
        ).fetchone()
        assert mismatched == (0,)


def test_an_older_warehouse_holding_a_view_model_as_a_table_gets_the_view(tmp_path):
    path = _loaded(tmp_path)
    with duckdb.connect(str(path)) as con:
        expected = con.execute("select * from mart_lesson_entry order by lesson_id").fetchall()
        # as an older build left it: a table of the name, built from SQL other than today's
        con.execute("drop view mart_lesson_entry")
        con.execute("create table mart_lesson_entry as select 1 as stale")
        con.execute("update meta_model set sql_hash = 'older' where name = 'mart_lesson_entry'")
        db.build_models(con, school_ids=["sch-test"], changed=["src_marks"])
        assert _kinds(con)["mart_lesson_entry"] == "VIEW"
        assert con.execute("select * from mart_lesson_entry order by lesson_id").fetchall() == expected


def test_a_schools_rebuild_reads_the_views_as_they_stand(tmp_path):
    """A second school's load rebuilds the tables after int_lesson for that school: its lessons
    reach fct_lesson and fct_mark through the view, and the first school's rows stay."""
    _loaded(tmp_path, "sch-a")
    path = _loaded(tmp_path, "sch-b")
    with duckdb.connect(str(path), read_only=True) as con:
        per_school = con.execute("select school_id, count(*) from fct_lesson group by all order by all").fetchall()
        lessons = con.execute("select school_id, count(*) from src_lessons group by all order by all").fetchall()
        assert per_school == lessons and [s for s, _ in per_school] == ["sch-a", "sch-b"]
        periods = con.execute(
            "select count(*) from fct_mark as m join int_lesson as l using (school_id, lesson_id) "
            "where m.period_id is distinct from l.period_id or m.class_id <> l.class_id"
        ).fetchone()
        assert periods == (0,)
