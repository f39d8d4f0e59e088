"""The Parquet lake: warehouse tables as Hive-partitioned Parquet, ``table/year=YYYY/region_id=R/``.

A regional authority keeps hundreds of schools in one lake that DuckDB and Spark read alike.
Rows are partitioned by the start year of their academic year and the school's region, and
sorted by school and date inside the files (a folder per school would make Spark's file listing
slow; the school is a sort key, so Parquet row-group statistics still skip other schools).

Two writers share a lake:

- a school (``ejournal lake export``, or ``ejournal ingest --lake``) writes its own rows, one
  file per school in each partition, ``school-<token>.parquet``. Its export replaces that
  school's rows and leaves every other school's rows as they were, so 500 schools export from
  their own warehouses into one lake, in any order;
- a build (``ejournal warehouse build``) replaces a whole table, the marts it computes over
  every school of the lake (files ``part-*``), and writes every school's parts of «Муниципалитет /
  регион» (:func:`write_parts`) as the schools' exports write them.

A partition is swapped whole (written beside it, then renamed in): a reader sees a partition
before or after an export, never half of it. Writers take the lake's lock (``.lock``), so two
exports never interleave and a build does not read sources an export is replacing.

The year of a row is the start year of its academic year: by ``academic_year_id`` when the table
has one, else by the first date (or timestamp) column, a date before August belonging to the
year that started the previous September, else the school's latest academic year. The region is
``src_school.region_id``. Partition columns live in the folder names, not in the files.

The tables «Муниципалитет / регион» reads (``region_parts.PAGE_TABLES``: the parts and the
small tables naming schools, years, classes and periods) are also kept compacted: one file per
table, ``_compact/<table>.parquet``, holding every school's rows, rewritten (beside, then renamed
over) by every writer after its change. The school files stay the truth: the compacted file
records a digest of the files it was made from (their names, sizes and modification times, and
the table's columns), and a reader uses it only while the digest still matches; otherwise (a
writer of an older version, a file deleted by hand) it reads the school files, as before.

``_lake.json`` at the root lists each table's columns and types (so an empty table still reads
with its columns, and both engines read columns in the warehouse's order), and when and by what
it was last written. A newer version of the program may add columns: older schools' files then
read them as null, and a change of type or a removed column is refused while other schools'
files of the old layout remain.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import json
import os
import re
import shutil
import time
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb

from ejournal.files import sql_path
from warehouse import region_parts
from warehouse.db import is_derived_column

MANIFEST = "_lake.json"
LOCK = ".lock"
COMPACT_FOLDER = "_compact"  # beside the tables: no table's glob (``*/*/*.parquet``) nor Spark's listing reaches it
DIGEST_KEY = "ejournal_sources"  # key of the compacted file's Parquet metadata: the digest of its sources
DIGEST = re.compile(r"[0-9a-f]{64}")
HIVE_OPTIONS = (
    "hive_partitioning = true, hive_types = {'year': 'INTEGER', 'region_id': 'VARCHAR'}, union_by_name = true"
)
PARTITION_COLUMNS = ("year", "region_id")
IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]*")
TYPE_NAME = re.compile(r"[A-Z][A-Z0-9_ ]*(\(\d+(,\s*\d+)?\))?")
ACADEMIC_YEAR_FIRST_MONTH = 8  # a date in January–July belongs to the year that started the previous autumn
LOCK_WAIT_SECONDS = 600.0
SCHOOL_FILE = re.compile(r"school-(?P<token>[A-Za-z0-9_-]+-[0-9a-f]{8})(?:-\d+)?\.parquet")
# the school's file token, computed alike in SQL (the COPY partitions by it) and in Python
TOKEN_SQL = "regexp_replace(school_id, '[^A-Za-z0-9_-]', '_', 'g') || '-' || left(md5(school_id), 8)"


class LakeError(RuntimeError):
    """The lake cannot be read or written (message in Russian, names the table and the problem)."""


@dataclass(frozen=True)
class TableLayout:
    """How one table sits in the lake: its columns (name, DuckDB type) and its date sort key."""

    name: str
    columns: tuple[tuple[str, str], ...]
    written_at: str | None = None
    written_by: str | None = None

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

    def conflicts_with(self, older: TableLayout) -> list[str]:
        """What keeps files of ``older`` readable beside this layout's: every column of the older
        layout must stay, with its type (new columns are fine, they read as null in old files)."""
        kinds = dict(self.columns)
        problems = []
        for column, kind in older.columns:
            if column not in kinds:
                problems.append(f"нет столбца {column}")
            elif kinds[column] != kind:
                problems.append(f"столбец {column} типа {kinds[column]}, в озере — {kind}")
        return problems


def school_token(school_id: str) -> str:
    """The school's part of its file names: safe characters of its id and 8 hex digits of md5."""
    return re.sub(r"[^A-Za-z0-9_-]", "_", school_id) + "-" + hashlib.md5(school_id.encode()).hexdigest()[:8]


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


# --- the manifest ---------------------------------------------------------------------------


def parse_manifest(text: str, where: str) -> dict[str, TableLayout]:
    """The layouts of a manifest's text; ``where`` names the file in a refusal."""
    try:
        raw = json.loads(text)
        layouts = {
            name: TableLayout(
                name,
                tuple((c, t) for c, t in spec["columns"]),
                spec.get("written_at"),
                spec.get("written_by"),
            )
            for name, spec in raw["tables"].items()
        }
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise LakeError(f"файл {where}: описание озера повреждено ({error})") from None
    for name, layout in layouts.items():  # names and types go into SQL: only plain identifiers pass
        if not IDENTIFIER.fullmatch(name):
            raise LakeError(f"файл {where}: недопустимое имя таблицы «{name}»")
        for column, kind in layout.columns:
            if not IDENTIFIER.fullmatch(column) or not TYPE_NAME.fullmatch(kind):
                raise LakeError(f"файл {where}, таблица {name}: недопустимый столбец «{column}» типа «{kind}»")
    return layouts


def render_manifest(
    tables: dict[str, TableLayout], layouts: Iterable[TableLayout], written_by: str | None = None
) -> str:
    """The manifest's text: ``tables`` with ``layouts`` merged in, stamped with the time and the writer."""
    tables = dict(tables)
    now = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
    for layout in layouts:
        tables[layout.name] = TableLayout(layout.name, layout.columns, now, written_by or layout.written_by)
    body = {
        "tables": {
            name: {"columns": [list(c) for c in t.columns], "written_at": t.written_at, "written_by": t.written_by}
            for name, t in sorted(tables.items())
        }
    }
    return json.dumps(body, ensure_ascii=False, indent=1)


def read_manifest(lake: Path) -> dict[str, TableLayout]:
    path = Path(lake) / MANIFEST
    if not path.exists():
        return {}
    return parse_manifest(path.read_text(encoding="utf-8"), str(path))


def write_manifest(lake: Path, layouts: Iterable[TableLayout], written_by: str | None = None) -> None:
    """Merge layouts into the manifest; written to a temporary file and renamed (never half-written)."""
    lake = Path(lake)
    tmp = lake / f".{MANIFEST}.{uuid.uuid4().hex}"
    tmp.write_text(render_manifest(read_manifest(lake), layouts, written_by), encoding="utf-8")
    tmp.replace(lake / MANIFEST)


# --- the lock and the folders of a write ---------------------------------------------------------


@contextlib.contextmanager
def locked(lake: Path, *, exclusive: bool = True, wait_seconds: float = LOCK_WAIT_SECONDS) -> Iterator[None]:
    """Hold the lake's lock: exclusive for a writer, shared for a build reading its sources.

    Waits up to ``wait_seconds`` for the other holder, then refuses in Russian. Leftovers of a
    writer that died (staging and old folders) are removed once the lock is exclusive."""
    lake = Path(lake)
    lake.mkdir(parents=True, exist_ok=True)
    handle = (lake / LOCK).open("a")
    deadline = time.monotonic() + wait_seconds
    try:
        while True:
            try:
                fcntl.flock(handle, (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise LakeError(
                        f"озеро {lake} занято другой выгрузкой или сборкой; повторите, когда она закончится"
                    ) from None
                time.sleep(0.2)
        if exclusive:
            for leftover in [*lake.glob(".staging-*"), *lake.glob(".old-*")]:
                if leftover.is_dir():
                    shutil.rmtree(leftover, ignore_errors=True)
                else:
                    leftover.unlink(missing_ok=True)
        yield
    finally:
        handle.close()  # closing the file releases the lock


def replace_folder(staged: Path, final: Path) -> None:
    """Swap a fully written folder in for the old one: readers see the old or the new table whole."""
    old = final.parent / f".old-{final.name}-{uuid.uuid4().hex}"
    if final.exists():
        final.rename(old)
    final.parent.mkdir(parents=True, exist_ok=True)
    staged.rename(final)
    shutil.rmtree(old, ignore_errors=True)


def staging_folder(lake: Path, table: str) -> Path:
    return Path(lake) / f".staging-{table}-{uuid.uuid4().hex}"


def _discard(lake: Path, folder: Path) -> None:
    """Move a folder out of the readers' way, then delete it."""
    old = Path(lake) / f".old-{uuid.uuid4().hex}"
    folder.rename(old)
    shutil.rmtree(old, ignore_errors=True)
    with contextlib.suppress(OSError):  # the year folder, once its last region is gone
        folder.parent.rmdir()


def _link_or_copy(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except OSError:  # a file system without hard links
        shutil.copy2(source, target)


def table_layout(con: duckdb.DuckDBPyConnection, table: str) -> TableLayout:
    """A table's columns and types as the lake holds them: the columns a model keeps in a source
    table are the warehouse's own (derived), not the source's, and stay out of the lake."""
    rows = con.execute(f"describe {table}").fetchall()
    return TableLayout(table, tuple((row[0], row[1]) for row in rows if not is_derived_column(row[0])))


def _partitions(folder: Path) -> list[str]:
    """``year=…/region_id=…`` of a table's (or a staging) folder."""
    return sorted(p.relative_to(folder).as_posix() for p in folder.glob("year=*/region_id=*") if p.is_dir())


# --- a school's export: its rows replaced, the other schools' kept -----------------------------


def export_tables(
    con: duckdb.DuckDBPyConnection,
    lake: Path,
    tables: Iterable[str],
    *,
    schools: Iterable[str] | None = None,
    wait_seconds: float = LOCK_WAIT_SECONDS,
) -> dict[str, int]:
    """Write the rows of ``schools`` (default: every school of the connection) of each table into
    the lake, replacing those schools' rows there; other schools' rows stay. Rows per table.

    Everything is checked and written to staging folders first; only then are the partitions
    swapped, so a refused or failed export leaves the lake as it was."""
    lake = Path(lake)
    tables = list(tables)
    layouts = _school_layouts(con, tables)
    chosen = sorted(set(schools) if schools is not None else _schools_of(con, tables))
    if not chosen:
        raise LakeError("в хранилище нет ни одной школы: выгружать в озеро нечего")
    with locked(lake, wait_seconds=wait_seconds):
        return _export_schools(con, lake, layouts, chosen, "ejournal lake export")


def _export_schools(
    con: duckdb.DuckDBPyConnection, lake: Path, layouts: list[TableLayout], schools: list[str], written_by: str
) -> dict[str, int]:
    """Check, write and swap in the schools' rows of every table, then the manifest and the
    compacted files; the caller holds the lock."""
    existing = read_manifest(lake)
    for layout in layouts:
        _check_layout(lake, layout, existing.get(layout.name), schools)
    names = [layout.name for layout in layouts]
    fresh = fresh_compacts(lake, names)
    counts = _replace_schools(con, lake, layouts, schools)
    write_manifest(lake, layouts, written_by)
    refresh_compacts(lake, names, schools=schools, fresh_before=fresh)
    return counts


def _replace_schools(
    con: duckdb.DuckDBPyConnection, lake: Path, layouts: list[TableLayout], schools: list[str]
) -> dict[str, int]:
    """Stage the schools' rows of every table, then swap them in; the caller holds the lock."""
    staged: dict[str, Path] = {}
    counts: dict[str, int] = {}
    try:
        for layout in layouts:
            staged[layout.name], counts[layout.name] = _stage_schools(con, lake, layout, schools)
        with duckdb.connect() as files:
            for layout in layouts:
                _merge_schools(files, lake, layout.name, staged[layout.name], schools)
    finally:
        for folder in staged.values():
            shutil.rmtree(folder, ignore_errors=True)
    return counts


def _school_layouts(con: duckdb.DuckDBPyConnection, tables: list[str]) -> list[TableLayout]:
    """The tables' layouts; a table without school_id is refused (it cannot be split by school)."""
    layouts = [table_layout(con, t) for t in tables]
    for layout in layouts:
        if "school_id" not in layout.column_names:
            raise LakeError(f"таблица {layout.name}: нет столбца school_id, её нельзя разложить по озеру")
    return layouts


def _schools_of(con: duckdb.DuckDBPyConnection, tables: list[str]) -> set[str]:
    union = " union ".join(f"select distinct school_id from {t}" for t in tables)
    return {school for (school,) in con.execute(union).fetchall() if school is not None}


def _files_of_others(lake: Path, table: str, schools: list[str]) -> bool:
    tokens = {school_token(s) for s in schools}
    for file in (Path(lake) / table).glob("*/*/*.parquet"):
        match = SCHOOL_FILE.fullmatch(file.name)
        if match is None or match["token"] not in tokens:
            return True
    return False


def _check_layout(lake: Path, layout: TableLayout, older: TableLayout | None, schools: list[str]) -> None:
    if older is None:
        return
    problems = layout.conflicts_with(older)
    if problems and _files_of_others(lake, layout.name, schools):
        raise LakeError(
            f"таблица {layout.name}: в хранилище {'; '.join(problems)}. В озере есть данные других школ, "
            "выгруженные другой версией программы: обновите программу во всех школах до одной версии"
        )


def _stage_schools(
    con: duckdb.DuckDBPyConnection, lake: Path, layout: TableLayout, schools: list[str]
) -> tuple[Path, int]:
    """The schools' rows of one table in a staging folder, ``year=/region_id=/school_token=/``."""
    staged = staging_folder(lake, layout.name)
    order = ", ".join(layout.sort_columns)
    listed = ", ".join(layout.column_names)
    wanted = f"select {listed} from {layout.name} where school_id in (select unnest($schools))"
    n = con.execute(f"select count(*) from ({wanted})", {"schools": schools}).fetchone()[0]
    if n == 0:
        staged.mkdir()
        return staged, 0
    try:
        con.execute(
            f"copy (select *, {TOKEN_SQL} as school_token from ({partition_sql(layout, f'({wanted})')}) "
            f"order by year, region_id, {order}) to '{sql_path(staged)}' "
            "(format parquet, partition_by (year, region_id, school_token), compression zstd, "
            "filename_pattern 'part-{i}')",
            {"schools": schools},
        )
    except Exception:
        shutil.rmtree(staged, ignore_errors=True)
        raise
    return staged, n


def _merge_schools(files: duckdb.DuckDBPyConnection, lake: Path, table: str, staged: Path, schools: list[str]) -> None:
    """Swap in every partition of the table that holds or will hold rows of ``schools``."""
    final = Path(lake) / table
    final.mkdir(parents=True, exist_ok=True)
    tokens = {school_token(s) for s in schools}
    for partition in sorted(set(_partitions(final)) | set(_partitions(staged))):
        old, new = final / partition, staged / partition
        fresh = staging_folder(lake, table)
        fresh.mkdir()
        changed = False
        for file in sorted(old.glob("*.parquet")) if old.exists() else []:
            match = SCHOOL_FILE.fullmatch(file.name)
            if match is not None:
                if match["token"] in tokens:
                    changed = True
                else:
                    _link_or_copy(file, fresh / file.name)
            else:  # a file of many schools (an export of a regional warehouse, a build): filter it
                changed |= _copy_without(
                    files, file, fresh / file.name, "school_id in (select unnest($schools))", {"schools": schools}
                )
        for token_folder in sorted(new.glob("school_token=*")) if new.exists() else []:
            token = token_folder.name.split("=", 1)[1]
            for i, part in enumerate(sorted(token_folder.glob("*.parquet"))):
                part.rename(fresh / (f"school-{token}.parquet" if i == 0 else f"school-{token}-{i}.parquet"))
                changed = True
        if not changed:
            shutil.rmtree(fresh)
        elif any(fresh.iterdir()):
            replace_folder(fresh, old)
        else:
            shutil.rmtree(fresh)
            if old.exists():
                _discard(lake, old)


def _split(files: duckdb.DuckDBPyConnection, source: Path, condition: str, params: dict) -> tuple[int, int]:
    """Rows of the Parquet file ``source`` that meet ``condition``, and the rest."""
    read = f"read_parquet('{sql_path(source)}', hive_partitioning = false)"
    return files.execute(
        f"select count(*) filter (where {condition}), count(*) filter (where not ({condition})) from {read}", params
    ).fetchone()


def _write_without(files: duckdb.DuckDBPyConnection, source: Path, target: Path, condition: str, params: dict) -> None:
    read = f"read_parquet('{sql_path(source)}', hive_partitioning = false)"
    files.execute(
        f"copy (select * from {read} where not ({condition})) to '{sql_path(target)}' (format parquet, compression zstd)",
        params,
    )


def _copy_without(files: duckdb.DuckDBPyConnection, source: Path, target: Path, condition: str, params: dict) -> bool:
    """Copy ``source`` to ``target`` without its rows meeting ``condition``; True when it had any
    (then ``target`` holds the rest, or is not written when nothing is left)."""
    met, left = _split(files, source, condition, params)
    if met == 0:
        _link_or_copy(source, target)
        return False
    if left:
        _write_without(files, source, target, condition, params)
    return True


def export_warehouse(
    con: duckdb.DuckDBPyConnection,
    lake: Path,
    prefixes: tuple[str, ...] = ("src_",),
    *,
    schools: Iterable[str] | None = None,
) -> dict:
    """``ejournal lake export``: the school's (or each school's) src_* tables, and whatever else
    ``prefixes`` names, into the lake; other schools' rows in the lake stay. A built warehouse
    also writes its schools' parts of «Муниципалитет / регион» (warehouse/region_parts.py)."""
    from warehouse.db import table_names

    tables = table_names(con, prefixes)
    if not tables:
        raise LakeError("в хранилище нет таблиц для выгрузки в озеро (загрузите выгрузку школы)")
    if schools is not None:
        present = {s for (s,) in con.execute("select school_id from src_school").fetchall()}
        unknown = sorted(set(schools) - present)
        if unknown:
            raise LakeError(f"в хранилище нет школы {', '.join(unknown)} (таблица src_school)")
    if not region_parts.has_sources(con):
        return export_tables(con, lake, tables, schools=schools)
    _school_layouts(con, tables)
    chosen = sorted(schools) if schools is not None else sorted(_schools_of(con, tables))
    try:
        region_parts.create_parts(con, chosen)
        counts = export_tables(con, lake, [*tables, region_parts.PARTS_TABLE], schools=chosen)
    finally:
        region_parts.drop_parts(con)
    counts.pop(region_parts.PARTS_TABLE)  # rows of the tables the caller named; the parts are derived
    return counts


def write_parts(con: duckdb.DuckDBPyConnection, lake: Path, *, written_by: str) -> int:
    """The parts of «Муниципалитет / регион» of every school of ``con`` (a build's models over the
    lake), each school's files replaced as its own export replaces them; rows written. The caller
    holds the lock."""
    schools = [s for (s,) in con.execute("select distinct school_id from src_school order by 1").fetchall() if s]
    if not schools:
        return 0
    try:
        region_parts.create_parts(con, schools)
        layout = table_layout(con, region_parts.PARTS_TABLE)
        return _export_schools(con, Path(lake), [layout], schools, written_by)[region_parts.PARTS_TABLE]
    finally:
        region_parts.drop_parts(con)


def write_parts_from_marts(lake: Path, *, written_by: str) -> int:
    """:func:`write_parts` from the marts and sources the lake holds (after a build that wrote the
    marts, on Spark); the caller holds the lock."""
    from warehouse.periods import SPAN_DIMENSIONS

    with duckdb.connect() as con:
        attach_lake(con, lake, ("src_", "mart_"))
        for name, sql in SPAN_DIMENSIONS.items():
            con.execute(f"create view {name} as {sql}")
        if not region_parts.has_sources(con):
            return 0
        return write_parts(con, lake, written_by=written_by)


# --- a build's output: the whole table replaced ---------------------------------------------------


def replace_tables(
    con: duckdb.DuckDBPyConnection, lake: Path, tables: Iterable[str], *, written_by: str
) -> dict[str, int]:
    """Write whole tables of a connection into the lake (each replaced whole: a build's marts over
    every school of the lake); rows per table. The caller holds the lake's lock."""
    lake = Path(lake)
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
                    f"to '{sql_path(staged)}' (format parquet, partition_by (year, region_id), "
                    "compression zstd, filename_pattern 'part-{i}')"
                )
            else:
                staged.mkdir()
        except Exception:
            shutil.rmtree(staged, ignore_errors=True)
            raise
        replace_folder(staged, lake / table)
        layouts.append(layout)
    write_manifest(lake, layouts, written_by)
    refresh_compacts(lake, [layout.name for layout in layouts])
    return counts


# --- deletion of a pupil (152-ФЗ) ----------------------------------------------------------------


def forget_pupil(
    lake: Path, school_id: str, pupil_id: str, *, parts_from: duckdb.DuckDBPyConnection | None = None
) -> dict[str, int]:
    """Remove the pupil's rows from every table of the lake that has ``pupil_id``: each file that
    holds them is rewritten without them and swapped in (the old file is deleted). Rows per table.

    The school's parts of «Муниципалитет / регион» count the pupil too: they are computed afresh
    from ``parts_from`` (the school's warehouse, the pupil already deleted there), else removed
    (the school shows no figures until its next export)."""
    lake = Path(lake)
    removed: dict[str, int] = {}
    condition = "school_id = $school and pupil_id = $pupil"
    params = {"school": school_id, "pupil": pupil_id}
    token = school_token(school_id)
    with locked(lake), duckdb.connect() as files:
        manifest = read_manifest(lake)
        fresh = fresh_compacts(lake, list(manifest))
        if region_parts.PARTS_TABLE in manifest:
            _refresh_parts(files, lake, school_id, parts_from, manifest[region_parts.PARTS_TABLE])
        for name, layout in manifest.items():
            if "pupil_id" not in layout.column_names:
                continue
            for file in sorted((lake / name).glob("*/*/*.parquet")):
                match = SCHOOL_FILE.fullmatch(file.name)
                if match is not None and match["token"] != token:
                    continue  # another school's file
                n, left = _split(files, file, condition, params)
                if not n:
                    continue
                if left:
                    rewritten = lake / f".staging-forget-{uuid.uuid4().hex}.parquet"  # out of the readers' globs
                    _write_without(files, file, rewritten, condition, params)
                    rewritten.replace(file)
                else:
                    file.unlink()
                removed[name] = removed.get(name, 0) + n
        refresh_compacts(lake, list(manifest), schools=[school_id], fresh_before=fresh)
    return removed


def _refresh_parts(
    files: duckdb.DuckDBPyConnection,
    lake: Path,
    school_id: str,
    source: duckdb.DuckDBPyConnection | None,
    in_lake: TableLayout,
) -> None:
    """Replace the school's rows of the parts table by ones computed from ``source`` (when its
    layout is the lake's), or remove them; the caller holds the lock."""
    if source is not None and region_parts.has_sources(source):
        try:
            region_parts.create_parts(source, [school_id])
            layout = table_layout(source, region_parts.PARTS_TABLE)
            if layout.columns == in_lake.columns:
                _replace_schools(source, lake, [layout], [school_id])
                return
        finally:
            region_parts.drop_parts(source)
    empty = staging_folder(lake, region_parts.PARTS_TABLE)
    empty.mkdir()
    try:
        _merge_schools(files, lake, region_parts.PARTS_TABLE, empty, [school_id])
    finally:
        shutil.rmtree(empty, ignore_errors=True)


# --- compacted copies of the tables «Муниципалитет / регион» reads ---------------------------------


def compact_file(lake: Path, table: str) -> Path:
    return Path(lake) / COMPACT_FOLDER / f"{table}.parquet"


def sources_digest(lake: Path, layout: TableLayout) -> str | None:
    """What a compacted copy of the table stands for: its columns and each of its files (name,
    size, modification time). None when a file vanished while listing (a writer at work)."""
    folder = Path(lake) / layout.name
    digest = hashlib.sha256(json.dumps(layout.columns).encode())
    try:
        for file in sorted(folder.glob("*/*/*.parquet")):
            stat = file.stat()
            digest.update(f"\n{file.relative_to(folder).as_posix()}\t{stat.st_size}\t{stat.st_mtime_ns}".encode())
    except FileNotFoundError:
        return None
    return digest.hexdigest()


def recorded_digest(path: Path) -> str | None:
    """The digest a compacted file was written with; None for a file without one (or gone)."""
    try:
        with duckdb.connect() as files:
            row = files.execute(
                "select decode(value) from parquet_kv_metadata($path) where decode(key) = $key",
                {"path": str(path), "key": DIGEST_KEY},
            ).fetchone()
    except duckdb.Error:  # replaced or removed meanwhile, or not Parquet: the school files are read
        return None
    return row[0] if row else None


def fresh_compact(lake: Path, layout: TableLayout) -> Path | None:
    """The table's compacted file while it holds what the table's files hold now, else None."""
    path = compact_file(lake, layout.name)
    if not path.exists():
        return None
    recorded = recorded_digest(path)
    return path if recorded is not None and recorded == sources_digest(lake, layout) else None


def write_compact(lake: Path, layout: TableLayout) -> None:
    """Rewrite the table's compacted file from all its files. The caller holds the lock."""
    _write_compact(lake, layout, _files_select(lake, layout))


def update_compact(lake: Path, layout: TableLayout, schools: list[str]) -> None:
    """After a writer replaced the rows of ``schools`` only: the compacted file's rows of the other
    schools and the files' rows of ``schools`` (their own files and files of many schools), read
    from those files alone. Right only when the old compacted file matched the files before the
    change, with the same columns (:func:`refresh_compacts` checks). The caller holds the lock."""
    tokens = {school_token(s) for s in schools}
    changed = [
        f"'{sql_path(file)}'"
        for file in sorted((Path(lake) / layout.name).glob("*/*/*.parquet"))
        if (match := SCHOOL_FILE.fullmatch(file.name)) is None or match["token"] in tokens
    ]
    select = (
        _typed_select(layout, f"read_parquet('{sql_path(compact_file(lake, layout.name))}')")
        + " where school_id is null or not list_contains($schools, school_id)"
    )
    if changed:
        source = f"read_parquet([{', '.join(changed)}], {HIVE_OPTIONS})"
        select += f" union all {_typed_select(layout, source)} where list_contains($schools, school_id)"
    _write_compact(lake, layout, select, {"schools": schools})


def _write_compact(lake: Path, layout: TableLayout, select: str, params: dict | None = None) -> None:
    """The rows of ``select`` as the table's compacted file, with the digest of the table's files
    (written beside, then renamed over the old one); removed when the table has no files."""
    lake = Path(lake)
    target = compact_file(lake, layout.name)
    digest = sources_digest(lake, layout)
    if parquet_glob(lake, layout.name) is None or digest is None or not DIGEST.fullmatch(digest):
        target.unlink(missing_ok=True)
        return
    staged = lake / f".staging-compact-{uuid.uuid4().hex}.parquet"
    order = ", ".join(region_parts.COMPACT_ORDER.get(layout.name, layout.sort_columns))
    try:
        with duckdb.connect() as files:
            files.execute(
                f"copy (select * from ({select}) order by {order}) to '{sql_path(staged)}' "
                f"(format parquet, compression zstd, kv_metadata {{{DIGEST_KEY}: '{digest}'}})",
                params or {},
            )
        target.parent.mkdir(exist_ok=True)
        staged.replace(target)
    finally:
        staged.unlink(missing_ok=True)


def fresh_compacts(lake: Path, tables: Iterable[str]) -> dict[str, TableLayout]:
    """Those of ``tables`` the region page reads whose compacted file matches their files now,
    with their layout: taken before a writer's change, for :func:`refresh_compacts`."""
    manifest = read_manifest(lake)
    return {
        table: manifest[table]
        for table in tables
        if table in region_parts.PAGE_TABLES and table in manifest and fresh_compact(lake, manifest[table])
    }


def refresh_compacts(
    lake: Path,
    tables: Iterable[str],
    *,
    schools: list[str] | None = None,
    fresh_before: dict[str, TableLayout] | None = None,
) -> None:
    """Rewrite the compacted files of those of ``tables`` the region page reads, after a writer
    changed them: when the writer changed the rows of ``schools`` only and a file matched before
    (``fresh_before``, same columns), only those schools' rows are read from the table's files,
    else all. The caller holds the lock."""
    manifest = read_manifest(lake)
    for table in tables:
        if table not in region_parts.PAGE_TABLES or table not in manifest:
            continue
        older = (fresh_before or {}).get(table)
        if schools is not None and older is not None and older.columns == manifest[table].columns:
            update_compact(lake, manifest[table], schools)
        else:
            write_compact(lake, manifest[table])


def compact(lake: Path, *, wait_seconds: float = LOCK_WAIT_SECONDS) -> list[str]:
    """Compact every table of the lake the region page reads (after a build, or for a lake whose
    schools exported with a version that did not); the tables compacted."""
    with locked(lake, wait_seconds=wait_seconds):
        tables = [t for t in region_parts.PAGE_TABLES if t in read_manifest(lake)]
        refresh_compacts(lake, tables)
    return tables


# --- reading --------------------------------------------------------------------------------------


def parquet_glob(lake: Path, table: str) -> Path | None:
    """The glob of a table's files, or None when the table has no rows (no files)."""
    folder = Path(lake) / table
    return folder / "*" / "*" / "*.parquet" if any(folder.glob("*/*/*.parquet")) else None


def duckdb_select(lake: Path, layout: TableLayout) -> str:
    """A DuckDB SELECT reading a lake table with the warehouse's columns, in its order (a column
    that older files lack reads as null): from its compacted file while that matches the school
    files, else from the school files."""
    compacted = fresh_compact(lake, layout)
    if compacted is not None:
        return _typed_select(layout, f"read_parquet('{sql_path(compacted)}')")
    return _files_select(lake, layout)


def _files_select(lake: Path, layout: TableLayout) -> str:
    """A DuckDB SELECT reading a lake table from its school (and build) files."""
    files = parquet_glob(lake, layout.name)
    if files is None:
        return "select " + ", ".join(f"cast(null as {t}) as {c}" for c, t in layout.columns) + " limit 0"
    return _typed_select(layout, f"read_parquet('{sql_path(files)}', {HIVE_OPTIONS})")


def _typed_select(layout: TableLayout, source: str) -> str:
    return "select " + ", ".join(f"cast({c} as {t}) as {c}" for c, t in layout.columns) + f" from {source}"


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
