"""Backups of the warehouse as Parquet with a manifest of checksums, and verified restore.

A backup is a folder: one Parquet file per table plus manifest.json with every file's size and
sha256 and every table's row count. The backup holds data only. Restore executes nothing from
it: the schema is the app's own (migrations, then the models built empty), every table named in
the manifest must be a table of that schema, every file restore reads must be listed in the
manifest with a plain name inside the folder (no ``..``, no absolute path, no symlink) and match
its size and hash, and nothing unlisted is read. The Parquet bytes are hashed and parsed from the
same read, so what was checked is what is loaded. The new warehouse is built in a separate file,
its row counts compared with the manifest, and only then swapped in: a damaged, partial or forged
backup is refused and the current warehouse stays as it is.

The manifest proves integrity against accidental damage (a truncated copy, a flipped byte, a
lost file). It is not signed: whoever can write the backup can write a consistent manifest, which
is why the backup may only ever contain data, never code.
"""

from __future__ import annotations

import datetime as dt
import errno
import functools
import hashlib
import json
import os
import re
import shutil
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from ejournal.errors import first_line
from ejournal.files import PARTIAL_PREFIX, owner_tag, scratch_folder, sha256_of, sql_path, sweep_stale
from warehouse.db import (
    build_models,
    connect,
    create_file,
    is_derived_column,
    load_models,
    migrate,
    migrations_signature,
)
from warehouse.snapshot import publish

MANIFEST = "manifest.json"
DATA_SUFFIX = ".parquet"
MANIFEST_MAX_BYTES = 4 * 1024 * 1024
_TABLE_NAME = re.compile(r"[a-z][a-z0-9_]{0,62}")
_SHA256 = re.compile(r"[0-9a-f]{64}")
# Tables every backup must carry: what the migrations create (models can be rebuilt from them).
_REQUIRED_PREFIXES = ("meta_", "src_")


class BackupError(Exception):
    """The backup cannot be used; the message says why (in Russian)."""


@dataclass(frozen=True)
class BackupInfo:
    folder: Path
    n_tables: int
    n_rows: int
    n_bytes: int


def _tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    rows = con.execute(
        "select table_name from information_schema.tables where table_schema = 'main' and table_type = 'BASE TABLE' "
        "order by table_name"
    ).fetchall()
    return [name for (name,) in rows]


def backup(db_path: Path, root: Path, *, keep: int = 7, now: dt.datetime | None = None) -> BackupInfo:
    """Write a consistent snapshot under ``root`` (read-only: works while the dashboard reads)."""
    stamp = (now or dt.datetime.now()).strftime("%Y%m%d-%H%M%S")
    folder = root / f"backup-{stamp}"
    partial = root / f"{PARTIAL_PREFIX}{stamp}-{owner_tag()}"
    root.mkdir(parents=True, exist_ok=True)
    sweep_stale(root, PARTIAL_PREFIX)
    try:
        counts = _write_tables(db_path, partial)
        files = {p.name: {"sha256": sha256_of(p), "bytes": p.stat().st_size} for p in sorted(partial.iterdir())}
        manifest = {
            "created_at": (now or dt.datetime.now()).isoformat(timespec="seconds"),
            "source": db_path.name,
            "duckdb_version": duckdb.__version__,
            "format": "parquet",
            "tables": counts,
            "files": files,
        }
        (partial / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
        os.replace(partial, folder)
    finally:
        shutil.rmtree(partial, ignore_errors=True)
    _apply_retention(root, keep)
    return BackupInfo(folder, len(counts), sum(counts.values()), sum(f["bytes"] for f in files.values()))


def _write_tables(db_path: Path, partial: Path) -> dict[str, int]:
    """One Parquet file per table, all from one read transaction; row counts per table."""
    partial.mkdir(parents=True)
    counts = {}
    with connect(db_path, read_only=True) as con:
        con.execute("begin transaction")
        for table in _tables(con):
            counts[table] = con.execute(f'select count(*) from "{table}"').fetchone()[0]
            target = sql_path(partial / f"{table}{DATA_SUFFIX}")
            listed = ", ".join(f'"{c}"' for c in _data_columns(con, table))
            con.execute(f"copy (select {listed} from \"{table}\") to '{target}' (format parquet)")
        con.execute("commit")
    return counts


def _apply_retention(root: Path, keep: int) -> None:
    backups = sorted(p for p in root.iterdir() if p.is_dir() and p.name.startswith("backup-"))
    for old in backups[: max(0, len(backups) - keep)]:
        shutil.rmtree(old)


def _read_listed(folder: Path, name: str, max_bytes: int | None = None) -> bytes:
    """The bytes of ``folder/name``: a plain name, a regular file, never followed through a symlink."""
    if "/" in name or "\\" in name or name in ("", ".", "..") or name.startswith(".") or "\0" in name:
        raise BackupError(f"В описи недопустимое имя файла «{name}»: файл должен лежать в самой папке копии")
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    try:
        descriptor = os.open(folder / name, flags)
    except FileNotFoundError:
        raise BackupError(f"Резервная копия неполная: нет файла {name}") from None
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise BackupError(f"Файл {name} — символическая ссылка: такие копии не принимаются") from None
        raise BackupError(f"Файл {name} не читается: {error.strerror}") from None
    with os.fdopen(descriptor, "rb") as handle:
        facts = os.fstat(handle.fileno())
        if not stat.S_ISREG(facts.st_mode):
            raise BackupError(f"{name} в папке копии — не обычный файл")
        if max_bytes is not None and facts.st_size > max_bytes:
            raise BackupError(f"Файл {name} больше {max_bytes // 1024**2} МБ: это не опись резервной копии")
        return handle.read()


def _parse_manifest(text: bytes) -> dict:
    try:
        manifest = json.loads(text.decode("utf-8"))
    except (ValueError, RecursionError) as error:
        raise BackupError(f"{MANIFEST} повреждён: {str(error)[:200]}") from None
    files, tables = (manifest.get("files"), manifest.get("tables")) if isinstance(manifest, dict) else (None, None)
    if not isinstance(files, dict) or not isinstance(tables, dict):
        raise BackupError(f"{MANIFEST} повреждён: нет разделов files и tables")
    for name, facts in files.items():
        if not (
            isinstance(facts, dict)
            and isinstance(facts.get("bytes"), int)
            and not isinstance(facts.get("bytes"), bool)
            and facts["bytes"] >= 0
            and isinstance(facts.get("sha256"), str)
            and _SHA256.fullmatch(facts["sha256"])
        ):
            raise BackupError(f"{MANIFEST} повреждён: у файла «{name}» нет размера или контрольной суммы")
    for table, count in tables.items():
        if not _TABLE_NAME.fullmatch(table):
            raise BackupError(f"{MANIFEST}: недопустимое имя таблицы «{table}»")
        if not isinstance(count, int) or isinstance(count, bool) or count < 0:
            raise BackupError(f"{MANIFEST}: у таблицы {table} не указано число строк")
        if f"{table}{DATA_SUFFIX}" not in files:
            raise BackupError(f"Резервная копия неполная: нет данных таблицы {table}")
    return manifest


def _checked_bytes(folder: Path, name: str, facts: dict) -> bytes:
    """A listed file's bytes after its size and sha256 match the manifest."""
    data = _read_listed(folder, name)
    if len(data) != facts["bytes"] or hashlib.sha256(data).hexdigest() != facts["sha256"]:
        raise BackupError(f"Файл {name} повреждён: контрольная сумма не совпадает")
    return data


def verify(folder: Path) -> dict:
    """The manifest, if it is well formed and every data file it lists is present and unchanged."""
    manifest = _manifest(folder)
    for table in manifest["tables"]:
        name = f"{table}{DATA_SUFFIX}"
        _checked_bytes(folder, name, manifest["files"][name])
    return manifest


def _manifest(folder: Path) -> dict:
    """The manifest of ``folder`` if it is well formed (its data files are not read here)."""
    if not folder.is_dir():
        raise BackupError(f"Папки {folder} нет: это не резервная копия")
    try:
        raw = _read_listed(folder, MANIFEST, MANIFEST_MAX_BYTES)
    except BackupError as error:
        if not (folder / MANIFEST).exists() and not (folder / MANIFEST).is_symlink():
            raise BackupError(f"В папке {folder} нет {MANIFEST}: это не резервная копия или она неполная") from None
        raise error
    return _parse_manifest(raw)


def restore(folder: Path, db_path: Path, prepare: Callable[[Path], None] | None = None) -> BackupInfo:
    """Replace the warehouse with the backup, after checking it end to end; ``prepare`` gets the
    restored file before it is swapped in (`ejournal restore` deletes the pupils forgotten since).
    Each data file is read once: checked against the manifest and parsed from the same bytes."""
    manifest = _manifest(folder)
    fresh = db_path.with_name(db_path.name + ".restoring")
    _remove_database(fresh)
    try:
        empty_file, schema = _empty_app_schema(_schema_signature())
        fresh.write_bytes(empty_file)
        with duckdb.connect(str(fresh)) as con:
            _load(con, folder, manifest, schema)
            con.execute("checkpoint")
        if prepare is not None:
            prepare(fresh)
    except duckdb.Error as error:
        _remove_database(fresh)
        raise BackupError(f"Резервная копия не читается: {first_line(error)}") from error
    except BaseException:
        _remove_database(fresh)
        raise
    os.replace(fresh, db_path)
    db_path.with_name(db_path.name + ".wal").unlink(missing_ok=True)
    publish(db_path)
    return BackupInfo(folder, len(manifest["tables"]), sum(manifest["tables"].values()), 0)


def _remove_database(path: Path) -> None:
    path.unlink(missing_ok=True)
    path.with_name(path.name + ".wal").unlink(missing_ok=True)


def _schema_signature() -> tuple:
    """What the app's schema is made of: the migration files and the models' SQL."""
    return migrations_signature(), tuple((m.name, m.sql_hash) for m in load_models())


@functools.lru_cache(maxsize=2)
def _empty_app_schema(signature: tuple) -> tuple[bytes, dict[str, list[str]]]:
    """The app's own schema (migrations, then the models built empty) as the bytes of an empty
    database file, with its tables and their columns; built once per process and signature."""
    with scratch_folder("schema") as scratch:
        path = scratch / "schema.duckdb"
        create_file(path)  # the blocks of a new warehouse file
        with duckdb.connect(str(path)) as con:
            schema = _app_schema(con)
            con.execute("checkpoint")
        return path.read_bytes(), schema


def _app_schema(con: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    """Create the app's own schema in an empty database; its tables and their columns."""
    migrate(con)
    build_models(con)
    return {table: _data_columns(con, table) for table in _tables(con)}


def _data_columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    """A table's columns without those a model keeps in it (derived: a restore rebuilds them)."""
    columns = con.execute(f"select name from pragma_table_info('{table}') order by cid").fetchall()
    return [c for (c,) in columns if not is_derived_column(c)]


def _load(con: duckdb.DuckDBPyConnection, folder: Path, manifest: dict, schema: dict[str, list[str]]) -> None:
    """Fill the app's schema (already in ``con``) with the backup's rows, table by table, in one
    transaction."""
    # a model this version builds as a view (or keeps in its source's columns), which an older
    # version stored (and backed up): derived rows, rebuilt below like every model
    views = {model.name for model in load_models() if not model.is_stored_apart}
    tables: dict[str, int] = {table: n for table, n in manifest["tables"].items() if table not in views}
    unknown = sorted(set(tables) - set(schema))
    if unknown:
        raise BackupError(f"В копии таблицы, которых нет в схеме хранилища: {', '.join(unknown)}")
    missing = sorted(t for t in schema if t.startswith(_REQUIRED_PREFIXES) and t not in tables)
    if missing:
        raise BackupError(f"Резервная копия неполная: нет таблиц {', '.join(missing)}")
    app_versions = _schema_versions(con)
    con.execute("begin transaction")
    for table in tables:
        name = f"{table}{DATA_SUFFIX}"
        rows = _parquet_rows(name, _checked_bytes(folder, name, manifest["files"][name]))
        # a model's columns kept in a source table, if a backup holds them, are computed again below
        rows = rows.select([c for c in rows.column_names if not is_derived_column(c)])
        _insert(con, table, schema[table], rows)
    if _schema_versions(con) != app_versions:
        raise BackupError(
            "Копия сделана другой версией схемы хранилища: восстановите её той версией программы, которой она сделана"
        )
    con.execute("delete from meta_model where name not in (select unnest(?))", [list(tables)])
    build_models(con, school_ids=())
    con.execute("commit")
    for table, expected in tables.items():
        got = con.execute(f'select count(*) from "{table}"').fetchone()[0]
        if got != expected:
            raise BackupError(f"Таблица {table}: в копии {got} строк, а по описи {expected}")


def _schema_versions(con: duckdb.DuckDBPyConnection) -> set[int]:
    return {version for (version,) in con.execute("select version from meta_schema_version").fetchall()}


def _parquet_rows(name: str, data: bytes) -> pa.Table:
    try:
        return pq.ParquetFile(pa.BufferReader(data)).read()
    except (pa.ArrowException, OSError, ValueError) as error:
        raise BackupError(f"Файл {name} не читается как Parquet: {first_line(error)}") from None


def _insert(con: duckdb.DuckDBPyConnection, table: str, columns: list[str], rows: pa.Table) -> None:
    """Replace the table's rows with ``rows``, whose columns must be exactly the table's."""
    if sorted(rows.column_names) != sorted(columns):
        extra = sorted(set(rows.column_names) - set(columns))
        absent = sorted(set(columns) - set(rows.column_names))
        raise BackupError(
            f"Таблица {table}: столбцы копии не совпадают со схемой хранилища"
            + (f"; лишние: {', '.join(extra)}" if extra else "")
            + (f"; нет: {', '.join(absent)}" if absent else "")
        )
    con.register("backup_rows", rows)
    try:
        con.execute(f'delete from "{table}"')
        listed = ", ".join(f'"{c}"' for c in columns)
        con.execute(f'insert into "{table}" ({listed}) select {listed} from backup_rows')
    finally:
        con.unregister("backup_rows")
