"""Uploads the page tests build at run time from the committed sample (shared by the AppTest and
the browser module): the sample export as a .zip, broken and hostile variants, and the figures the
tests expect, computed from the raw CSV."""

from __future__ import annotations

import csv
import hashlib
import io
import zipfile
from pathlib import Path

from tests.factories import SAMPLE
from warehouse.db import connect


def sample_files() -> dict[str, bytes]:
    """The sample export's CSV files by name (the planted-truth folder left out)."""
    return {path.name: path.read_bytes() for path in sorted(SAMPLE.glob("*.csv"))}


def zipped(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def sample_zip() -> bytes:
    return zipped(sample_files())


def expected_rows() -> int:
    """Rows of every data file of the sample (export.csv describes the export and is not counted)."""
    total = 0
    for name, data in sample_files().items():
        if name != "export.csv":
            total += sum(1 for _ in csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";")) - 1
    return total


def without_column(name: str, column: str) -> bytes:
    """The sample zip with one column dropped from one file: the whole export is refused."""
    files = sample_files()
    rows = list(csv.reader(io.StringIO(files[name].decode("utf-8-sig")), delimiter=";"))
    drop = rows[0].index(column)
    out = io.StringIO()
    csv.writer(out, delimiter=";", lineterminator="\n").writerows([r[:drop] + r[drop + 1 :] for r in rows])
    files[name] = out.getvalue().encode("utf-8")
    return zipped(files)


def of_school(school_id: str) -> bytes:
    """The sample zip as the export of another school."""
    files = sample_files()
    text = files["export.csv"].decode("utf-8-sig")
    header, row = text.strip().splitlines()
    files["export.csv"] = f"{header}\n{school_id};{row.split(';', 1)[1]}\n".encode()
    return zipped(files)


def zip_slip() -> bytes:
    """A zip whose member would land outside the folder it is extracted into."""
    files = {f"../{name}" if name == "marks.csv" else name: data for name, data in sample_files().items()}
    return zipped(files)


def table_hashes(db: Path) -> dict[str, str]:
    """A hash of every table's rows (order-free): equal before and after = nothing changed."""
    if not db.exists():
        return {}
    with connect(db, read_only=True) as con:
        tables = [r[0] for r in con.execute("select table_name from duckdb_tables() order by 1").fetchall()]
        return {
            t: hashlib.sha256(
                repr(sorted(map(repr, con.execute(f'select * from "{t}"').fetchall()))).encode()
            ).hexdigest()
            for t in tables
        }
