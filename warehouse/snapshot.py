"""Published snapshots: what the dashboard reads while an ingest writes.

A DuckDB file has one writing process, and a reader cannot open it while a writer holds it. So
after every change (an ingest, a restore, a pupil forgotten) the writer checkpoints the warehouse
and copies it, under its own lock, to ``<name>.published/<stamp>.duckdb``; then it points the file
``CURRENT`` at the copy with an atomic rename and deletes every older copy. The dashboard opens
the copy ``CURRENT`` names, read-only: it never waits for an ingest, never locks one out and
never sees half a batch. A reader that still has an older copy open keeps reading it (the file
lives on until closed); a reader that finds its copy gone reads ``CURRENT`` again.

Deleting every older copy is also what makes ``forget`` complete: no snapshot keeps a pupil the
warehouse no longer has.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

from warehouse.db import WarehouseBusyError, connect

POINTER = "CURRENT"


def published_dir(db_path: Path) -> Path:
    return db_path.parent / f"{db_path.stem}.published"


def current_snapshot(db_path: Path) -> Path | None:
    """The published copy the dashboard should read, or None when nothing is published yet."""
    folder = published_dir(db_path)
    try:
        name = (folder / POINTER).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    path = folder / name
    return path if name and path.exists() else None


def copy_file(source: Path, target: Path) -> None:
    """Copy ``source`` to ``target`` and wait until the copy is on disk. The kernel copies it
    (``copy_file_range``), which a file system with shared extents (XFS, Btrfs) does by reference,
    at once and without a second copy of the blocks; elsewhere (ext4) it copies them as ``sendfile``
    would. Where that call is refused (or missing: it is Linux's), the file is copied the ordinary way."""
    kernel_copy = getattr(os, "copy_file_range", None)
    with source.open("rb") as src, target.open("wb") as dst:
        size, done = os.fstat(src.fileno()).st_size, 0
        try:
            if kernel_copy is None:
                raise OSError("no copy_file_range here")
            while done < size:
                copied = kernel_copy(src.fileno(), dst.fileno(), size - done)
                if copied == 0:  # the file system stopped short: copy it whole the other way
                    raise OSError("copy_file_range copied nothing")
                done += copied
        except OSError:
            src.seek(0)
            dst.seek(0)
            dst.truncate()
            shutil.copyfileobj(src, dst, 16 << 20)
        dst.flush()
        os.fsync(dst.fileno())


def publish(db_path: Path) -> Path | None:
    """Copy the warehouse to a new snapshot and make it current; None when another process is
    writing (that writer publishes when it finishes)."""
    if not db_path.exists():
        return None
    folder = published_dir(db_path)
    folder.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
    target = folder / f"{stamp}-{os.getpid()}.duckdb"
    partial = target.with_suffix(".partial")
    try:
        with connect(db_path) as con:
            # Everything below runs while this process holds the warehouse: no other process can
            # write it meanwhile, and publishers take turns, so CURRENT only ever moves forward.
            con.execute("checkpoint")
            copy_file(db_path, partial)
            os.replace(partial, target)
            pointer_tmp = folder / f"{POINTER}.tmp"
            pointer_tmp.write_text(target.name, encoding="utf-8")
            os.replace(pointer_tmp, folder / POINTER)
            for old in folder.iterdir():
                if old != target and old.name != POINTER:
                    old.unlink(missing_ok=True)
    except WarehouseBusyError:
        partial.unlink(missing_ok=True)
        return None
    except BaseException:
        # a failed copy (a full disk) leaves no half file: CURRENT still names the last whole one
        partial.unlink(missing_ok=True)
        raise
    return target
