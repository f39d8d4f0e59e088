"""Deleting a pupil under 152-ФЗ as one durable operation.

Order (each step can be interrupted; re-running `forget`, or the next ingest, backup or restore,
finishes a pending forget from where it is, every step being safe to repeat):

1. ``recorded`` — the keyed hash and the audit event, as *pending*, in the access store
   (`ejournal/access/forgotten.py`); from here on no ingest loads the pupil;
2. ``documents`` — every file that names the pupil: by the index of pupils per document written
   when the document was rendered, and by the text (PDFs by their extracted text) of every file in
   the folders the app writes documents and error reports to;
3. ``deleted`` — the rows of every ``src_``/``dim_``/``fct_``/``int_``/``mart_`` table, of the
   quarantine and of the supersession log, in one transaction;
4. ``compacted`` — the database file rewritten, so no free page keeps the rows;
5. ``published`` — a new snapshot for the dashboard, every older one deleted;
6. ``lake`` — the regional lake, when there is one;
7. ``backups`` — every backup that holds the pupil is deleted (and a fresh one is made in its
   folder); a backup kept elsewhere is cleaned on restore, which re-applies every forget;
8. ``done`` — the id and name forms erased from the record, the final audit event.

``EJOURNAL_TEST_KILL_AT=<step>`` kills the process (SIGKILL) right after that step: the tests'
way to crash a forget at every point; nothing sets it otherwise.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from ejournal.access import forgotten
from ejournal.document_text import document_text, export_text
from ejournal.files import sql_path
from ejournal.inbox import LOADED, REFUSED
from ejournal.settings import environment
from warehouse.backup import backup
from warehouse.db import NEW_FILE_BLOCK_SIZE, WarehouseBusyError, connect, table_names
from warehouse.snapshot import publish

FAULT_ENV = "EJOURNAL_TEST_KILL_AT"
STEPS = ("recorded", "documents", "deleted", "compacted", "published", "lake", "backups", "done")
PUPIL_TABLES = ("src_", "dim_", "fct_", "int_", "mart_")


class UnknownPupil(LookupError):
    """No pupil with this id in this school (the message says so, in Russian)."""


@dataclass
class ForgetReport:
    rows_by_table: dict[str, int] = field(default_factory=dict)
    files_removed: int = 0
    exports_removed: int = 0
    backups_removed: int = 0
    already_done: bool = False

    @property
    def total_rows(self) -> int:
        return sum(self.rows_by_table.values())

    def details(self) -> dict[str, int]:
        """What the audit keeps: counts only."""
        return {
            "rows": self.total_rows,
            "tables": len(self.rows_by_table),
            "files": self.files_removed,
            "exports": self.exports_removed,
            "backups": self.backups_removed,
        }


@dataclass(frozen=True)
class Places:
    """Everywhere the app keeps data of a pupil."""

    db_path: Path
    access_db: Path
    document_folders: tuple[Path, ...]
    backup_folders: tuple[Path, ...]
    lake: Path | None = None
    # Exports `ejournal watch` set aside after loading or refusing them (raw files of the journals).
    export_folders: tuple[Path, ...] = ()

    @classmethod
    def of(cls, db_path: Path | None = None, lake: Path | None = None) -> Places:
        env = environment()
        documents = [env.home / "reports", *forgotten.known_folders(env.access_db, "documents")]
        backups = [env.home / "backups", *forgotten.known_folders(env.access_db, "backups")]
        return cls(
            db_path or env.db_path,
            env.access_db,
            tuple(dict.fromkeys(documents)),
            tuple(dict.fromkeys(backups)),
            lake or env.lake_path,
            tuple(env.inbox / part for part in (LOADED, REFUSED)),
        )


def _reached(step: str) -> None:
    if os.environ.get(FAULT_ENV) == step:
        os.kill(os.getpid(), signal.SIGKILL)


# --- the operation --------------------------------------------------------------------------------


def forget_pupil(places: Places, school_id: str, pupil_id: str, actor: str) -> ForgetReport:
    """Forget the pupil (or finish a forget begun before); UnknownPupil when there is no such pupil
    and no forget of them — then nothing is changed."""
    record = forgotten.find(places.access_db, school_id, pupil_id)
    forms = pupil_forms(places.db_path, school_id, pupil_id)
    if record is None:
        if forms is None:
            raise UnknownPupil(f"ученика «{pupil_id}» нет в школе «{school_id}»: проверьте ид; ничего не удалено")
        record = forgotten.begin(places.access_db, school_id, pupil_id, forms, actor)
        _reached("recorded")
    already = record.state == forgotten.DONE
    report = _complete(places, record, pupil_id, list(record.name_forms) or forms or [pupil_id], actor)
    report.already_done = already
    return report


def finish_pending_forgets(places: Places, actor: str) -> int:
    """Finish every forget a crash left pending (before an ingest, a backup or a restore writes)."""
    waiting = forgotten.pending(places.access_db)
    for record in waiting:
        _complete(places, record, record.pupil_id or "", list(record.name_forms), actor)
    return len(waiting)


def _complete(places: Places, record: forgotten.Forgotten, pupil_id: str, forms: list[str], actor: str) -> ForgetReport:
    report = ForgetReport()
    report.files_removed = _remove_documents(places, record, forms)
    report.exports_removed = _remove_exports(places, forms)
    _reached("documents")
    report.rows_by_table = delete_rows(places.db_path, record.school_id, pupil_id, forms)
    _reached("deleted")
    compact(places.db_path)
    _reached("compacted")
    if publish(places.db_path) is None:
        raise WarehouseBusyError(str(places.db_path))
    _reached("published")
    from warehouse import lake as parquet_lake

    if places.lake is not None and (places.lake / parquet_lake.MANIFEST).exists():
        with connect(places.db_path, read_only=True) as con:  # the school's parts, without the pupil
            in_lake = parquet_lake.forget_pupil(places.lake, record.school_id, pupil_id, parts_from=con)
        report.rows_by_table.update({f"озеро/{t}": n for t, n in in_lake.items()})
    _reached("lake")
    report.backups_removed = _purge_backups(places, record.school_id, pupil_id, forms)
    _reached("backups")
    if record.state != forgotten.DONE:
        forgotten.finish(places.access_db, record, actor, report.details())
    _reached("done")
    return report


# --- the warehouse --------------------------------------------------------------------------------


def pupil_forms(db_path: Path, school_id: str, pupil_id: str) -> list[str] | None:
    """The pupil's id and name forms (to find them in free text), or None when the warehouse has
    no row of this pupil at all."""
    if not db_path.exists():
        return None
    with connect(db_path, read_only=True) as con:
        return _forms(con, school_id, pupil_id)


def _forms(con: duckdb.DuckDBPyConnection, school_id: str, pupil_id: str) -> list[str] | None:
    row = con.execute(
        "select last_name, first_name, middle_name from src_pupils where school_id = ? and pupil_id = ?",
        [school_id, pupil_id],
    ).fetchone()
    if row is None and not any(_count_rows(con, school_id, pupil_id, [pupil_id], by_id_only=True).values()):
        return None
    forms = [pupil_id]
    if row:
        last, first, middle = row
        forms += [" ".join(p for p in (last, first, middle) if p), f"{last} {first}"]
    return list(dict.fromkeys(forms))


QUARANTINE_TEXT = "coalesce(raw_row, '') || ' ' || coalesce(cell_value, '') || ' ' || coalesce(message, '')"


def row_condition(
    table: str, columns: set[str], school_id: str, pupil_id: str, forms: list[str]
) -> tuple[str, list[str]] | None:
    """The SQL condition and its parameters for the pupil's rows of a table: by ``pupil_id``; in
    the quarantine by the id or a name form in the row's text; in the supersession log by the key."""
    if {"school_id", "pupil_id"} <= columns:
        return "school_id = ? and pupil_id = ?", [school_id, pupil_id]
    if table == "meta_quarantine":
        names = [f for f in forms if f != pupil_id]
        mentions = [f"contains({QUARANTINE_TEXT}, ?)" for _ in names]
        return " or ".join([*mentions, f"regexp_matches({QUARANTINE_TEXT}, ?)"]), [*names, _id_pattern(pupil_id)]
    if table == "meta_supersession":
        return "school_id = ? and list_contains(string_split(nk, '|'), ?)", [school_id, pupil_id]
    return None


def _id_pattern(pupil_id: str) -> str:
    return rf"(^|[^\w-]){re.escape(pupil_id)}($|[^\w-])"


def _tables(con: duckdb.DuckDBPyConnection) -> dict[str, set[str]]:
    """Every table that can hold a pupil's rows, with its columns."""
    # tables only: a view (a model over a table, such as fct_mark over src_marks) loses the pupil's
    # rows with the table it shows
    rows = con.execute(
        "select c.table_name, c.column_name from information_schema.columns as c join information_schema.tables "
        "as t using (table_schema, table_name) where c.table_schema = 'main' and t.table_type = 'BASE TABLE'"
    ).fetchall()
    columns: dict[str, set[str]] = {}
    for table, column in rows:
        columns.setdefault(table, set()).add(column)
    wanted = [*table_names(con, PUPIL_TABLES), "meta_quarantine", "meta_supersession"]
    return {t: columns[t] for t in wanted if t in columns}


def _count_rows(
    con: duckdb.DuckDBPyConnection, school_id: str, pupil_id: str, forms: list[str], *, by_id_only: bool = False
) -> dict[str, int]:
    counts = {}
    for table, columns in _tables(con).items():
        if by_id_only and "pupil_id" not in columns:
            continue
        condition = row_condition(table, columns, school_id, pupil_id, forms)
        if condition is not None:
            where, params = condition
            counts[table] = con.execute(f'select count(*) from "{table}" where {where}', params).fetchone()[0]
    return counts


def delete_rows(db_path: Path, school_id: str, pupil_id: str, forms: list[str]) -> dict[str, int]:
    """Delete the pupil's rows from every table in one transaction; rows per table."""
    with connect(db_path) as con:
        return _delete_in(con, school_id, pupil_id, forms)


def _delete_in(con: duckdb.DuckDBPyConnection, school_id: str, pupil_id: str, forms: list[str]) -> dict[str, int]:
    tables = _tables(con)
    counts = {t: n for t, n in _count_rows(con, school_id, pupil_id, forms or [pupil_id]).items() if n}
    con.execute("begin transaction")
    try:
        for table in counts:
            where, params = row_condition(table, tables[table], school_id, pupil_id, forms or [pupil_id])
            con.execute(f'delete from "{table}" where {where}', params)
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return counts


def compact(db_path: Path) -> None:
    """Rewrite the database into a new file and swap it in: deleted rows leave no free pages behind."""
    fresh = db_path.with_name(db_path.name + ".compact")
    fresh.unlink(missing_ok=True)
    with connect(db_path) as con:
        con.execute("checkpoint")
        con.execute(f"attach '{sql_path(fresh)}' as fresh (block_size {NEW_FILE_BLOCK_SIZE})")
        con.execute("copy from database " + _current_db(con) + " to fresh")
        con.execute("detach fresh")
    os.replace(fresh, db_path)
    db_path.with_name(db_path.name + ".wal").unlink(missing_ok=True)
    db_path.with_name(db_path.name + ".restoring").unlink(missing_ok=True)  # a crashed restore's copy


def _current_db(con: duckdb.DuckDBPyConnection) -> str:
    return con.execute("select current_database()").fetchone()[0]


def reapply_forgets(db_path: Path, access_db: Path) -> int:
    """Delete from a warehouse file (a restored backup, before it is swapped in) every pupil
    forgotten since, and compact it; the number of pupils removed."""
    register = forgotten.read_register(access_db)
    if not register:
        return 0
    with connect(db_path) as con:
        pupils = _pupils_in(con)
        doomed = [(school, pupil) for school, pupil in pupils if register.contains(school, pupil)]
        for school, pupil in doomed:
            _delete_in(con, school, pupil, _forms(con, school, pupil) or [pupil])
    if doomed:
        compact(db_path)
    return len(doomed)


def _pupils_in(con: duckdb.DuckDBPyConnection) -> set[tuple[str, str]]:
    pupils: set[tuple[str, str]] = set()
    for table, columns in _tables(con).items():
        if {"school_id", "pupil_id"} <= columns:
            pupils |= set(con.execute(f'select distinct school_id, pupil_id from "{table}"').fetchall())
    return {(s, p) for s, p in pupils if s is not None and p is not None}


# --- documents ------------------------------------------------------------------------------------


def index_documents(con: duckdb.DuckDBPyConnection, school_id: str | None, paths: list[Path]) -> None:
    """Record which pupils each written document names (found in its text), for `forget`."""
    if not paths:
        return
    roster = _roster(con, school_id)
    named = {}
    for path in paths:
        haystack = _Haystack.of(path)
        named[path] = [(school, pupil) for school, pupil, forms in roster if _names(haystack, forms)]
    forgotten.index_documents(environment().access_db, named)


def _roster(con: duckdb.DuckDBPyConnection, school_id: str | None) -> list[tuple[str, str, list[str]]]:
    rows = con.execute(
        "select school_id, pupil_id, last_name, first_name, middle_name from src_pupils "
        "where ? is null or school_id = ?",
        [school_id, school_id],
    ).fetchall()
    return [(school, pupil, [pupil, f"{last} {first}"]) for school, pupil, last, first, _ in rows]


@dataclass(frozen=True)
class _Haystack:
    """A document's text and file name, with its words (a quick test before the exact one)."""

    text: str
    words: frozenset[str]

    @classmethod
    def of(cls, path: Path, read: Callable[[Path], str] = document_text) -> _Haystack:
        text = f"{read(path)}\n{path.name}"
        return cls(text, frozenset(re.findall(r"\w+", text)))


def _names(haystack: _Haystack, forms: list[str]) -> bool:
    """Whether a document names the pupil: the id (forms[0]) or a name form, as whole words (in a
    file name the words may be joined by hyphens)."""
    for form in forms:
        if not all(word in haystack.words for word in re.findall(r"\w+", form)):
            continue
        for variant in {form, form.replace(" ", "-")}:
            pattern = _id_pattern(variant) if form == forms[0] else rf"(?<!\w){re.escape(variant)}(?!\w)"
            if re.search(pattern, haystack.text):
                return True
    return False


def _remove_documents(places: Places, record: forgotten.Forgotten, forms: list[str]) -> int:
    """Delete every document and error report that names the pupil: the indexed ones, and any
    file of the app's document folders whose text names them."""
    doomed = set(forgotten.documents_naming(places.access_db, record))
    searched = [f for f in forms if f]
    for folder in places.document_folders:
        if folder.is_dir():
            doomed |= {p for p in folder.rglob("*") if p.is_file() and _names(_Haystack.of(p), searched)}
    removed = 0
    for path in sorted(doomed):
        if path.exists():
            path.unlink()
            removed += 1
    forgotten.unindex_documents(places.access_db, sorted(doomed))
    return removed


# An export keeps the parts of a name in fields of their own («Иванов;Пётр», "lastName": "Иванов",
# "firstName": "Пётр"): the surname and the first name this close together are the pupil.
_NAME_PARTS_WITHIN = 60


def _export_names(haystack: _Haystack, forms: list[str]) -> bool:
    """Whether an export names the pupil: as a document would, or by surname and first name close
    together in either order (an archived copy of a namesake's export errs on the side of deletion)."""
    if _names(haystack, forms):
        return True
    for form in forms[1:]:
        parts = form.split()
        if len(parts) < 2 or not all(part in haystack.words for part in parts[:2]):
            continue
        last, first = (re.escape(part) for part in parts[:2])
        gap = rf"\W(?:.{{0,{_NAME_PARTS_WITHIN}}}?\W)?"
        if re.search(rf"(?<!\w){last}{gap}{first}(?!\w)|(?<!\w){first}{gap}{last}(?!\w)", haystack.text, re.S):
            return True
    return False


def _remove_exports(places: Places, forms: list[str]) -> int:
    """Delete every export set aside in the inbox that names the pupil: the whole file or folder
    as it was dropped in (half an export would be no use), read as text member by member."""
    searched = [f for f in forms if f]
    removed = 0
    for folder in places.export_folders:
        if not folder.is_dir():
            continue
        for item in sorted(folder.iterdir()):
            files = [item] if item.is_file() else [p for p in item.rglob("*") if p.is_file()]
            if any(_export_names(_Haystack.of(p, export_text), searched) for p in files):
                shutil.rmtree(item) if item.is_dir() else item.unlink()
                removed += 1
    return removed


# --- backups --------------------------------------------------------------------------------------


def _purge_backups(places: Places, school_id: str, pupil_id: str, forms: list[str]) -> int:
    """Delete every backup (and a crashed backup's leftover) that holds the pupil; make a fresh
    backup in each folder that lost one. The number deleted."""
    purged = 0
    for root in places.backup_folders:
        if not root.is_dir():
            continue
        for leftover in [*root.glob(".partial-*"), *root.glob(".purging-*")]:
            shutil.rmtree(leftover, ignore_errors=True)
        lost = False
        for folder in sorted(p for p in root.iterdir() if p.is_dir() and p.name.startswith("backup-")):
            if _backup_holds(folder, school_id, pupil_id, forms):
                doomed = folder.with_name(f".purging-{folder.name}")
                os.replace(folder, doomed)  # atomic: a crash leaves a leftover, never half a backup
                shutil.rmtree(doomed)
                purged, lost = purged + 1, True
        if lost:
            backup(places.db_path, root)
    return purged


def _backup_holds(folder: Path, school_id: str, pupil_id: str, forms: list[str]) -> bool:
    """Whether any table file of the backup has a row of the pupil (an unreadable file counts)."""
    with duckdb.connect() as con:
        for file in sorted(folder.glob("*.parquet")):
            source = f"read_parquet('{sql_path(file)}')"
            try:
                columns = {row[0] for row in con.execute(f"describe select * from {source}").fetchall()}
                condition = row_condition(file.stem, columns, school_id, pupil_id, forms or [pupil_id])
                if (
                    condition
                    and con.execute(f"select count(*) from {source} where {condition[0]}", condition[1]).fetchone()[0]
                ):
                    return True
            except duckdb.Error:
                return True
    return False
