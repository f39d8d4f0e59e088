"""The raw-CSV helpers the tests of documents 5–9 compute their expectations with
(standard library only, never the project's SQL), their XLSX readers, and the PDF checks of page_checks.py."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import duckdb
import openpyxl

from tests.factories import copy_warehouse, raw, small_sample_warehouse
from tests.report_templates.page_checks import (  # noqa: F401  (one set of PDF checks for every document)
    assert_pages_inside_margins,
    assert_pdf_a,
    pdf_lines,
    pdf_text,
)


def load_sample(tmp_path_factory) -> Path:
    """The committed sample loaded into a fresh warehouse (for a module-scoped fixture)."""
    db = tmp_path_factory.mktemp("docs-b") / "w.duckdb"
    copy_warehouse(small_sample_warehouse(tmp_path_factory), db)  # the sample, ingested once
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("select status_code from meta_batch").fetchall() == [("loaded",)]
    return db


def printed_cell(cell) -> object:
    """A cell as the PDF prints it: a number with a figure's format ("0", "0.0", "0.00") in those
    digits with the comma («88,3»); a figure is never a text cell (XLSX numbers are numbers)."""
    value = cell.value
    if isinstance(value, str):
        assert not FIGURE_TEXT.fullmatch(value), f"a figure written as text: {value!r}"
    code = cell.number_format if isinstance(value, int | float) and not isinstance(value, bool) else ""
    if code == "0" or code.startswith("0."):
        return f"{value:.{max(0, len(code) - 2)}f}".replace(".", ",")
    return value


FIGURE_TEXT = re.compile(r"\d+,\d+")  # a signed change («+0,5», «−1,0») is a text by design


def xlsx_rows(path: Path) -> list[list[str]]:
    """Every non-empty row of every sheet, cells as the PDF prints them (whole numbers without «.0»)."""
    rows = []
    for sheet in openpyxl.load_workbook(path, read_only=True).worksheets:
        for row in sheet.iter_rows():
            values = [printed_cell(cell) for cell in row]
            cells = [
                "" if v is None else str(int(v)) if isinstance(v, float) and v.is_integer() else str(v) for v in values
            ]
            while cells and cells[-1] == "":
                cells.pop()
            if cells:
                rows.append(cells)
    return rows


def day(text: str) -> dt.date:
    return dt.datetime.strptime(text, "%d.%m.%Y").date()


def moment(text: str) -> dt.datetime:
    return dt.datetime.strptime(text, "%d.%m.%Y %H:%M")


def comma(value: float, digits: int = 1) -> str:
    return f"{value:.{digits}f}".replace(".", ",")


def period(name: str) -> dict[str, str]:
    return next(p for p in raw("periods") if p["period_name"] == name)


def full_names() -> dict[str, str]:
    return {
        p["pupil_id"]: " ".join(x for x in (p["last_name"], p["first_name"], p["middle_name"]) if x)
        for p in raw("pupils")
    }


def teacher_short_names() -> dict[str, str]:
    """«Смирнова О. П.» as the teacher's surname and initials."""
    return {
        t["teacher_id"]: " ".join([t["last_name"], *(f"{x[0]}." for x in (t["first_name"], t["middle_name"]) if x)])
        for t in raw("teachers")
    }


def numeric_parts(value: str) -> list[int]:
    """«4/5» → [4, 5]; «5» → [5]; «зач», «К» → []."""
    parts = value.split("/")
    return [int(p) for p in parts] if all(p.strip().isdigit() for p in parts) else []


def xlsx_sections(path: Path) -> dict[str, list[list[str]]]:
    """Section title (third row of each sheet) → the rows under the header, cells as in xlsx_rows."""
    result = {}
    for sheet in openpyxl.load_workbook(path, read_only=True).worksheets:
        rows = [["" if v is None else str(v) for v in map(printed_cell, row)] for row in sheet.iter_rows()]
        result[rows[2][0]] = rows[5:]
    return result
