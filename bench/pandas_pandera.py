"""The pandas + pandera baseline: what the ingest would cost written the common pandas way.

Per export folder and per canonical file: ``pandas.read_csv`` (all columns as text), the same
parsing as pipelines/canonical/validate.py (trimmed, empty → null; dates dd.mm.yyyy or ISO;
timestamps; numbers with a comma; да/нет booleans), then a pandera *pandas* ``DataFrameSchema``
validated with ``lazy=True``, and the rows that pass written into a DuckDB table (one table per
file, appended school after school).

The pandas schema is derived from the polars models, never written by hand: each column's dtype,
``nullable``, ``unique`` and its ``.checks`` (``isin``, ``str_matches``, ``greater_than``, …, rebuilt
from each check's ``.name`` and ``.statistics``), the model's multi-column ``unique`` and its
dataframe-level checks. The latter are polars expressions (``start_date <= end_date`` and the like),
so they are evaluated by the model's own method on a polars copy of the frame; they touch few
files and few columns. Cross-file checks and the warehouse models are not part of this baseline.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import duckdb
import pandas as pd
import pandera.pandas as pa
import polars as pl
from pandera.api.polars.types import PolarsData

from bench.data import export_folders
from pipelines.canonical.schemas import FILES, CanonicalFile, columns_of
from pipelines.canonical.validate import DATE_FORMATS, DATETIME_FORMATS, FALSE_WORDS, TRUE_WORDS

PANDAS_DTYPES = {
    "str": "str",
    "int": "Int64",
    "float": "float64",
    "bool": "boolean",
    "date": "datetime64[us]",
    "datetime": "datetime64[us]",
}
_MIDNIGHT = r"[ T]00:00(:00)?(\.0+)?$"
_INTEGER = r"[+-]?\d+"


def kind_of(dtype: object) -> str:
    """The parsing kind of a polars model dtype (as in pipelines/canonical/validate.py)."""
    text = str(dtype)
    if text.startswith("Datetime"):
        return "datetime"
    return {"Date": "date", "Int64": "int", "Float64": "float", "Boolean": "bool"}.get(text, "str")


def _python_format(polars_format: str) -> str:
    return polars_format.replace("%.f", ".%f")


def _strptime(text: pd.Series, formats: tuple[str, ...]) -> pd.Series:
    """The first format that parses each cell (like polars' coalesce of strptime), NaT when none does."""
    out = pd.Series(pd.NaT, index=text.index, dtype="datetime64[us]")
    for fmt in formats:
        todo = out.isna() & text.notna()
        if not todo.any():
            break
        parsed = pd.to_datetime(text[todo], format=_python_format(fmt), errors="coerce")
        out[todo] = parsed.astype("datetime64[us]")
    return out


def parse_column(raw: pd.Series, kind: str) -> pd.Series:
    """Text cells → the model's type; a cell that does not parse becomes null."""
    text = raw.str.strip()
    text = text.where(text != "")
    if kind == "str":
        return text
    if kind == "int":
        return pd.to_numeric(text.where(text.str.fullmatch(_INTEGER, na=False)), errors="coerce").astype("Int64")
    if kind == "float":
        return pd.to_numeric(text.str.replace(",", ".", regex=False), errors="coerce").astype("float64")
    if kind == "bool":
        lower = text.str.lower()
        out = pd.Series(pd.NA, index=text.index, dtype="boolean")
        out[lower.isin(TRUE_WORDS)] = True
        out[lower.isin(FALSE_WORDS)] = False
        return out
    if kind == "date":
        return _strptime(text.str.replace(_MIDNIGHT, "", regex=True), DATE_FORMATS)
    with_time = text.where(text.str.len() > 10, text + " 00:00")
    return _strptime(with_time, DATETIME_FORMATS)


def _column_check(check: object) -> pa.Check:
    """A pandas check rebuilt from a polars one: same builtin name, same statistics, same message."""
    return getattr(pa.Check, check.name)(**check.statistics, error=check.error)


def _frame_check(model: type, check: object) -> pa.Check:
    """A dataframe-level check of the model, evaluated by the model's own polars expression."""
    method = getattr(model, check.name)

    def run(frame: pd.DataFrame) -> pd.Series:
        result = method(PolarsData(pl.from_pandas(frame).lazy())).collect().to_series().fill_null(False)
        return pd.Series(result.to_numpy(), index=frame.index)

    return pa.Check(run, name=check.name, error=check.error)


def pandas_schema(spec: CanonicalFile) -> pa.DataFrameSchema:
    """The pandera pandas schema of one canonical file, derived from its polars model."""
    columns = {
        name: pa.Column(
            PANDAS_DTYPES[kind_of(column.dtype)],
            checks=[_column_check(c) for c in column.checks],
            nullable=column.nullable,
            unique=column.unique,
        )
        for name, column in columns_of(spec.model).items()
    }
    model_schema = spec.model.to_schema()
    return pa.DataFrameSchema(
        columns,
        checks=[_frame_check(spec.model, c) for c in model_schema.checks],
        unique=model_schema.unique,
        strict=True,
        name=spec.name,
    )


def read_file(path: Path, spec: CanonicalFile) -> pd.DataFrame:
    """The file as text columns named canonically (Russian header aliases accepted)."""
    raw = pd.read_csv(path, sep=";", dtype=str, encoding="utf-8-sig", keep_default_na=False, na_filter=False)
    aliases = {}
    for name, column in columns_of(spec.model).items():
        aliases[name.lower()] = name
        aliases[column.metadata["ru"].lower()] = name
    return raw.rename(columns=lambda c: aliases.get(c.strip().lower().replace(" ", "_"), c))


def check_file(spec: CanonicalFile, schema: pa.DataFrameSchema, raw: pd.DataFrame) -> tuple[pd.DataFrame, Counter]:
    """Parse and validate one file: the rows that pass, and failures counted by check."""
    kinds = {name: kind_of(column.dtype) for name, column in columns_of(spec.model).items()}
    typed = pd.DataFrame({name: parse_column(raw[name], kind) for name, kind in kinds.items()}, index=raw.index)
    failures: Counter = Counter()
    unparsed = pd.Series(False, index=raw.index)
    for name, kind in kinds.items():
        if kind != "str":
            bad = typed[name].isna() & raw[name].str.strip().ne("")
            if bad.any():
                failures["type"] += int(bad.sum())
            unparsed |= bad
    typed = typed[~unparsed]
    try:
        schema.validate(typed, lazy=True)
        return typed, failures
    except pa.errors.SchemaErrors as errors:
        cases = errors.failure_cases
    names = cases["check"].astype(str).map(lambda c: re.sub(r"\(.*", "", c))
    for check, count in cases.assign(check=names).drop_duplicates(["check", "index"])["check"].value_counts().items():
        failures[check] += int(count)
    if cases["index"].isna().any():
        return typed.iloc[0:0], failures
    return typed.drop(index=cases["index"].dropna().astype("int64").unique()), failures


def load_pandas_pandera(export_path: Path, db_path: Path) -> dict:
    """Every file of every export folder: read, parse, validate, write the valid rows into DuckDB."""
    schemas = {spec.name: pandas_schema(spec) for spec in FILES}
    n_rows_in = n_rows_accepted = 0
    failures: Counter = Counter()
    folders = export_folders(export_path)
    con = duckdb.connect(str(db_path))
    created: set[str] = set()
    try:
        for folder in folders:
            for spec in FILES:
                path = folder / f"{spec.name}.csv"
                if not path.exists():
                    continue
                raw = read_file(path, spec)
                valid, found = check_file(spec, schemas[spec.name], raw)
                n_rows_in += len(raw)
                n_rows_accepted += len(valid)
                failures.update({f"{spec.name}:{check}": n for check, n in found.items()})
                del raw
                con.register("incoming", valid)
                if spec.name in created:
                    con.execute(f'insert into "{spec.name}" select * from incoming')
                else:
                    con.execute(f'create table "{spec.name}" as select * from incoming')
                    created.add(spec.name)
                con.unregister("incoming")
        con.execute("checkpoint")
    finally:
        con.close()
    return {
        "n_rows_in": n_rows_in,
        "n_rows_accepted": n_rows_accepted,
        "n_batches": len(folders),
        "n_issues": sum(failures.values()),
        "issues_by_rule": dict(failures),
    }
