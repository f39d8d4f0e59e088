"""The register of pupils forgotten under 152-ФЗ, and the index of pupils per written document.

A forgotten pupil is kept only as a keyed hash: HMAC-SHA256 of (school, pupil id) with a secret
key the installation creates once, 0600, beside the access store (``access.sqlite.forget-key``).
Without the key the hash cannot be checked against guessed ids; with a plain hash a pupil id
came back from the table in a fraction of a second. Rows of earlier versions carry an unkeyed
sha256 (``hash_kind = 'sha256'``): they are still honoured, but cannot be re-keyed without the ids.

A forget is written here first, as ``pending`` with what finishing it needs after a crash (the id
and the name forms, nothing else) and an audit event, in one transaction; ``done`` erases those
fields (the store overwrites freed space: ``secure_delete``) and appends the final audit event.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import hmac
import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ejournal.access.audit import record
from ejournal.access.store import open_store, secret_key

KEY_SUFFIX = ".forget-key"
PENDING, DONE = "pending", "done"
KEYED, LEGACY = "hmac-sha256", "sha256"


def key_path(access_db: Path) -> Path:
    return access_db.with_name(access_db.name + KEY_SUFFIX)


def forget_key(access_db: Path) -> bytes:
    """The installation's secret key for forgotten pupils, created on first use (``secret_key``)."""
    return secret_key(key_path(access_db), "ключ удалённых учеников")


def pupil_hash(key: bytes, school_id: str, pupil_id: str) -> str:
    return hmac.new(key, f"{school_id}\x1f{pupil_id}".encode(), hashlib.sha256).hexdigest()


def legacy_hash(school_id: str, pupil_id: str) -> str:
    """The unkeyed hash earlier versions stored (still matched, never written)."""
    return hashlib.sha256(f"{school_id}\x1f{pupil_id}".encode()).hexdigest()


@dataclass(frozen=True)
class Forgotten:
    school_id: str
    pupil_hash: str
    forgotten_at: str
    state: str
    pupil_id: str | None = None
    name_forms: tuple[str, ...] = ()


@dataclass(frozen=True)
class ForgottenPupils:
    """Every forgotten pupil (pending or done), to test ids against: ingest, restore."""

    key: bytes | None
    keyed: frozenset[tuple[str, str]]
    legacy: frozenset[tuple[str, str]]

    def contains(self, school_id: str, pupil_id: str) -> bool:
        if self.legacy and (school_id, legacy_hash(school_id, pupil_id)) in self.legacy:
            return True
        return self.key is not None and (school_id, pupil_hash(self.key, school_id, pupil_id)) in self.keyed

    def of_school(self, school_id: str) -> Callable[[str], bool]:
        return lambda pupil_id: self.contains(school_id, pupil_id)

    def has_school(self, school_id: str) -> bool:
        """Whether any pupil of this school was forgotten."""
        return any(school == school_id for school, _ in self.keyed | self.legacy)

    def __bool__(self) -> bool:
        return bool(self.keyed or self.legacy)


def _rows(access_db: Path, where: str = "", params: tuple = ()) -> list[Forgotten]:
    if not access_db.exists():
        return []
    with open_store(access_db) as con:
        rows = con.execute(
            "select school_id, pupil_hash, forgotten_at, state, pupil_id, name_forms, hash_kind "
            f"from forgotten_pupil {where} order by forgotten_at",
            params,
        ).fetchall()
    return [
        Forgotten(school, hashed, at, state, pupil, tuple(json.loads(forms)) if forms else ())
        for school, hashed, at, state, pupil, forms, _ in rows
    ]


def read_register(access_db: Path) -> ForgottenPupils:
    if not access_db.exists():
        return ForgottenPupils(None, frozenset(), frozenset())
    with open_store(access_db) as con:
        rows = con.execute("select school_id, pupil_hash, hash_kind from forgotten_pupil").fetchall()
    keyed = frozenset((school, hashed) for school, hashed, kind in rows if kind == KEYED)
    legacy = frozenset((school, hashed) for school, hashed, kind in rows if kind != KEYED)
    return ForgottenPupils(forget_key(access_db) if keyed else None, keyed, legacy)


def find(access_db: Path, school_id: str, pupil_id: str) -> Forgotten | None:
    """The record of this pupil (keyed, or an earlier version's unkeyed one), if any."""
    if not access_db.exists():
        return None
    keyed = pupil_hash(forget_key(access_db), school_id, pupil_id) if key_path(access_db).exists() else ""
    hashes = (keyed, legacy_hash(school_id, pupil_id))
    found = _rows(access_db, "where school_id = ? and pupil_hash in (?, ?)", (school_id, *hashes))
    return found[0] if found else None


def pending(access_db: Path) -> list[Forgotten]:
    return _rows(access_db, "where state = ?", (PENDING,))


def begin(access_db: Path, school_id: str, pupil_id: str, name_forms: list[str], actor: str) -> Forgotten:
    """Record the forget as pending, with its audit event, in one transaction (before any deletion)."""
    hashed = pupil_hash(forget_key(access_db), school_id, pupil_id)
    now = dt.datetime.now().isoformat()
    with open_store(access_db) as con:
        con.execute(
            "insert into forgotten_pupil (school_id, pupil_hash, forgotten_at, hash_kind, state, pupil_id, name_forms) "
            "values (?, ?, ?, ?, ?, ?, ?)",
            [school_id, hashed, now, KEYED, PENDING, pupil_id, json.dumps(name_forms, ensure_ascii=False)],
        )
        record(con, "pupil_forget_started", actor, object_text=f"школа {school_id}", now=now)
    return Forgotten(school_id, hashed, now, PENDING, pupil_id, tuple(name_forms))


def finish(access_db: Path, forgotten: Forgotten, actor: str, details: dict[str, int]) -> None:
    """Mark the forget done: erase the id and name forms, append the final audit event."""
    with open_store(access_db) as con:
        con.execute(
            "update forgotten_pupil set state = ?, pupil_id = null, name_forms = null "
            "where school_id = ? and pupil_hash = ?",
            [DONE, forgotten.school_id, forgotten.pupil_hash],
        )
        record(con, "pupil_forgotten", actor, object_text=f"школа {forgotten.school_id}", details=details)
    with contextlib.closing(sqlite3.connect(access_db, timeout=30)) as con:
        con.execute("pragma wal_checkpoint(truncate)")  # the erased fields leave the write-ahead log too


# --- documents and folders ------------------------------------------------------------------------


def index_documents(access_db: Path, named: dict[Path, list[tuple[str, str]]]) -> None:
    """Remember which pupils (school, pupil id → keyed hash) each written document names, and
    the documents' folders; one transaction for all of them."""
    key = forget_key(access_db)
    with open_store(access_db) as con:
        for path, pupils in named.items():
            name = str(path.resolve())
            con.execute("delete from document_pupil where path = ?", [name])
            con.executemany(
                "insert or ignore into document_pupil values (?, ?, ?)",
                [(name, school, pupil_hash(key, school, pupil)) for school, pupil in pupils],
            )
            con.execute("insert or ignore into known_folder values ('documents', ?)", [str(path.resolve().parent)])


def documents_naming(access_db: Path, forgotten: Forgotten) -> list[Path]:
    with open_store(access_db) as con:
        rows = con.execute(
            "select path from document_pupil where school_id = ? and pupil_hash = ?",
            [forgotten.school_id, forgotten.pupil_hash],
        ).fetchall()
    return [Path(p) for (p,) in rows]


def unindex_documents(access_db: Path, paths: list[Path]) -> None:
    with open_store(access_db) as con:
        con.executemany("delete from document_pupil where path = ?", [(str(p),) for p in paths])


def remember_folder(access_db: Path, kind: str, folder: Path) -> None:
    """A folder the app wrote to (kind: documents, backups), for `forget` to search later."""
    with open_store(access_db) as con:
        con.execute("insert or ignore into known_folder values (?, ?)", [kind, str(folder.resolve())])


def known_folders(access_db: Path, kind: str) -> list[Path]:
    if not access_db.exists():
        return []
    with open_store(access_db) as con:
        rows = con.execute("select path from known_folder where kind = ? order by path", [kind]).fetchall()
    return [Path(p) for (p,) in rows]
