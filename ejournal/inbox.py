"""The inbox folder `ejournal watch` loads: which items are ready, their content hash, the durable
record of what was loaded, and setting an item aside into «loaded» or «refused».

An item is a file or a folder directly in the inbox. It is not taken while it may still be being
written: names ending in .part (and the like), hidden names and office lock files are skipped, and
an item is ready only when nothing in it has changed for ``settle`` seconds or its size and time
were the same at the previous poll. The record of loaded content hashes is a JSON file written
atomically, so a file is loaded once even if it comes back under another name.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import json
import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

LOADED, REFUSED = "loaded", "refused"
UNFINISHED_SUFFIXES = (".part", ".partial", ".tmp", ".crdownload", ".download", ".filepart")
STATE_VERSION = 1


class InboxBusyError(Exception):
    """Another `ejournal watch` holds the inbox's record."""


@dataclass(frozen=True)
class Signature:
    """What tells a finished item from one still being written: total size and newest change.

    The change time (ctime) counts as well as the modification time: a copy that keeps the
    original's modification time (Windows Explorer over a share, ``cp -p``) still changes ctime
    with every write, and nobody can set ctime back."""

    n_bytes: int
    newest_mtime: float


def _files_of(item: Path) -> list[Path]:
    if item.is_dir():
        return sorted(p for p in item.rglob("*") if p.is_file() and not p.is_symlink())
    return [item]


def signature(item: Path) -> Signature:
    stats = [p.stat() for p in _files_of(item)]
    own = item.stat()
    newest = max(max(s.st_mtime, s.st_ctime) for s in [own, *stats])
    return Signature(sum(s.st_size for s in stats), newest)


def content_hash(item: Path) -> str:
    """sha256 of a file's bytes, or of a folder's relative paths and bytes (its name does not count)."""
    digest = hashlib.sha256()
    for path in _files_of(item):
        if item.is_dir():
            digest.update(path.relative_to(item).as_posix().encode("utf-8") + b"\0")
        with path.open("rb") as stream:
            for chunk in iter(lambda: stream.read(1 << 20), b""):
                digest.update(chunk)
        digest.update(b"\0")
    return digest.hexdigest()


def is_unfinished_name(name: str) -> bool:
    """A name a copy in progress or a program's temporary file has: never taken."""
    return name.startswith((".", "~$")) or name.lower().endswith(UNFINISHED_SUFFIXES)


def candidates(inbox: Path) -> list[Path]:
    """Items directly in the inbox in name order, without the set-aside folders and unfinished names."""
    if not inbox.is_dir():
        return []
    return sorted(
        p
        for p in inbox.iterdir()
        if p.name not in (LOADED, REFUSED) and not is_unfinished_name(p.name) and not p.is_symlink()
    )


class SettleWatch:
    """Remembers each item's signature between polls: an item is ready when it has not changed for
    ``settle`` seconds, or when it is the same as at the previous poll."""

    def __init__(self, settle: float) -> None:
        self.settle = settle
        self._seen: dict[Path, Signature] = {}

    def ready(self, items: list[Path], now: float | None = None) -> list[Path]:
        now = time.time() if now is None else now
        seen, ready = {}, []
        for item in items:
            try:
                current = signature(item)
            except OSError:  # gone or unreadable between the listing and now
                continue
            if now - current.newest_mtime >= self.settle or self._seen.get(item) == current:
                ready.append(item)
            seen[item] = current
        self._seen = seen
        return ready


class RetryPacing:
    """When to try again an item whose load failed (the warehouse busy or unreadable, a full disk):
    after 1, 2, 4, … polls, at most ``max_gap`` polls apart, so that a lasting failure neither
    reloads the same file at every poll nor fills the service's log. Kept in memory: a restarted
    watcher tries everything at once again."""

    def __init__(self, max_gap: int = 64) -> None:
        self.max_gap = max_gap
        self._poll = 0
        self._pending: dict[str, tuple[int, int]] = {}  # content hash → (poll it is due at, failures)

    def next_poll(self) -> None:
        self._poll += 1

    def is_due(self, digest: str) -> bool:
        pending = self._pending.get(digest)
        return pending is None or self._poll >= pending[0]

    def failed(self, digest: str) -> int:
        """Note a failure; the number of polls until the next try."""
        failures = self._pending.get(digest, (0, 0))[1]
        gap = min(2**failures, self.max_gap)
        self._pending[digest] = (self._poll + gap, failures + 1)
        return gap

    def done(self, digest: str) -> None:
        self._pending.pop(digest, None)


class LoadedRecord:
    """The content hashes loaded from the inbox, kept in a JSON file (written atomically)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def read(self) -> dict[str, dict]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except ValueError as error:
            raise ValueError(f"файл учёта загруженного {self.path} повреждён: {error}") from None
        return data.get("loaded", {})

    def find(self, digest: str) -> dict | None:
        return self.read().get(digest)

    def add(self, digest: str, name: str, outcome: str) -> None:
        loaded = self.read()
        loaded[digest] = {"name": name, "outcome": outcome, "at": dt.datetime.now().isoformat(timespec="seconds")}
        partial = self.path.with_name(self.path.name + ".partial")
        partial.write_text(
            json.dumps({"version": STATE_VERSION, "loaded": loaded}, ensure_ascii=False, indent=1), encoding="utf-8"
        )
        with partial.open("rb") as stream:
            os.fsync(stream.fileno())
        os.replace(partial, self.path)

    @contextmanager
    def locked(self) -> Iterator[LoadedRecord]:
        """Hold the record for one watcher; a second one gets InboxBusyError."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.with_name(self.path.name + ".lock").open("a") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise InboxBusyError(str(self.path)) from None
            yield self


def set_aside(item: Path, inbox: Path, outcome: str, attachments: list[Path] = ()) -> Path:
    """Move the item (and its error reports beside it) into inbox/«outcome»/, under a name that
    starts with the time, so that nothing there is ever overwritten. Returns the item's new path."""
    folder = inbox / outcome
    folder.mkdir(exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    target = _free_name(folder, f"{stamp}-{item.name}")
    shutil.move(item, target)
    for attachment in attachments:
        shutil.move(attachment, _free_name(folder, f"{target.name}-{attachment.name}"))
    return target


def _free_name(folder: Path, name: str) -> Path:
    target, n = folder / name, 1
    while target.exists():
        n += 1
        target = folder / f"{n}-{name}"
    return target
