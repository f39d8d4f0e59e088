"""The one module that owns warehouse connections, migrations and model builds.

Writers open the DuckDB file read-write through :func:`connect`; readers in other processes
(dashboards) pass ``read_only=True``. Migrations are the numbered files in
``warehouse/migrations``; models are the ``dim_*``/``fct_*``/``mart_*`` files in
``warehouse/models``, each a single SELECT whose first comment states its grain and key.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import hashlib
import os
import re
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from ejournal.files import owner_tag, scratch_folder, sql_path

WAREHOUSE_DIR = Path(__file__).resolve().parent
MIGRATIONS_DIR = WAREHOUSE_DIR / "migrations"
MODELS_DIR = WAREHOUSE_DIR / "models"


# A new warehouse file gets 64 KiB blocks instead of DuckDB's 256 KiB: every table takes at least
# one block, and a school's warehouse has some forty small tables (dimensions, marts, src_ lists)
# of a few hundred rows; on a 1,000-pupil school the file is ~12 % smaller. (Existing files keep
# the block size they were created with.)
NEW_FILE_BLOCK_SIZE = 64 * 1024


class WarehouseBusyError(RuntimeError):
    """Another process holds the warehouse file for writing."""


@contextlib.contextmanager
def connect(path: Path | str, *, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open the warehouse; a read-write open also applies pending migrations.

    A read-write open is a connection to the process's one instance of the file (:func:`_writer`),
    whose new rows go into row groups of ``ROW_GROUP_SIZE``; a read-only open of a file this
    process writes is a connection to that instance too."""
    path = Path(path)
    if read_only and not path.exists():
        raise FileNotFoundError(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    shared = not read_only or _writer_holds(path)
    try:
        con = _writer(path) if shared else duckdb.connect(str(path), read_only=True)
    except duckdb.IOException as error:
        if "lock" in str(error).lower():
            raise WarehouseBusyError(str(path)) from error
        raise
    except duckdb.ResourceInUseException as error:  # this process has it open another way (a read-only
        raise WarehouseBusyError(str(path)) from error  # open, while a writer comes, or the other way round)
    try:
        if not read_only:
            migrate(con)
        yield con
    finally:
        con.close()
        if shared:
            _release(path)


# A batch appends each table's rows to its last row group until the group holds this many rows, and
# its commit writes that group again whole: with DuckDB's default of 122,880 rows, a region's
# school rewrote up to ~120,000 stored rows of each table it added to (lessons, topics, period
# marks, the marts) for its ~40,000. Measured on 2 cores: a 1,000-pupil school into a new
# warehouse 3.34–3.52 s with the default, 3.22–3.26 s with 32,768 (its commit 0.34 -> 0.12 s),
# 3.14–3.20 s with 16,384; its file 32.1, 33.4 and 35.9 MB. Ten region schools: 32.4–34.9 s
# (commits 10.8–11.2 s), 30.5–33.0 s (9.3–9.9 s), 30.3–33.5 s (8.7–10.1 s); 311, 324 and 345 MB.
# DuckDB takes the size when a file is attached, not from the file: every read-write open goes
# through :func:`_writer`. Groups written before keep their size.
ROW_GROUP_SIZE = 32_768


@dataclass
class _Instance:
    """An in-memory DuckDB with one warehouse file attached as its only database, and how many
    connections of this process use it."""

    base: duckdb.DuckDBPyConnection
    users: int = 0


_WRITERS: dict[str, _Instance] = {}
_WRITERS_LOCK = threading.Lock()


def _key(path: Path) -> str:
    return os.path.realpath(path)


def _writer_holds(path: Path) -> bool:
    with _WRITERS_LOCK:
        return _key(path) in _WRITERS


def _writer(path: Path) -> duckdb.DuckDBPyConnection:
    """A new connection to the process's instance of the warehouse file (made on first use, the
    file created if missing). As ``duckdb.connect(path)`` does, connections of a process share one
    instance of a file (two would write it over each other); unlike it, the file is attached with
    ``ROW_GROUP_SIZE``. The attached file is the instance's only database, so each connection
    (and its cursors) reads and writes it by default, under the name DuckDB gives a file it opens,
    spilling into ``<file>.tmp`` as DuckDB does for a file it opens."""
    key = _key(path)
    with _WRITERS_LOCK:
        instance = _WRITERS.get(key)
        if instance is None:
            if not path.exists():
                create_file(path)
            base = duckdb.connect(config={"temp_directory": f"{path}.tmp"})
            try:
                _attach_alone(base, path)
            except BaseException:
                base.close()
                raise
            instance = _WRITERS[key] = _Instance(base)
        con = instance.base.cursor()
        instance.users += 1
        return con


def _attach_alone(base: duckdb.DuckDBPyConnection, path: Path) -> None:
    """Attach the file to the in-memory ``base`` under the name DuckDB gives it (its name up to the
    first dot; «warehouse» when that is taken, as «memory» is), and make it the only database."""
    attach = f"attach '{sql_path(path)}' {{}}(row_group_size {ROW_GROUP_SIZE})"
    try:
        base.execute(attach.format(""))
    except duckdb.BinderException:  # the name is taken
        base.execute(attach.format("as warehouse "))
    (name,) = base.execute(
        "select database_name from duckdb_databases() where not internal and database_name <> 'memory'"
    ).fetchone()
    base.execute(f'use "{name.replace(chr(34), chr(34) * 2)}"; detach memory')


def _release(path: Path) -> None:
    """One connection of the process's instance of the file closed: the last closes the instance
    (a checkpoint, and the file's lock released)."""
    with _WRITERS_LOCK:
        key = _key(path)
        instance = _WRITERS[key]
        instance.users -= 1
        if instance.users == 0:
            del _WRITERS[key]
            instance.base.close()


def create_file(path: Path) -> None:
    """A new warehouse file: every migration applied, NEW_FILE_BLOCK_SIZE blocks. It is a copy of
    such a file made once per process and set of migration files (running the migrations on every
    new file took a tenth of the small sample's ingest), linked into place so that a file another
    process has just created is never overwritten."""
    empty = _empty_file(migrations_signature())
    partial = path.with_name(f"{path.name}.{owner_tag()}.new")
    partial.write_bytes(empty)
    try:
        os.link(partial, path)
    except FileExistsError:
        pass
    except OSError:  # a file system without hard links: create it in place, if it still is not there
        with contextlib.suppress(FileExistsError), path.open("xb") as handle:
            handle.write(empty)
    finally:
        partial.unlink()


def migrations_signature() -> tuple:
    return tuple((f.name, f.stat().st_mtime_ns, f.stat().st_size) for f in _migration_files())


def _migration_files() -> list[Path]:
    return sorted(MIGRATIONS_DIR.glob("[0-9][0-9][0-9]_*.sql"))


@functools.lru_cache(maxsize=2)
def _empty_file(signature: tuple) -> bytes:
    """The bytes of a file with NEW_FILE_BLOCK_SIZE blocks and every migration applied. The file
    is attached apart, so that every connection opens a warehouse with DuckDB's default
    configuration: DuckDB refuses a connection to a file that this process already has open with
    another configuration."""
    with _FILE_MAKER_LOCK, scratch_folder("warehouse") as scratch:
        template = scratch / "empty.duckdb"
        _file_maker().execute(
            f"attach '{sql_path(template)}' as fresh (block_size {NEW_FILE_BLOCK_SIZE}); detach fresh"
        )
        with duckdb.connect(str(template)) as con:
            migrate(con)
        return template.read_bytes()


_FILE_MAKER_LOCK = threading.Lock()


@functools.cache
def _file_maker() -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB kept for :func:`_empty_file` (a new instance costs more than the file)."""
    return duckdb.connect()


def migrate(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Apply the migration files not yet recorded in meta_schema_version, in one transaction: a
    new file gets every table with one commit, and a failing migration leaves the file as it was."""
    con.execute(
        "create table if not exists meta_schema_version "
        "(version integer not null, file_name varchar not null, applied_at timestamp not null)"
    )
    done = {row[0] for row in con.execute("select version from meta_schema_version").fetchall()}
    pending = [f for f in _migration_files() if int(f.name[:3]) not in done]
    if not pending:
        return []
    con.execute("begin transaction")
    try:
        for file in pending:
            con.execute(file.read_text(encoding="utf-8"))
            con.execute(
                "insert into meta_schema_version values (?, ?, ?)", [int(file.name[:3]), file.name, dt.datetime.now()]
            )
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    return [file.name for file in pending]


@dataclass(frozen=True)
class Model:
    """One SQL model file: its table name, SELECT text and the models it reads."""

    name: str
    sql: str
    depends_on: frozenset[str]
    reads: frozenset[str] = frozenset()  # every table it reads: src_ tables and models

    @property
    def sql_hash(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()[:16]

    @property
    def is_view(self) -> bool:
        """A view rather than a table (the file says ``-- Materialized: view``): nothing is stored,
        the SELECT runs whenever the model is read."""
        return _VIEW_MARK.search(self.sql) is not None

    @property
    def kept_in(self) -> KeptIn | None:
        """Where a model with one row per row of a source table keeps its columns, when its file
        says so (``-- Materialized: in src_… (key …; its own …)``)."""
        found = _KEPT_MARK.search(self.sql)
        if found is None:
            return None
        own = {}
        for item in _names(found["own"]):
            source, _, name = (part.strip() for part in item.partition(" as "))
            own[name or source] = source
        return KeptIn(found["source"], _names(found["key"]), own)

    @property
    def is_stored_apart(self) -> bool:
        """A table of its own in a warehouse (neither a view nor kept in its source's columns)."""
        return not self.is_view and self.kept_in is None


@dataclass(frozen=True)
class KeptIn:
    """A model kept in the columns of its source table ``source``: one model row per source row,
    matched by ``key``. The model's columns that are the source's own (``own``: model column →
    source column) are read from there; each other column is stored in the source table as
    ``<model>__<column>``, and the model is a view that renames them back.

    ``fct_mark`` is kept so in ``src_marks``: the fact and the marks as exported were the largest
    two tables of a warehouse, holding each mark twice (its identifier and entry time alone were a
    quarter of a region's file)."""

    source: str
    key: tuple[str, ...]
    own: dict[str, str]

    @property
    def read_from_source(self) -> dict[str, str]:
        """Model column → source column, for every column the view reads as it is (key included)."""
        return {**{column: column for column in self.key}, **self.own}


def _derived_name(model: Model, column: str) -> str:
    """The source table's column that keeps ``column`` of ``model``."""
    return f"{model.name}{DERIVED_SEPARATOR}{column}"


def _names(text: str) -> tuple[str, ...]:
    return tuple(name.strip() for name in text.split(",") if name.strip())


def is_derived_column(name: str) -> bool:
    """A column a model keeps in a source table (``<model>__<column>``), not a column of the data."""
    return DERIVED_SEPARATOR in name


DERIVED_SEPARATOR = "__"


# A model whose stored copy would only repeat other tables is a view: it costs the file nothing
# and the batch's commit nothing, and the models or pages that read it pay little (a projection of
# one table, or a join the few models that read it would do anyway).
_VIEW_MARK = re.compile(r"^--\s*Materialized:\s*view\s*$", re.MULTILINE | re.IGNORECASE)
_KEPT_MARK = re.compile(
    r"^--\s*Materialized:\s*in\s+(?P<source>src_\w+)\s*\(key\s+(?P<key>[^;)]+);\s*its own\s+(?P<own>[^)]+)\)\s*$",
    re.MULTILINE | re.IGNORECASE,
)


def _strip_trailing_semicolon(sql: str) -> str:
    return re.sub(r";\s*$", "", sql.strip())


def load_models(models_dir: Path = MODELS_DIR) -> list[Model]:
    """All model files in dependency order (a model comes after every model it reads)."""
    files = {p.stem: p for p in sorted(models_dir.glob("*.sql"))}
    signature = tuple((name, p.stat().st_mtime_ns, p.stat().st_size) for name, p in files.items())
    return list(_load_models_cached(str(models_dir), signature))


# What the scan for table names skips: string literals, line and block comments.
_NOT_CODE = re.compile(r"'(?:[^']|'')*'|--[^\n]*|/\*.*?\*/", re.DOTALL)
_WORD = re.compile(r"[a-z_][a-z0-9_]*")


def tables_named(sql: str, models: Iterable[str]) -> frozenset[str]:
    """Every ``src_`` table and every model in ``models`` that the SQL names outside comments and
    string literals: the tables a model reads. A plain scan instead of a SQL parser (importing and
    running sqlglot cost a new process about a second); tests/warehouse/test_models.py checks it
    against sqlglot's parse of every model file."""
    known = set(models)
    words = set(_WORD.findall(_NOT_CODE.sub(" ", sql).lower()))
    return frozenset(w for w in words if w.startswith("src_") or w in known)


@functools.lru_cache(maxsize=4)
def _load_models_cached(models_dir: str, signature: tuple) -> tuple[Model, ...]:
    files = {p.stem: p for p in sorted(Path(models_dir).glob("*.sql"))}
    models: dict[str, Model] = {}
    for name, file in files.items():
        sql = _strip_trailing_semicolon(file.read_text(encoding="utf-8"))
        reads = tables_named(sql, files) - {name}
        models[name] = Model(name, sql, frozenset(reads & files.keys()), reads)
    ordered: list[Model] = []
    seen: set[str] = set()

    def visit(name: str, stack: tuple[str, ...]) -> None:
        if name in seen:
            return
        if name in stack:
            raise ValueError(f"cycle in models: {' -> '.join((*stack, name))}")
        for dep in sorted(models[name].depends_on):
            visit(dep, (*stack, name))
        seen.add(name)
        ordered.append(models[name])

    for name in sorted(models):
        visit(name, ())
    return tuple(ordered)


def _main_tables(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Tables and views of the warehouse: name → ``BASE TABLE`` or ``VIEW``."""
    query = "select table_name, table_type from information_schema.tables where table_schema = 'main'"
    return dict(con.execute(query).fetchall())


def _create(con: duckdb.DuckDBPyConnection, model: Model, existing: dict[str, str], new: NewRows | None = None) -> None:
    """(Re)create a model whole, as a view or a table; an older warehouse may hold it as the other
    kind, which is dropped first (DuckDB replaces a table by a table and a view by a view only).
    ``new``: rows waiting to go into the source a kept model is kept in (:func:`_arriving`)."""
    kept = _kept_here(model, existing)
    kind = "view" if model.is_view or kept else "table"
    held = existing.get(model.name)
    if held is not None and (held == "VIEW") != (kind == "view"):
        con.execute(f"drop {'view' if held == 'VIEW' else 'table'} {model.name}")
    if kept is None:
        con.execute(f"create or replace {kind} {model.name} as select * from ({model.sql}) as m")
        return
    derived = _keep_columns(con, model, kept)
    schools = [
        school for (school,) in con.execute(f"select distinct school_id from {kept.source} order by 1").fetchall()
    ]
    if new is not None:
        _insert_kept(con, model, kept, new, derived)
    for school in schools:  # school by school: one school's rows at a time in the update's join
        _fill(con, model, kept, school, derived)
    con.execute(f"create or replace view {model.name} as {_kept_view(con, model, kept)}")


def _kept_here(model: Model, existing: dict[str, str]) -> KeptIn | None:
    """Where the model is kept on this connection: in its source's columns when the source is a
    table here; otherwise (a lake's sources are views over its files) it is a table of its own."""
    kept = model.kept_in
    return kept if kept is not None and existing.get(kept.source) == "BASE TABLE" else None


def _derived_held(con: duckdb.DuckDBPyConnection, model: Model, kept: KeptIn) -> dict[str, str]:
    """The model's columns its source table holds now: model column → type."""
    prefix = f"{model.name}{DERIVED_SEPARATOR}"
    rows = con.execute(
        "select column_name, data_type from duckdb_columns() where database_name = current_database() "
        "and schema_name = 'main' and table_name = ? and starts_with(column_name, ?) order by column_index",
        [kept.source, prefix],
    ).fetchall()
    return {name[len(prefix) :]: kind for name, kind in rows}


def _derived_wanted(con: duckdb.DuckDBPyConnection, model: Model, kept: KeptIn) -> dict[str, str]:
    """The model's columns that are not the source's own (model column → type): those the source
    table keeps."""
    own = kept.read_from_source
    return {name: kind for name, kind in _model_columns(con, model) if name not in own}


def _keep_columns(con: duckdb.DuckDBPyConnection, model: Model, kept: KeptIn) -> list[str]:
    """Give the source table a column for each model column that is not the source's own (and drop
    the columns an earlier version of the model kept there); the model columns it keeps."""
    wanted = _derived_wanted(con, model, kept)
    held = _derived_held(con, model, kept)
    changes = [
        f'alter table {kept.source} drop column "{_derived_name(model, name)}"'
        for name, kind in held.items()
        if wanted.get(name) != kind
    ] + [
        f'alter table {kept.source} add column "{_derived_name(model, name)}" {kind}'
        for name, kind in wanted.items()
        if held.get(name) != kind
    ]
    if changes:
        con.execute("; ".join(changes))
    return list(wanted)


def _model_columns(con: duckdb.DuckDBPyConnection, model: Model) -> list[tuple[str, str]]:
    """The model's output columns and their types, in order (once per process and SQL: the source
    tables it reads are the migrations', the same in every warehouse)."""
    if model.sql_hash not in _MODEL_COLUMNS:
        described = con.execute(f"describe select * from ({model.sql}) as m").fetchall()
        _MODEL_COLUMNS[model.sql_hash] = [(row[0], row[1]) for row in described]
    return _MODEL_COLUMNS[model.sql_hash]


_MODEL_COLUMNS: dict[str, list[tuple[str, str]]] = {}


def _fill(
    con: duckdb.DuckDBPyConnection, model: Model, kept: KeptIn, school: str, derived: list[str] | None = None
) -> None:
    """Compute the model's rows of one school and store its columns (``derived``: those the source
    holds, asked of it when not given) in the source's rows."""
    literal = _school_literal(school)
    derived = derived if derived is not None else list(_derived_held(con, model, kept))
    sets = ", ".join(f'"{_derived_name(model, name)}" = m."{name}"' for name in derived)
    key = " and ".join(f"t.{column} = m.{column}" for column in kept.key)
    con.execute(
        f"update {kept.source} as t set {sets} "
        f"from (select * from ({model.sql}) as m where m.school_id = {literal}) as m "
        f"where t.school_id = {literal} and {key}"
    )


def kept_sources(models: Iterable[Model] | None = None) -> frozenset[str]:
    """The source tables that keep a model's columns (``src_marks``)."""
    models = models if models is not None else load_models()
    return frozenset(model.kept_in.source for model in models if model.kept_in is not None)


@dataclass(frozen=True)
class NewRows:
    """Rows waiting to be inserted into a source table by the build (:func:`build_models`):
    ``query`` selects the source's ``columns`` in that order: ``n_rows`` rows, all of them of
    ``schools``, which have no stored rows in that table. ``constants`` are columns of one value
    each (the batch's number and moment)."""

    columns: tuple[str, ...]
    query: str
    schools: tuple[str, ...]
    n_rows: int
    constants: dict[str, object] = field(default_factory=dict)

    def insert_plainly(self, con: duckdb.DuckDBPyConnection, source: str) -> None:
        names = ", ".join((*self.columns, *self.constants))
        marks = "".join(", ?" for _ in self.constants)
        con.execute(
            f"insert into {source} ({names}) select {', '.join(self.columns)}{marks} from ({self.query})",
            list(self.constants.values()),
        )


def _arriving(
    con: duckdb.DuckDBPyConnection, model: Model, existing: dict[str, str], waiting: dict[str, NewRows]
) -> NewRows | None:
    """Before ``model`` is built, the new rows of the sources it reads go in: those of the source
    the model is kept in are returned (its build inserts them with its columns), the others are
    inserted here."""
    kept = _kept_here(model, existing)
    new = None
    for source in sorted(model.reads & waiting.keys()):
        rows = waiting.pop(source)
        if kept is not None and kept.source == source:
            new = rows
        else:
            rows.insert_plainly(con, source)
    return new


def _refill(
    con: duckdb.DuckDBPyConnection, model: Model, kept: KeptIn, schools: list[str], new: NewRows | None
) -> None:
    """A kept model rebuilt for ``schools``: the new rows go in with the model's columns, and the
    schools without new rows (their stored rows may read what the batch changed) are filled."""
    if new is not None:
        derived = _derived_wanted(con, model, kept)
        if _derived_held(con, model, kept) == derived:
            _insert_kept(con, model, kept, new, list(derived))
        else:  # the kept columns' types are not the model's now (a migration retyped a source column)
            new.insert_plainly(con, kept.source)
            new = None
    for school in schools:
        if new is None or school not in new.schools:
            _fill(con, model, kept, school)


def _insert_kept(con: duckdb.DuckDBPyConnection, model: Model, kept: KeptIn, rows: NewRows, derived: list[str]) -> None:
    """Insert a school's new rows into the source that keeps ``model``, each with the model's
    columns computed from the new rows themselves, so that no ``update`` fills them afterwards
    (updating a school's 0.6 M marks cost about as much as inserting them, and its changed blocks
    more again at the commit). The model's SQL reads the new rows under the source's name (a CTE
    of that name hides the table) and every other table as it is: the build calls this at the
    model's turn, when every model it reads is rebuilt. ``derived``: the model's columns the
    source holds, as the model types them.

    When the model shows every column of the new rows (its key and its own columns), the rows are
    taken from the model alone; otherwise each new row is joined to its model row by the key (for
    a school's marks that join took 0.33 s of the insert's 0.62 s). Either way the insert must give
    exactly one row per new row: the model's joins keep every source row and are on unique keys."""
    shown = {source: name for name, source in kept.read_from_source.items()}
    constants = "".join(f", ? as {name}" for name in rows.constants)
    computed = ", ".join(f'm."{name}"' for name in derived)
    listed = ", ".join((*rows.columns, *rows.constants, *(f'"{_derived_name(model, name)}"' for name in derived)))
    model_rows = f"select * from ({model.sql}) as m where {_of_schools(rows.schools)}"
    if all(column in shown for column in rows.columns):
        taken = ", ".join(f'm."{shown[column]}"' for column in rows.columns)
        select = f"select {taken}{constants}, {computed} from ({model_rows}) as m"
    else:
        key = " and ".join(f"n.{column} = m.{column}" for column in kept.key)
        select = f"select n.*{constants}, {computed} from {kept.source} as n left join ({model_rows}) as m on {key}"
    (inserted,) = con.execute(
        f"insert into {kept.source} ({listed}) with {kept.source} as ({rows.query}) {select}",
        list(rows.constants.values()),
    ).fetchone()
    if inserted != rows.n_rows:
        raise ValueError(f"{model.name}: {inserted} rows inserted into {kept.source} for {rows.n_rows} new rows")


def _of_schools(schools: Iterable[str]) -> str:
    """SQL true for a row ``m`` of one of ``schools``: for one school an equality with a literal,
    which DuckDB pushes down through the model's joins, windows and aggregates to its sources (an
    IN list it does not: a school's new marks in a region's warehouse then joined every school's
    lessons, 1.9 s instead of 0.4)."""
    literals = [_school_literal(school) for school in sorted(set(schools))]
    return f"m.school_id = {literals[0]}" if len(literals) == 1 else f"m.school_id in ({', '.join(literals) or 'null'})"


def _school_literal(school: str) -> str:
    return "'" + school.replace("'", "''") + "'"


def _kept_view(con: duckdb.DuckDBPyConnection, model: Model, kept: KeptIn) -> str:
    """The SELECT of a kept model's view: its columns, in the model's order, from its source."""
    own = kept.read_from_source
    listed = ", ".join(
        f"t.{own[name]} as {name}" if name in own else f't."{_derived_name(model, name)}" as {name}'
        for name, _ in _model_columns(con, model)
    )
    return f"select {listed} from {kept.source} as t"


def build_models(
    con: duckdb.DuckDBPyConnection,
    school_ids: Iterable[str] | None = None,
    models: list[Model] | None = None,
    changed: Iterable[str] | None = None,
    *,
    count_rows: bool = True,
    new_rows: dict[str, NewRows] | None = None,
) -> dict[str, int]:
    """Materialise every model as a table (a model marked ``-- Materialized: view`` as a view);
    returns rows per model (none without ``count_rows``: a query over every model).

    With ``school_ids`` only those schools' rows are rebuilt (a weekly ingest of one school in a
    regional warehouse touches that school alone); a model whose SQL changed since it was built
    is rebuilt whole. With ``changed`` (the tables whose rows changed, e.g. ``src_marks``) a model
    none of whose inputs changed, directly or through another model, is left as it is. Runs
    inside the caller's transaction when there is one.

    ``new_rows`` (source table → rows of schools that have no stored rows in that table) are
    inserted by the build, just before the first model that reads them: a model kept in that
    source gets its columns in the insert itself (:func:`_insert_kept`) instead of a fill.
    """
    models = models if models is not None else load_models()
    con.execute("create table if not exists meta_model (name varchar not null, sql_hash varchar not null)")
    built = dict(con.execute("select name, sql_hash from meta_model").fetchall())
    existing = _main_tables(con)
    schools = sorted(set(school_ids)) if school_ids is not None else None
    stale = set(changed) if changed is not None else None
    renewed: list[Model] = []
    waiting = dict(new_rows or {})
    with _model_build_settings(con):
        for model in models:
            fresh = built.get(model.name) != model.sql_hash or model.name not in existing
            new = _arriving(con, model, existing, waiting)
            inputs_changed = stale is None or bool(stale & model.reads)
            if fresh or schools is None:
                _create(con, model, existing, new)
                renewed.append(model)
            elif (kept := _kept_here(model, existing)) and (new is not None or (schools and inputs_changed)):
                _refill(con, model, kept, schools or [], new)
            elif model.is_view:
                if stale is None or not stale & model.reads:
                    continue  # a view shows its inputs as they are: nothing to rebuild, only to pass on
            elif schools and inputs_changed:
                # School by school, the school an equality with a literal: DuckDB pushes that filter
                # down through the models' windows and aggregates to their source tables, and
                # neither an IN list nor a parameter, so a school's rebuild read every school's rows
                # (one school of a 35-school warehouse: 12.8 s instead of about 2.5).
                for school in schools:
                    literal = _school_literal(school)
                    con.execute(f"delete from {model.name} where school_id = {literal}")
                    con.execute(
                        f"insert into {model.name} select * from ({model.sql}) as m where m.school_id = {literal}"
                    )
            else:
                continue
            if stale is not None:
                stale.add(model.name)
    for source, rows in waiting.items():  # rows no model reads
        rows.insert_plainly(con, source)
    _record_built(con, renewed)
    return _row_counts(con, [model.name for model in models]) if count_rows else {}


# DuckDB picks a hash join's build side from cardinality estimates, and for the roster joins of
# fct_attendance it estimates ~170 rows where there are ~0.9 M per school: it then builds the hash
# table of the LEFT join on the 0.9 M expected pupils instead of the few absences, about three
# times slower. With that choice off, an outer join builds on its right side as the model is
# written; inner joins are still ordered by the join-order optimizer.
_MODEL_BUILD_DISABLED_OPTIMIZERS = ("build_side_probe_side",)


@contextlib.contextmanager
def _model_build_settings(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """DuckDB settings for building models, the connection's own restored afterwards."""
    (previous,) = con.execute("select current_setting('disabled_optimizers')").fetchone()
    disabled = [name for name in previous.split(",") if name] + list(_MODEL_BUILD_DISABLED_OPTIMIZERS)
    with duckdb_settings(con, {"disabled_optimizers": ",".join(dict.fromkeys(disabled))}):
        yield


@contextlib.contextmanager
def duckdb_settings(con: duckdb.DuckDBPyConnection, wanted: dict[str, str]) -> Iterator[None]:
    """DuckDB settings ``wanted`` while the block runs, the instance's own restored afterwards."""
    names = ", ".join(f"current_setting('{name}')" for name in wanted)
    before = dict(zip(wanted, con.execute(f"select {names}").fetchone(), strict=True))
    con.execute("; ".join(f"set {name} = '{value}'" for name, value in wanted.items()))
    try:
        yield
    finally:
        # after a failed statement an aborted transaction refuses even SET; its owner rolls it back
        with contextlib.suppress(duckdb.TransactionException):
            con.execute("; ".join(f"set {name} = '{value}'" for name, value in before.items()))


def _record_built(con: duckdb.DuckDBPyConnection, models: list[Model]) -> None:
    """Note the SQL each model was just built from (meta_model)."""
    if not models:
        return
    con.execute("delete from meta_model where name in (select unnest(?))", [[m.name for m in models]])
    con.execute(
        "insert into meta_model select unnest(?), unnest(?)", [[m.name for m in models], [m.sql_hash for m in models]]
    )


def _row_counts(con: duckdb.DuckDBPyConnection, tables: list[str]) -> dict[str, int]:
    """Rows of each table, in one query."""
    if not tables:
        return {}
    query = " union all ".join(f"select '{name}', count(*) from {name}" for name in tables)
    counts = dict(con.execute(query).fetchall())
    return {name: counts[name] for name in tables}


def table_names(con: duckdb.DuckDBPyConnection, prefixes: tuple[str, ...] = ("src_", "dim_", "fct_")) -> list[str]:
    """Names of the warehouse tables whose name starts with one of ``prefixes``."""
    rows = con.execute(
        "select table_name from information_schema.tables where table_schema = 'main' order by table_name"
    ).fetchall()
    return [name for (name,) in rows if name.startswith(prefixes)]


def content_hash(con: duckdb.DuckDBPyConnection, table: str) -> str:
    """An order-independent hash of a table's whole content (for tests and restore checks); the
    columns a model keeps in a source table are the model's content, not the table's."""
    derived = [r[0] for r in con.execute(f"describe select * from {table}").fetchall() if is_derived_column(r[0])]
    rows = f"(select * exclude ({', '.join(derived)}) from {table})" if derived else table
    row = con.execute(
        f"select count(*), coalesce(sum(hash(t)), 0), coalesce(bit_xor(hash(t)), 0) from {rows} as t"
    ).fetchone()
    return f"{row[0]}:{row[1]}:{row[2]}"
