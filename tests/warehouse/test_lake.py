"""The Parquet lake without Spark: layout, sort order, DuckDB reading it in place, bad input.

Rows come from the hand-made schools of conftest.py: sch-1 (region 50) and sch-2 (region 77),
academic year 2025/2026.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from cli.main import app
from tests.warehouse.conftest import load_sample
from warehouse import db, lake


@pytest.fixture
def exported(built, tmp_path):
    folder = tmp_path / "lake"
    counts = lake.export_warehouse(built, folder, ("src_", "mart_"))
    return folder, counts


def test_tables_are_partitioned_by_year_and_region(exported):
    folder, _ = exported
    assert sorted(p.relative_to(folder / "src_school").as_posix() for p in (folder / "src_school").glob("*/*")) == [
        "year=2025/region_id=50",
        "year=2025/region_id=77",
    ]
    # a lesson of 16 September 2025 is in the year that started in 2025; sch-2 has lessons too
    lessons = {p.parent.relative_to(folder).as_posix() for p in (folder / "src_lessons").glob("*/*/*.parquet")}
    assert lessons == {"src_lessons/year=2025/region_id=50", "src_lessons/year=2025/region_id=77"}


def test_files_are_sorted_by_school_and_date(exported):
    folder, _ = exported
    con = duckdb.connect()
    for file in (folder / "src_lessons").glob("*/*/*.parquet"):
        rows = con.execute(f"select school_id, lesson_date from read_parquet('{file}')").fetchall()
        assert rows == sorted(rows)
        # partition columns live in the folder names only
        assert "region_id" not in [
            r[0]
            for r in con.execute(f"describe select * from read_parquet('{file}', hive_partitioning = false)").fetchall()
        ]


def test_duckdb_reads_the_lake_in_place_with_the_same_content(built, exported):
    folder, counts = exported
    con = duckdb.connect()
    lake.attach_lake(con, folder, ("src_", "mart_"))
    for table in counts:
        assert db.content_hash(con, table) == db.content_hash(built, table), table
        # names and types, in order (NOT NULL constraints are the warehouse's, not the files'), and
        # none of the columns a model keeps in a source table
        columns = f"select column_name, column_type from (describe {table})"
        data_columns = f"{columns} where not contains(column_name, '__')"
        assert con.execute(columns).fetchall() == built.execute(data_columns).fetchall(), table
    # src_curriculum has no rows, so no files: it still reads, with its columns
    assert counts["src_curriculum"] == 0
    assert con.execute("select count(*) from src_curriculum").fetchone() == (0,)


def test_a_failed_export_leaves_the_lake_as_it_was(built, exported):
    folder, _ = exported
    before = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*"))
    built.execute("create table src_zzz_broken as select 1 as x")
    with pytest.raises(lake.LakeError, match="src_zzz_broken: нет столбца school_id"):
        lake.export_warehouse(built, folder, ("src_", "mart_"))
    assert sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*")) == before


def test_a_tampered_manifest_is_refused(exported):
    folder, _ = exported
    manifest = json.loads((folder / "_lake.json").read_text(encoding="utf-8"))
    manifest["tables"]["src_school"]["columns"][0] = ["school_id; drop table x", "VARCHAR"]
    (folder / "_lake.json").write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(lake.LakeError, match="таблица src_school: недопустимый столбец"):
        lake.attach_lake(duckdb.connect(), folder)


def test_cli_exports_and_builds_on_duckdb(tmp_path):
    path = tmp_path / "w.duckdb"
    with db.connect(path) as con:
        load_sample(con)
        db.build_models(con)
        expected = con.execute("select count(*), sum(n_lessons) from mart_attendance_day").fetchone()
    runner = CliRunner()
    result = runner.invoke(app, ["lake", "export", "--out", str(tmp_path / "lake"), "--db", str(path)])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["warehouse", "build", "--lake", str(tmp_path / "lake")])
    assert result.exit_code == 0, result.output
    con = duckdb.connect()
    lake.attach_lake(con, tmp_path / "lake", ("mart_",))
    assert con.execute("select count(*), sum(n_lessons) from mart_attendance_day").fetchone() == expected
    refused = runner.invoke(app, ["warehouse", "build", "--lake", str(tmp_path / "nothing")])
    assert refused.exit_code == 2 and "это не озеро" in refused.output


# --- one lake, many schools: each school's export replaces its own rows only ----------------------


def _one_school(school: str):
    """A warehouse of one of the hand-made schools (as that school's own installation holds it)."""
    con = duckdb.connect()
    db.migrate(con)
    load_sample(con)
    for table in db.table_names(con, ("src_",)):
        con.execute(f"delete from {table} where school_id <> ?", [school])
    db.build_models(con)
    return con


def _files(folder):
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*.parquet"))


def _lake_rows(folder, table, school):
    con = duckdb.connect()
    lake.attach_lake(con, folder, ("src_", "mart_"))
    return sorted(con.execute(f"select * from {table} where school_id = ?", [school]).fetchall())


def test_two_schools_export_from_their_own_warehouses_into_one_lake(built, tmp_path):
    folder = tmp_path / "lake"
    one, two = _one_school("sch-1"), _one_school("sch-2")
    lake.export_warehouse(one, folder)
    lake.export_warehouse(two, folder)  # the second export must not wipe the first school
    assert _files(folder / "src_school") == [
        f"year=2025/region_id=50/school-{lake.school_token('sch-1')}.parquet",
        f"year=2025/region_id=77/school-{lake.school_token('sch-2')}.parquet",
    ]
    # the lake holds what the warehouse of both schools holds, table by table
    con = duckdb.connect()
    lake.attach_lake(con, folder)
    for table in db.table_names(built, ("src_",)):
        assert db.content_hash(con, table) == db.content_hash(built, table), table


def test_a_school_re_exports_and_only_its_rows_change(tmp_path):
    folder = tmp_path / "lake"
    one, two = _one_school("sch-1"), _one_school("sch-2")
    lake.export_warehouse(one, folder)
    lake.export_warehouse(two, folder)
    other_before = _lake_rows(folder, "src_marks", "sch-2")
    n_marks = one.execute("select count(*) from src_marks").fetchone()[0]
    one.execute("delete from src_marks where mark_id = (select min(mark_id) from src_marks)")
    counts = lake.export_warehouse(one, folder)
    assert counts["src_marks"] == n_marks - 1
    assert len(_lake_rows(folder, "src_marks", "sch-1")) == n_marks - 1
    assert _lake_rows(folder, "src_marks", "sch-2") == other_before


def test_a_school_that_moves_region_leaves_nothing_in_the_old_partition(tmp_path):
    folder = tmp_path / "lake"
    two = _one_school("sch-2")
    lake.export_warehouse(_one_school("sch-1"), folder)
    lake.export_warehouse(two, folder)
    two.execute("update src_school set region_id = '50'")
    lake.export_warehouse(two, folder)
    assert not (folder / "src_lessons" / "year=2025" / "region_id=77").exists()
    files = _files(folder / "src_lessons")
    assert files == sorted(f"year=2025/region_id=50/school-{lake.school_token(s)}.parquet" for s in ("sch-1", "sch-2"))


def test_a_school_export_replaces_its_rows_inside_a_builds_files(tmp_path):
    # marts built over the whole lake are files of many schools; a school exporting its own
    # marts afterwards must not leave its old rows in them (no duplicates, the others kept)
    folder = tmp_path / "lake"
    one, two = _one_school("sch-1"), _one_school("sch-2")
    lake.export_warehouse(one, folder)
    lake.export_warehouse(two, folder)
    from warehouse import spark_build

    spark_build.build_on_duckdb(folder)
    assert all(p.name.startswith("part-") for p in (folder / "mart_attendance_day").rglob("*.parquet"))
    two_rows = _lake_rows(folder, "mart_attendance_day", "sch-2")
    lake.export_warehouse(one, folder, ("mart_attendance_day",))
    expected = sorted(one.execute("select * from mart_attendance_day").fetchall())
    assert _lake_rows(folder, "mart_attendance_day", "sch-1") == expected
    assert _lake_rows(folder, "mart_attendance_day", "sch-2") == two_rows


def test_school_tokens_are_the_same_in_sql_and_python():
    con = duckdb.connect()
    for school in ("sch-0001", "Школа:7/№ 1".replace("/", ""), "a.b_c-d"):
        (token,) = con.execute(f"select {lake.TOKEN_SQL} from (select ? as school_id)", [school]).fetchone()
        assert token == lake.school_token(school)
        assert lake.SCHOOL_FILE.fullmatch(f"school-{token}.parquet")


def test_a_newer_layout_may_add_a_column_that_older_files_read_as_null(tmp_path):
    folder = tmp_path / "lake"
    one, two = _one_school("sch-1"), _one_school("sch-2")
    lake.export_warehouse(two, folder)
    one.execute("alter table src_school add column site_url varchar default 'https://school1.example'")
    lake.export_warehouse(one, folder)
    con = duckdb.connect()
    lake.attach_lake(con, folder)
    assert con.execute("select school_id, site_url from src_school order by 1").fetchall() == [
        ("sch-1", "https://school1.example"),
        ("sch-2", None),
    ]


def test_a_changed_column_type_is_refused_while_other_schools_keep_the_old_one(tmp_path):
    folder = tmp_path / "lake"
    one, two = _one_school("sch-1"), _one_school("sch-2")
    lake.export_warehouse(two, folder)
    lake.export_warehouse(one, folder)
    before = {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    one.execute("alter table src_school alter region_id type integer")
    with pytest.raises(
        lake.LakeError, match="src_school: в хранилище столбец region_id типа INTEGER, в озере — VARCHAR"
    ):
        lake.export_warehouse(one, folder)
    assert {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()} == before
    # alone in the lake, the school may change its own layout
    alone = tmp_path / "alone"
    lake.export_warehouse(_one_school("sch-1"), alone)
    lake.export_warehouse(one, alone)
    assert lake.read_manifest(alone)["src_school"].columns[3] == ("region_id", "INTEGER")


def test_an_export_waits_for_the_lock_then_refuses(built, tmp_path):
    folder = tmp_path / "lake"
    # another writer (a build) holds the lake
    with lake.locked(folder), pytest.raises(lake.LakeError, match="занято другой выгрузкой или сборкой"):
        lake.export_tables(built, folder, ["src_school"], wait_seconds=0.3)
    assert not (folder / "src_school").exists()
    assert lake.export_tables(built, folder, ["src_school"]) == {"src_school": 2}


def test_leftovers_of_a_dead_writer_are_removed_by_the_next_export(built, tmp_path):
    folder = tmp_path / "lake"
    lake.export_warehouse(built, folder)
    (folder / ".staging-src_marks-dead").mkdir()
    (folder / ".staging-forget-dead.parquet").write_bytes(b"half")
    lake.export_warehouse(built, folder)
    assert not list(folder.glob(".staging-*"))


def test_the_manifest_says_who_wrote_each_table_and_when(built, tmp_path):
    folder = tmp_path / "lake"
    lake.export_warehouse(built, folder)
    from warehouse import spark_build

    spark_build.build_on_duckdb(folder)
    layouts = lake.read_manifest(folder)
    assert layouts["src_marks"].written_by == "ejournal lake export"
    assert layouts["mart_vpr_result"].written_by == "сборка DuckDB"
    assert all(dt.datetime.fromisoformat(layout.written_at) for layout in layouts.values())


def test_forget_removes_the_pupil_from_every_file_of_the_lake(tmp_path):
    folder = tmp_path / "lake"
    one, two = _one_school("sch-1"), _one_school("sch-2")
    lake.export_warehouse(one, folder)
    lake.export_warehouse(two, folder)
    from warehouse import spark_build

    spark_build.build_on_duckdb(folder)  # marts: files of both schools
    con = duckdb.connect()
    lake.attach_lake(con, folder, ("src_", "mart_"))
    tables = [t for t, layout in lake.read_manifest(folder).items() if "pupil_id" in layout.column_names]
    count = "select count(*) from {} where school_id = ? and pupil_id = ?"
    before = {t: con.execute(count.format(t), ["sch-1", "p2"]).fetchone()[0] for t in tables}
    others = {t: con.execute(count.format(t), ["sch-2", "p1"]).fetchone()[0] for t in tables}
    removed = lake.forget_pupil(folder, "sch-1", "p2")
    assert removed == {t: n for t, n in before.items() if n}
    assert {"src_pupils", "src_marks", "mart_attendance_day"} <= set(removed)
    con = duckdb.connect()
    lake.attach_lake(con, folder, ("src_", "mart_"))
    assert all(con.execute(count.format(t), ["sch-1", "p2"]).fetchone()[0] == 0 for t in tables)
    # sch-2's pupil p1 shares the id space but not the school: untouched
    assert {t: con.execute(count.format(t), ["sch-2", "p1"]).fetchone()[0] for t in tables} == others


SMALL = Path(__file__).resolve().parents[2] / "data_samples" / "small"


def _lake_mentions(folder, needle: str) -> list[str]:
    """Every lake table.column whose text contains ``needle``."""
    con = duckdb.connect()
    found = []
    for table, layout in lake.attach_lake(con, folder, ("src_", "mart_")).items():
        for column in layout.column_names:
            sql = f"select count(*) from {table} where contains(cast({column} as varchar), ?)"
            if con.execute(sql, [needle]).fetchone()[0]:
                found.append(f"{table}.{column}")
    return found


def test_cli_ingest_into_the_lake_then_forget_removes_the_pupil_there_too(tmp_path, monkeypatch):
    monkeypatch.setenv("EJOURNAL_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("EJOURNAL_ACCESS_DB", str(tmp_path / "home" / "access.sqlite"))
    db_path, folder = tmp_path / "w.duckdb", tmp_path / "lake"
    runner = CliRunner()
    result = runner.invoke(app, ["ingest", str(SMALL), "--db", str(db_path), "--lake", str(folder)])
    assert result.exit_code == 0, result.output
    assert "Озеро" in result.output and "sch-0001" in result.output
    with (SMALL / "pupils.csv").open(encoding="utf-8-sig", newline="") as handle:
        pupil = list(csv.DictReader(handle, delimiter=";"))[2]
    with (SMALL / "marks.csv").open(encoding="utf-8-sig", newline="") as handle:
        raw_marks = sum(1 for row in csv.DictReader(handle, delimiter=";") if row["pupil_id"] == pupil["pupil_id"])
    con = duckdb.connect()
    lake.attach_lake(con, folder)
    assert con.execute("select count(*) from src_marks where pupil_id = ?", [pupil["pupil_id"]]).fetchone()[0] == (
        raw_marks
    )
    assert "src_pupils.last_name" in _lake_mentions(folder, pupil["last_name"])
    result = runner.invoke(
        app, ["forget", pupil["pupil_id"], "--school", "sch-0001", "--db", str(db_path), "--lake", str(folder), "--yes"]
    )
    assert result.exit_code == 0, result.output
    assert _lake_mentions(folder, pupil["pupil_id"]) == []
    assert _lake_mentions(folder, pupil["last_name"]) == []
    assert not [p for p in folder.iterdir() if p.name.startswith((".staging-", ".old-"))]


def test_cli_exports_one_school_and_refuses_an_unknown_one(tmp_path):
    path = tmp_path / "w.duckdb"
    with db.connect(path) as con:
        load_sample(con)
        db.build_models(con)
    runner = CliRunner()
    folder = tmp_path / "lake"
    result = runner.invoke(app, ["lake", "export", "--out", str(folder), "--db", str(path), "--school", "sch-2"])
    assert result.exit_code == 0, result.output
    con = duckdb.connect()
    lake.attach_lake(con, folder)
    assert con.execute("select distinct school_id from src_lessons").fetchall() == [("sch-2",)]
    refused = runner.invoke(app, ["lake", "export", "--out", str(folder), "--db", str(path), "--school", "sch-9"])
    assert refused.exit_code == 2 and "нет школы sch-9" in refused.output
    bad = runner.invoke(app, ["warehouse", "build", "--lake", str(folder), "--memory", "много"])
    assert bad.exit_code == 2 and "--memory" in bad.output


def test_cli_refuses_a_remote_lake_for_duckdb(tmp_path):
    result = CliRunner().invoke(
        app, ["warehouse", "build", "--lake", "s3a://ejournal-lake/region", "--engine", "duckdb"]
    )
    assert result.exit_code == 2 and "DuckDB собирает над папкой" in result.output
