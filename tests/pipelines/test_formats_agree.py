"""The same export reads the same whatever the school saved it as: hypothesis writes a tiny export
with tricky cells (tests/pipelines/test_validation_paths_fuzz.py), once as plain CSV and once with
its files in other formats and dialects (XLSX, Parquet; `;` `,` or tab, CRLF line ends, every field
quoted, Windows-1251, a byte-order mark), and both ingests must give the same issues at the same
rows and store the same rows.

A search like this found a Parquet file's rows numbered one less than the same table as CSV."""

from __future__ import annotations

import tempfile
from pathlib import Path

import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from pipelines.ingest import ingest_path
from tests.factories import csv_bytes, table_of, write_export
from tests.pipelines.test_validation_paths import _warehouse_rows
from tests.pipelines.test_validation_paths_fuzz import mutations

Data = dict[str, list[dict[str, str]]]


def _write_xlsx(path: Path, name: str, rows: list[dict[str, str]]) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    for line in table_of(name, rows):
        sheet.append([value if value != "" else None for value in line])
    book.save(path)


def _write_parquet(path: Path, name: str, rows: list[dict[str, str]]) -> None:
    header, *lines = table_of(name, rows)
    columns = {column: pa.array([line[i] for line in lines], pa.string()) for i, column in enumerate(header)}
    pq.write_table(pa.table(columns), path)


def _write_csv(path: Path, name: str, rows: list[dict[str, str]], dialect: tuple[str, str, bool, str, bool]) -> None:
    delimiter, line_end, quote_all, encoding, bom = dialect
    bom = bom and encoding == "utf-8"  # a UTF-8 mark
    payload = csv_bytes(
        name, rows, delimiter=delimiter, encoding=encoding, bom=bom, line_end=line_end, quote_all=quote_all
    )
    path.write_bytes(payload)


dialects = st.tuples(
    st.sampled_from([";", ",", "\t"]),
    st.sampled_from(["\n", "\r\n"]),
    st.booleans(),
    st.sampled_from(["utf-8", "cp1251"]),
    st.booleans(),
)


def _issues_and_rows(folder: Path, db: Path) -> tuple:
    (result,) = ingest_path(folder, db)
    issues = sorted(
        (Path(i.file_name).stem, i.row_number or 0, i.column_name or "", i.rule_code, i.message) for i in result.issues
    )
    stored = _warehouse_rows(db) if result.status != "refused" else {}
    stored.pop("quarantine", None)  # it names each file with its own extension
    return result.status, issues, stored


@settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=mutations(), how=st.data())
def test_an_export_reads_the_same_in_any_format_and_dialect(data: Data, how):
    with tempfile.TemporaryDirectory() as work:
        work = Path(work)
        plain = write_export(data, work / "plain")
        other = work / "other"
        other.mkdir()
        for name, rows in data.items():
            kind = "csv" if name == "export" else how.draw(st.sampled_from(["csv", "xlsx", "parquet"]), label=name)
            if kind == "xlsx":
                # XLSX holds no control characters; a file with one stays CSV
                printable = all(ord(c) >= 32 or c in "\t\n\r" for row in rows for v in row.values() for c in v)
                kind = "xlsx" if printable else "csv"
            if kind == "csv":
                dialect = how.draw(dialects, label=f"{name} dialect")
                try:
                    _write_csv(other / f"{name}.csv", name, rows, dialect)
                except UnicodeEncodeError:  # a cell Windows-1251 has no letter for
                    assume(False)
            elif kind == "xlsx":
                _write_xlsx(other / f"{name}.xlsx", name, rows)
            else:
                _write_parquet(other / f"{name}.parquet", name, rows)
        assert _issues_and_rows(other, work / "other.duckdb") == _issues_and_rows(plain, work / "plain.duckdb")
