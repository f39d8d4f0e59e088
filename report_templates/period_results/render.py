"""Render «Итоги успеваемости класса за учебный период» to PDF/A and XLSX with the same figures."""

from __future__ import annotations

import dataclasses
import io
from pathlib import Path

import polars as pl
from xlsxwriter.worksheet import Worksheet

from ejournal.formatting import XLSX_NUMBER_FORMATS, figure, rounded
from ejournal.xlsx import SafeWorkbook, add_frame_sheets, new_workbook
from report_templates.class_context import WITHOUT_MARKS
from report_templates.period_results.context import (
    CATEGORIES_NOTE,
    CATEGORY_TITLES,
    ZERO_N_NOTE,
    Figures,
    PeriodResults,
)
from report_templates.render import formed_text, render_html, write_pdf


def html(ctx: PeriodResults) -> str:
    values = {f.name: getattr(ctx, f.name) for f in dataclasses.fields(ctx)}
    return render_html(
        "period_results/template.html.j2",
        **values,
        document_title=ctx.document_title,
        subtitle=ctx.subtitle,
        signatures=ctx.signatures,
        category_titles=CATEGORY_TITLES,
        without_marks=ctx.without_marks,
        without_marks_text=WITHOUT_MARKS,
        has_zero_n=ctx.has_zero_n,
        unmarked_line=ctx.unmarked_line,
        class_line=ctx.class_line,
        zero_n_note=ZERO_N_NOTE,
        categories_note=CATEGORIES_NOTE,
    )


def pdf(ctx: PeriodResults, path: Path) -> Path:
    return write_pdf(html(ctx), path, title=ctx.document_title)


def table(ctx: PeriodResults) -> pl.DataFrame:
    """The figures as the PDF shows them, one row per subject and period: numbers rounded half up as
    printed (shares to one decimal, средний балл to two), empty where the PDF prints «—»."""
    rows = []
    for row in ctx.subjects:
        for label, f in ((ctx.period_name, row.current), (ctx.previous_period_name, row.previous)):
            if f is None or label is None:
                continue
            rows.append(
                {
                    "Предмет": row.subject_name,
                    "Период": label,
                    "N": f.n_pupils,
                    "«5»": f.n_5,
                    "«4»": f.n_4,
                    "«3»": f.n_3,
                    "«2»": f.n_2,
                    "н/а": f.n_na,
                    "Успеваемость, %": rounded(f.progress_pct),
                    "Качество, %": rounded(f.quality_pct),
                    "СОУ, %": rounded(f.sou_pct),
                    "Средний балл": rounded(f.mean_mark, 2),
                }
            )
    return pl.DataFrame(rows, schema=COLUMNS)


# the columns of the XLSX sheet: counts, then shares (one decimal) and средний балл (two)
COUNTS = ("N", "«5»", "«4»", "«3»", "«2»", "н/а")
SHARES = ("Успеваемость, %", "Качество, %", "СОУ, %")
COLUMNS = {
    "Предмет": pl.String,
    "Период": pl.String,
    **dict.fromkeys(COUNTS, pl.Int64),
    **dict.fromkeys(SHARES, pl.Float64),
    "Средний балл": pl.Float64,
}
NUMBER_FORMATS = {**dict.fromkeys(SHARES, XLSX_NUMBER_FORMATS[1]), "Средний балл": XLSX_NUMBER_FORMATS[2]}


def xlsx(ctx: PeriodResults, path: Path) -> Path:
    """Two sheets: «Итоги» — the figures as a table to count with (one row per subject and period),
    and «Документ» — the document as printed: heading, table, the class's line, the lists by
    category, notes and signature lines, the figures as numbers."""
    path.parent.mkdir(parents=True, exist_ok=True)
    sheet = pl.DataFrame({"Итоги": [WITHOUT_MARKS]}) if ctx.without_marks else table(ctx)
    buffer = io.BytesIO()
    workbook = new_workbook(buffer)
    add_frame_sheets(workbook, {"Итоги": sheet}, NUMBER_FORMATS)
    DocumentSheet(workbook, workbook.add_worksheet("Документ")).write(ctx)
    workbook.close()
    path.write_bytes(buffer.getvalue())
    return path


HEADER = list(COLUMNS)  # the table of the «Документ» sheet has the columns of «Итоги»


class DocumentSheet:
    """The «Документ» sheet: the PDF's lines top to bottom, one line of the PDF a row of cells."""

    def __init__(self, workbook: SafeWorkbook, sheet: Worksheet) -> None:
        self.workbook, self.sheet, self.row = workbook, sheet, 0
        self.bold = workbook.add_format({"bold": True})
        self.head = workbook.add_format({"bold": True, "bg_color": "#EEEEEE", "border": 1, "text_wrap": True})
        sheet.set_column(0, 0, 40)
        sheet.set_column(1, len(HEADER) - 1, 12)

    def line(self, *cells: object, style=None) -> None:
        for col, value in enumerate(cells):
            if value is None or value == "":
                continue
            if isinstance(value, int):
                self.sheet.write_number(self.row, col, value)
            elif isinstance(value, str):
                self.sheet.write_string(self.row, col, value, style)
            else:
                self.workbook.write_figure(self.sheet, self.row, col, value)
        self.row += 1

    def write(self, ctx: PeriodResults) -> None:
        self.line(ctx.school.name, style=self.bold)
        self.line(ctx.school.details)
        self.line(ctx.document_title, style=self.bold)
        self.line(ctx.subtitle)
        self.line()
        if ctx.without_marks:
            self.line(WITHOUT_MARKS + ".")
        else:
            self.subjects(ctx)
        if ctx.unmarked_line:
            self.line(ctx.unmarked_line)
        if not ctx.without_marks:
            self.categories(ctx)
        self.closing(ctx)

    def subjects(self, ctx: PeriodResults) -> None:
        for col, title in enumerate(HEADER):
            self.sheet.write_string(self.row, col, title, self.head)
        self.row += 1
        for row in ctx.subjects:
            for label, figures in ((ctx.period_name, row.current), (ctx.previous_period_name or "—", row.previous)):
                self.line(row.subject_name, label, *(_printed(figures) if figures else ["нет данных"]))
        if ctx.has_zero_n:
            self.line(ZERO_N_NOTE)

    def categories(self, ctx: PeriodResults) -> None:
        self.line()
        self.line(ctx.class_line, style=self.bold)
        for key, title in CATEGORY_TITLES.items():
            self.line(f"{title}: {len(ctx.categories[key])}", style=self.bold)
            for name in ctx.categories[key]:
                self.line(name)
        self.line(CATEGORIES_NOTE)

    def closing(self, ctx: PeriodResults) -> None:
        self.line()
        self.line(formed_text(ctx.formed_on, ctx.data_as_of))
        self.line()
        for role, name in ctx.signatures:
            self.line(role, "________________", name or "")
        self.line()
        self.line("М. П.")


def _printed(f: Figures) -> list[object]:
    """A row's figures as the PDF prints them: counts, shares to one decimal, средний балл to two."""
    counts = [f.n_pupils, f.n_5, f.n_4, f.n_3, f.n_2, f.n_na]
    shares = [figure(f.progress_pct), figure(f.quality_pct), figure(f.sou_pct)]
    return [*counts, *shares, figure(f.mean_mark, 2)]
