"""The contenders: each loads one export folder (or a folder of them) into a fresh DuckDB file.

A contender is a function ``(export_path, db_path) -> dict`` run alone in a child process by
bench/measure.py; the dict holds what it counted (``n_rows_in``) and whatever else it can tell
about where its time went. ``imports`` are the modules the child imports before the clock starts,
so interpreter start-up and library imports are not counted as work (but their memory is).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from bench.data import export_folders


@dataclass(frozen=True)
class Contender:
    name: str
    function: str  # "module:function"
    imports: tuple[str, ...]
    description: str


CONTENDERS: tuple[Contender, ...] = (
    Contender(
        "duckdb_alone",
        "bench.contenders:load_duckdb_alone",
        ("duckdb",),
        "DuckDB: create table … as select * from read_csv(…) по каждому файлу, без проверок (база сравнения)",
    ),
    Contender(
        "ours",
        "bench.contenders:load_ours",
        ("pipelines.ingest",),
        "pipelines.ingest.ingest_path: чтение, проверка pandera/polars, перекрёстные проверки, загрузка",
    ),
    Contender(
        "pandas_pandera",
        "bench.pandas_pandera:load_pandas_pandera",
        ("pandas", "pandera.pandas", "polars", "duckdb", "pipelines.canonical.validate"),
        "pandas.read_csv + тот же разбор + pandera (pandas) с lazy=True, годные строки в DuckDB",
    ),
)
CONTENDERS_BY_NAME = {c.name: c for c in CONTENDERS}
BASELINE = "duckdb_alone"


PLAIN_TABLE = "create table \"{name}\" as select * from read_csv(?, delim = ';', header = true)"


def files_by_name(export_path: Path) -> dict[str, list[str]]:
    """Each canonical file's name and its paths in every export folder under ``export_path``."""
    from bench.data import csv_files

    by_name: dict[str, list[str]] = {}
    for file in csv_files(export_path):
        by_name.setdefault(file.stem, []).append(str(file))
    return dict(sorted(by_name.items()))


def load_duckdb_alone(export_path: Path, db_path: Path) -> dict:
    """One table per canonical file over all export folders, straight from read_csv: no checks, no types asked."""
    import duckdb

    rows: dict[str, int] = {}
    con = duckdb.connect(str(db_path))
    try:
        for name, paths in files_by_name(export_path).items():
            (count,) = con.execute(PLAIN_TABLE.format(name=name), [paths]).fetchone()
            rows[name] = count
        con.execute("checkpoint")
    finally:
        con.close()
    return {"n_rows_in": sum(rows.values()), "n_batches": len(export_folders(export_path)), "rows_by_file": rows}


def load_ours(export_path: Path, db_path: Path) -> dict:
    """The project's ingest, exactly as `ejournal ingest` runs it (one batch per export folder)."""
    from pipelines.ingest import ingest_path

    results = ingest_path(export_path, db_path)
    return {
        "n_rows_in": sum(r.n_rows_in for r in results),
        "n_rows_accepted": sum(r.n_rows_accepted for r in results),
        "n_batches": len(results),
        "seconds_validate": sum(r.seconds_validate for r in results),
        "seconds_load": sum(r.seconds_load for r in results),
        "statuses": dict(Counter(r.status for r in results)),
        "n_issues": sum(len(r.issues) for r in results),
        "issues_by_rule": dict(Counter(f"{i.file_name}:{i.rule_code}" for r in results for i in r.issues)),
    }
