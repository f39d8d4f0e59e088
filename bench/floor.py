"""The floor under the ingest's time: DuckDB alone (the bench's baseline) against DuckDB only
writing the rows the warehouse stores, taken from memory (no CSV, no check, no model to compute).

    .venv/bin/python -m bench.floor [EXPORT_PATH] [--db WAREHOUSE] [--repeat 3]

Without a path, the bench's generated school (``var/bench-data/school-*``); a region folder works
too. The warehouse to copy is ``--db``, the export already loaded (for a region, by
``ejournal ingest`` or ``pipelines.ingest.ingest_path``), else the export is ingested first into a
temporary one (not timed). Its rows are
written school by school as the ingest writes them: every stored table of the school inserted
into a new file (row groups of ``warehouse.db.ROW_GROUP_SIZE``) in one transaction, committed
without merging row groups, as a new school's batch is. Only the inserts and the commits are
timed: the rows are read into memory before. Figures are printed, never asserted; the ratio of
the write to DuckDB alone is the least the ingest's ratio can be while it stores these rows.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb

from bench.phases import default_export


@dataclass(frozen=True)
class Write:
    """One measured load into a new file: wall and processor seconds, cells (rows × columns of
    every table written) and the file's bytes."""

    wall: float
    cpu: float
    cells: int
    file_bytes: int


def _cells(con: duckdb.DuckDBPyConnection, database: str) -> int:
    """Rows × columns summed over the base tables of ``database``."""
    tables = con.execute(
        "select table_name, column_count from duckdb_tables() where database_name = ? and not temporary", [database]
    ).fetchall()
    return sum(con.execute(f'select count(*) from "{database}"."{name}"').fetchone()[0] * n for name, n in tables)


def plain_load(export: Path, db: Path) -> Write:
    """The bench's baseline (``duckdb_alone``): every file of every school into a plain table."""
    from bench.contenders import load_duckdb_alone

    wall, cpu = time.perf_counter(), time.process_time()
    load_duckdb_alone(export, db)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    with duckdb.connect(str(db), read_only=True) as con:
        cells = _cells(con, con.execute("select current_database()").fetchone()[0])
    return Write(wall, cpu, cells, db.stat().st_size)


def plain_read(export: Path, db: Path) -> Write:
    """DuckDB alone's reading only: the same ``read_csv`` of every file into tables in memory."""
    from bench.contenders import PLAIN_TABLE, files_by_name

    with duckdb.connect() as con:
        wall, cpu = time.perf_counter(), time.process_time()
        for name, paths in files_by_name(export).items():
            con.execute(PLAIN_TABLE.format(name=name), [paths])
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        return Write(wall, cpu, _cells(con, "memory"), 0)


def stored_write(warehouse: Path, db: Path) -> Write:
    """The base tables of ``warehouse`` written into a new file at ``db``, school by school; only
    the inserts and the commits are timed."""
    from warehouse.db import ROW_GROUP_SIZE

    con = duckdb.connect()
    try:
        con.execute(f"attach '{warehouse}' as stored (read_only)")
        con.execute(f"attach '{db}' as target (row_group_size {ROW_GROUP_SIZE})")
        tables = con.execute(
            "select t.table_name, bool_or(c.column_name = 'school_id') from duckdb_tables() as t "
            "join duckdb_columns() as c on c.database_name = t.database_name and c.table_name = t.table_name "
            "where t.database_name = 'stored' group by t.table_name order by t.table_name"
        ).fetchall()
        for name, _ in tables:
            con.execute(f'create table target."{name}" as select * from stored."{name}" limit 0')
        con.execute("checkpoint target")
        schools = [row[0] for row in con.execute("select school_id from stored.src_school order by 1").fetchall()]
        wall = cpu = 0.0
        for index, school in enumerate(schools):
            # the school's rows (and the tables of no school with the first) into memory, untimed
            held = []
            for name, has_school in tables:
                if has_school or index == 0:
                    where = "where school_id = ?" if has_school else ""
                    con.execute(
                        f'create or replace temp table "mem_{name}" as select * from stored."{name}" {where}',
                        [school] if has_school else [],
                    )
                    held.append(name)
            clock, processor = time.perf_counter(), time.process_time()
            con.execute("begin")
            for name in held:
                con.execute(f'insert into target."{name}" select * from "mem_{name}"')
            con.execute("set max_vacuum_tasks = 0")
            con.execute("commit")
            wall += time.perf_counter() - clock
            cpu += time.process_time() - processor
            for name in held:
                con.execute(f'drop table "mem_{name}"')
        cells = _cells(con, "target")
    finally:
        con.close()
    return Write(wall, cpu, cells, db.stat().st_size)


def measure(export: Path, warehouse: Path | None, work: Path, repeat: int = 1) -> tuple[Write, Write, Write]:
    """(DuckDB alone, its reading alone, the stored rows' write), each the best of ``repeat``
    runs, alternating."""
    if warehouse is None:
        from pipelines.ingest import ingest_path

        warehouse = work / "ours.duckdb"
        ingest_path(export, warehouse, run_by="bench")
    steps = ((plain_load, export), (plain_read, export), (stored_write, warehouse))
    runs: list[list[Write]] = [[] for _ in steps]
    for attempt in range(max(repeat, 1)):
        for done, (step, source) in zip(runs, steps, strict=True):
            target = work / f"{step.__name__}-{attempt}.duckdb"
            done.append(step(source, target))
            target.unlink(missing_ok=True)
    plain, read, stored = (min(done, key=lambda w: w.wall) for done in runs)
    return plain, read, stored


def report(plain: Write, read: Write, stored: Write) -> str:
    rows = (
        ("DuckDB alone (read_csv → таблицы в файле)", plain),
        ("его чтение (read_csv → таблицы в памяти)", read),
        ("запись хранимых строк из памяти в файл", stored),
    )
    lines = [f"{'что':42s} {'с':>6s} {'ЦП, с':>6s} {'ячеек, млн':>10s} {'файл, МБ':>9s}"]
    for label, w in rows:
        size = f"{w.file_bytes / 2**20:9.1f}" if w.file_bytes else f"{'—':>9s}"
        lines.append(f"{label:42s} {w.wall:6.2f} {w.cpu:6.2f} {w.cells / 1e6:10.1f} {size}")
    floor = read.wall + stored.wall
    lines += [
        "",
        f"Запись хранимых строк: {stored.wall / plain.wall:.2f} × DuckDB alone по времени, "
        f"{stored.cpu / plain.cpu:.2f} × по процессору, {stored.cells / plain.cells:.2f} × по ячейкам.",
        f"Чтение и запись, без проверок и без расчёта моделей: {floor:.2f} с = {floor / plain.wall:.2f} × DuckDB alone.",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.floor", description=__doc__.splitlines()[0])
    parser.add_argument("export", nargs="?", type=Path, help="папка выгрузки (по умолчанию — школа бенчмарка)")
    parser.add_argument("--db", type=Path, help="готовое хранилище этой выгрузки (иначе выгрузка загружается заново)")
    parser.add_argument("--repeat", type=int, default=3, help="прогонов каждого замера, берётся лучший (3)")
    args = parser.parse_args(argv)
    export = args.export or default_export()
    with tempfile.TemporaryDirectory(prefix="bench-floor-") as tmp:
        plain, read, stored = measure(export, args.db, Path(tmp), args.repeat)
    print(f"Выгрузка {export}")
    print(report(plain, read, stored))
    return 0


if __name__ == "__main__":
    sys.exit(main())
