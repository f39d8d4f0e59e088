"""Deleting a pupil under 152-ФЗ: from every table, the quarantine, the document store, and the
database file's free pages (the file is rewritten, so no old page keeps the data)."""

from __future__ import annotations

import hashlib
import os
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from ejournal.files import sql_path
from warehouse.db import connect, table_names


@dataclass
class ForgetReport:
    rows_by_table: dict[str, int] = field(default_factory=dict)
    files_removed: int = 0

    @property
    def total_rows(self) -> int:
        return sum(self.rows_by_table.values())


def pupil_hash(school_id: str, pupil_id: str) -> str:
    """What is kept of a forgotten pupil: a one-way hash, to refuse the pupil in later exports."""
    return hashlib.sha256(f"{school_id}\x1f{pupil_id}".encode()).hexdigest()


def _pupil_texts(con: duckdb.DuckDBPyConnection, school_id: str, pupil_id: str) -> list[str]:
    """The pupil's id and name forms, to find them in free text (quarantine rows, documents)."""
    row = con.execute(
        "select last_name, first_name, middle_name from src_pupils where school_id = ? and pupil_id = ?",
        [school_id, pupil_id],
    ).fetchone()
    texts = [pupil_id]
    if row:
        last, first, middle = row
        texts.append(f"{last} {first}" + (f" {middle}" if middle else ""))
        texts.append(f"{last} {first}")
    return texts


def forget_pupil(db_path: Path, school_id: str, pupil_id: str, documents_dir: Path | None = None) -> ForgetReport:
    """Remove every trace of the pupil; returns counts only (nothing personal)."""
    report = ForgetReport()
    with connect(db_path) as con:
        texts = _pupil_texts(con, school_id, pupil_id)
        con.execute("begin transaction")
        try:
            for table in table_names(con, ("src_", "dim_", "fct_", "int_", "mart_")):
                columns = {
                    c
                    for (c,) in con.execute(
                        "select column_name from information_schema.columns where table_name = ?", [table]
                    ).fetchall()
                }
                if "pupil_id" not in columns:
                    continue
                n = con.execute(
                    f"select count(*) from {table} where school_id = ? and pupil_id = ?", [school_id, pupil_id]
                ).fetchone()[0]
                con.execute(f"delete from {table} where school_id = ? and pupil_id = ?", [school_id, pupil_id])
                if n:
                    report.rows_by_table[table] = n
            mentions = " or ".join(
                "contains(coalesce(raw_row, '') || ' ' || coalesce(cell_value, ''), ?)" for _ in texts
            )
            n = con.execute(f"select count(*) from meta_quarantine where {mentions}", texts).fetchone()[0]
            con.execute(f"delete from meta_quarantine where {mentions}", texts)
            if n:
                report.rows_by_table["meta_quarantine"] = n
            n = con.execute(
                "select count(*) from meta_supersession where school_id = ? and list_contains(string_split(nk, '|'), ?)",
                [school_id, pupil_id],
            ).fetchone()[0]
            con.execute(
                "delete from meta_supersession where school_id = ? and list_contains(string_split(nk, '|'), ?)",
                [school_id, pupil_id],
            )
            if n:
                report.rows_by_table["meta_supersession"] = n
            con.execute("commit")
        except BaseException:
            con.execute("rollback")
            raise
    compact(db_path)
    if documents_dir and documents_dir.exists():
        report.files_removed = _remove_documents(documents_dir, texts)
    return report


def compact(db_path: Path) -> None:
    """Rewrite the database into a new file and swap it in: deleted rows leave no free pages behind."""
    fresh = db_path.with_name(db_path.name + ".compact")
    fresh.unlink(missing_ok=True)
    with duckdb.connect(str(db_path)) as con:
        con.execute("checkpoint")
        con.execute(f"attach '{sql_path(fresh)}' as fresh")
        con.execute("copy from database " + _current_db(con) + " to fresh")
        con.execute("detach fresh")
    os.replace(fresh, db_path)
    db_path.with_name(db_path.name + ".wal").unlink(missing_ok=True)


def _current_db(con: duckdb.DuckDBPyConnection) -> str:
    return con.execute("select current_database()").fetchone()[0]


def _document_text(path: Path) -> str:
    if path.suffix.lower() in (".xlsx", ".docx", ".zip"):
        try:
            with zipfile.ZipFile(path) as archive:
                return " ".join(archive.read(m).decode("utf-8", "ignore") for m in archive.namelist())
        except zipfile.BadZipFile:
            return ""
    return path.read_bytes().decode("utf-8", "ignore")


def _remove_documents(folder: Path, texts: list[str]) -> int:
    """Delete generated documents and error reports that mention the pupil."""
    removed = 0
    for path in folder.rglob("*"):
        if path.is_file() and any(t in path.name or t in _document_text(path) for t in texts):
            path.unlink()
            removed += 1
    return removed
