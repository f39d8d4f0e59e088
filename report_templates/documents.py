"""The registry of documents the CLI, the demo and the dashboard can produce, and rendering one
document or the whole school's set (in parallel worker processes).

Adding a document is one entry in KINDS: a package under report_templates/ with
``context.build(con, viewer, class_name, period_name[, norms])`` and ``render.pdf(ctx, path)`` /
``render.xlsx(ctx, path)``.
"""

from __future__ import annotations

import importlib
import inspect
import multiprocessing
import os
import time
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import duckdb

from ejournal.access.accounts import AccessError
from ejournal.access.viewer import Viewer
from report_templates.common import PERIOD_APPLIES, DocumentNorms


@dataclass(frozen=True)
class Kind:
    """A document: its CLI name, title, file name stem, package, and whether `report all` makes it."""

    name: str
    title: str
    file_stem: str
    package: str
    in_school_set: bool = False

    def context_module(self) -> ModuleType:
        return importlib.import_module(f"report_templates.{self.package}.context")

    def render_module(self) -> ModuleType:
        return importlib.import_module(f"report_templates.{self.package}.render")


KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in (
        Kind("results", "Итоги успеваемости класса за учебный период", "итоги", "period_results", True),
        Kind("ledger", "Сводная ведомость учета успеваемости обучающихся класса", "ведомость-успеваемости", "progress_ledger", True),
        Kind("attendance", "Отчет о посещаемости класса", "посещаемость", "attendance_report", True),
        Kind("attendance-ledger", "Сводная ведомость учета посещаемости", "ведомость-посещаемости", "attendance_ledger", True),
        Kind("preliminary", "Предварительный отчет классного руководителя", "предварительный-отчет", "preliminary_report", True),
        Kind("class-teacher", "Отчет классного руководителя за учебный период", "отчет-кл-руководителя", "class_teacher_report", True),
    )
}  # fmt: skip
SCHOOL_SET = [kind.name for kind in KINDS.values() if kind.in_school_set]
FORMATS = ("pdf", "xlsx")


@dataclass(frozen=True)
class Rendered:
    kind: str
    class_name: str
    period_name: str
    paths: list[Path]
    seconds: float = 0.0  # building the context and writing the files, in the process that did it
    cpu_seconds: float = 0.0  # the CPU time of the same (what a busy machine does not inflate)


def safe_file_part(text: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_ " else "_" for ch in text).strip().replace(" ", "-")


def build_context(
    con: duckdb.DuckDBPyConnection,
    viewer: Viewer,
    kind: str,
    class_name: str,
    period_name: str,
    norms: DocumentNorms | None = None,
) -> object:
    build = KINDS[kind].context_module().build
    if "norms" in inspect.signature(build).parameters:
        return build(con, viewer, class_name, period_name, norms=norms or DocumentNorms())
    return build(con, viewer, class_name, period_name)


def render_document(
    con: duckdb.DuckDBPyConnection,
    viewer: Viewer,
    kind: str,
    class_name: str,
    period_name: str,
    out: Path,
    formats: list[str],
    norms: DocumentNorms | None = None,
) -> Rendered:
    """Build one document's context (access rules apply) and write it in the asked formats."""
    started, cpu_started = time.perf_counter(), time.process_time()
    entry = KINDS[kind]
    ctx = build_context(con, viewer, kind, class_name, period_name, norms)
    render = entry.render_module()
    stem = out / f"{entry.file_stem}-{safe_file_part(class_name)}-{safe_file_part(period_name)}"
    paths = []
    if "pdf" in formats:
        paths.append(render.pdf(ctx, stem.with_suffix(".pdf")))
    if "xlsx" in formats:
        paths.append(render.xlsx(ctx, stem.with_suffix(".xlsx")))
    return Rendered(
        kind, class_name, period_name, paths, time.perf_counter() - started, time.process_time() - cpu_started
    )


def render_period_results(
    con: duckdb.DuckDBPyConnection, viewer: Viewer, class_name: str, period_name: str, out: Path, formats: list[str]
) -> Rendered:
    return render_document(con, viewer, "results", class_name, period_name, out, formats)


def latest_periods(con: duckdb.DuckDBPyConnection, school_id: str | None) -> list[tuple[str, str]]:
    """(class name, name of the latest period with period marks) for every class of the school."""
    return con.execute(
        "select c.class_name, p.period_name from mart_period_results as m "
        "join dim_class as c on c.school_id = m.school_id and c.class_id = m.class_id "
        "join dim_period as p on p.school_id = m.school_id and p.period_id = m.period_id "
        "where $school_id is null or m.school_id = $school_id "
        "qualify row_number() over (partition by m.school_id, m.class_id order by p.end_date desc) = 1 "
        "order by c.grade, c.class_name",
        {"school_id": school_id},
    ).fetchall()


def classes_with_period(con: duckdb.DuckDBPyConnection, school_id: str | None, period_name: str) -> list[str]:
    """Names of the classes of the latest academic year that has a period of this name, in grade order."""
    rows = con.execute(
        "with years as (select c.school_id, max(c.academic_year_id) as academic_year_id from dim_class as c "
        "join dim_period as p on p.school_id = c.school_id and p.academic_year_id = c.academic_year_id "
        "where p.period_name = $period and ($school_id is null or c.school_id = $school_id) group by c.school_id) "
        "select distinct c.class_name, c.grade from dim_class as c join years on years.school_id = c.school_id "
        "and years.academic_year_id = c.academic_year_id join dim_period as p on p.school_id = c.school_id "
        f"and p.academic_year_id = c.academic_year_id and p.period_name = $period and {PERIOD_APPLIES} "
        "order by c.grade, c.class_name",
        {"period": period_name, "school_id": school_id},
    ).fetchall()
    return [name for name, _ in rows]


# --- the whole school's set in worker processes -------------------------------------------------


@dataclass
class _WorkerState:
    con: duckdb.DuckDBPyConnection
    viewer: Viewer
    norms: DocumentNorms


_worker: list[_WorkerState] = []  # the state of this worker process (one entry once opened)


def _open_worker(db_path: str, viewer: Viewer, norms: DocumentNorms) -> None:
    """Each worker opens the warehouse read-only once and keeps it for all its documents."""
    con = duckdb.connect(db_path, read_only=True, config={"threads": 1})
    _worker[:] = [_WorkerState(con, viewer, norms)]


def _close_worker() -> None:
    while _worker:
        _worker.pop().con.close()


@dataclass(frozen=True)
class Failure:
    kind: str
    class_name: str
    period_name: str
    message: str


def render_many(
    db_path: Path,
    viewer: Viewer,
    targets: list[tuple[str, str, str]],
    out: Path,
    formats: list[str],
    norms: DocumentNorms | None = None,
    workers: int = 2,
) -> Iterator[Rendered | Failure]:
    """Render (kind, class, period) targets in ``workers`` processes, each holding a read-only
    connection; yields each result as it completes. A document that fails (access, missing data)
    is a Failure with its Russian message, and the others go on."""
    norms = norms or DocumentNorms()
    workers = max(1, min(workers, len(targets) or 1, os.cpu_count() or 1))
    if workers == 1:
        # one process: no pool to spawn, the same read-only connection for every document
        _open_worker(str(db_path), viewer, norms)
        try:
            for kind, class_name, period_name in targets:
                yield _guarded(kind, class_name, period_name, str(out), formats)
        finally:
            _close_worker()
        return
    # spawn, not fork: the parent may hold polars and DuckDB thread pools that a fork would copy mid-flight
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        max_workers=workers, mp_context=context, initializer=_open_worker, initargs=(str(db_path), viewer, norms)
    ) as pool:
        pending = {pool.submit(_guarded, k, c, p, str(out), formats): (k, c, p) for k, c, p in targets}
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                kind, class_name, period_name = pending.pop(future)
                try:
                    result: Rendered | Failure = future.result()
                except Exception as error:  # a worker died: the document is reported, the rest go on
                    result = Failure(kind, class_name, period_name, f"сбой процесса отрисовки ({type(error).__name__})")
                yield result


def _guarded(kind: str, class_name: str, period_name: str, out: str, formats: list[str]) -> Rendered | Failure:
    """One document in a worker; a refusal or a failure becomes a Failure with a Russian message."""
    state = _worker[0]
    try:
        return render_document(state.con, state.viewer, kind, class_name, period_name, Path(out), formats, state.norms)
    except AccessError as error:
        return Failure(kind, class_name, period_name, str(error))
    except Exception as error:  # one broken document must not stop the school's set
        return Failure(kind, class_name, period_name, f"сбой ({type(error).__name__}: {error})")
