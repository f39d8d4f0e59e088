"""Backups of the warehouse as Parquet with a manifest of checksums, and verified restore.

A backup is a folder: DuckDB's EXPORT DATABASE (schema.sql + one Parquet file per table) plus
manifest.json with every file's sha256 and every table's row count. Restore checks the manifest
first, builds the new warehouse in a separate file, compares row counts, and only then swaps it
in: a damaged or partial backup is refused and the current warehouse stays as it is.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb

from ejournal.files import sha256_of, sql_path
from warehouse.db import connect
from warehouse.snapshot import publish

MANIFEST = "manifest.json"


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
    partial = root / f".partial-{stamp}"
    shutil.rmtree(partial, ignore_errors=True)
    root.mkdir(parents=True, exist_ok=True)
    with connect(db_path, read_only=True) as con:
        tables = _tables(con)
        counts = {t: con.execute(f'select count(*) from "{t}"').fetchone()[0] for t in tables}
        con.execute(f"export database '{sql_path(partial)}' (format parquet)")
    files = {p.name: {"sha256": sha256_of(p), "bytes": p.stat().st_size} for p in sorted(partial.iterdir())}
    manifest = {
        "created_at": (now or dt.datetime.now()).isoformat(timespec="seconds"),
        "source": db_path.name,
        "duckdb_version": duckdb.__version__,
        "tables": counts,
        "files": files,
    }
    (partial / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(partial, folder)
    _apply_retention(root, keep)
    return BackupInfo(folder, len(counts), sum(counts.values()), sum(f["bytes"] for f in files.values()))


def _apply_retention(root: Path, keep: int) -> None:
    backups = sorted(p for p in root.iterdir() if p.is_dir() and p.name.startswith("backup-"))
    for old in backups[: max(0, len(backups) - keep)]:
        shutil.rmtree(old)


def verify(folder: Path) -> dict:
    """The manifest, if every file is present, unchanged and nothing is missing; else BackupError."""
    manifest_path = folder / MANIFEST
    if not manifest_path.exists():
        raise BackupError(f"В папке {folder} нет {MANIFEST}: это не резервная копия или она неполная")
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        files, tables = manifest["files"], manifest["tables"]
    except (ValueError, KeyError) as error:
        raise BackupError(f"{MANIFEST} повреждён: {error}") from error
    for name, facts in files.items():
        path = folder / name
        if not path.exists():
            raise BackupError(f"Резервная копия неполная: нет файла {name}")
        if path.stat().st_size != facts["bytes"] or sha256_of(path) != facts["sha256"]:
            raise BackupError(f"Файл {name} повреждён: контрольная сумма не совпадает")
    for table in tables:
        if f"{table}.parquet" not in files:
            raise BackupError(f"Резервная копия неполная: нет данных таблицы {table}")
    return manifest


def restore(folder: Path, db_path: Path, prepare: Callable[[Path], None] | None = None) -> BackupInfo:
    """Replace the warehouse with the backup, after checking it end to end; ``prepare`` gets the
    restored file before it is swapped in (`ejournal restore` deletes the pupils forgotten since)."""
    manifest = verify(folder)
    fresh = db_path.with_name(db_path.name + ".restoring")
    fresh.unlink(missing_ok=True)
    try:
        with duckdb.connect(str(fresh)) as con:
            con.execute((folder / "schema.sql").read_text(encoding="utf-8"))
            for table in manifest["tables"]:
                con.execute(
                    f"insert into \"{table}\" select * from read_parquet('{sql_path(folder / f'{table}.parquet')}')"
                )
            for table, expected in manifest["tables"].items():
                got = con.execute(f'select count(*) from "{table}"').fetchone()[0]
                if got != expected:
                    raise BackupError(f"Таблица {table}: в копии {got} строк, а по описи {expected}")
            con.execute("checkpoint")
        if prepare is not None:
            prepare(fresh)
    except duckdb.Error as error:
        fresh.unlink(missing_ok=True)
        raise BackupError(f"Резервная копия не читается: {str(error).splitlines()[0]}") from error
    except BaseException:
        fresh.unlink(missing_ok=True)
        raise
    os.replace(fresh, db_path)
    db_path.with_name(db_path.name + ".wal").unlink(missing_ok=True)
    publish(db_path)
    return BackupInfo(folder, len(manifest["tables"]), sum(manifest["tables"].values()), 0)
