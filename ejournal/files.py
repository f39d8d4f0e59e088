"""Small file helpers shared by the pipeline and the warehouse: checksums, SQL paths, private
file modes and scratch folders that do not outlive their process."""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
import tempfile
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

_CHUNK = 16 * 1024 * 1024

# EJOURNAL_FILE_MODE → the process umask: files 0600 and folders 0700, or 0640/0750 for a group.
UMASKS = {"private": 0o077, "group": 0o027}
SCRATCH_PREFIX = "ejournal-"
PARTIAL_PREFIX = ".partial-"
STALE_MINUTES = 30
_OWNER_PID = re.compile(r"-p(\d+)(?:-|$)")


def sha256_of(path: Path) -> str:
    """The file's sha256, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def sql_path(path: Path) -> str:
    """A path for a single-quoted DuckDB string literal (ATTACH, EXPORT take no bound parameters)."""
    return str(path).replace("'", "''")


def apply_file_mode(file_mode: str) -> int:
    """Set the process umask for ``file_mode`` (``private`` or ``group``); returns the umask."""
    umask = UMASKS[file_mode]
    os.umask(umask)
    return umask


def restrict(paths: Iterable[Path], file_mode: str, *, recursive: bool = True) -> None:
    """Tighten files and folders made before the umask was set (or by older versions).

    Folders are walked unless ``recursive`` is false: a world-readable file inside a private folder
    is tightened too. Links are never followed, and a path that does not exist is skipped.
    """
    umask = UMASKS[file_mode]
    for path in paths:
        if path.is_symlink() or not path.exists():
            continue
        if path.is_dir() and not recursive:
            _restrict_file(path, umask, folder=True)
        elif path.is_dir():
            for folder, folders, files in os.walk(path):
                _restrict_file(Path(folder), umask, folder=True)
                for name in files:
                    _restrict_file(Path(folder) / name, umask)
                folders[:] = [f for f in folders if not (Path(folder) / f).is_symlink()]
        else:
            _restrict_file(path, umask)


def _restrict_file(path: Path, umask: int, *, folder: bool = False) -> None:
    if not path.is_symlink():
        with contextlib.suppress(FileNotFoundError, PermissionError):
            os.chmod(path, (0o777 if folder else path.stat().st_mode & 0o777) & ~umask)


def owner_tag() -> str:
    """The part of a scratch name that tells the sweep which process owns it."""
    return f"p{os.getpid()}"


@contextlib.contextmanager
def scratch_folder(kind: str) -> Iterator[Path]:
    """A private temporary folder (0700) named after its process, removed when the block ends."""
    folder = Path(tempfile.mkdtemp(prefix=f"{SCRATCH_PREFIX}{kind}-{owner_tag()}-"))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def sweep_stale(folder: Path, prefix: str, *, minutes: int = STALE_MINUTES) -> list[Path]:
    """Remove leftovers of crashed runs in ``folder``: entries named ``prefix…`` untouched for
    ``minutes`` whose owning process is gone (an entry without an owner counts as orphaned)."""
    removed = []
    cutoff = time.time() - minutes * 60
    with contextlib.suppress(FileNotFoundError, NotADirectoryError):
        for entry in folder.iterdir():
            owner = _OWNER_PID.search(entry.name)
            if not entry.name.startswith(prefix) or entry.is_symlink():
                continue
            if owner and _alive(int(owner.group(1))):
                continue
            if entry.lstat().st_mtime > cutoff:
                continue
            if entry.is_dir():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink(missing_ok=True)
            removed.append(entry)
    return removed


def sweep_scratch(minutes: int = STALE_MINUTES) -> list[Path]:
    """Remove scratch folders of crashed runs from the system's temporary folder."""
    return sweep_stale(Path(tempfile.gettempdir()), SCRATCH_PREFIX, minutes=minutes)


def secure_start(home: Path, db_path: Path, access_db: Path, file_mode: str) -> None:
    """What every entry point does first: the umask, older files tightened, crash leftovers swept.

    The warehouse's published copies live beside it in ``<stem>.published`` (warehouse/snapshot.py);
    SQLite's and DuckDB's side files (``-wal``, ``-shm``, ``.wal``) are tightened with their database.
    """
    apply_file_mode(file_mode)
    restrict([home], file_mode, recursive=False)
    restrict(
        [
            home / "backups",
            home / "reports",
            db_path,
            db_path.with_name(db_path.name + ".wal"),
            db_path.parent / f"{db_path.stem}.published",
            access_db,
            access_db.with_name(access_db.name + "-wal"),
            access_db.with_name(access_db.name + "-shm"),
        ],
        file_mode,
    )
    sweep_scratch()
    sweep_stale(home / "backups", PARTIAL_PREFIX)
