"""The access store: accounts and the audit log in a small SQLite file beside the warehouse.

Kept apart from the DuckDB warehouse on purpose: sign-ins and audit records are written while the
dashboard only reads the warehouse, from several processes at once (the dashboard, the CLI),
which SQLite's locking handles and a DuckDB file with one writer does not.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import sqlite3
from collections.abc import Iterator
from pathlib import Path

SCHEMA = """
create table if not exists account (
    login text primary key,
    display_name text not null,
    role_code text not null,
    school_id text,
    teacher_id text,
    password_hash text not null,
    is_disabled integer not null default 0,
    must_change_password integer not null default 0,
    n_failed_attempts integer not null default 0,
    locked_until text,
    created_at text not null,
    password_changed_at text not null,
    region_id text,
    municipality text,
    password_version integer not null default 0
);

-- Append-only: no update or delete is allowed on the audit log.
create table if not exists audit_log (
    event_id integer primary key autoincrement,
    event_at text not null,
    actor_login text,
    actor_role text,
    event_code text not null,
    object_text text,
    details_json text
);
create trigger if not exists audit_log_no_update before update on audit_log
begin
    select raise(abort, 'audit_log is append-only');
end;
create trigger if not exists audit_log_no_delete before delete on audit_log
begin
    select raise(abort, 'audit_log is append-only');
end;

-- Pupils removed under 152-ФЗ, by a keyed hash only (HMAC, key in a 0600 file beside this store),
-- so an old export cannot bring them back. A forget is recorded first as 'pending' with what is
-- needed to finish it after a crash (the id and name forms); 'done' erases them.
create table if not exists forgotten_pupil (
    school_id text not null,
    pupil_hash text not null,
    forgotten_at text not null,
    primary key (school_id, pupil_hash)
);

-- The pupils named in each document the app wrote (keyed hashes), so `forget` finds the files.
create table if not exists document_pupil (
    path text not null,
    school_id text not null,
    pupil_hash text not null,
    primary key (path, school_id, pupil_hash)
);

-- Dashboard sessions (ejournal/access/web_sessions.py): the browser holds a random token in a signed
-- HttpOnly cookie; only its sha256 is kept here, so a copy of this file opens no session.
create table if not exists web_session (
    token_hash text primary key,
    login text not null,
    viewer_json text not null,
    created_at text not null,
    last_seen_at text not null,
    expires_at text not null,
    revoked_at text,
    password_version integer not null
);

-- Folders the app wrote documents or backups to (an --out anywhere), for `forget` to search.
create table if not exists known_folder (
    kind text not null,
    path text not null,
    primary key (kind, path)
);
"""

# Columns added after the first release, by table: a store file made before them gets them in
# place (SQLite adds a column at the end; every statement names its columns).
ADDED_COLUMNS: dict[str, tuple[tuple[str, str], ...]] = {
    "account": (("region_id", "text"), ("municipality", "text"), ("password_version", "integer not null default 0")),
    # rows of earlier versions: an unkeyed sha256, and done
    "forgotten_pupil": (
        ("hash_kind", "text not null default 'sha256'"),
        ("state", "text not null default 'done'"),
        ("pupil_id", "text"),
        ("name_forms", "text"),
    ),
}


KEY_BYTES = 32


def secret_key(path: Path, description: str) -> bytes:
    """A secret key of the installation kept in its own file beside the access store, created on first
    use (0600, or 0640 with ``EJOURNAL_FILE_MODE=group``; the first of two racing processes wins, the
    other reads its key)."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fresh = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        # never world-readable; the house umask (EJOURNAL_FILE_MODE) makes it 0600, or 0640 for a group
        descriptor = os.open(fresh, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o640)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(secrets.token_bytes(KEY_BYTES))
            handle.flush()
            os.fsync(handle.fileno())
        with contextlib.suppress(FileExistsError):
            os.link(fresh, path)
        fresh.unlink()
    key = path.read_bytes()
    if len(key) != KEY_BYTES:
        raise ValueError(f"{description} {path} повреждён (ожидается {KEY_BYTES} байта)")
    return key


def upgrade_in_place(con: sqlite3.Connection) -> None:
    """Add the columns an older store file lacks (inside the caller's write transaction)."""
    for table, columns in ADDED_COLUMNS.items():
        present = {row[1] for row in con.execute(f"pragma table_info({table})")}
        for name, kind in columns:
            if name not in present:
                con.execute(f"alter table {table} add column {name} {kind}")


@contextlib.contextmanager
def open_store(path: Path) -> Iterator[sqlite3.Connection]:
    """A connection with the schema in place; commits on success, rolls back on error."""
    path.parent.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(path, timeout=30, isolation_level=None)
    try:
        con.execute("pragma journal_mode = wal")
        con.execute("pragma busy_timeout = 30000")
        con.execute("pragma secure_delete = on")  # a forgotten pupil's erased fields leave no free page
        con.executescript(SCHEMA)
        con.execute("begin immediate")
        try:
            upgrade_in_place(con)  # under the write lock: two processes never add a column twice
            yield con
        except BaseException:
            con.execute("rollback")
            raise
        con.execute("commit")
    finally:
        con.close()
