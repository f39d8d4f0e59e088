"""The half of an ingest that needs no warehouse: read and check every file of one export, and
write its valid rows to Arrow files (typed, with ``_row``) and its issues beside them.

A folder of many exports (a region's schools) is loaded by :func:`pipelines.ingest.ingest_path`
with these preparations running in worker processes: while the warehouse takes one school's
rows (cross-file checks, apply, models), a worker already checks the next school. The warehouse
half is the same code as a single ingest; the checks are the same too (this module calls
``validate_sql`` and ``validate`` exactly as the single ingest does), so a school gets the same
issues and the same rows either way. The worker also runs the cross-file checks on an empty
warehouse of its own (:class:`CrossChecked`): for a school the warehouse has no row of, that is
what they give there, and the loading process then takes their result and reads the checked rows
straight from those files (a region's schools: 141 -> 133 s on 2 cores). The files are Arrow IPC,
uncompressed, which the loading process maps into memory instead of decoding: against Parquet, a
1,000-pupil school's check 2.55-2.75 -> 2.34-2.35 processor seconds, 10 schools 27.5-28.2 -> 26.4-27.4 s
(the files are about ten times bigger: at most ``workers + 1`` exports wait on disk).
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import polars as pl
import pyarrow as pa
import pyarrow.ipc as ipc

from pipelines.canonical.reader import (
    ExportFile,
    FileFacts,
    ahead_in_thread,
    locate_files,
    own_reader,
    read_batches,
    scan_ahead,
)
from pipelines.canonical.schemas import columns_of
from pipelines.canonical.validate import check_batch
from pipelines.canonical.validate_sql import check_in_duckdb, drop, in_duckdb
from pipelines.issues import ExportRefused, Issue
from pipelines.load import BatchStage
from warehouse.db import migrate

WORKER_MEMORY = "1GB"  # DuckDB's limit in each worker (beyond it, DuckDB spills to disk)
ARROW_BATCH_ROWS = 122_880  # rows of each record batch a checked file is written in


@dataclass
class FileStats:
    file: ExportFile
    facts: FileFacts
    n_rows_in: int = 0
    n_rows_accepted: int = 0


@dataclass
class PreparedFile:
    """One checked file: its statistics, issues and valid rows (Arrow files), or the refusal
    that stopped the export at this file."""

    stats: FileStats
    issues: list[Issue] = field(default_factory=list)
    parts: list[Path] = field(default_factory=list)
    refused: ExportRefused | None = None
    unique_keys: tuple[tuple[str, ...], ...] = ()  # DuckChecked.unique_keys


@dataclass
class CrossChecked:
    """The cross-file checks of an export run in the worker, on a warehouse of its own with no
    stored rows: what they give a school the warehouse has no row of (their issues, not yet named
    by the files' labels, and the rows they took out of staging as (file, row))."""

    issues: list[Issue] = field(default_factory=list)
    failed: list[tuple[str, int]] = field(default_factory=list)


@dataclass
class PreparedExport:
    """An export checked in a worker: what the warehouse half needs to load it."""

    folder: Path
    files: list[ExportFile] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    export: dict = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)
    refused: ExportRefused | None = None
    checked: dict[str, PreparedFile] = field(default_factory=dict)
    cross: CrossChecked | None = None
    seconds: float = 0.0


def read_export_row(files: list[ExportFile], workdir: Path, batch_rows: int) -> tuple[dict, list[Issue]]:
    """export.csv's one row (typed), or the issues that make it unusable."""
    export_file = files[0]
    frames, issues = [], []
    for raw in read_batches(export_file, workdir, FileFacts(), batch_rows):
        valid, found = check_batch(export_file.spec, raw)
        frames.append(valid)
        issues += found
    rows = pl.concat(frames).to_dicts() if frames else []
    if issues:
        return {}, issues
    if len(rows) != 1:
        issue = Issue(
            export_file.label,
            None,
            None,
            None,
            "export_rows",
            f"В export.csv должна быть ровно одна строка, а их {len(rows)}",
        )
        return {}, [issue]
    return rows[0], []


def prepare_export(
    folder: Path, out_dir: Path, batch_rows: int, allow_lessons_on_holidays: bool | None = None
) -> PreparedExport:
    """Check every file of one export into ``out_dir`` (runs in a worker process); with
    ``allow_lessons_on_holidays`` (the norm), run the cross-file checks too, as for a school with
    no stored rows (:class:`CrossChecked`)."""
    clock = time.perf_counter()
    prepared = PreparedExport(folder)
    workdir = out_dir / "work"
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        prepared.files, prepared.warnings = locate_files(folder)
        with scan_ahead(prepared.files[1:]):  # export.csv is read at once
            prepared.export, prepared.issues = read_export_row(prepared.files, workdir, batch_rows)
            if not prepared.issues:
                _prepare_files(prepared, workdir, batch_rows, out_dir)
    except ExportRefused as refused:
        prepared.refused = refused
        return prepared
    if prepared.issues:
        return prepared
    if allow_lessons_on_holidays is not None and not any(c.refused for c in prepared.checked.values()):
        prepared.cross = _cross_check_alone(prepared, allow_lessons_on_holidays)
    prepared.seconds = time.perf_counter() - clock
    return prepared


def _prepare_files(prepared: PreparedExport, workdir: Path, batch_rows: int, out_dir: Path) -> None:
    """Check the export's files after export.csv, in order, until one is refused."""
    with _worker_connection() as con:
        for number, file in enumerate(prepared.files[1:]):
            checked = _prepare_file(con, file, workdir, batch_rows, out_dir / f"{number:02d}-{file.spec.name}")
            prepared.checked[file.spec.name] = checked
            if checked.refused:
                break


@contextlib.contextmanager
def _worker_connection() -> Iterator[duckdb.DuckDBPyConnection]:
    """An in-memory DuckDB of the worker, within its memory limit."""
    with duckdb.connect() as con:
        con.execute(f"set memory_limit = '{WORKER_MEMORY}'")
        yield con


def write_table_rows(con: duckdb.DuckDBPyConnection, table: str, path: Path) -> None:
    """A table's rows into an Arrow file, batch by batch (no more than a batch in memory)."""
    reader = con.sql(f"select * from {table}").to_arrow_reader(ARROW_BATCH_ROWS)
    with ipc.new_file(str(path), reader.schema) as sink:
        for batch in reader:
            sink.write_batch(batch)


def prepared_rows(con: duckdb.DuckDBPyConnection, name: str, parts: list[Path]) -> str:
    """A checked file's valid rows, from its Arrow files, as a table expression of ``con``: each
    part mapped from its file (no copy) and registered on the connection as ``prepared_<name>_<i>``."""
    names = []
    for number, part in enumerate(parts):
        with pa.memory_map(str(part)) as source:
            table = ipc.open_file(source).read_all()
        names.append(f"prepared_{name}_{number}")
        con.register(names[-1], table)
    return names[0] if len(names) == 1 else "(" + " union all by name ".join(f"select * from {n}" for n in names) + ")"


def stage_checked(stage: BatchStage, name: str, checked: PreparedFile) -> None:
    """Stage a file a worker checked, as its check staged it: the lessons of its refused rows
    noted, its valid rows added."""
    stage.note_refused_children(name, checked.issues)
    if checked.parts:
        stage.add_table(
            name,
            prepared_rows(stage.con, name, checked.parts),
            has_school="school_id" in columns_of(checked.stats.file.spec.model),
            unique_keys=checked.unique_keys,
        )


def _cross_check_alone(prepared: PreparedExport, allow_lessons_on_holidays: bool) -> CrossChecked:
    """The cross-file checks of the checked export on an empty warehouse in memory: the same
    statements as in the warehouse (:meth:`BatchStage.cross_check`), which for a school with no
    stored rows read only the export's own."""
    export = prepared.export
    with _worker_connection() as con:
        migrate(con)
        stage = BatchStage(con, export["school_id"], export["exported_at"])
        stage.stage_as_views()  # each file a view of its rows (one school: 2.35–2.67 -> 2.02–2.18 s)
        for file in prepared.files[1:]:
            stage_checked(stage, file.spec.name, prepared.checked[file.spec.name])
        covers = (export["covers_from_date"], export["covers_to_date"])
        issues = stage.cross_check(allow_lessons_on_holidays, covers)
        failed = [
            (name, int(row)) for name, row in con.execute("select file_name, row_number from stg_failed").fetchall()
        ]
    return CrossChecked(issues, failed)


@dataclass(frozen=True)
class RowSink:
    """Where a checked file's valid rows go: a table or view of the checking connection (the rows
    DuckDB checked; with whether frames follow, and ``DuckChecked.unique_keys``), or a frame (the
    rows polars checked, batch by batch)."""

    table: Callable[[str, bool, tuple[tuple[str, ...], ...]], bool]
    frame: Callable[[pl.DataFrame], None]


def check_file(
    con: duckdb.DuckDBPyConnection, file: ExportFile, workdir: Path, batch_rows: int, sink: RowSink
) -> tuple[FileStats, list[Issue]]:
    """Check one file and hand its valid rows to ``sink``: inside DuckDB where the file allows it
    (a CSV file; ``validate_sql``), otherwise batch by batch in polars. Both apply the same
    pandera model and word issues the same way. A file that cannot be read raises ExportRefused."""
    stats = FileStats(file, FileFacts())
    checked = check_in_duckdb(con, file, workdir, stats.facts, batch_rows) if in_duckdb(file) else None
    if checked is not None:
        stats.n_rows_in = checked.n_rows_in
        viewed = sink.table(checked.accepted, bool(checked.extra), checked.unique_keys)
        for frame in checked.extra:
            sink.frame(frame)
        if not viewed:  # a view of them reads the file's tables until the connection closes
            drop(con, file.spec.name)
        return stats, checked.issues
    ahead = _CHECKED_AHEAD.get()
    future = ahead.pop(file.path, None) if ahead is not None else None
    if future is not None:
        stats, frames, issues = future.result()
        for frame in frames:
            sink.frame(frame)
        return stats, issues
    return _check_in_polars(file, workdir, batch_rows, sink.frame)  # DuckDB handed it back: read it afresh


def _check_in_polars(
    file: ExportFile, workdir: Path, batch_rows: int, valid_rows: Callable[[pl.DataFrame], None]
) -> tuple[FileStats, list[Issue]]:
    """Read and check one file batch by batch in polars, handing each batch's valid rows on."""
    stats, issues = FileStats(file, FileFacts()), []
    for raw in read_batches(file, workdir, stats.facts, batch_rows):
        stats.n_rows_in += raw.height
        valid, found = check_batch(file.spec, raw)
        issues += found
        if not valid.is_empty():
            valid_rows(valid)
    return stats, issues


def _checked_whole(
    file: ExportFile, workdir: Path, batch_rows: int
) -> tuple[FileStats, list[pl.DataFrame], list[Issue]]:
    """A file checked in polars with its valid rows kept (a check ahead's result)."""
    frames: list[pl.DataFrame] = []
    stats, issues = _check_in_polars(file, workdir, batch_rows, frames.append)
    return stats, frames, issues


# The polars checks started ahead for the export being checked in this thread (:func:`check_ahead`).
_CHECKED_AHEAD: contextvars.ContextVar[dict[Path, Future] | None] = contextvars.ContextVar(
    "checked_ahead", default=None
)


# A file polars checks is checked ahead (:func:`check_ahead`) up to this size: its rows wait in memory.
AHEAD_MAX_BYTES = 1 << 20


@contextlib.contextmanager
def check_ahead(files: list[ExportFile], workdir: Path, batch_rows: int) -> Iterator[None]:
    """Check the export's files that polars checks (the small ones: DuckDB checks the others),
    each up to ``AHEAD_MAX_BYTES``, in a thread of their own, in the order they are checked,
    while the checking thread stages the files before them and checks the big ones in DuckDB:
    polars and DuckDB let go of Python's lock while they work, so the two overlap (the small
    sample's ingest 0.60 -> 0.55 s; a second such thread, or the checking thread checking later
    files while it waits, gained nothing: a small file's check holds the lock most of its time).
    A file's check takes the rows and issues, or the refusal, found ahead for it
    (:func:`check_file`); checks not begun when the block ends are dropped."""
    small = [f for f in files if not in_duckdb(f) and f.path.stat().st_size <= AHEAD_MAX_BYTES]
    if len(small) < 2:
        yield
        return
    with own_reader() as context:
        work = {f.path: functools.partial(context.run, _checked_whole, f, workdir, batch_rows) for f in small}
        with ahead_in_thread(_CHECKED_AHEAD, "ejournal-check", work):
            yield


def _prepare_file(
    con: duckdb.DuckDBPyConnection, file: ExportFile, workdir: Path, batch_rows: int, stem: Path
) -> PreparedFile:
    parts: list[Path] = []
    unique: list[tuple[tuple[str, ...], ...]] = []

    def write_table(table: str, more: bool, unique_keys: tuple[tuple[str, ...], ...]) -> bool:
        parts.append(stem.with_suffix(".arrow"))
        write_table_rows(con, table, parts[-1])
        unique.append(unique_keys)
        return False

    def write_frame(frame: pl.DataFrame) -> None:
        parts.append(stem.with_name(f"{stem.name}-{len(parts)}.arrow"))
        frame.write_ipc(parts[-1], compression="uncompressed")

    try:
        stats, issues = check_file(con, file, workdir, batch_rows, RowSink(write_table, write_frame))
    except ExportRefused as refused:
        return PreparedFile(FileStats(file, FileFacts()), refused=refused)
    return PreparedFile(stats, issues, parts, unique_keys=unique[0] if unique else ())


def prepare_in_worker(
    folder: str, out_dir: str, batch_rows: int, allow_lessons_on_holidays: bool | None = None
) -> PreparedExport:
    """The worker's entry point (plain arguments)."""
    return prepare_export(Path(folder), Path(out_dir), batch_rows, allow_lessons_on_holidays)
