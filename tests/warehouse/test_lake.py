"""The Parquet lake without Spark: layout, sort order, DuckDB reading it in place, bad input.

Rows come from the hand-made schools of conftest.py: sch-1 (region 50) and sch-2 (region 77),
academic year 2025/2026.
"""

from __future__ import annotations

import json

import duckdb
import pytest
from typer.testing import CliRunner

from ejournal.cli import app
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
        # names and types, in order (NOT NULL constraints are the warehouse's, not the files')
        columns = f"select column_name, column_type from (describe {table})"
        assert con.execute(columns).fetchall() == built.execute(columns).fetchall(), table
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
