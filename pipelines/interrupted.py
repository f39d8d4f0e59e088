"""An ingest stopped midway: the disk filled up, a file outgrew its limit, a read or write failed,
DuckDB ran out of memory, a worker process was killed, or the program met a fault of its own.
Each export is its own transaction, so the exports loaded before the one it stopped at stay
loaded, that one is rolled back, and the ones after it are not started. The message says exactly
that, in Russian, with what ran out and where (never a cell value, never a traceback).
"""

from __future__ import annotations

import errno
import shutil
import tempfile
from collections.abc import Iterator
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import duckdb

from ejournal.errors import named
from ejournal.norm_words import plural
from warehouse.status import STORED_STATUSES

# What each space error means; DuckDB reports them in its own messages, by the C library's text.
SPACE_ERRORS = {
    errno.ENOSPC: ("No space left on device", "на диске не хватило места"),
    errno.EDQUOT: ("Disk quota exceeded", "исчерпана дисковая квота пользователя"),
    errno.EFBIG: ("File too large", "файл превысил предельный размер, заданный системой (ulimit -f)"),
}
_MB = 1024 * 1024


def _chain(error: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        yield error
        error = error.__cause__ or error.__context__


def space_errno(error: BaseException) -> int | None:
    """ENOSPC, EDQUOT or EFBIG when ``error`` (or what caused it) is running out of space."""
    for link in _chain(error):
        if isinstance(link, OSError) and link.errno in SPACE_ERRORS:
            return link.errno
        text = str(link)
        for number, (c_text, _) in SPACE_ERRORS.items():
            if c_text in text:
                return number
    return None


def _free(folder: Path) -> int | None:
    try:
        return shutil.disk_usage(folder).free
    except OSError:
        return None


def free_space_text(warehouse_dir: Path, scratch: Path | None = None) -> str:
    """Where the ingest writes and how much room is left there: the warehouse's folder and the
    temporary folder (extracted archives, the workers' checked rows; ``TMPDIR`` moves it)."""
    scratch = scratch or Path(tempfile.gettempdir())
    places = [(warehouse_dir, "в папке хранилища {}"), (scratch, "во временной папке {} (задаётся TMPDIR)")]
    shown: list[str] = []
    devices: set[int] = set()
    for folder, what in places:
        try:
            device = folder.stat().st_dev
        except OSError:
            continue
        if device in devices:
            continue
        devices.add(device)
        free = _free(folder)
        if free is not None:
            shown.append(f"{what.format(folder)} — {free // _MB:,} МБ".replace(",", " "))
    return "свободно " + "; ".join(shown) if shown else ""


def reason_text(error: BaseException, warehouse_dir: Path) -> str:
    """Why the ingest stopped, in Russian: a space error by name with the free space; any other
    by its type and first line (a file system's or DuckDB's own words)."""
    if is_user_stop(error):
        return "нажато Ctrl+C"
    number = space_errno(error)
    if number is not None:
        free = free_space_text(warehouse_dir)
        return SPACE_ERRORS[number][1] + (f" ({free})" if free else "")
    if any(isinstance(link, duckdb.OutOfMemoryException) for link in _chain(error)):
        return (
            "DuckDB не хватило памяти: сверх предела EJOURNAL_DUCKDB_MEMORY он пишет на диск рядом с "
            "хранилищем, но эта операция туда не поместилась — увеличьте предел или освободите память"
        )
    if isinstance(error, BrokenProcessPool):
        return (
            "процесс, проверявший следующие выгрузки, завершился аварийно (его могла остановить система, "
            "когда не хватило памяти; число таких процессов задаёт EJOURNAL_INGEST_WORKERS, 0 — без них)"
        )
    if is_unexpected(error):  # a fault of the program: its text may quote a cell, so the type only
        return f"непредвиденная ошибка программы ({type(error).__name__})"
    io = any(isinstance(link, (OSError, duckdb.IOException)) for link in _chain(error))
    return f"{'сбой чтения или записи' if io else 'сбой'} ({named(error)})"


def is_user_stop(error: BaseException) -> bool:
    """Ctrl+C: Python's KeyboardInterrupt between statements, DuckDB's interrupted query within one
    (which its Python module raises as a RuntimeError)."""
    for link in _chain(error):
        if isinstance(link, (KeyboardInterrupt, duckdb.InterruptException)):
            return True
        if isinstance(link, RuntimeError) and str(link).startswith("Query interrupted"):
            return True
    return False


def is_unexpected(error: BaseException) -> bool:
    """Neither the machine (files, disk, memory, a killed worker), nor the engine, nor Ctrl+C: a
    fault of ours."""
    return not isinstance(error, (OSError, duckdb.Error, BrokenProcessPool)) and not is_user_stop(error)


class IngestInterrupted(Exception):
    """The ingest stopped at export ``label`` (``index`` of ``total``) on ``error``; ``loaded``
    are the results of the exports before it, each committed or refused on its own; ``published``
    says whether the dashboard's copy was brought up to date with them (None: nothing to show)."""

    def __init__(
        self,
        label: str,
        index: int,
        total: int,
        loaded: list,  # pipelines.ingest.IngestResult (that module raises this one)
        error: BaseException,
        warehouse_dir: Path,
        published: bool | None,
    ) -> None:
        self.label, self.index, self.total, self.loaded = label, index, total, loaded
        self.error, self.published = error, published
        self.reason = reason_text(error, warehouse_dir)
        self.found = None  # set by ingest_source: a SourceIngest of the format and these results
        super().__init__(self.message())

    @property
    def by_user(self) -> bool:
        return is_user_stop(self.error)

    @property
    def is_space(self) -> bool:
        return space_errno(self.error) is not None

    @property
    def kept_schools(self) -> list[str]:
        return sorted({r.school_id for r in self.loaded if r.status in STORED_STATUSES and r.school_id})

    def message(self) -> str:
        kept = self.kept_schools
        if self.index >= self.total:  # every export went in; the dashboard's copy did not
            return (
                f"загрузка выполнена (школы: {', '.join(kept) or 'нет'}), но копия для панели не обновлена: "
                f"{self.reason}. Панель пока показывает прежние данные; они обновятся при следующей загрузке."
            )
        parts = [
            f"загрузка {'остановлена' if self.by_user else 'прервана'} на выгрузке «{self.label}»: {self.reason}.",
            "Эта выгрузка не загружена, хранилище ею не изменено.",
        ]
        if kept:
            shown = "панель их уже показывает" if self.published else "панель покажет их после следующей загрузки"
            parts.append(f"Загруженное до неё сохранено (школы: {', '.join(kept)}); {shown}.")
        left = self.total - self.index - 1
        if left > 0:
            # «следующая 21 выгрузка не загружалась», «следующие 3 выгрузки не загружались»
            what = "выгрузка" if left == 1 else f"{left} {plural(left, ('выгрузка', 'выгрузки', 'выгрузок'))}"
            parts.append(
                f"Следующ{plural(left, ('ая', 'ие', 'ие'))} за ней {what} не загружал{plural(left, ('ась', 'ись', 'ись'))}."
            )
        again = " — уже загруженные школы пройдут как «без изменений»" if kept else ""
        if self.by_user:
            parts.append(f"Чтобы догрузить остальное, повторите загрузку{again}.")
        elif self.is_space:
            parts.append(f"Освободите место и повторите загрузку{again}.")
        elif is_unexpected(self.error):
            parts.append("Сообщите разработчикам, приложив файл выгрузки.")
        return " ".join(parts)
