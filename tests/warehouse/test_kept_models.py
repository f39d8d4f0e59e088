"""A model kept in its source table (``-- Materialized: in src_marks (…)``): ``fct_mark`` stores
its columns in ``src_marks`` as ``fct_mark__<column>`` and is a view of them. The view shows
what the model computes, a reload that changes a mark's inputs changes its columns, an older
warehouse's ``fct_mark`` table is dropped, and the derived columns stay out of the lake, the
backups and the pupil's deletion."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from pipelines.ingest import ingest_path
from tests.factories import tiny_export, write_export
from warehouse import db

SCHOOL = "sch-test"


def _load(data: dict, folder, warehouse, school: str = SCHOOL) -> None:
    for name in ("export", "school"):
        data[name][0]["school_id"] = school
    (result,) = ingest_path(write_export(data, folder), warehouse)
    assert result.status == "loaded", result.issues[:3]


def _expected_marks(data: dict) -> dict[str, tuple]:
    """Each mark's lesson date, class, subject, weight, control flag and numeric parts, from the
    export's own rows."""
    lessons = {row["lesson_id"]: row for row in data["lessons"]}
    work_types = {row["work_type_id"]: row for row in data["work_types"]}
    expected = {}
    for mark in data["marks"]:
        lesson, work_type = lessons[mark["lesson_id"]], work_types[mark["work_type_id"]]
        weight = float((mark["weight"] or work_type["weight"]).replace(",", "."))
        parts = [int(p) for p in mark["mark_value"].strip().split("/") if p.isdigit()]
        expected[mark["mark_id"]] = (
            dt.datetime.strptime(lesson["lesson_date"], "%d.%m.%Y").date(),
            lesson["class_id"],
            lesson["subject_id"],
            weight,
            work_type["is_control"] == "да",
            len(parts),
            sum(parts),
            mark["entered_by"],
        )
    return expected


def _stored_marks(con: duckdb.DuckDBPyConnection, school: str = SCHOOL) -> dict[str, tuple]:
    rows = con.execute(
        "select mark_id, lesson_date, class_id, subject_id, weight, is_control, n_numeric, sum_numeric, teacher_id "
        "from fct_mark where school_id = ?",
        [school],
    ).fetchall()
    return {row[0]: row[1:] for row in rows}


def _kinds(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    query = "select table_name, table_type from information_schema.tables where table_schema = 'main'"
    return dict(con.execute(query).fetchall())


def test_fct_mark_is_a_view_of_the_columns_src_marks_keeps(tmp_path):
    data = tiny_export()
    _load(data, tmp_path / "export", tmp_path / "w.duckdb")
    (model,) = [m for m in db.load_models() if m.name == "fct_mark"]
    assert model.kept_in is not None and model.kept_in.source == "src_marks"
    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as con:
        assert _kinds(con)["fct_mark"] == "VIEW"
        columns = [r[0] for r in con.execute("describe src_marks").fetchall()]
        kept = {c.removeprefix("fct_mark__") for c in columns if c.startswith("fct_mark__")}
        # the fact's own columns, not those it shows of the mark as exported
        assert {"lesson_date", "class_id", "subject_id", "weight", "is_numeric"} <= kept
        assert not kept & {"mark_id", "pupil_id", "lesson_id", "entered_at", "teacher_id", "mark_value", "own_weight"}
        assert _stored_marks(con) == _expected_marks(data)
        # the view shows exactly what the model's SELECT computes
        shown = con.execute("select * from fct_mark order by mark_id").fetchall()
        computed = con.execute(f"select * from ({model.sql}) as m order by mark_id").fetchall()
        assert shown == computed and len(shown) == len(data["marks"])
        assert [r[0] for r in con.execute("describe fct_mark").fetchall()] == [
            r[0] for r in con.execute(f"describe select * from ({model.sql}) as m").fetchall()
        ]


def test_a_newer_export_that_changes_a_work_type_changes_its_marks(tmp_path):
    data = tiny_export()
    _load(data, tmp_path / "first", tmp_path / "w.duckdb")
    newer = tiny_export()
    newer["export"][0]["exported_at"] = "02.06.2026 20:00"
    (answer,) = [w for w in newer["work_types"] if w["work_type_id"] == "answer"]
    answer["weight"] = "3"
    _load(newer, tmp_path / "second", tmp_path / "w.duckdb")
    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as con:
        stored = _stored_marks(con)
    assert stored == _expected_marks(newer) != _expected_marks(data)
    unweighted = [m["mark_id"] for m in newer["marks"] if m["work_type_id"] == "answer" and not m["weight"]]
    assert unweighted and all(stored[mark][3] == 3.0 for mark in unweighted)


def test_an_older_warehouse_holding_fct_mark_as_a_table_keeps_it_in_src_marks(tmp_path):
    data = tiny_export()
    path = tmp_path / "w.duckdb"
    _load(data, tmp_path / "export", path)
    with duckdb.connect(str(path)) as con:
        expected = con.execute("select * from fct_mark order by mark_id").fetchall()
        # as an older version left it: a table of its own, and src_marks with the source's columns only
        con.execute("drop view fct_mark")
        con.execute("create table fct_mark as select 1 as stale")
        for (column,) in con.execute(
            "select column_name from duckdb_columns() where table_name = 'src_marks' and column_name like 'fct_mark__%'"
        ).fetchall():
            con.execute(f'alter table src_marks drop column "{column}"')
        # and a column an earlier version of the model kept, which today's does not
        con.execute("alter table src_marks add column fct_mark__retired varchar")
        con.execute("update meta_model set sql_hash = 'older' where name = 'fct_mark'")
        db.build_models(con, school_ids=[SCHOOL], changed=["src_marks"])
        assert _kinds(con)["fct_mark"] == "VIEW"
        assert con.execute("select * from fct_mark order by mark_id").fetchall() == expected
        columns = {r[0] for r in con.execute("describe src_marks").fetchall()}
        assert "fct_mark__retired" not in columns and "fct_mark__lesson_date" in columns


def test_on_a_lake_the_model_is_a_table_of_its_own():
    """Where src_marks is a view (the lake's files), fct_mark is built as a table."""
    con = duckdb.connect()
    db.migrate(con)
    con.execute("alter table src_marks rename to src_marks_rows")
    con.execute("create view src_marks as select * from src_marks_rows")
    db.build_models(con)
    assert _kinds(con)["fct_mark"] == "BASE TABLE"
    assert not [r[0] for r in con.execute("describe src_marks_rows").fetchall() if db.is_derived_column(r[0])]


@pytest.mark.parametrize("column", ["fct_mark__lesson_date", "fct_mark__class_id"])
def test_the_kept_columns_are_derived(column):
    assert db.is_derived_column(column)
    assert not db.is_derived_column(column.replace("__", "_"))


def test_a_backup_holds_the_marks_as_exported_and_its_restore_computes_the_fact_again(tmp_path):
    import pyarrow.parquet as pq

    from warehouse.backup import backup, restore

    data = tiny_export()
    path = tmp_path / "w.duckdb"
    _load(data, tmp_path / "export", path)
    info = backup(path, tmp_path / "backups")
    columns = pq.read_schema(info.folder / "src_marks.parquet").names
    assert "mark_id" in columns and not [c for c in columns if db.is_derived_column(c)]
    assert not (info.folder / "fct_mark.parquet").exists()
    restored = tmp_path / "restored.duckdb"
    restore(info.folder, restored)
    with duckdb.connect(str(restored), read_only=True) as con:
        assert _stored_marks(con) == _expected_marks(data)


def _filled_schools(monkeypatch) -> list[str]:
    """The schools whose kept rows the build fills by an update (a spy on ``db._fill``)."""
    filled: list[str] = []
    fill = db._fill

    def spy(con, model, kept, school, *args):
        filled.append(school)
        return fill(con, model, kept, school, *args)

    monkeypatch.setattr(db, "_fill", spy)
    return filled


def test_a_new_schools_marks_go_in_with_the_facts_columns(tmp_path, monkeypatch):
    """A school's first marks get the fact's columns as they are inserted, in a new warehouse and
    beside a school already there: from the lessons, periods and work types of the same batch
    (a mark's period comes from dim_date, a model the batch rebuilds before the marks go in)."""
    filled = _filled_schools(monkeypatch)
    first, second = tiny_export(), tiny_export()
    (answer,) = [w for w in second["work_types"] if w["work_type_id"] == "answer"]
    answer["weight"] = "3"  # the second school weighs answers otherwise
    path = tmp_path / "w.duckdb"
    _load(first, tmp_path / "first", path)
    _load(second, tmp_path / "second", path, school="sch-second")
    assert filled == []
    (model,) = [m for m in db.load_models() if m.name == "fct_mark"]
    with duckdb.connect(str(path), read_only=True) as con:
        assert _stored_marks(con) == _expected_marks(first)
        assert _stored_marks(con, "sch-second") == _expected_marks(second) != _expected_marks(first)
        periods = "select school_id, count(period_id) from fct_mark group by all order by all"
        ((_, n_first), (_, n_second)) = con.execute(periods).fetchall()
        assert n_second == n_first > 0
        shown = con.execute("select * from fct_mark order by school_id, mark_id").fetchall()
        computed = con.execute(f"select * from ({model.sql}) as m order by school_id, mark_id").fetchall()
        assert shown == computed and len(shown) == len(first["marks"]) + len(second["marks"])


THINGS = "create table src_things (school_id varchar, thing_id varchar, size integer, batch_id bigint)"
DOUBLED = (
    "-- Materialized: in src_things (key school_id, thing_id; its own size)\n"
    "select school_id, thing_id, size, size * 2 as doubled from src_things"
)


def _things(school: str, *sizes: int) -> db.NewRows:
    rows = ", ".join(f"('{school}', 't{size}', {size})" for size in sizes)
    query = f"select * from (values {rows}) as v(school_id, thing_id, size)"
    return db.NewRows(("school_id", "thing_id", "size"), query, (school,), len(sizes), {"batch_id": 7})


def _build(con, sql: str, schools: list[str], new: db.NewRows | None = None) -> None:
    model = db.Model("fct_thing", sql, frozenset(), frozenset({"src_things"}))
    new_rows = {"src_things": new} if new is not None else None
    db.build_models(con, schools, models=[model], changed={"src_things"}, count_rows=False, new_rows=new_rows)


def test_the_build_inserts_new_rows_with_the_kept_models_columns(monkeypatch):
    filled = _filled_schools(monkeypatch)
    con = duckdb.connect()
    con.execute(THINGS)
    _build(con, DOUBLED, ["a"], _things("a", 1, 5))  # a new model: created, its rows inserted with it
    con.execute("insert into src_things (school_id, thing_id, size) values ('b', 't3', 3)")
    _build(con, DOUBLED, ["b", "c"], _things("c", 4))  # b's stored row is filled, c's new row goes in
    assert filled == ["b"]
    assert con.execute("select * from fct_thing order by school_id, thing_id").fetchall() == [
        ("a", "t1", 1, 2),
        ("a", "t5", 5, 10),
        ("b", "t3", 3, 6),
        ("c", "t4", 4, 8),
    ]
    assert con.execute("select school_id, batch_id from src_things where thing_id in ('t1', 't4')").fetchall() == [
        ("a", 7),
        ("c", 7),
    ]


def test_a_kept_model_giving_two_rows_for_a_new_row_is_refused():
    con = duckdb.connect()
    con.execute(THINGS)
    twice = DOUBLED + " cross join (values (1), (2)) as twice(n)"
    with pytest.raises(ValueError, match="4 rows inserted into src_things for 2 new rows"):
        _build(con, twice, ["a"], _things("a", 1, 5))


def test_a_kept_model_dropping_a_new_row_is_refused():
    """A model showing every column of the new rows gives them from its own rows alone, so a row
    it loses would be lost: the insert is refused."""
    con = duckdb.connect()
    con.execute(THINGS)
    with pytest.raises(ValueError, match="1 rows inserted into src_things for 2 new rows"):
        _build(con, DOUBLED + " where size > 1", ["a"], _things("a", 1, 5))


def test_a_source_column_the_model_does_not_show_is_kept_from_the_new_rows():
    """A model that does not show a column of its source (here ``label``) has its columns joined
    to the new rows by the key: the column goes in as the rows bring it."""
    con = duckdb.connect()
    con.execute(THINGS.replace("size integer", "size integer, label varchar"))
    query = (
        "select * from (values ('a', 't1', 1, 'one'), ('a', 't5', 5, 'five')) as v(school_id, thing_id, size, label)"
    )
    new = db.NewRows(("school_id", "thing_id", "size", "label"), query, ("a",), 2, {"batch_id": 7})
    _build(con, DOUBLED, ["a"], new)
    stored = "select thing_id, label, batch_id, fct_thing__doubled from src_things order by thing_id"
    assert con.execute(stored).fetchall() == [("t1", "one", 7, 2), ("t5", "five", 7, 10)]
    assert con.execute("select * from fct_thing order by thing_id").fetchall() == [
        ("a", "t1", 1, 2),
        ("a", "t5", 5, 10),
    ]
