"""bench.floor: DuckDB alone and the write of the warehouse's stored rows are measured on the same
rows the test counts itself, and the stored rows written are the warehouse's, table by table."""

from __future__ import annotations

import csv

import duckdb

from bench import floor
from tests.factories import SAMPLE, copy_warehouse, small_sample_warehouse


def _csv_cells() -> int:
    cells = 0
    for path in sorted(SAMPLE.glob("*.csv")):
        with path.open(encoding="utf-8-sig", newline="") as handle:
            header, *rows = list(csv.reader(handle, delimiter=";"))
        cells += len(rows) * len(header)
    return cells


def test_duckdb_alone_and_its_reading_count_every_cell_of_the_export(tmp_path):
    expected = _csv_cells()
    plain = floor.plain_load(SAMPLE, tmp_path / "plain.duckdb")
    read = floor.plain_read(SAMPLE, tmp_path / "unused.duckdb")
    assert plain.cells == read.cells == expected
    assert plain.file_bytes == (tmp_path / "plain.duckdb").stat().st_size > 0
    assert read.file_bytes == 0 and not (tmp_path / "unused.duckdb").exists()
    assert plain.wall > 0 and read.wall > 0


def test_the_stored_rows_are_written_table_by_table_as_the_warehouse_holds_them(tmp_path_factory, tmp_path):
    source = copy_warehouse(small_sample_warehouse(tmp_path_factory), tmp_path / "w.duckdb")
    written = floor.stored_write(source, tmp_path / "floor.duckdb")
    with duckdb.connect() as con:
        con.execute(f"attach '{source}' as s (read_only)")
        con.execute(f"attach '{tmp_path / 'floor.duckdb'}' as f (read_only)")
        tables = dict(
            con.execute(
                "select table_name, column_count from duckdb_tables() where database_name = 's' order by 1"
            ).fetchall()
        )
        assert "src_marks" in tables and "fct_attendance" in tables
        assert (
            dict(
                con.execute(
                    "select table_name, column_count from duckdb_tables() where database_name = 'f' order by 1"
                ).fetchall()
            )
            == tables
        )
        cells = 0
        for name, n_columns in tables.items():
            n_rows = con.execute(f'select count(*) from s."{name}"').fetchone()[0]
            cells += n_rows * n_columns
            assert con.execute(f'select count(*) from f."{name}"').fetchone()[0] == n_rows, name
            # the same rows, each as often
            missing = con.execute(
                f'select count(*) from (select * from s."{name}" except all select * from f."{name}")'
            ).fetchone()[0]
            assert missing == 0, name
    assert written.cells == cells
    assert written.file_bytes == (tmp_path / "floor.duckdb").stat().st_size


def test_the_report_gives_the_ratios_of_the_figures_it_is_given():
    plain = floor.Write(wall=2.0, cpu=3.0, cells=10_000_000, file_bytes=20 * 2**20)
    read = floor.Write(wall=1.0, cpu=1.5, cells=10_000_000, file_bytes=0)
    stored = floor.Write(wall=2.5, cpu=6.0, cells=41_000_000, file_bytes=40 * 2**20)
    text = floor.report(plain, read, stored)
    assert "1.25 × DuckDB alone по времени, 2.00 × по процессору, 4.10 × по ячейкам" in text
    assert "3.50 с = 1.75 × DuckDB alone" in text
    assert "41.0" in text and "20.0" in text
