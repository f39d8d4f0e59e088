"""Ingest a canonical export: read, validate, cross-check and load it in one transaction.

A batch is one export folder. Either everything it brings that passed the checks is committed
together with its lineage and quarantine, or nothing is: a refused batch (a file that cannot be
read, or any error under ``strict``) leaves the warehouse exactly as it was.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import getpass
import json
import multiprocessing
import shutil
import socket
import sys
import time
import types
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from pathlib import Path

import duckdb
import polars as pl

from ejournal.access.forgotten import read_register
from ejournal.errors import first_line
from ejournal.settings import Norms, environment, load_norms
from pipelines import guards
from pipelines.canonical.reader import (
    ExportFile,
    discover_exports,
    locate_files,
    scan_ahead,
    scratch_dir,
    unpack,
)
from pipelines.canonical.schemas import FILES_BY_NAME, columns_of
from pipelines.importers.contract import ImportContext
from pipelines.importers.origins import Origins, placed
from pipelines.interrupted import IngestInterrupted, reason_text, space_errno
from pipelines.issues import ExportRefused, Issue, issues_frame
from pipelines.load import TABLE_FILES, ApplyCounts, BatchStage
from pipelines.prepare import (
    CrossChecked,
    FileStats,
    PreparedExport,
    RowSink,
    check_ahead,
    check_file,
    prepare_in_worker,
    read_export_row,
    stage_checked,
)
from warehouse.db import WarehouseBusyError, build_models, connect, duckdb_settings
from warehouse.lake import LakeError
from warehouse.privacy import Places, finish_pending_forgets
from warehouse.snapshot import current_snapshot, publish
from warehouse.status import STATUS_TEXT

Progress = Callable[[str, int, int], None]


@dataclass
class IngestResult:
    """What happened to one export."""

    source_path: Path
    status: str = "refused"
    school_id: str | None = None
    batch_id: int | None = None
    issues: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    files: list[FileStats] = field(default_factory=list)
    counts: ApplyCounts = field(default_factory=ApplyCounts)
    seconds_validate: float = 0.0
    seconds_load: float = 0.0

    @property
    def n_rows_in(self) -> int:
        return sum(f.n_rows_in for f in self.files)

    @property
    def n_rows_accepted(self) -> int:
        return sum(f.n_rows_accepted for f in self.files) if self.status != "refused" else 0

    @property
    def status_text(self) -> str:
        return STATUS_TEXT[self.status]


def ingest_export(
    folder: Path,
    db_path: Path,
    *,
    strict: bool = False,
    norms: Norms | None = None,
    run_by: str | None = None,
    progress: Progress | None = None,
    only_school: str | None = None,
    prepared: PreparedExport | None = None,
    keep_open: contextlib.ExitStack | None = None,
    origins: Origins | None = None,
    shown_as: Path | None = None,
) -> IngestResult:
    """Ingest one export folder into the warehouse at ``db_path``.

    ``only_school``: an export of any other school is refused before the warehouse is touched
    (a school-bound uploader on the dashboard loads only his school's data). ``prepared``: the
    export was already read and checked by a worker (:mod:`pipelines.prepare`). ``keep_open``:
    the warehouse stays open until that stack closes (the caller's next batch and its publishing
    then open it at no cost: DuckDB keeps an open file's instance per process). ``origins``: where
    an importer read the rows of the folder's files (:mod:`pipelines.importers.origins`); the issues
    of those rows, and their quarantine, name the school's own file and place instead.
    ``shown_as``: the path the user gave for a folder unpacked or converted into a scratch folder
    (the archive and the folder inside it, or the journal's own file): the result and the
    warehouse's record of the batch name it instead of the scratch folder."""
    norms = norms or load_norms()
    result = IngestResult(source_path=shown_as or folder)
    started = dt.datetime.now()
    clock = time.perf_counter()
    with scratch_dir() as tmp, contextlib.ExitStack() as scanning:
        workdir = Path(tmp)
        try:
            if prepared is None:
                files, result.warnings = locate_files(folder)
                scanning.enter_context(scan_ahead(files[1:]))  # export.csv is read at once
                scanning.enter_context(check_ahead(files[1:], workdir, norms.validation.batch_rows))
                export, issues = read_export_row(files, workdir, norms.validation.batch_rows)
            elif prepared.refused is not None:
                raise prepared.refused
            else:
                files, result.warnings, export, issues = (
                    prepared.files,
                    prepared.warnings,
                    prepared.export,
                    prepared.issues,
                )
        except ExportRefused as refused:
            result.issues = [refused.issue]
            return result
        if issues:
            result.issues = issues
            return result
        result.school_id = export["school_id"]
        if only_school is not None and export["school_id"] != only_school:
            result.issues = [_other_school(files[0].label, export["school_id"], only_school)]
            return result
        unfinished = _finish_pending_forgets(db_path, run_by)
        if unfinished:
            result.issues = [unfinished]
            return result
        with _opened(db_path, keep_open) as con, _ingest_settings(con, files):
            try:
                if prepared is None:
                    check = functools.partial(_check_file, con, workdir=workdir, batch_rows=norms.validation.batch_rows)
                else:
                    check, clock = functools.partial(_replay, prepared), clock - prepared.seconds
                cross = prepared.cross if prepared is not None else None
                appended_only = _run_batch(con, result, export, files[1:], norms, strict, progress, clock, check, cross)
                if origins:
                    result.issues = [placed(issue, origins) for issue in result.issues]
            except ExportRefused as refused:
                _roll_back(con)
                result.status, result.batch_id = "refused", None
                result.issues.append(refused.issue)
                return result
            except BaseException:
                _roll_back(con)
                raise
            if result.status == "refused":
                _roll_back(con)
                return result
            _record_batch(con, result, export, started, run_by or getpass.getuser())
            _commit(con, appended_only)
    return result


def _commit(con: duckdb.DuckDBPyConnection, appended_only: bool) -> None:
    """Commit the batch. One that only added the rows of a school the warehouse had no row of
    deleted nothing, so its checkpoint does not merge row groups (DuckDB's vacuum, which rewrote
    the last groups the schools before had left in each table: a region's commits grew to 0.3–1.0 s
    a school, and are 0.10–0.15 s without it; the file 1.5–5 % larger). A batch of a school the
    warehouse holds replaces rows, and its checkpoint vacuums as usual."""
    with duckdb_settings(con, {"max_vacuum_tasks": "0"}) if appended_only else contextlib.nullcontext():
        con.execute("commit")


def _roll_back(con: duckdb.DuckDBPyConnection) -> None:
    """Undo the batch's changes to the warehouse (none if its checks had not finished)."""
    with contextlib.suppress(duckdb.TransactionException):  # no transaction is active
        con.execute("rollback")


@contextlib.contextmanager
def _opened(db_path: Path, keep_open: contextlib.ExitStack | None) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection of its own for one batch, to the warehouse kept open until ``keep_open``
    closes (or until the block ends, without one).

    The batch's temporary tables and views (its staging, each file's typed copy) belong to this
    connection and go when it closes, loaded or refused: a connection kept open for the next export
    would otherwise hold them, memory and all. Closing takes a fraction of a millisecond, where
    dropping them one by one took 17 ms of the small sample's ingest."""
    with contextlib.ExitStack() as own:
        held = (keep_open or own).enter_context(connect(db_path))
        batch = held.cursor()
        try:
            yield batch
        finally:
            batch.close()


# An export smaller than this is loaded on one DuckDB thread: its tables fit in a row group or two,
# so more threads only add the scheduling of their tasks (about a tenth of the small sample's time).
ONE_THREAD_MAX_BYTES = 8 << 20


@contextlib.contextmanager
def _ingest_settings(con: duckdb.DuckDBPyConnection, files: list[ExportFile]) -> Iterator[None]:
    """DuckDB settings of an ingest, the instance's own restored afterwards: the memory limit; one
    thread for a small export; and a checkpoint at the commit itself (a threshold of 0 bytes), so
    the batch's rows are written once, into the file, instead of into the log and then again into
    the file when the connection closes (about 0.2 s of a 1,000-pupil school's 6.5 s)."""
    wanted = {"memory_limit": environment().duckdb_memory, "checkpoint_threshold": "0b"}
    if sum(f.path.stat().st_size for f in files) < ONE_THREAD_MAX_BYTES:
        wanted["threads"] = "1"
    with duckdb_settings(con, wanted):
        yield


def _other_school(file_name: str, found: str, allowed: str) -> Issue:
    message = f"Выгрузка школы «{found}», а загружать можно только данные своей школы «{allowed}»"
    return Issue(file_name, None, "school_id", None, "other_school", message)


def _run_batch(
    con: duckdb.DuckDBPyConnection,
    result: IngestResult,
    export: dict,
    files: list[ExportFile],
    norms: Norms,
    strict: bool,
    progress: Progress | None,
    clock: float,
    check: Callable[[BatchStage, ExportFile, IngestResult], FileStats],
    cross: CrossChecked | None = None,
) -> bool:
    """Check, stage and apply one export. When the warehouse has no row of the school and no pupil
    of it was forgotten (whose rows would leave staging first), each file checked as a whole is
    staged as a view of its checked rows, not copied (:meth:`BatchStage.stage_as_views`: a
    1,000-pupil school 3.40 -> 3.26 s, peak 583 -> 547 MB), and ``cross``, the cross-file checks a
    worker ran on the export alone, is taken instead of running them here: it is what they give.
    Returns whether the batch only added rows (of such a school)."""
    stage = BatchStage(con, export["school_id"], export["exported_at"])
    is_forgotten = forgotten_pupils(export["school_id"])
    new_school = is_forgotten is None and not stage.holds_school()
    if new_school:
        stage.stage_as_views(cross.failed if cross is not None else None)
    else:
        cross = None
    total = len(files) + 2
    for step, file in enumerate(files, start=1):
        if progress:
            progress(f"Проверка {file.label}", step, total)
        result.files.append(check(stage, file, result))
    dropped = 0
    if is_forgotten is not None:
        kept = [issue for issue in result.issues if not _about_forgotten(issue, is_forgotten)]
        dropped = stage.drop_forgotten(is_forgotten) + len(result.issues) - len(kept)
        result.issues = kept  # a refused row of a forgotten pupil goes neither to quarantine nor to a report
    if dropped:
        result.warnings.append(
            Issue("", None, None, None, "forgotten_pupil", f"Пропущено строк учеников, удалённых по 152-ФЗ: {dropped}")
        )
    if progress:
        progress("Сверка файлов между собой", total - 1, total)
    labels = {f.spec.name: f.label for f in files}
    if cross is not None:
        found = cross.issues
    else:
        found = stage.cross_check(
            norms.validation.allow_lessons_on_holidays, (export["covers_from_date"], export["covers_to_date"])
        )
    for issue in found:
        result.issues.append(_relabel(issue, labels.get(issue.file_name, issue.file_name)))
    staged = stage.n_staged_all()
    for stats in result.files:
        stats.n_rows_accepted = staged[stats.file.spec.name]
    result.seconds_validate = time.perf_counter() - clock
    if any(i.is_file_level for i in result.issues) or (strict and result.issues):
        result.status = "refused"
        return False
    if progress:
        progress("Загрузка в хранилище", total, total)
    load_clock = time.perf_counter()
    # The checks above change nothing but the connection's temporary tables, so they run before
    # the batch's transaction: each statement's scratch tables (a file's typed copy, dropped once
    # its rows are staged) give their memory back at once, where inside the transaction DuckDB
    # keeps them until the commit, and the models' sorts then spill to disk.
    con.execute("begin transaction")
    batch_id = con.execute("select coalesce(max(batch_id), 0) + 1 from meta_batch").fetchone()[0]
    result.batch_id = batch_id
    result.counts = stage.apply(batch_id)
    changed = sum(result.counts.total(k) for k in ("inserted", "updated", "removed"))
    if changed:
        schools, tables = [export["school_id"]], result.counts.changed_tables()
        build_models(con, schools, changed=tables, count_rows=False, new_rows=result.counts.new_rows)
    result.status = "loaded_with_rejections" if result.issues else ("loaded" if changed else "unchanged")
    result.seconds_load = time.perf_counter() - load_clock
    return new_school


def _check_file(
    con: duckdb.DuckDBPyConnection,
    stage: BatchStage,
    file: ExportFile,
    result: IngestResult,
    *,
    workdir: Path,
    batch_rows: int,
) -> FileStats:
    """Check one file (:func:`pipelines.prepare.check_file`) and stage its valid rows."""
    name = file.spec.name
    has_school = "school_id" in columns_of(file.spec.model)
    sink = RowSink(
        lambda table, more, unique_keys: stage.add_table(
            name, table, has_school=has_school, more=more, unique_keys=unique_keys
        ),
        lambda f: stage.add(name, f),
    )
    stats, issues = check_file(con, file, workdir, batch_rows, sink)
    _take_issues(stage, file, issues, result)
    return stats


def _replay(prepared: PreparedExport, stage: BatchStage, file: ExportFile, result: IngestResult) -> FileStats:
    """Stage a file a worker checked: its issues, then its valid rows from its Arrow files; a refusal
    the worker met at this file refuses the export here, after the files before it."""
    checked = prepared.checked[file.spec.name]
    if checked.refused is not None:
        raise checked.refused
    result.issues.extend(_relabel(issue, file.label) for issue in checked.issues)
    stage_checked(stage, file.spec.name, checked)
    return checked.stats


def _take_issues(stage: BatchStage, file: ExportFile, found: list[Issue], result: IngestResult) -> None:
    result.issues.extend(_relabel(issue, file.label) for issue in found)
    stage.note_refused_children(file.spec.name, found)


def _finish_pending_forgets(db_path: Path, run_by: str | None) -> Issue | None:
    """A forget a crash left pending is finished before the batch touches the warehouse; if it
    cannot be finished (the lake is unreadable, a file cannot be deleted), the batch is refused."""
    try:
        finish_pending_forgets(Places.of(db_path), f"ingest:{run_by or getpass.getuser()}")
    except (LakeError, OSError) as error:
        message = (
            f"Не доделано прерванное удаление ученика по 152-ФЗ ({first_line(error)}); "
            "повторите ejournal forget, затем загрузку"
        )
        return Issue("", None, None, None, "forget_pending", message)
    return None


def forgotten_pupils(school_id: str) -> Callable[[str], bool] | None:
    """Whether a pupil id of this school was deleted under 152-ФЗ (pending or done; from the access
    store's register of keyed hashes, if there is one); None when no pupil of it was."""
    register = read_register(environment().access_db)
    return register.of_school(school_id) if register.has_school(school_id) else None


def _about_forgotten(issue: Issue, is_forgotten: Callable[[str], bool]) -> bool:
    """Whether a refused row belongs to a pupil deleted under 152-ФЗ (by the row's pupil id)."""
    if not issue.raw_row:
        return False
    try:
        row = json.loads(issue.raw_row)
    except ValueError:
        return False
    pupil = row.get("pupil_id") if isinstance(row, dict) else None
    return isinstance(pupil, str) and bool(pupil.strip()) and is_forgotten(pupil.strip())


def _relabel(issue: Issue, label: str) -> Issue:
    return replace(issue, file_name=label)


def _record_batch(
    con: duckdb.DuckDBPyConnection, result: IngestResult, export: dict, started: dt.datetime, run_by: str
) -> None:
    counts = result.counts
    con.execute(
        "insert into meta_batch values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            result.batch_id,
            export["school_id"],
            export["source_system"],
            export["export_kind_code"],
            export["exported_at"],
            export["covers_from_date"],
            export["covers_to_date"],
            str(result.source_path),
            result.status,
            result.n_rows_in,
            result.n_rows_accepted,
            result.n_rows_in - result.n_rows_accepted,
            counts.total("inserted"),
            counts.total("updated"),
            counts.total("removed"),
            counts.total("kept_newer"),
            started,
            dt.datetime.now(),
            result.seconds_validate,
            result.seconds_load,
            run_by,
            socket.gethostname(),
        ],
    )
    rows = [
        [
            result.batch_id,
            stats.file.label,
            stats.file.spec.name,
            stats.facts.sha256,
            stats.facts.n_bytes,
            stats.facts.encoding_code,
            stats.n_rows_in,
            stats.n_rows_accepted,
            stats.n_rows_in - stats.n_rows_accepted,
        ]
        for stats in result.files
    ]
    if rows:  # one statement (executemany runs one per row)
        values = ", ".join("(" + ", ".join("?" * len(rows[0])) + ")" for _ in rows)
        con.execute(f"insert into meta_batch_file values {values}", [value for row in rows for value in row])
    if result.issues:
        frame = issues_frame(result.issues).with_columns(
            pl.lit(result.batch_id, pl.Int64).alias("batch_id"), pl.lit(export["school_id"]).alias("school_id")
        )
        con.register("quarantine_incoming", frame.to_arrow())
        try:
            con.execute(
                "insert into meta_quarantine select batch_id, school_id, file_name, row_number, column_name, "
                "cell_value, rule_code, message, raw_row from quarantine_incoming"
            )
        finally:
            con.unregister("quarantine_incoming")


def ingest_path(path: Path, db_path: Path, **kwargs) -> list[IngestResult]:
    """Ingest a folder, a .zip, or a folder of export folders (one batch each, in name order)."""
    with scratch_dir() as tmp:
        try:
            folders = discover_exports(path, Path(tmp))
        except ExportRefused as refused:
            return [IngestResult(source_path=path, issues=[refused.issue])]
        return _ingest_folders(folders, db_path, shown=_as_given(path, Path(tmp), folders), **kwargs)


def _as_given(path: Path, workdir: Path, folders: list[Path]) -> dict[Path, Path]:
    """The export folders a .zip given as ``path`` was unpacked into under ``workdir``, each named
    as the user knows it: the archive's path and the folder inside it (``выгрузка.zip/7А``)."""
    unpacked = workdir / path.stem  # where reader.extract_zip puts it
    shown = {}
    for folder in folders:
        try:
            inner = folder.relative_to(unpacked)
        except ValueError:
            continue  # not unpacked: the folder is the user's own
        shown[folder] = path / inner
    return shown


# A folder of exports smaller than this is loaded in this process alone: a worker costs seconds
# to start, more than it saves on small exports.
PARALLEL_MIN_BYTES = 64 << 20


def _ingest_folders(
    folders: list[Path], db_path: Path, *, shown: dict[Path, Path] | None = None, **kwargs
) -> list[IngestResult]:
    """Ingest the folders in order and publish the result. A failure (no space, a read or write
    error, a worker process killed, Ctrl+C, or a fault of this program) stops it at the export it hit: that
    export is rolled back, the ones before it stay loaded (and are published), and
    :class:`IngestInterrupted` says so. ``shown``: scratch folders by the path the user gave
    (``ingest_export``'s ``shown_as``)."""
    shown = shown or {}
    workers = environment().ingest_workers
    results: list[IngestResult] = []
    try:
        # the warehouse is opened once for the batches and their publishing (opening reads its
        # catalogue: about 15 ms of a small export's half second)
        with contextlib.ExitStack() as held:
            if workers and len(folders) > 1 and _bytes_of(folders) >= PARALLEL_MIN_BYTES:
                _ingest_with_workers(folders, db_path, workers, results, shown, keep_open=held, **kwargs)
            else:
                for folder in folders:
                    results.append(ingest_export(folder, db_path, keep_open=held, shown_as=shown.get(folder), **kwargs))
            if any(r.status != "refused" for r in results) or current_snapshot(db_path) is None:
                if kwargs.get("progress"):
                    kwargs["progress"]("Публикация для панели", 1, 1)
                publish(db_path)
    except WarehouseBusyError:
        raise  # before any export went in: another process writes the warehouse
    except (Exception, KeyboardInterrupt) as error:
        # the warehouse is closed by now (DuckDB invalidates an instance whose write failed): the
        # exports loaded before are published from a fresh opening, if there is room for the copy
        index = len(results)  # the export it stopped at; all of them: it stopped at publishing
        published = None
        if any(r.status != "refused" for r in results):
            try:
                published = publish(db_path) is not None
            except (OSError, duckdb.Error, KeyboardInterrupt):  # Ctrl+C again: the stop is said as it is
                published = False
        if index == len(folders) and published:
            return results  # the second try of the publishing went through
        label = folders[min(index, len(folders) - 1)].name
        raise IngestInterrupted(label, index, len(folders), results, error, db_path.parent, published) from error
    return results


@contextlib.contextmanager
def _main_not_reimported() -> Iterator[None]:
    """A spawned worker imports the parent's ``__main__`` by its path; when that is a script (the
    dashboard's app, a test runner's), the worker must not run it: while workers start, ``__main__``
    is a bare module, and they import only :mod:`pipelines.prepare`."""
    main = sys.modules["__main__"]
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        sys.modules["__main__"] = main


def _bytes_of(folders: list[Path]) -> int:
    return sum(f.stat().st_size for folder in folders for f in folder.iterdir() if f.is_file())


def _ingest_with_workers(
    folders: list[Path],
    db_path: Path,
    workers: int,
    results: list[IngestResult],
    shown: dict[Path, Path],
    **kwargs,
) -> None:
    """Load the exports in order into ``results``, each in its own transaction as
    :func:`ingest_export` does, while ``workers`` processes read and check the next ones
    (:mod:`pipelines.prepare`); at most ``workers + 1`` checked exports wait on disk. A failure
    stops the workers' queue: no export after it is checked in vain. A worker that finds no room
    for its files (the temporary folder is small, or RAM where ``/tmp`` is a tmpfs) stops the
    workers instead: this export and the next are checked here, with the same result, and each
    says so in a warning."""
    norms = kwargs.pop("norms", None) or load_norms()
    batch_rows, holidays = norms.validation.batch_rows, norms.validation.allow_lessons_on_holidays
    context = multiprocessing.get_context("spawn")  # polars' threads do not survive a fork
    with scratch_dir() as tmp, ProcessPoolExecutor(workers, mp_context=context) as pool:
        out = [Path(tmp) / f"{index:05d}" for index in range(len(folders))]

        def prepare(index: int) -> Future:
            try:
                with _main_not_reimported():
                    return pool.submit(prepare_in_worker, str(folders[index]), str(out[index]), batch_rows, holidays)
            except BrokenProcessPool as broken:
                # a worker died checking an export after the one at hand: that one, already checked,
                # is still loaded, and the load stops when it comes to the export never checked
                failed: Future = Future()
                failed.set_exception(broken)
                return failed

        ahead = {index: prepare(index) for index in range(min(len(folders), workers + 1))}
        here: Issue | None = None  # once the workers ran out of room: why the rest is checked here
        try:
            for index, folder in enumerate(folders):
                prepared = None
                if here is None:
                    try:
                        prepared = ahead.pop(index).result()
                    except Exception as error:
                        if space_errno(error) is None:
                            raise
                        here = _checked_here(error, db_path)
                        pool.shutdown(wait=True, cancel_futures=True)
                        for files in out[index:]:  # room for this process's own checks
                            shutil.rmtree(files, ignore_errors=True)
                    else:
                        following = index + workers + 1
                        if following < len(folders):
                            ahead[following] = prepare(following)
                result = ingest_export(
                    folder, db_path, norms=norms, prepared=prepared, shown_as=shown.get(folder), **kwargs
                )
                if here is not None:
                    result.warnings.append(here)
                results.append(result)
                shutil.rmtree(out[index], ignore_errors=True)
        except BaseException:
            pool.shutdown(wait=True, cancel_futures=True)
            raise


def _checked_here(error: BaseException, db_path: Path) -> Issue:
    message = (
        f"Процессам, проверяющим выгрузки заранее, не хватило места для проверенных строк: "
        f"{reason_text(error, db_path.parent)}. Эта выгрузка и следующие проверены в основном процессе — "
        "с тем же результатом, но дольше"
    )
    return Issue("", None, None, None, "workers_no_space", message)


@dataclass
class SourceIngest:
    """What ``ingest_source`` did: which format it found (or was told) and the batches' results."""

    source: str
    title: str
    detected: bool
    results: list[IngestResult]


def ingest_source(
    path: Path,
    db_path: Path,
    *,
    source: str | None = None,
    context: ImportContext | None = None,
    **kwargs,
) -> SourceIngest:
    """Ingest any supported data: a canonical export, or a journal system's own files.

    The format is detected (canonical export first, then each importer) unless ``source`` names
    it. An importer converts into a temporary canonical folder that then goes through the
    ordinary ingest, so validation and all-or-nothing loading are the same for every system.
    Notes of the importer become warnings; a refused import loads nothing.
    """
    from pipelines.importers.registry import CANONICAL, convert_source, detect_source, source_title
    from pipelines.importers.saved_pages import with_pages_as_html

    norms = kwargs.get("norms") or load_norms()
    kwargs["norms"] = norms
    with scratch_dir() as tmp:
        workdir = Path(tmp)
        name = source
        try:
            data = unpack(path, workdir / "_source")  # the only extraction: a folder from here on
            guards.check_path(data)  # links, special files, workbooks' parts and merged ranges
            data = with_pages_as_html(data, workdir / "_pages")  # a page saved as one file (MHTML)
            name = source or detect_source(data, workdir)
            if name == CANONICAL:
                folders = discover_exports(data, workdir)
            else:
                conversion = convert_source(data, name, workdir, context or ImportContext(norms=norms))
        except ExportRefused as refused:
            title = source_title(name) if name else "не определён"
            return SourceIngest(
                name or "?", title, source is None, [IngestResult(source_path=path, issues=[refused.issue])]
            )
        try:
            if name == CANONICAL:
                shown = _as_given(path, workdir / "_source", folders)
                return SourceIngest(
                    CANONICAL,
                    source_title(CANONICAL),
                    source is None,
                    _ingest_folders(folders, db_path, shown=shown, **kwargs),
                )
            # published like a canonical export
            results = _ingest_folders(
                [conversion.folder], db_path, shown={conversion.folder: path}, origins=conversion.origins, **kwargs
            )
        except IngestInterrupted as stopped:
            # named as the user gave it, not by the scratch folder it was unpacked or converted into
            if name == CANONICAL:
                stopped.label = _shown_folder(path, data, folders[min(stopped.index, len(folders) - 1)])
            else:
                stopped.label = path.name
                for result in stopped.loaded:
                    result.source_path = path
            stopped.found = SourceIngest(
                name, source_title(name) if name == CANONICAL else conversion.title, source is None, stopped.loaded
            )
            stopped.args = (stopped.message(),)
            raise
        for result in results:
            result.source_path = path
            result.warnings = [_note_issue(note) for note in conversion.notes] + result.warnings
        return SourceIngest(name, conversion.title, source is None, results)


def _shown_folder(path: Path, data: Path, folder: Path) -> str:
    """An export folder as the user knows it: the path given, or the folder inside it."""
    try:
        inner = folder.relative_to(data)
    except ValueError:
        return folder.name
    return path.name if inner == Path(".") else str(Path(path.name) / inner)


def _note_issue(note) -> Issue:
    place = f"{note.location}: " if note.location else ""
    return Issue(note.file_name, None, note.field, note.value, "import_note", f"{place}{note.message}")


__all__ = [
    "FILES_BY_NAME",
    "TABLE_FILES",
    "IngestResult",
    "SourceIngest",
    "ingest_export",
    "ingest_path",
    "ingest_source",
]
