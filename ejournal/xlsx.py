"""Spreadsheet output shared by reports, downloads and error reports, safe against formula injection."""

from __future__ import annotations

import datetime as dt
import io

import polars as pl
import xlsxwriter

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    """A text that a spreadsheet would run as a formula (=, +, -, @ …) is kept as text."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def frame_to_xlsx(frame: pl.DataFrame, sheet_name: str = "Данные") -> bytes:
    """The frame as an XLSX workbook: bold header, frozen first row, texts written as texts."""
    return frames_to_xlsx({sheet_name: frame})


def frames_to_xlsx(sheets: dict[str, pl.DataFrame]) -> bytes:
    """One sheet per frame, in order, each written as :func:`frame_to_xlsx` writes its one."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    bold = workbook.add_format({"bold": True, "bg_color": "#EEEEEE", "border": 1})
    day = workbook.add_format({"num_format": "dd.mm.yyyy"})
    moment = workbook.add_format({"num_format": "dd.mm.yyyy hh:mm"})
    for sheet_name, frame in sheets.items():
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
                    sheet.write_number(r, c, value)
                elif isinstance(value, dt.datetime):
                    sheet.write_datetime(r, c, value, moment)
                elif isinstance(value, dt.date):
                    sheet.write_datetime(r, c, dt.datetime.combine(value, dt.time()), day)
                else:
                    sheet.write_string(r, c, str(safe_cell(str(value))))
        sheet.freeze_panes(1, 0)
    workbook.close()
    return buffer.getvalue()
