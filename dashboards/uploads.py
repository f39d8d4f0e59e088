"""Loads started from the page «Загрузка данных»: each runs in a background thread of the server
(never in a page's script thread) through the same `pipelines.ingest.ingest_source` as
`ejournal ingest`, one at a time per warehouse, and the page polls its state."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import duckdb
import streamlit as st

from ejournal.access.audit import log_event
from ejournal.access.viewer import Viewer
from ejournal.settings import environment, load_norms
from pipelines.importers.contract import ImportContext
from pipelines.ingest import SourceIngest, ingest_source
from pipelines.interrupted import IngestInterrupted, reason_text
from pipelines.issues import Issue, write_issue_report
from warehouse.db import WarehouseBusyError

STAGES = ("получено", "проверка", "загрузка", "публикация", "готово")
REPORT_FILE = "ошибки-загрузки.xlsx"
_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|]")


class UploadRefused(Exception):
    """An upload that is not started: a Russian message and a code for the audit log."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class UploadedFile:
    name: str  # a safe base name, as saved
    size: int
    sha256: str


@dataclass(frozen=True)
class UploadOptions:
    """The `ingest` choices of the page: ``school`` and ``class_name`` as --school and --class;
    ``only_school``: an export of any other school is refused (a school-bound uploader)."""

    school: str | None = None
    class_name: str | None = None
    only_school: str | None = None


@dataclass
class UploadJob:
    """One load's state, written by its worker thread and read by the page."""

    owner: str
    files: list[UploadedFile]
    stage: str = STAGES[0]
    detail: str = ""
    found: SourceIngest | None = None
    error: str | None = None
    report: bytes | None = None
    done: threading.Event = field(default_factory=threading.Event)

    @property
    def running(self) -> bool:
        return not self.done.is_set()

    @property
    def step(self) -> int:
        return STAGES.index(self.stage)

    @property
    def issues(self) -> list[Issue]:
        return [issue for result in self.found.results for issue in result.issues] if self.found else []

    @property
    def outcome_code(self) -> str:
        """loaded, loaded_with_rejections, unchanged, refused or failed (the worst of the exports)."""
        if self.error is not None or self.found is None:
            return "failed"
        order = ("loaded", "unchanged", "loaded_with_rejections", "refused")
        statuses = [result.status for result in self.found.results] or ["refused"]
        return max(statuses, key=order.index)

    def progress(self, text: str, done: int, total: int) -> None:
        """The ingest's progress callback: its steps mapped onto the page's stages."""
        if text.startswith("Загрузка в хранилище"):
            self.stage = "загрузка"
        elif text.startswith("Публикация"):
            self.stage = "публикация"
        else:
            self.stage = "проверка"
        self.detail = f"{text} ({done} из {total})"


def safe_name(name: str, index: int) -> str:
    """The uploaded file's base name without folders, control or reserved characters."""
    base = PurePosixPath(name.replace("\\", "/")).name
    base = _UNSAFE.sub("_", base).strip(" .")
    return base[:120] or f"файл-{index}"


def _save(folder: Path, named: list[tuple[str, bytes]]) -> Path:
    """Write the files (mode 0600) into the private folder; the path to ingest: the one file or the folder."""
    paths = []
    for name, data in named:
        path = folder / name
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
        paths.append(path)
    return paths[0] if len(paths) == 1 else folder


def _unique_names(names: list[str]) -> list[str]:
    seen: set[str] = set()
    unique = []
    for index, name in enumerate(names, start=1):
        safe = safe_name(name, index)
        if safe in seen:
            safe = f"{index}-{safe}"
        seen.add(safe)
        unique.append(safe)
    return unique


class UploadRegistry:
    """The loads of this server: the latest job per warehouse, started only when none runs there."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._jobs: dict[str, UploadJob] = {}

    def latest(self, db_path: Path) -> UploadJob | None:
        return self._jobs.get(str(db_path.resolve()))

    def start(
        self,
        db_path: Path,
        viewer: Viewer,
        uploaded: list[tuple[str, bytes]],
        options: UploadOptions,
        *,
        max_mb: int,
    ) -> UploadJob:
        """Check the upload and start its worker, or raise UploadRefused with the reason."""
        if not uploaded:
            raise UploadRefused("Выберите файлы выгрузки или архив .zip.", "empty")
        size = sum(len(data) for _, data in uploaded)
        if size > max_mb * 1024 * 1024:
            raise UploadRefused(
                f"Загрузка {size / 1024**2:.1f} МБ больше предела {max_mb} МБ (EJOURNAL_UPLOAD_MAX_MB): "
                "ничего не загружено.",
                "too_big",
            )
        names = _unique_names([name for name, _ in uploaded])
        named = list(zip(names, (data for _, data in uploaded), strict=True))
        files = [UploadedFile(name, len(data), hashlib.sha256(data).hexdigest()) for name, data in named]
        key = str(db_path.resolve())
        with self._lock:
            current = self._jobs.get(key)
            if current is not None and current.running:
                raise UploadRefused(
                    "Сейчас идёт другая загрузка в это хранилище. Дождитесь её окончания и повторите.", "busy"
                )
            job = UploadJob(viewer.login, files)
            self._jobs[key] = job
        worker = threading.Thread(
            target=_run, args=(job, db_path, viewer, named, options), name="ejournal-upload", daemon=True
        )
        worker.start()
        return job


@st.cache_resource(show_spinner=False)
def upload_registry() -> UploadRegistry:
    """The one registry of the server process (shared by every session)."""
    return UploadRegistry()


def _run(job: UploadJob, db_path: Path, viewer: Viewer, named: list[tuple[str, bytes]], options: UploadOptions):
    """The worker: save into a private folder, ingest, keep the error report, audit; the folder is
    removed whatever happens."""
    folder = Path(tempfile.mkdtemp(prefix="ejournal-upload-"))  # 0700
    try:
        job.found = _ingest(job, _save(folder, named), db_path, viewer, options)
        if job.issues:
            job.report = write_issue_report(job.issues, folder / REPORT_FILE).read_bytes()
    except WarehouseBusyError:
        job.error = "Хранилище занято другой загрузкой (например, ejournal watch). Повторите позже."
    except IngestInterrupted as stopped:
        # the exports before the one it stopped at are loaded: their batches go to the audit
        job.found, message = stopped.found, stopped.message()
        job.error = message[:1].upper() + message[1:]
    except (OSError, duckdb.Error) as error:
        job.error = f"Загрузка прервана, хранилище не изменено: {reason_text(error, db_path.parent)}."
    except Exception as error:  # the last line of defence: a message, never a dead worker
        job.error = (
            f"Загрузка прервана непредвиденной ошибкой ({type(error).__name__}); хранилище ею не изменено. "
            "Сообщите разработчикам."
        )
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        job.stage = STAGES[-1]
        _audit(job, viewer)
        job.done.set()


def _ingest(job: UploadJob, path: Path, db_path: Path, viewer: Viewer, options: UploadOptions) -> SourceIngest:
    job.stage = "проверка"
    norms = load_norms()
    return ingest_source(
        path,
        db_path,
        context=ImportContext(norms=norms, school_id=options.school, class_name=options.class_name),
        norms=norms,
        run_by=viewer.login,
        progress=job.progress,
        only_school=options.only_school,
    )


def _audit(job: UploadJob, viewer: Viewer) -> None:
    """The upload in the audit log: file names, sizes, hashes, outcome, batches (never a cell value)."""
    batches = [str(r.batch_id) for r in job.found.results if r.batch_id] if job.found else []
    log_event(
        environment().access_db,
        "upload",
        viewer.login,
        actor_role=viewer.role.value,
        object_text=", ".join(f.name for f in job.files),
        details={
            "sizes": ", ".join(str(f.size) for f in job.files),
            "sha256": ", ".join(f.sha256 for f in job.files),
            "outcome": job.outcome_code,
            **({"batches": ", ".join(batches)} if batches else {}),
        },
    )


def audit_refused(viewer: Viewer, uploaded: list[tuple[str, bytes]], refused: UploadRefused) -> None:
    """An upload refused before it started (too big, another load running)."""
    log_event(
        environment().access_db,
        "upload",
        viewer.login,
        actor_role=viewer.role.value,
        object_text=", ".join(_unique_names([name for name, _ in uploaded])),
        details={
            "sizes": ", ".join(str(len(data)) for _, data in uploaded),
            "outcome": "refused",
            "reason": refused.code,
        },
    )
