"""warehouse.db.connect: the connections of a process that writes a warehouse share one instance of
the file, attached with row groups of ROW_GROUP_SIZE rows; they read it by default (their cursors
too), spill beside it, and release it when the last one closes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from tests.factories import held_by_another_process
from warehouse import db as wdb

ROWS = 100_000


def _groups(con: duckdb.DuckDBPyConnection, table: str) -> list[int]:
    rows = con.execute(
        f"select row_group_id, max(count) from pragma_storage_info('{table}') group by 1 order by 1"
    ).fetchall()
    return [n for _, n in rows]


def test_new_rows_go_into_row_groups_of_the_set_size(tmp_path: Path):
    db = tmp_path / "w.duckdb"
    with wdb.connect(db) as con:
        con.execute(f"create table numbers as select range as n from range({ROWS})")
        con.execute("checkpoint")
        size = wdb.ROW_GROUP_SIZE
        full, rest = divmod(ROWS, size)
        assert _groups(con, "numbers") == [size] * full + ([rest] if rest else [])
    # the same file opened by DuckDB's own default keeps the groups written
    with duckdb.connect(str(db), read_only=True) as plain:
        assert plain.execute("select count(*), sum(n) from numbers").fetchone() == (ROWS, ROWS * (ROWS - 1) // 2)
        assert max(_groups(plain, "numbers")) == wdb.ROW_GROUP_SIZE


def test_connections_of_a_process_share_the_file_and_read_it_by_default(tmp_path: Path):
    db = tmp_path / "school-7.duckdb"
    with wdb.connect(db) as first, wdb.connect(db) as second:
        first.execute("create table notes (note varchar); insert into notes values ('раз')")
        assert second.execute("select note from notes").fetchall() == [("раз",)]
        cursor = second.cursor()
        assert cursor.execute("select current_database(), count(*) from notes").fetchone() == ("school-7", 1)
        assert cursor.execute("select count(*) from meta_batch").fetchone() == (0,)  # migrated
        assert first.execute("select current_setting('temp_directory')").fetchone() == (f"{db}.tmp",)
        with wdb.connect(db, read_only=True) as reader:  # this process writes it: the same instance
            assert reader.execute("select count(*) from notes").fetchone() == (1,)
        cursor.close()
    # the last connection closed releases the file: another process opens it for writing
    check = (
        "import duckdb, sys; c = duckdb.connect(sys.argv[1]); print(c.execute('select note from notes').fetchone()[0])"
    )
    out = subprocess.run([sys.executable, "-c", check, str(db)], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "раз"
    assert wdb._WRITERS == {}


def test_a_file_another_process_writes_is_busy(tmp_path: Path):
    db = tmp_path / "w.duckdb"
    with wdb.connect(db):
        pass
    with held_by_another_process(db), pytest.raises(wdb.WarehouseBusyError), wdb.connect(db):
        pass
    assert wdb._WRITERS == {}
    with wdb.connect(db) as con:  # free again
        assert con.execute("select count(*) from meta_batch").fetchone() == (0,)


def test_a_file_this_process_reads_apart_is_busy_for_a_writer(tmp_path: Path):
    db = tmp_path / "w.duckdb"
    with wdb.connect(db):
        pass
    with duckdb.connect(str(db), read_only=True) as reader:  # DuckDB's own open, not through connect
        with pytest.raises(wdb.WarehouseBusyError), wdb.connect(db):
            pass
        assert reader.execute("select count(*) from meta_batch").fetchone() == (0,)
    assert wdb._WRITERS == {}
