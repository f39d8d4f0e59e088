"""Validation inside DuckDB: the same pandera models, run as one SQL pass over a CSV file.

DuckDB's own reader puts the file's text into a temporary table on the warehouse connection,
and one query types every cell as :func:`validate.parse_frame` does and flags every row that
any rule of the file's pandera model refuses:

- a cell that does not parse into the column's type;
- an empty cell in a required column (``nullable=False``);
- a value outside the column's built-in checks (``isin``, ``str_matches``, bounds);
- a repeated value of a ``unique`` column or of the model's ``unique`` key, within a batch of
  ``batch_rows`` rows, as the polars path checks them;
- the model's row rules, written once in SQL (:func:`schemas.row_rule`).

Rows nobody flags are staged without leaving DuckDB. The flagged rows (few, and none in a clean
file) are checked again by the polars path (:func:`validate.check_batch`), which words each
issue: a message comes from one place whichever path found the row.

The SQL parse accepts only the plain spellings (``ДД.ММ.ГГГГ``, ``ГГГГ-ММ-ДД``, ``ЧЧ:ММ[:СС]``,
digits with a sign and a point or comma). A cell spelled any other way is flagged and left to
polars to decide; if polars reads it as a value after all (``1.2.2025``, ``1e3``), the file
is handed back (:func:`check_in_duckdb` returns ``None``) and goes the polars way as a whole.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import polars as pl

from pipelines.canonical.reader import (
    ROW_COLUMN,
    CsvPlan,
    ExportFile,
    FileFacts,
    plan_csv,
    read_failure,
)
from pipelines.canonical.schemas import columns_of
from pipelines.canonical.validate import FALSE_WORDS, TRUE_WORDS, _kind, check_batch, code_cases
from pipelines.issues import Issue

# What polars' ``str.strip_chars()`` strips: Unicode White_Space. DuckDB's trim() with a set of
# characters is slow, so it runs only on cells that begin or end with one of them.
WHITESPACE = "".join(
    chr(c) for c in (*range(0x09, 0x0E), 0x20, 0x85, 0xA0, 0x1680, *range(0x2000, 0x200B), 0x2028, 0x2029, 0x202F)
) + "".join(chr(c) for c in (0x205F, 0x3000))
_SPACE_CLASS = "[" + "".join(f"\\x{{{ord(c):X}}}" for c in WHITESPACE) + "]"

_DAY = r"(0[1-9]|[12][0-9]|3[01])\.(0[1-9]|1[0-2])\.[0-9]{4}"
_ISO_DAY = r"[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
_TIME = r"([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?"
# The plain spellings the SQL parse reads; each equals polars' parse wherever both read a value.
PLAIN = {
    "int": r"[+-]?[0-9]{1,18}",
    "float": r"[+-]?[0-9]{1,15}([.,][0-9]{1,15})?",
    "date": f"({_DAY}|{_ISO_DAY})([ T]0?0:00(:00)?(\\.0+)?)?",  # validate.MIDNIGHT
    "datetime": f"{_DAY}( {_TIME})?|{_ISO_DAY}([ T]{_TIME})?",
}
_BOUNDS = {
    "greater_than": ("min_value", ">"),
    "greater_than_or_equal_to": ("min_value", ">="),
    "less_than": ("max_value", "<"),
    "less_than_or_equal_to": ("max_value", "<="),
}


def _literal(value: object) -> str:
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _Unsupported(f"literal {value!r}")
    return repr(value)


class _Unsupported(Exception):
    """The model has something this compiler does not translate: the file goes the polars way."""


def _typed(text: str, kind: str, plain: str) -> str:
    """The SQL of a trimmed text cell read as the column's type (null when it does not parse);
    ``plain`` is true where the cell has a plain spelling of the type (:func:`_plain_spelling`)."""
    if kind == "str":
        return text
    if kind == "bool":
        truth = ", ".join(map(_literal, TRUE_WORDS))
        falsity = ", ".join(map(_literal, FALSE_WORDS))
        return f"(case when lower({text}) in ({truth}) then true when lower({text}) in ({falsity}) then false end)"
    if kind == "int":
        return f"(case when {plain} then cast({text} as bigint) end)"
    if kind == "float":
        return f"(case when {plain} then cast(replace({text}, ',', '.') as double) end)"
    if kind == "date":
        day = f"left({text}, 10)"  # without a zero time
        day = f"(case when substr({day}, 3, 1) = '.' then try_strptime({day}, '%d.%m.%Y') else try_strptime({day}, '%Y-%m-%d') end)"
        return f"(case when {plain} then cast({day} as date) end)"
    return f"(case when {plain} then {_moment(text)} end)"


def _moment(text: str) -> str:
    """A plain date-and-time spelling read by the one format its shape names (trying a list of
    formats costs each failed attempt)."""
    iso = f"replace({text}, 'T', ' ')"
    shapes = [  # (position of the first separator, separator, length, format)
        (3, ".", 19, "%d.%m.%Y %H:%M:%S"),
        (3, ".", 16, "%d.%m.%Y %H:%M"),
        (3, ".", 10, "%d.%m.%Y"),
        (5, "-", 19, "%Y-%m-%d %H:%M:%S"),
        (5, "-", 16, "%Y-%m-%d %H:%M"),
        (5, "-", 10, "%Y-%m-%d"),
    ]
    branches = " ".join(
        f"when substr({text}, {at}, 1) = '{mark}' and length({text}) = {n} "
        f"then try_strptime({text if mark == '.' else iso}, '{fmt}')"
        for at, mark, n, fmt in shapes
    )
    return f"(case {branches} end)"


def _plain_spelling(text: str, kind: str) -> str:
    return f"regexp_full_match({text}, '{PLAIN[kind]}')"


def _trimmed(cell: str) -> str:
    """The cell without Unicode spaces at either end, null when nothing is left (as polars)."""
    # Every space character is outside the printable ASCII range (33–126), so the pattern runs only
    # on cells that begin or end outside it (Cyrillic, a space): about half the time of running it
    # on every cell of a table of identifiers and dates.
    maybe = f"unicode({cell}) not between 33 and 126 or unicode({cell}[-1]) not between 33 and 126"
    edge = f"case when {maybe} then regexp_matches({cell}, '^{_SPACE_CLASS}|{_SPACE_CLASS}$') else false end"
    return f"nullif(case when {edge} then trim({cell}, {_literal(WHITESPACE)}) else {cell} end, '')"


def _odd(text: str, plain: str) -> str:
    """A cell whose spelling the SQL parse does not read: polars decides it."""
    return f"({text} is not null and not {plain})"


def _pattern(pattern: str) -> str:
    """A pandera ``str_matches`` pattern (Rust regex, matched from the start) for RE2: ``\\d``
    means any Unicode digit in Rust's regex, ``\\p{Nd}`` in RE2."""
    pattern = pattern if pattern.startswith("^") else f"^{pattern}"
    return pattern.replace(r"\d", r"\p{Nd}")


def _check_failure(column: str, check: object) -> str:
    """SQL true where a built-in column check fails (nulls pass, as pandera's ignore_na)."""
    name, stats = check.name, check.statistics
    if not check.ignore_na or check.element_wise:
        raise _Unsupported(f"check {name}")
    if name == "isin":
        listed = ", ".join(_literal(v) for v in stats["allowed_values"])
        return f"{column} not in ({listed})"
    if name == "str_matches":
        return f"not regexp_matches({column}, {_literal(_pattern(stats['pattern']))})"
    if name in _BOUNDS:
        key, operator = _BOUNDS[name]
        return f"not ({column} {operator} {_literal(stats[key])})"
    raise _Unsupported(f"check {name}")


@dataclass
class _Plan:
    """The SQL of one model: typed columns (beside the trimmed text ``_t_<column>`` of each typed
    one), odd and unparsed cells, the conditions that fail a row, and the unique keys."""

    typed: list[str]
    texts: list[str]
    plains: list[str]
    odd: str
    unparsed: str
    failing: list[str]
    unique: list[list[str]]

    def select(self, names: list[str], source: str) -> str:
        """The typed table's query over the file's text (columns ``c0``… in file order): trimmed
        text, whether each typed cell has a plain spelling (once, for the parse and for ``_odd``),
        the typed columns, then the flags."""
        trimmed = ", ".join(f'{_trimmed(f"c{i}")} as "{n}"' for i, n in enumerate(names))
        spelled = f"select *{''.join(f', {p}' for p in self.plains)} from (select {trimmed} from ({source}))"
        typed = f"select {', '.join(self.typed)} from ({spelled})"
        hidden = f" exclude ({', '.join(self.texts)})" if self.texts else ""
        return f"select *{hidden}, {self.odd} as _odd, {self.unparsed} as _unparsed from ({typed})"


@functools.cache
def _plan(model: type) -> _Plan:
    schema = model.to_schema()
    if not schema.strict or schema.ordered or schema.parsers or schema.dtype is not None:
        raise _Unsupported("schema options")
    typed, texts, plains, odd, unparsed, failing, unique = [], [], [], [], [], [], []
    cases = code_cases(model)
    for name, column in columns_of(model).items():
        kind = _kind(column.dtype)
        if column.regex or not column.required or column.default is not None or column.parsers:
            raise _Unsupported(f"column {name}")
        quoted, text, plain = f'"{name}"', f'"_t_{name}"', f'"_p_{name}"'
        case = cases.get(name)
        typed.append(f"{case}({quoted}) as {quoted}" if case else f"{_typed(quoted, kind, plain)} as {quoted}")
        if kind in PLAIN:
            plains.append(f"{_plain_spelling(quoted, kind)} as {plain}")
            typed.append(plain)
            texts.append(plain)
            odd.append(_odd(text, plain))
        if kind != "str":
            typed.append(f"{quoted} as {text}")
            texts.append(text)
            unparsed.append(f"({text} is not null and {quoted} is null)")
        if not column.nullable:
            failing.append(f"{quoted} is null")
        failing += [f"({quoted} is not null and {_check_failure(quoted, c)})" for c in column.checks]
        if column.unique:
            unique.append([name])
    for check in schema.checks:
        sql = (check.statistics or {}).get("sql")
        if not sql or not check.ignore_na:
            raise _Unsupported(f"frame check {check.name}")
        failing.append(f"(({sql}) = false)")
    if schema.unique:
        keys = schema.unique
        unique += [list(keys)] if all(isinstance(k, str) for k in keys) else [list(k) for k in keys]
    return _Plan(typed, texts, plains, " or ".join(odd) or "false", " or ".join(unparsed) or "false", failing, unique)


@dataclass
class DuckChecked:
    """One file checked in DuckDB: its accepted rows wait in ``accepted`` (a temporary table of
    the model's columns and ``_row``) for staging; ``extra`` holds flagged rows polars passed.
    ``unique_keys``: the model's unique keys no two readable rows of the file share, so neither do
    any two of ``accepted`` (none when polars passed some of its flagged rows)."""

    n_rows_in: int
    issues: list[Issue] = field(default_factory=list)
    accepted: str = ""
    extra: list[pl.DataFrame] = field(default_factory=list)
    unique_keys: tuple[tuple[str, ...], ...] = ()


# Measured with the bench's school (1.66 M rows): checking in DuckDB takes as long as in polars
# and a sixth less memory at the peak (770 МБ against 924 МБ); on the small files of a tiny
# export polars is faster (a few statements per file cost more than its whole check).
DUCKDB_MIN_BYTES = 1 << 20


def in_duckdb(file: ExportFile) -> bool:
    """Whether a file is checked inside DuckDB: a CSV file of at least ``DUCKDB_MIN_BYTES``,
    other than export.csv (read first, on its own, before the warehouse is opened)."""
    return compiled(file) and file.path.stat().st_size >= DUCKDB_MIN_BYTES


def compiled(file: ExportFile) -> bool:
    """Whether DuckDB can check the file at all (any size)."""
    return file.path.suffix.lower() == ".csv" and file.spec.name != "export"


def check_in_duckdb(
    con: duckdb.DuckDBPyConnection, file: ExportFile, workdir: Path, facts: FileFacts, batch_rows: int
) -> DuckChecked | None:
    """Read and check one CSV file inside ``con``; ``None`` hands the file to the polars path
    (the model has something not compiled here, or a cell polars reads and SQL does not)."""
    try:
        plan = _plan(file.spec.model)
    except _Unsupported:
        return None
    csv = plan_csv(file, workdir, facts)
    name = file.spec.name
    typed, rows, flagged = f"dck_typed_{name}", f"dck_rows_{name}", f"dck_flagged_{name}"
    repeated = [f"dck_repeated_{name}_{number}" for number in range(len(plan.unique))]
    n_rows_in, first_rowid = _read(con, csv, typed, file.path.name, plan)
    con.execute(
        f"create or replace temp view {rows} as select rowid - {first_rowid} + 2 as {ROW_COLUMN}, * from {typed}; "
        + "".join(f"{_repeated_query(rows, key, table)}; " for key, table in zip(plan.unique, repeated, strict=True))
        + f"create or replace temp table {flagged} as {_flag_query(rows, plan, batch_rows, repeated)}"
    )
    checked = DuckChecked(n_rows_in, accepted=f"dck_accepted_{name}")
    counts = ", ".join(f"(select count(*) from {table})" for table in [flagged, *repeated])
    n_flagged, *n_repeated = con.execute(f"select {counts}").fetchall()[0]
    dropped = "".join(f"drop table {table}; " for table in repeated)  # with the next statement
    if n_flagged and _recheck(con, file, csv, rows, flagged, batch_rows, checked):
        if dropped:
            con.execute(dropped)
        drop(con, name)
        return None
    con.execute(
        dropped + f"create or replace temp view {checked.accepted} as select * exclude (_odd, _unparsed) from {rows} "
        f"anti join {flagged} using ({ROW_COLUMN})"
    )
    if not checked.extra:  # rows polars passed are not known to this count
        checked.unique_keys = tuple(tuple(key) for key, n in zip(plan.unique, n_repeated, strict=True) if n == 0)
    return checked


def _read(
    con: duckdb.DuckDBPyConnection, csv: CsvPlan, table: str, file_name: str, plan: _Plan | None
) -> tuple[int, int]:
    """The file read into ``table`` (its text, or typed by ``plan``), rows in file order; returns
    the number of rows and the ``rowid`` of the first (the file's line 2): rows added inside a
    transaction are numbered from a large offset, in order."""
    con.execute("set preserve_insertion_order = true")
    sql, params = csv.query()
    try:
        con.execute(f"create or replace temp table {table} as {plan.select(csv.names, sql) if plan else sql}", params)
        count, first = con.execute(f"select count(*), coalesce(min(rowid), 0) from {table}").fetchall()[0]
        return count, first
    except duckdb.Error as error:
        raise read_failure(csv, file_name, error) from error


def _repeated_query(typed: str, key: list[str], table: str) -> str:
    """``table``: the values of ``key`` that more than one readable row of the file has (a file
    without any is checked for repeats over all its rows at once: its rows need no other search)."""
    listed = ", ".join(f'"{k}"' for k in key)
    return (
        f"create or replace temp table {table} as select {listed} from {typed} "
        f"where not (_odd or _unparsed) group by all having count(*) > 1"
    )


def _flag_query(typed: str, plan: _Plan, batch_rows: int, repeated: list[str]) -> str:
    """The rows any rule refuses (type, required, checks, row rules, uniqueness per batch);
    ``repeated``: the tables of :func:`_repeated_query`, one for each unique key of the plan. A
    repeat within a batch is one of the file's repeats, so only their rows are grouped by batch."""
    parts = [f"select {ROW_COLUMN} from {typed} where _odd or _unparsed"]
    if plan.failing:
        parts.append(
            f"select {ROW_COLUMN} from {typed} where not (_odd or _unparsed) and ({' or '.join(plan.failing)})"
        )
    batch = f"(t.{ROW_COLUMN} - 2) // {int(batch_rows)}"
    for key, table in zip(plan.unique, repeated, strict=True):
        listed = ", ".join(f't."{k}"' for k in key)
        same = " and ".join(f't."{k}" is not distinct from p."{k}"' for k in key)
        again = " and ".join(f'r."{k}" is not distinct from d."{k}"' for k in key)
        parts.append(
            f"select r.{ROW_COLUMN} from {typed} as r semi join (select {batch} as _batch, {listed} from {typed} as t "
            f"semi join {table} as p on {same} where not (t._odd or t._unparsed) group by all having count(*) > 1) as d "
            f"on (r.{ROW_COLUMN} - 2) // {int(batch_rows)} = d._batch and {again} where not (r._odd or r._unparsed)"
        )
    return " union ".join(parts)


def _recheck(
    con: duckdb.DuckDBPyConnection,
    file: ExportFile,
    csv: CsvPlan,
    rows: str,
    flagged: str,
    batch_rows: int,
    checked: DuckChecked,
) -> bool:
    """Check the flagged rows' text (the file is read again, as text) with the polars path, batch
    by batch: its issues are the file's issues. True if polars reads every cell of a row the SQL
    parse left as odd (the file is handed back)."""
    spec = file.spec
    raw = f"dck_raw_{spec.name}"
    _, first_rowid = _read(con, csv, raw, file.path.name, None)
    columns = ", ".join(f'r.c{i} as "{n}"' for i, n in enumerate(csv.names))
    row = f"r.rowid - {first_rowid} + 2"
    frame = pl.from_arrow(
        con.sql(
            f"select {columns}, {row} as {ROW_COLUMN}, t._odd, (f.{ROW_COLUMN} - 2) // {int(batch_rows)} as _batch "
            f"from {raw} as r join {flagged} as f on f.{ROW_COLUMN} = {row} "
            f"join {rows} as t on t.{ROW_COLUMN} = f.{ROW_COLUMN} order by f.{ROW_COLUMN}"
        ).to_arrow_table()
    )
    con.execute(f"drop table {raw}")
    odd_rows = set(frame.filter(pl.col("_odd")).get_column(ROW_COLUMN).to_list())
    for part in frame.drop("_odd").partition_by("_batch", maintain_order=True, include_key=False):
        valid, issues = check_batch(spec, part)
        # an odd row with every cell read is one polars checks with the others (a repeat of its
        # key in the batch), not only alone as here, even when a rule of its own refuses it
        unreadable = {issue.row_number for issue in issues if issue.rule_code == "type"}
        if (odd_rows & set(part.get_column(ROW_COLUMN).to_list())) - unreadable:
            return True
        checked.issues += issues
        if not valid.is_empty():
            checked.extra.append(valid)
    return False


def drop(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """Drop the file's temporary tables (after staging, or when the file is handed back)."""
    con.execute(
        f"drop view if exists dck_accepted_{name}; drop table if exists dck_flagged_{name}; "
        f"drop view if exists dck_rows_{name}; drop table if exists dck_typed_{name}; drop table if exists dck_raw_{name}"
    )
