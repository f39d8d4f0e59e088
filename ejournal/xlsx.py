"""Spreadsheet output shared by reports, downloads and error reports, safe against formula injection.

Every XLSX the application writes is opened with :func:`new_workbook`: its sheets are
:class:`SafeSheet`, whose every text cell (headers, titles and data alike) goes through
:func:`safe_cell`, so no writer can forget to neutralise a text from an export.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal
from pathlib import Path
from typing import IO

import polars as pl
import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from ejournal.formatting import xlsx_number_format

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")
# A signed number as the documents print it («+0,5», «-3», «−12 %»): shown as it is, it cannot run.
_SIGNED_NUMBER = re.compile(r"[+-]\d+(?:[.,]\d+)?(?:\s?%)?")
_WORKBOOK_OPTIONS = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}


def safe_cell(value: object) -> object:
    """A text that a spreadsheet would run as a formula (=, +, -, @, tab, line break …) is kept as
    text behind an apostrophe; other values (and signed numbers written as text) pass unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not _SIGNED_NUMBER.fullmatch(value):
        return "'" + value
    return value


class SafeSheet(Worksheet):
    """A worksheet whose every text cell is neutralised by :func:`safe_cell`."""

    def _write_string(self, row: int, col: int, string: str, cell_format=None) -> int:
        return super()._write_string(row, col, str(safe_cell(str(string))), cell_format)


class SafeWorkbook(xlsxwriter.Workbook):
    """An XLSX workbook that never turns a text into a formula or a link, with :class:`SafeSheet` sheets."""

    def __init__(self, filename, options: dict | None = None) -> None:
        super().__init__(filename, options)
        self._figure_formats: dict[int, Format] = {}

    def figure_format(self, value: Decimal) -> Format:
        """The number format of a figure rounded for print (ejournal.formatting.half_up): as many
        decimals as it has ("0.0" for 88.3), so the cell shows what the document prints."""
        digits = max(0, -int(value.as_tuple().exponent))
        if digits not in self._figure_formats:
            self._figure_formats[digits] = self.add_format({"num_format": xlsx_number_format(digits)})
        return self._figure_formats[digits]

    def write_figure(self, sheet: Worksheet, row: int, col: int, value: Decimal) -> None:
        """A figure as a number cell showing its printed decimals."""
        sheet.write_number(row, col, float(value), self.figure_format(value))

    def add_worksheet(self, name: str | None = None, worksheet_class=None) -> Worksheet:
        return super().add_worksheet(name, worksheet_class=worksheet_class or SafeSheet)


def new_workbook(target: str | Path | IO[bytes]) -> SafeWorkbook:
    """The one way the application opens an XLSX to write: to a path, or in memory into a buffer."""
    if isinstance(target, str | Path):
        return SafeWorkbook(str(target), _WORKBOOK_OPTIONS)
    return SafeWorkbook(target, {"in_memory": True, **_WORKBOOK_OPTIONS})


def frame_to_xlsx(
    frame: pl.DataFrame, sheet_name: str = "Данные", number_formats: dict[str, str] | None = None
) -> bytes:
    """The frame as an XLSX workbook: bold header, frozen first row, texts written as texts, numbers
    as numbers (in a column named in ``number_formats`` with that format, e.g. "0.0": Excel shows
    it with the reader's decimal separator, the comma in a Russian locale)."""
    return frames_to_xlsx({sheet_name: frame}, number_formats)


def frames_to_xlsx(sheets: dict[str, pl.DataFrame], number_formats: dict[str, str] | None = None) -> bytes:
    """One sheet per frame, in order, each written as :func:`frame_to_xlsx` writes its one."""
    buffer = io.BytesIO()
    workbook = new_workbook(buffer)
    add_frame_sheets(workbook, sheets, number_formats)
    workbook.close()
    return buffer.getvalue()


def add_frame_sheets(
    workbook: SafeWorkbook, sheets: dict[str, pl.DataFrame], number_formats: dict[str, str] | None = None
) -> None:
    """Add one sheet per frame to an open workbook, as :func:`frames_to_xlsx` writes them (a caller
    may add sheets of its own before closing it)."""
    bold = workbook.add_format({"bold": True, "bg_color": "#EEEEEE", "border": 1})
    day = workbook.add_format({"num_format": "dd.mm.yyyy"})
    moment = workbook.add_format({"num_format": "dd.mm.yyyy hh:mm"})
    numbers = {name: workbook.add_format({"num_format": code}) for name, code in (number_formats or {}).items()}
    for sheet_name, frame in sheets.items():
        column_formats = [numbers.get(name) for name in frame.columns]
        sheet = workbook.add_worksheet(sheet_name[:31])
        for col, name in enumerate(frame.columns):
            sheet.write_string(0, col, str(name), bold)
            sheet.set_column(col, col, max(10, min(60, len(str(name)) + 4)))
        for r, row in enumerate(frame.iter_rows(), start=1):
            for c, value in enumerate(row):
                if value is None:
                    continue
                if isinstance(value, bool):
                    sheet.write_string(r, c, "да" if value else "нет")
                elif isinstance(value, int | float):
                    sheet.write_number(r, c, value, column_formats[c])
                elif isinstance(value, dt.datetime):
                    sheet.write_datetime(r, c, value, moment)
                elif isinstance(value, dt.date):
                    sheet.write_datetime(r, c, dt.datetime.combine(value, dt.time()), day)
                else:
                    sheet.write_string(r, c, str(value))
        sheet.freeze_panes(1, 0)
