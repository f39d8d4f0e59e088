"""The canonical export an importer writes: rows of each file kept once per natural key, the CSV
files (UTF-8, «;», the model's columns), the row of export.csv and the stand-in teacher."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pipelines.canonical.schemas import FILES_BY_NAME, columns_of
from pipelines.importers.dates import fmt_date, fmt_datetime
from pipelines.importers.origins import ORIGIN, Origin, record
from pipelines.keys import NATURAL_KEYS

UNKNOWN_TEACHER_ID = "unknown"
UNKNOWN_TEACHER = {
    "teacher_id": UNKNOWN_TEACHER_ID,
    "last_name": "Не указан",
    "first_name": "Учитель",
    "middle_name": "",
    "position": "",
}


class CanonicalTables:
    """Rows of each canonical file, one per natural key (a repeated key keeps the first row)."""

    def __init__(self) -> None:
        self.rows: dict[str, dict[tuple, dict[str, str]]] = {}
        self.origins: dict[tuple[str, tuple], Origin] = {}

    def add(self, file: str, row: dict[str, Any], origin: Origin | None = None) -> dict[str, str]:
        """Add a row (values become text); returns the row stored under its key (maybe an earlier one).
        ``origin``: where in the system's files the row was read (the first row of a key keeps its own)."""
        if file not in FILES_BY_NAME:
            raise KeyError(f"no canonical file {file!r}")
        columns = columns_of(FILES_BY_NAME[file].model)
        unknown = set(row) - set(columns)
        if unknown:
            raise KeyError(f"{file}: no columns {sorted(unknown)}")
        text = {c: "" if row.get(c) is None else str(row[c]) for c in columns}
        key_columns = NATURAL_KEYS.get(file, tuple(columns))
        key = tuple(text[c] for c in key_columns)
        if origin is not None:
            self.origins.setdefault((file, key), origin)
        return self.rows.setdefault(file, {}).setdefault(key, text)

    def extend(self, file: str, rows: Iterable[dict[str, Any]]) -> None:
        for row in rows:
            self.add(file, row)

    def get(self, file: str) -> list[dict[str, str]]:
        return list(self.rows.get(file, {}).values())

    def write(self, out_dir: Path) -> list[Path]:
        tables = {
            name: [{**row, ORIGIN: self.origins.get((name, key))} for key, row in rows.items()]
            for name, rows in self.rows.items()
        }
        return write_canonical(out_dir, tables)


def write_canonical(out_dir: Path, tables: dict[str, list[dict[str, Any]]]) -> list[Path]:
    """Write canonical CSV files (UTF-8, «;», header = the model's columns) into ``out_dir``.

    Required files that have no rows are still written with a header, so the ordinary ingest
    reports them as empty in its own words.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    names = [n for n, spec in FILES_BY_NAME.items() if n in tables or spec.required]
    for name in names:
        columns = list(columns_of(FILES_BY_NAME[name].model))
        path = out_dir / f"{name}.csv"
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, delimiter=";", quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
            writer.writerow(columns)
            for number, row in enumerate(tables.get(name, []), start=2):  # the header is row 1
                writer.writerow(["" if row.get(c) is None else str(row.get(c)) for c in columns])
                record(path.name, number, row.get(ORIGIN))
        written.append(path)
    return written


def export_row(
    school_id: str,
    source_system: str,
    exported_at: dt.datetime,
    covers_from: dt.date,
    covers_to: dt.date,
    *,
    kind: str = "full",
) -> dict[str, str]:
    """The single row of export.csv."""
    return {
        "school_id": school_id,
        "source_system": source_system,
        "export_kind_code": kind,
        "exported_at": fmt_datetime(exported_at),
        "covers_from_date": fmt_date(covers_from),
        "covers_to_date": fmt_date(covers_to),
    }
