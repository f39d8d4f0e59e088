"""The half of an ingest that needs no warehouse: read and check every file of one export, and
write its valid rows to Parquet (typed, with ``_row``) and its issues beside them.

A folder of many exports (a region's schools) is loaded by :func:`pipelines.ingest.ingest_path`
with these preparations running in worker processes: while the warehouse takes one school's
rows (cross-file checks, apply, models), a worker already checks the next school. The warehouse
half is the same code as a single ingest; the checks are the same too (this module calls
``validate_sql`` and ``validate`` exactly as the single ingest does), so a school gets the same
issues and the same rows either way.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import polars as pl

from pipelines.canonical.reader import ExportFile, FileFacts, locate_files, read_batches
from pipelines.canonical.validate import check_batch
from pipelines.canonical.validate_sql import check_in_duckdb, drop, in_duckdb
from pipelines.issues import ExportRefused, Issue

WORKER_MEMORY = "1GB"  # DuckDB's limit in each worker (beyond it, DuckDB spills to disk)


@dataclass
class FileStats:
    file: ExportFile
    facts: FileFacts
    n_rows_in: int = 0
    n_rows_accepted: int = 0


@dataclass
class PreparedFile:
    """One checked file: its statistics, issues and valid rows (Parquet files), or the refusal
    that stopped the export at this file."""

    stats: FileStats
    issues: list[Issue] = field(default_factory=list)
    parts: list[Path] = field(default_factory=list)
    refused: ExportRefused | None = None


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


def prepare_export(folder: Path, out_dir: Path, batch_rows: int) -> PreparedExport:
    """Check every file of one export into ``out_dir`` (runs in a worker process)."""
    clock = time.perf_counter()
    prepared = PreparedExport(folder)
    workdir = out_dir / "work"
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        prepared.files, prepared.warnings = locate_files(folder)
        prepared.export, prepared.issues = read_export_row(prepared.files, workdir, batch_rows)
    except ExportRefused as refused:
        prepared.refused = refused
        return prepared
    if prepared.issues:
        return prepared
    with duckdb.connect() as con:
        con.execute(f"set memory_limit = '{WORKER_MEMORY}'")
        for number, file in enumerate(prepared.files[1:]):
            checked = _prepare_file(con, file, workdir, batch_rows, out_dir / f"{number:02d}-{file.spec.name}")
            prepared.checked[file.spec.name] = checked
            if checked.refused:
                break
    prepared.seconds = time.perf_counter() - clock
    return prepared


@dataclass(frozen=True)
class RowSink:
    """Where a checked file's valid rows go: a table or view of the checking connection (the rows
    DuckDB checked), or a frame (the rows polars checked, batch by batch)."""

    table: Callable[[str], None]
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
        sink.table(checked.accepted)
        for frame in checked.extra:
            sink.frame(frame)
        drop(con, file.spec.name)
        return stats, checked.issues
    stats, issues = FileStats(file, FileFacts()), []  # DuckDB handed the file back: read it afresh
    for raw in read_batches(file, workdir, stats.facts, batch_rows):
        stats.n_rows_in += raw.height
        valid, found = check_batch(file.spec, raw)
        issues += found
        if not valid.is_empty():
            sink.frame(valid)
    return stats, issues


def _prepare_file(
    con: duckdb.DuckDBPyConnection, file: ExportFile, workdir: Path, batch_rows: int, stem: Path
) -> PreparedFile:
    parts: list[Path] = []

    def write_table(table: str) -> None:
        parts.append(stem.with_suffix(".parquet"))
        con.execute(f"copy (select * from {table}) to '{parts[-1]}' (format parquet)")

    def write_frame(frame: pl.DataFrame) -> None:
        parts.append(stem.with_name(f"{stem.name}-{len(parts)}.parquet"))
        frame.write_parquet(parts[-1])

    try:
        stats, issues = check_file(con, file, workdir, batch_rows, RowSink(write_table, write_frame))
    except ExportRefused as refused:
        return PreparedFile(FileStats(file, FileFacts()), refused=refused)
    return PreparedFile(stats, issues, parts)


def prepare_in_worker(folder: str, out_dir: str, batch_rows: int) -> PreparedExport:
    """The worker's entry point (plain arguments)."""
    return prepare_export(Path(folder), Path(out_dir), batch_rows)
