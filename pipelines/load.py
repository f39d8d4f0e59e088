"""Stage a batch in DuckDB, run the cross-file checks, and apply it to the src_ tables.

Everything here runs inside the caller's transaction on the warehouse connection: staging tables
are temporary, failing rows are taken out of staging (they go to quarantine, never to facts),
and the src_ tables are changed only by :meth:`BatchStage.apply`.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import polars as pl

from pipelines import limits
from pipelines.canonical.reader import ROW_COLUMN
from pipelines.canonical.schemas import FILES, FILES_BY_NAME, columns_of
from pipelines.issues import Issue
from pipelines.keys import LESSON_CHILDREN, NATURAL_KEYS, REFERENCES, STORED_ONLY_WITH
from warehouse import db

CHECKS_DIR = Path(__file__).resolve().parent / "checks"
TABLE_FILES = tuple(f.name for f in FILES if f.name != "export")
MAX_CHECK_ROUNDS = 6
OWN_DATE_RULES = {("pupils", "birth_date")}  # checked by checks/birth_date_plausible.sql


def date_columns() -> list[tuple[str, str, bool]]:
    """(file, column, is a moment of entry) of every date and timestamp column of the export.

    A timestamp (``_at``) records when something was entered: it cannot be later than the export
    itself. A date (a lesson, a year, a plan) may run ahead of the export, but not by years."""
    found = []
    for name in TABLE_FILES:
        for column, spec in columns_of(FILES_BY_NAME[name].model).items():
            kind = str(spec.dtype)
            if (name, column) not in OWN_DATE_RULES and (kind == "Date" or kind.startswith("Datetime")):
                found.append((name, column, kind.startswith("Datetime")))
    return found


def _nk_expr(name: str, alias: str = "") -> str:
    prefix = f"{alias}." if alias else ""
    parts = [f"coalesce(cast({prefix}{c} as varchar), '')" for c in NATURAL_KEYS[name]]
    return f"concat_ws('|', {', '.join(parts)})" if len(parts) > 1 else parts[0]


def _key_match(name: str, left: str, right: str) -> str:
    """SQL true when rows ``left`` and ``right`` have the same natural key (nulls equal): a join
    on the key columns themselves, no text key computed per row."""
    keys = " and ".join(f"{left}.{c} is not distinct from {right}.{c}" for c in NATURAL_KEYS[name])
    return f"{left}.school_id = {right}.school_id and {keys}"


def _same_row(name: str, new: str = "s", old: str = "t") -> str:
    """SQL true when the staged row ``new`` holds exactly the stored row ``old`` (nulls equal)."""
    cols = list(columns_of(FILES_BY_NAME[name].model))
    listed = ", ".join
    return f"row({listed(f'{new}.{c}' for c in cols)}) is not distinct from row({listed(f'{old}.{c}' for c in cols)})"


def _stored(name: str, alias: str = "") -> str:
    """SQL true for a staged row of ``name`` its src_ table keeps (``keys.STORED_ONLY_WITH``)."""
    column = STORED_ONLY_WITH.get(name)
    if column is None:
        return "true"
    return f"{alias}.{column} is not null" if alias else f"{column} is not null"


def _data_columns(name: str) -> list[str]:
    cols = list(columns_of(FILES_BY_NAME[name].model))
    return cols if "school_id" in cols else ["school_id", *cols]


@dataclass
class ApplyCounts:
    inserted: Counter = field(default_factory=Counter)
    updated: Counter = field(default_factory=Counter)
    removed: Counter = field(default_factory=Counter)
    kept_newer: Counter = field(default_factory=Counter)
    # a first load's rows of a table that keeps a model's columns: the model build inserts them
    # (warehouse.db.build_models), computing those columns in the same insert
    new_rows: dict[str, db.NewRows] = field(default_factory=dict)

    def total(self, kind: str) -> int:
        return sum(getattr(self, kind).values())

    def changed_tables(self) -> set[str]:
        """The src_ tables whose rows this batch inserted, updated or removed."""
        kinds = (self.inserted, self.updated, self.removed)
        return {f"src_{name}" for counter in kinds for name, n in counter.items() if n}


class BatchStage:
    """The staging area of one batch on a warehouse connection."""

    def __init__(self, con: duckdb.DuckDBPyConnection, school_id: str, exported_at: dt.datetime):
        self.con = con
        self.school_id = school_id
        self.exported_at = exported_at
        self.refused_lessons: set[str] = set()
        # the staging tables declared from the stored tables' column types (read in one query):
        # a declaration costs half a «create … as select … limit 0»
        types: dict[str, dict[str, str]] = {}
        for table, column, data_type in con.execute(
            "select table_name, column_name, data_type from duckdb_columns() where database_name = current_database() "
            "and schema_name = 'main' and starts_with(table_name, 'src_')"
        ).fetchall():
            types.setdefault(table, {})[column] = data_type
        self._types = {name: types[f"src_{name}"] for name in TABLE_FILES}
        self._as_views = False  # stage_as_views()
        self._viewed: set[str] = set()  # the files staged as a view of their checked rows
        # the files whose staged rows repeat no natural key (checked whole by a unique key of them)
        self._keys_unique: set[str] = set()
        statements = []
        for name in TABLE_FILES:
            declared = ", ".join(f"{c} {types[f'src_{name}'][c]}" for c in _data_columns(name))
            statements.append(f"create or replace temp table stg_{name} ({declared}, {ROW_COLUMN} bigint, nk varchar)")
        # the rows the cross-file checks refused, with the lesson of a lesson's or its children's row
        statements.append(
            "create or replace temp table stg_failed (file_name varchar, row_number bigint, lesson_id varchar)"
        )
        con.execute("; ".join(statements))

    def add(self, name: str, frame: pl.DataFrame) -> None:
        """Stage the typed, per-file-valid rows of one batch of a file."""
        if frame.is_empty():
            return
        if name in self._viewed:
            raise ValueError(f"stg_{name} is a view of the file's checked rows: nothing is added to it")
        self._keys_unique.discard(name)
        # DuckDB reads the rows from this variable, found by its name in the calling frame (a
        # replacement scan): 0.7 ms a file, against 2.0 ms for registering them as a view
        incoming_rows = frame.to_arrow()  # noqa: F841
        self.con.execute(self._insert(name, "incoming_rows", has_school="school_id" in frame.columns))

    def add_table(
        self,
        name: str,
        source: str,
        *,
        has_school: bool,
        more: bool = False,
        unique_keys: tuple[tuple[str, ...], ...] = (),
    ) -> bool:
        """Stage the typed, per-file-valid rows of a table or view on this connection (the model's
        columns and ``_row``); ``more``: rows of the file will follow (:meth:`add`). After
        :meth:`stage_as_views`, a file whose rows all come from ``source`` is staged as a view of it
        (True: ``source`` must then stay until the batch is applied), otherwise as a copy.
        ``unique_keys``: keys no two of these rows share (``DuckChecked.unique_keys``); one within
        the file's natural key spares the cross-file checks its search for repeats."""
        if not more and any(set(key) <= set(NATURAL_KEYS[name]) for key in unique_keys):
            self._keys_unique.add(name)
        if not self._as_views or more:
            self.con.execute(self._insert(name, source, has_school=has_school))
            return False
        typed = ", ".join(f"cast({c} as {self._types[name][c]}) as {c}" for c in _data_columns(name))
        self.con.execute(
            f"drop table stg_{name}; create temp view stg_{name} as select {typed}, {ROW_COLUMN}, "
            f"{_nk_expr(name)} as nk from ({self._select(name, source, has_school=has_school)}) as s "
            f"where not exists (select 1 from stg_failed as f where f.file_name = '{name}' "
            f"and f.row_number = s.{ROW_COLUMN})"
        )
        self._viewed.add(name)
        return True

    def _select(self, name: str, source: str, *, has_school: bool) -> str:
        school = "" if has_school else f"'{_quote(self.school_id)}' as "
        cols = ", ".join(f"{school}school_id" if c == "school_id" else c for c in _data_columns(name))
        return f"select {cols}, {ROW_COLUMN} from (select * from {source})"

    def _insert(self, name: str, source: str, *, has_school: bool) -> str:
        return f"insert into stg_{name} select *, {_nk_expr(name)} from ({self._select(name, source, has_school=has_school)})"

    def note_refused_children(self, name: str, issues: list[Issue]) -> None:
        """Remember the lessons whose marks or attendance failed before staging (lesson atomicity)."""
        if name not in LESSON_CHILDREN:
            return
        import json

        for issue in issues:
            if issue.raw_row:
                lesson = json.loads(issue.raw_row).get("lesson_id")
                if lesson:
                    self.refused_lessons.add(str(lesson).strip())

    def drop_forgotten(self, is_forgotten: Callable[[str], bool]) -> int:
        """Drop staged rows of pupils deleted under 152-ФЗ (``is_forgotten`` tests an id against
        the register of keyed hashes); returns how many."""
        tables = [n for n in TABLE_FILES if "pupil_id" in columns_of(FILES_BY_NAME[n].model)]
        pupils = " union ".join(f"select pupil_id from stg_{name} where pupil_id is not null" for name in tables)
        staged = {pupil for (pupil,) in self.con.execute(pupils).fetchall()}
        doomed = sorted(p for p in staged if is_forgotten(p))
        if not doomed:
            return 0
        self.con.register("forgotten_incoming", pl.DataFrame({"pupil_id": doomed}).to_arrow())
        dropped = 0
        try:
            for name in tables:
                where = "pupil_id in (select pupil_id from forgotten_incoming)"
                dropped += self.con.execute(f"select count(*) from stg_{name} where {where}").fetchone()[0]
                self.con.execute(f"delete from stg_{name} where {where}")
        finally:
            self.con.unregister("forgotten_incoming")
        return dropped

    def holds_school(self) -> bool:
        """Whether the warehouse has a stored row of this school in any src_ table (the cross-file
        checks then read them with the batch's)."""
        return any(self._held().values())

    def _held(self) -> dict[str, bool]:
        """Whether the warehouse has a stored row of this school, by file (in one query: a query
        costs more than this one's work)."""
        school = _quote(self.school_id)
        holds = " union all ".join(
            f"select '{name}', exists (select 1 from src_{name} where school_id = '{school}')" for name in TABLE_FILES
        )
        return dict(self.con.execute(holds).fetchall())

    def stage_as_views(self, failed: list[tuple[str, int]] | None = None) -> None:
        """Stage each file checked as a whole as a view of its checked rows, read where the batch's
        checks and apply read them instead of copied here first (:meth:`add_table`): for a school
        the warehouse has no row of and no forgotten pupil of, nothing takes rows out of staging
        but the cross-file checks, and a row they refuse leaves its view through ``stg_failed``.
        ``failed``: the rows (file, row) those checks refused elsewhere (a worker ran them on the
        export alone, which for such a school gives what they would here)."""
        self._as_views = True
        if failed:
            # one insert of them all (DuckDB reads the frame by its name, as in add())
            failed_rows = pl.DataFrame(  # noqa: F841
                {"file_name": [name for name, _ in failed], "row_number": [int(row) for _, row in failed]},
                schema={"file_name": pl.String, "row_number": pl.Int64},
            ).to_arrow()
            self.con.execute("insert into stg_failed select file_name, row_number, null from failed_rows")

    def n_staged_all(self) -> dict[str, int]:
        """Staged rows of every file, in one query."""
        counts = " union all ".join(f"select '{name}', count(*) from stg_{name}" for name in TABLE_FILES)
        return dict(self.con.execute(counts).fetchall())

    # -- cross-file checks -------------------------------------------------------------------

    def _row_rules(self) -> list[RowRule]:
        """The rules a staged row fails on its own: a repeated natural key within the file, an
        implausible date. Removing other rows never makes a row fail them, so they run once."""
        rules = []
        for name in TABLE_FILES:
            if name in self._keys_unique:
                continue  # a repeat would have been refused by the file's own check
            keys = NATURAL_KEYS[name]
            shown = " || '|' || ".join(f"coalesce(cast(s.{k} as varchar), '')" for k in keys)
            rules.append(
                RowRule(
                    name,
                    "count(*) > count(distinct s.nk)",
                    f"select '{name}', s.{ROW_COLUMN}, '{keys[0]}', {shown}, 'duplicate', "
                    f"'Повтор ключа ({', '.join(keys)}): такая запись встречается в файле несколько раз' "
                    f"from stg_{name} as s where s.nk in (select nk from stg_{name} group by nk having count(*) > 1)",
                )
            )
        return rules + self._date_rules()

    def _date_rules(self) -> list[RowRule]:
        """Dates before ``EARLIEST_DATE`` or too far after the export; entries after the export."""
        exported = self.exported_at
        latest_entry = (exported + limits.ENTRY_TOLERANCE).strftime("%Y-%m-%d %H:%M:%S")
        latest_date = (exported + limits.LATEST_AFTER_EXPORT).date()
        earliest = limits.EARLIEST_DATE
        shown_export = exported.strftime("%d.%m.%Y %H:%M")
        rules = []
        for name, column, is_entry in date_columns():
            ru = columns_of(FILES_BY_NAME[name].model)[column].metadata["ru"]
            value = f"strftime(s.{column}, '{'%d.%m.%Y %H:%M' if is_entry else '%d.%m.%Y'}')"
            day = f"cast(s.{column} as date)"
            too_late = f"s.{column} > timestamp '{latest_entry}'" if is_entry else f"{day} > date '{latest_date}'"
            later_than = "" if is_entry else f" или позже {latest_date:%d.%m.%Y}"
            implausible = f"{day} < date '{earliest}'" + ("" if is_entry else f" or {too_late}")
            rules.append(
                RowRule(
                    name,
                    f"bool_or({implausible})",
                    f"select '{name}', s.{ROW_COLUMN}, '{column}', {value}, 'date_implausible', "
                    f"'Столбец «{ru}»: дата ' || {value} || ' неправдоподобна: раньше {earliest:%d.%m.%Y}{later_than} "
                    f"(выгрузка сделана {shown_export})' from stg_{name} as s where {implausible}",
                )
            )
            if is_entry:
                rules.append(
                    RowRule(
                        name,
                        f"bool_or({too_late})",
                        f"select '{name}', s.{ROW_COLUMN}, '{column}', {value}, 'date_after_export', "
                        f"'Столбец «{ru}»: запись сделана ' || {value} || ', позже самой выгрузки ({shown_export}, "
                        f"export.csv): так не бывает' from stg_{name} as s where {too_late}",
                    )
                )
        return rules

    def _row_rule_failures(self) -> list[tuple]:
        """The rows failing the row rules: one scan per file tells which rules any row fails, and
        only those rules' queries run."""
        rules = self._row_rules()
        by_table: dict[str, list[int]] = {}
        for index, rule in enumerate(rules):
            by_table.setdefault(rule.table, []).append(index)
        signals = " union all ".join(
            f"select '{table}', [{', '.join(f'coalesce({rules[i].signal}, false)' for i in indexes)}] "
            f"from stg_{table} as s"
            for table, indexes in by_table.items()
        )
        fired = {
            index
            for table, flags in self.con.execute(signals).fetchall()
            for index, flag in zip(by_table[table], flags, strict=True)
            if flag
        }
        found: list[tuple] = []
        for index in sorted(fired):
            found += self.con.execute(rules[index].query).fetchall()
        return found

    def _lesson_atomicity(self) -> str:
        children = f"select lesson_id from stg_failed where file_name in ({', '.join(map(_sql_text, LESSON_CHILDREN))})"
        refused = ", ".join(f"'{_quote(x)}'" for x in sorted(self.refused_lessons)) or "null"
        lesson_rows = (
            f"select 'lessons', l.{ROW_COLUMN}, 'lesson_id', l.lesson_id, 'lesson_incomplete', "
            f"'Урок не загружен: часть его отметок или посещаемости отклонена (урок загружается только целиком)' "
            f"from stg_lessons as l where l.lesson_id in ({children}) or l.lesson_id in ({refused})"
        )
        child_rows = [
            f"select '{c}', s.{ROW_COLUMN}, 'lesson_id', s.lesson_id, 'lesson_refused', "
            f"'Строка не загружена: её урок отклонён целиком' "
            f"from stg_{c} as s join stg_failed as f on f.file_name = 'lessons' and f.lesson_id = s.lesson_id"
            for c in LESSON_CHILDREN
        ]
        return " union all ".join([lesson_rows, *child_rows])

    def cross_check(self, allow_lessons_on_holidays: bool, covers: tuple[dt.date, dt.date]) -> list[Issue]:
        """Run every cross-file rule until no new row fails; failing rows leave staging."""
        self.con.execute(f"create or replace temp table stg_keys_all as {_staged_keys()}")
        params = {
            "school_id": self.school_id,
            "youngest_pupil": limits.PUPIL_AGE_YEARS[0],
            "oldest_pupil": limits.PUPIL_AGE_YEARS[1],
            "allow_lessons_on_holidays": allow_lessons_on_holidays,
            "covers_from_date": covers[0],
            "covers_to_date": covers[1],
        }
        file_checks = [
            (_with_current(sql, self.school_id), {k: v for k, v in params.items() if f"${k}" in sql})
            for sql in _file_checks()
        ]
        references = _reference_query(self.school_id)
        issues: list[Issue] = []
        for round_number in range(MAX_CHECK_ROUNDS):
            found: list[tuple] = []
            for sql, used in file_checks:
                found += self.con.execute(sql, used).fetchall()
            if round_number == 0:
                found += self._row_rule_failures()
            found += self.con.execute(references).fetchall()
            new = self._record_failures(found)
            found_atomic = self.con.execute(self._lesson_atomicity()).fetchall()
            new += self._record_failures(found_atomic)
            issues += new
            if not new:
                break
        # the checks' own copy of the targets' keys is no longer needed: dropped before the batch's
        # transaction begins, it frees its memory at once
        self.con.execute("drop table stg_keys_all")
        return issues

    def _record_failures(self, rows: list[tuple]) -> list[Issue]:
        """Turn check rows into Issues with their raw rows, and take the rows out of staging."""
        if not rows:
            return []
        frame = pl.DataFrame(
            rows,
            schema=["file_name", "row_number", "column_name", "cell_value", "rule_code", "message"],
            orient="row",
        ).with_columns(pl.col("row_number").cast(pl.Int64))
        self.con.register("stg_incoming", frame.to_arrow())
        try:
            self.con.execute("create or replace temp table stg_new_failed as select * from stg_incoming")
        finally:
            self.con.unregister("stg_incoming")
        raw: dict[tuple[str, int], str] = {}
        for name in sorted(set(frame.get_column("file_name"))):
            fetched = self.con.execute(
                f"select s.{ROW_COLUMN}, to_json(s) from stg_{name} as s "
                f"where s.{ROW_COLUMN} in (select row_number from stg_new_failed where file_name = ?)",
                [name],
            ).fetchall()
            raw.update({(name, r): j for r, j in fetched})
        issues = [
            Issue(f, r, c, v, rule, msg, raw.get((f, r)))
            for f, r, c, v, rule, msg in frame.iter_rows()
            if (f, r) in raw
        ]
        if not issues:
            return []
        for name in sorted(set(frame.get_column("file_name"))):
            lesson = "s.lesson_id" if name in ("lessons", *LESSON_CHILDREN) else "null"
            self.con.execute(
                f"insert into stg_failed select distinct n.file_name, n.row_number, {lesson} "
                f"from stg_new_failed as n join stg_{name} as s on s.{ROW_COLUMN} = n.row_number "
                f"where n.file_name = ? and not exists "
                f"(select 1 from stg_failed as f where f.file_name = n.file_name and f.row_number = n.row_number)",
                [name],
            )
            if name not in self._viewed:  # a view leaves the rows of stg_failed out itself
                self.con.execute(
                    f"delete from stg_{name} where {ROW_COLUMN} in "
                    f"(select row_number from stg_new_failed where file_name = ?)",
                    [name],
                )
        return issues

    # -- applying to src_ --------------------------------------------------------------------

    def apply(self, batch_id: int) -> ApplyCounts:
        """Upsert staged rows into src_ tables by natural key; the newer export wins. A staged row
        its table does not store (``keys.STORED_ONLY_WITH``) is compared like any other, so it may
        supersede a stored row, but it is not inserted."""
        counts = ApplyCounts()
        stored = self._held()
        kept = db.kept_sources()
        for name in TABLE_FILES:
            cols = ", ".join(_data_columns(name))
            if not stored[name] and f"src_{name}" in kept:
                (n_rows,) = self.con.execute(f"select count(*) from stg_{name} where {_stored(name)}").fetchone()
                constants = {"batch_id": batch_id, "exported_at": self.exported_at}
                query = f"select {cols} from stg_{name} where {_stored(name)}"
                rows = db.NewRows(tuple(_data_columns(name)), query, (self.school_id,), n_rows, constants)
                counts.inserted[name] = n_rows
                counts.new_rows[f"src_{name}"] = rows
                continue
            if not stored[name]:  # first load of this table for the school: nothing to compare with
                (counts.inserted[name],) = self.con.execute(
                    f"insert into src_{name} ({cols}, batch_id, exported_at) select {cols}, ?, ? from stg_{name} "
                    f"where {_stored(name)}",
                    [batch_id, self.exported_at],
                ).fetchone()
                continue
            self._upsert(name, cols, batch_id, counts)
            if name in LESSON_CHILDREN:
                counts.removed[name] = self._remove_superseded_children(name, batch_id)
        return counts

    def _upsert(self, name: str, cols: str, batch_id: int, counts: ApplyCounts) -> None:
        con, at = self.con, self.exported_at
        con.execute(
            f"create or replace temp table stg_diff as "
            f"select s.school_id, {', '.join(f's.{c}' for c in NATURAL_KEYS[name])}, s.nk, "
            f"t.school_id is null as is_new, t.school_id is not null and not ({_same_row(name)}) as is_changed, "
            f"t.batch_id as old_batch, t.exported_at as old_at, {_stored(name, 's')} as is_stored "
            f"from stg_{name} as s left join src_{name} as t on {_key_match(name, 't', 's')}"
            # a row the table would not store matters only where it meets a stored row
            + ("" if name not in STORED_ONLY_WITH else f" where {_stored(name, 's')} or t.school_id is not null")
        )
        if name in LESSON_CHILDREN:
            # A row of a lesson whose newer version is already stored counts as older than it (a
            # new row the table would not store changes nothing, older or not).
            con.execute(
                f"update stg_diff set old_at = newer.lesson_at, is_changed = true, is_new = false "
                f"from (select s.nk, l.exported_at as lesson_at from stg_{name} as s join src_lessons as l "
                f"on l.school_id = s.school_id and l.lesson_id = s.lesson_id where l.exported_at > ?) as newer "
                f"where stg_diff.nk = newer.nk and ((stg_diff.is_new and stg_diff.is_stored) or stg_diff.is_changed)",
                [at],
            )
        changed = "is_changed"
        con.execute(
            f"insert into meta_supersession select ?, ?, ?, nk, "
            f"case when old_at > ? then 'kept_newer' else 'updated' end, old_batch, old_at "
            f"from stg_diff where {changed}",
            [batch_id, f"src_{name}", self.school_id, at],
        )
        inserted, updated, kept = con.execute(
            f"select count(*) filter (where is_new and is_stored), "
            f"count(*) filter (where {changed} and old_at <= ?), count(*) filter (where {changed} and old_at > ?) "
            f"from stg_diff",
            [at, at],
        ).fetchone()
        counts.inserted[name], counts.updated[name], counts.kept_newer[name] = inserted, updated, kept
        con.execute(
            f"delete from src_{name} as t using stg_diff as d where t.school_id = ? "
            f"and {_key_match(name, 't', 'd')} and d.{changed} and d.old_at <= ?",
            [self.school_id, at],
        )
        con.execute(
            f"insert into src_{name} ({cols}, batch_id, exported_at) select {cols}, ?, ? from stg_{name} as s "
            f"where s.nk in (select nk from stg_diff where (is_new or ({changed} and old_at <= ?)) and is_stored)",
            [batch_id, at, at],
        )
        # Unchanged rows that a newer export confirms carry its moment, so an older export
        # arriving later cannot overwrite them.
        con.execute(
            f"update src_{name} as t set batch_id = ?, exported_at = ? from stg_diff as d "
            f"where t.school_id = ? and t.exported_at < ? and {_key_match(name, 't', 'd')} "
            f"and not d.is_new and not d.is_changed",
            [batch_id, at, self.school_id, at],
        )

    def _remove_superseded_children(self, name: str, batch_id: int) -> int:
        """A lesson in this export brings all its rows: stored rows it no longer has are removed
        (found once, then logged and deleted by their row ids)."""
        con = self.con
        con.execute(
            f"create or replace temp table stg_gone as select t.rowid as gone_rowid, t.school_id, "
            f"{_nk_expr(name, 't')} as nk, t.batch_id, t.exported_at from src_{name} as t "
            f"where t.school_id = ? "
            f"and t.lesson_id in (select lesson_id from stg_lessons) "
            f"and t.lesson_id not in (select lesson_id from src_lessons where school_id = ? and exported_at > ?) "
            f"and not exists (select 1 from stg_{name} as s where {_key_match(name, 's', 't')})",
            [self.school_id, self.school_id, self.exported_at],
        )
        con.execute(
            "insert into meta_supersession select ?, ?, school_id, nk, 'removed', batch_id, exported_at from stg_gone",
            [batch_id, f"src_{name}"],
        )
        (n,) = con.execute(f"delete from src_{name} where rowid in (select gone_rowid from stg_gone)").fetchone()
        return n


@dataclass(frozen=True)
class RowRule:
    """A rule a staged row of ``table`` fails on its own: ``signal`` (an aggregate over
    ``stg_<table> as s``) is true when some row may fail it, ``query`` selects the failing rows."""

    table: str
    signal: str
    query: str


def _reference_targets() -> list[tuple[str, str]]:
    """(file, column) of every key a reference points at; each is its file's whole natural key
    (so a stored row the batch replaces has its key among the staged ones)."""
    targets = sorted({(r.target, r.target_column) for r in REFERENCES})
    assert all(NATURAL_KEYS[target] == (column,) for target, column in targets), targets
    return targets


def _target_keys(prefix: str, school_id: str | None = None) -> str:
    """Every target's keys as rows (target number, key) from ``<prefix>_<target>``: the staged
    rows (``stg``), or the stored rows (``src``) of ``school_id``."""
    school = f"school_id = '{_quote(school_id)}' and " if school_id is not None else ""
    return " union all ".join(
        f"select {index} as target, {column} as v from {prefix}_{target} where {school}{column} is not null"
        for index, (target, column) in enumerate(_reference_targets())
    )


def _staged_keys() -> str:
    """The batch's distinct target keys as it entered the cross-file checks (``stg_keys_all``): a
    reference to one of them that a check then refused points at a refused row."""
    return f"select distinct target, v from ({_target_keys('stg')})"


def _reference_query(school_id: str) -> str:
    """Rows whose reference is found neither in this export nor in the warehouse: ``reference``,
    or ``refers_to_refused`` when this export had the target row but a check refused it.

    One statement over every reference at once, in long form: each referencing column's values
    as rows (reference number, row, target number, value), one anti join on the targets' keys
    (staged and stored, as they stand when the statement runs: every round, after the rows the
    round before refused left staging), and the messages joined on the few rows left. Planning
    a statement of 38 references with two joins each took most of the small sample's 34 ms."""
    targets = {target: index for index, (target, _) in enumerate(_reference_targets())}
    rows = []
    for number, ref in enumerate(REFERENCES):
        # rows of a lesson refused in this export are reported by the lesson rule
        whole_lesson = ref.file in LESSON_CHILDREN and ref.column == "lesson_id"
        rows.append(
            f"select {number} as ref, s.{ROW_COLUMN} as row_number, {targets[ref.target]} as target, "
            f"s.{ref.column} as v from stg_{ref.file} as s "
            + (f"anti join ({_EXPORT_LESSONS}) as a on a.lesson_id = s.lesson_id " if whole_lesson else "")
            + f"where s.{ref.column} is not null"
        )

    return (
        f"with refs as ({' union all '.join(rows)}), keys as ({_target_keys('stg')} union all {_target_keys('src', school_id)}) "
        "select m.file_name, r.row_number, m.column_name, r.v, "
        "case when k.v is not null then 'refers_to_refused' else 'reference' end, "
        "case when k.v is not null then m.refused_head || r.v || m.refused_tail "
        "else m.missing_head || r.v || m.missing_tail end "
        "from refs as r anti join keys as t on t.target = r.target and t.v = r.v "
        "left join stg_keys_all as k on k.target = r.target and k.v = r.v "
        f"join ({_reference_messages()}) as m on m.ref = r.ref "
        "order by r.ref, r.row_number"
    )


# The export's lessons as they entered the cross-file checks: those still staged and those a check
# has refused since (a refused row's lesson is kept in ``stg_failed``).
_EXPORT_LESSONS = (
    "select lesson_id from stg_lessons union all select lesson_id from stg_failed where file_name = 'lessons'"
)


@functools.cache
def _reference_messages() -> str:
    """Each reference's file, column and the parts of its two messages around the value."""
    rows = []
    for number, ref in enumerate(REFERENCES):
        ru = columns_of(FILES_BY_NAME[ref.file].model)[ref.column].metadata["ru"]
        target = FILES_BY_NAME[ref.target]
        parts = (
            ref.file,
            ref.column,
            f"Столбец «{ru}»: строка ссылается на «",
            f"», а эта строка файла {target.name}.csv отклонена (см. её ошибки)",
            f"Столбец «{ru}»: «",
            f"» не найдено ни в файле {target.name}.csv ({target.ru_name}), ни в загруженных ранее данных",
        )
        rows.append(f"({number}, {', '.join(_sql_text(part) for part in parts)})")
    columns = "ref, file_name, column_name, refused_head, refused_tail, missing_head, missing_tail"
    return f"select * from (values {', '.join(rows)}) as m({columns})"


def _sql_text(text: str) -> str:
    return "'" + _quote(text) + "'"


@functools.lru_cache(maxsize=64)
def _with_current(sql: str, school_id: str) -> str:
    """A check's SELECT with each ``cur_<file>`` it names defined in its WITH clause: the batch's
    rows and the school's stored rows they do not replace. (As views, created with the staging,
    they took 0.8 ms each, more than most checks that read them.)"""
    named = [name for name in TABLE_FILES if re.search(rf"\bcur_{name}\b", sql)]
    if not named:
        return sql
    defined = ", ".join(f"cur_{name} as not materialized ({_current_rows(name, school_id)})" for name in named)
    body = "\n".join(line for line in sql.splitlines() if not line.lstrip().startswith("--")).strip()
    if re.match(r"with\s", body, re.IGNORECASE):
        return f"with {defined}, {body[4:].lstrip()}"
    return f"with {defined} {body}"


def _current_rows(name: str, school_id: str) -> str:
    cols = ", ".join(_data_columns(name))
    return (
        f"select {cols} from stg_{name} union all "
        f"select {cols} from src_{name} as s where s.school_id = '{_quote(school_id)}' "
        f"and not exists (select 1 from stg_{name} as t where {_key_match(name, 't', 's')})"
    )


@functools.cache
def _file_checks() -> tuple[str, ...]:
    """The SELECT of every ``checks/*.sql`` file, in name order (read once per process)."""
    return tuple(path.read_text(encoding="utf-8") for path in sorted(CHECKS_DIR.glob("*.sql")))


def _quote(text: str) -> str:
    return text.replace("'", "''")
