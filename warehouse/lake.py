"""The Parquet lake: warehouse tables as Hive-partitioned Parquet, ``table/year=YYYY/region_id=R/``.

A regional authority keeps hundreds of schools in one lake that DuckDB and Spark read alike.
Rows are partitioned by the start year of their academic year and the school's region, and
sorted by school and date inside the files (a folder per school would make Spark's file listing
slow; the school is a sort key, so Parquet row-group statistics still skip other schools).

The year of a row is the start year of its academic year: by ``academic_year_id`` when the table
has one, else by the first date (or timestamp) column, a date before August belonging to the
year that started the previous September, else the school's latest academic year. The region is
``src_school.region_id``. Partition columns live in the folder names, not in the files.

``_lake.json`` at the root lists each table's columns and types, so an empty table (no files)
still reads with its columns, and both engines read columns in the warehouse's order.
"""

from __future__ import annotations

import json
import re
import shutil
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import duckdb

MANIFEST = "_lake.json"
PARTITION_COLUMNS = ("year", "region_id")
IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]*")
TYPE_NAME = re.compile(r"[A-Z][A-Z0-9_ ]*(\(\d+(,\s*\d+)?\))?")
ACADEMIC_YEAR_FIRST_MONTH = 8  # a date in January–July belongs to the year that started the previous autumn


class LakeError(RuntimeError):
    """The lake cannot be read or written (message in Russian, names the table and the problem)."""


@dataclass(frozen=True)
class TableLayout:
    """How one table sits in the lake: its columns (name, DuckDB type) and its date sort key."""

    name: str
    columns: tuple[tuple[str, str], ...]

    @property
    def column_names(self) -> list[str]:
        return [name for name, _ in self.columns]

    @property
    def date_column(self) -> str | None:
        for wanted in ("DATE", "TIMESTAMP"):
            for name, kind in self.columns:
                if kind.upper() == wanted and name not in PARTITION_COLUMNS:
                    return name
        return None

    @property
    def sort_columns(self) -> list[str]:
        return ["school_id", *([self.date_column] if self.date_column else [])]


def _quote_path(path: Path | str) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def partition_sql(layout: TableLayout, source: str) -> str:
    """DuckDB SQL adding ``year`` and ``region_id`` to the rows of ``source`` (the same text runs
    on Spark after sqlglot). Reads src_academic_years and src_school."""
    columns = layout.column_names
    date = layout.date_column
    by_date = (
        f"extract(year from t.{date}) - case when extract(month from t.{date}) < {ACADEMIC_YEAR_FIRST_MONTH} "
        "then 1 else 0 end"
        if date
        else "null"
    )
    by_id_join = (
        "left join years as by_id on by_id.school_id = t.school_id and by_id.academic_year_id = t.academic_year_id"
        if "academic_year_id" in columns
        else ""
    )
    by_id = "by_id.start_year" if by_id_join else "null"
    kept = ", ".join(f"t.{c}" for c in columns if c not in PARTITION_COLUMNS)
    region = "t.region_id" if "region_id" in columns else "regions.region_id"
    return f"""
with years as (
    select school_id, academic_year_id, cast(extract(year from start_date) as integer) as start_year
    from src_academic_years
),
latest as (
    select school_id, max(start_year) as start_year from years group by school_id
),
regions as (
    select school_id, max(region_id) as region_id from src_school group by school_id
)
select
    {kept},
    cast(coalesce({by_id}, {by_date}, latest.start_year, 0) as integer) as year,
    coalesce({region}, '') as region_id
from {source} as t
{by_id_join}
left join latest on latest.school_id = t.school_id
left join regions on regions.school_id = t.school_id
"""


def read_manifest(lake: Path) -> dict[str, TableLayout]:
    path = Path(lake) / MANIFEST
    if not path.exists():
        return {}
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        layouts = {
            name: TableLayout(name, tuple((c, t) for c, t in spec["columns"])) for name, spec in raw["tables"].items()
        }
    except (ValueError, KeyError, TypeError) as error:
        raise LakeError(f"файл {path}: описание озера повреждено ({error})") from None
    for name, layout in layouts.items():  # names and types go into SQL: only plain identifiers pass
        if not IDENTIFIER.fullmatch(name):
            raise LakeError(f"файл {path}: недопустимое имя таблицы «{name}»")
        for column, kind in layout.columns:
            if not IDENTIFIER.fullmatch(column) or not TYPE_NAME.fullmatch(kind):
                raise LakeError(f"файл {path}, таблица {name}: недопустимый столбец «{column}» типа «{kind}»")
    return layouts


def write_manifest(lake: Path, layouts: Iterable[TableLayout]) -> None:
    """Merge layouts into the manifest; written to a temporary file and renamed (never half-written)."""
    lake = Path(lake)
    tables = read_manifest(lake)
    tables.update({layout.name: layout for layout in layouts})
    body = {"tables": {name: {"columns": [list(c) for c in t.columns]} for name, t in sorted(tables.items())}}
    tmp = lake / f".{MANIFEST}.{uuid.uuid4().hex}"
    tmp.write_text(json.dumps(body, ensure_ascii=False, indent=1), encoding="utf-8")
    tmp.replace(lake / MANIFEST)


def replace_folder(staged: Path, final: Path) -> None:
    """Swap a fully written folder in for the old one: readers see the old or the new table whole."""
    old = final.with_name(f".old-{final.name}-{uuid.uuid4().hex}")
    if final.exists():
        final.rename(old)
    staged.rename(final)
    shutil.rmtree(old, ignore_errors=True)


def staging_folder(lake: Path, table: str) -> Path:
    return Path(lake) / f".staging-{table}-{uuid.uuid4().hex}"


def table_layout(con: duckdb.DuckDBPyConnection, table: str) -> TableLayout:
    rows = con.execute(f"describe {table}").fetchall()
    return TableLayout(table, tuple((row[0], row[1]) for row in rows))


def export_tables(con: duckdb.DuckDBPyConnection, lake: Path, tables: Iterable[str]) -> dict[str, int]:
    """Write tables of a DuckDB connection into the lake (each table replaced whole); rows per table."""
    lake = Path(lake)
    lake.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    layouts = []
    for table in tables:
        layout = table_layout(con, table)
        if "school_id" not in layout.column_names:
            raise LakeError(f"таблица {table}: нет столбца school_id, её нельзя разложить по озеру")
        staged = staging_folder(lake, table)
        order = ", ".join(layout.sort_columns)
        try:
            counts[table] = con.execute(f"select count(*) from {table}").fetchone()[0]
            if counts[table]:
                con.execute(
                    f"copy (select * from ({partition_sql(layout, table)}) order by year, region_id, {order}) "
                    f"to {_quote_path(staged)} (format parquet, partition_by (year, region_id), "
                    "compression zstd, filename_pattern 'part-{i}')"
                )
            else:
                staged.mkdir()
        except Exception:
            shutil.rmtree(staged, ignore_errors=True)
            raise
        replace_folder(staged, lake / table)
        layouts.append(layout)
    write_manifest(lake, layouts)
    return counts


def export_warehouse(con: duckdb.DuckDBPyConnection, lake: Path, prefixes: tuple[str, ...] = ("src_",)) -> dict:
    """``ejournal lake export``: the src_* tables (and whatever else ``prefixes`` names) into the lake."""
    from warehouse.db import table_names

    tables = table_names(con, prefixes)
    if not tables:
        raise LakeError("в хранилище нет таблиц для выгрузки в озеро (загрузите выгрузку школы)")
    return export_tables(con, lake, tables)


def parquet_glob(lake: Path, table: str) -> Path | None:
    """The glob of a table's files, or None when the table has no rows (no files)."""
    folder = Path(lake) / table
    return folder / "*" / "*" / "*.parquet" if any(folder.glob("*/*/*.parquet")) else None


def duckdb_select(lake: Path, layout: TableLayout) -> str:
    """A DuckDB SELECT reading a lake table with the warehouse's columns, in its order."""
    files = parquet_glob(lake, layout.name)
    if files is None:
        return "select " + ", ".join(f"cast(null as {t}) as {c}" for c, t in layout.columns) + " limit 0"
    return (
        "select "
        + ", ".join(f"cast({c} as {t}) as {c}" for c, t in layout.columns)
        + f" from read_parquet({_quote_path(files)}, hive_partitioning = true, "
        "hive_types = {'year': 'INTEGER', 'region_id': 'VARCHAR'}, union_by_name = true)"
    )


def attach_lake(
    con: duckdb.DuckDBPyConnection, lake: Path, prefixes: tuple[str, ...] = ("src_",)
) -> dict[str, TableLayout]:
    """Create a view per lake table whose name starts with one of ``prefixes``; DuckDB then queries
    the lake in place (``select ... from mart_vpr_result`` reads the Parquet files)."""
    lake = Path(lake)
    layouts = {n: t for n, t in read_manifest(lake).items() if n.startswith(prefixes)}
    if not layouts:
        raise LakeError(f"в озере {lake} нет таблиц {', '.join(p + '*' for p in prefixes)} (файл {MANIFEST})")
    for name, layout in layouts.items():
        con.execute(f"create or replace view {name} as {duckdb_select(lake, layout)}")
    return layouts
