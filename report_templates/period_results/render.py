"""Render «Итоги успеваемости класса за учебный период» to PDF/A and XLSX with the same figures."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import polars as pl

from ejournal.formatting import XLSX_NUMBER_FORMATS, rounded
from ejournal.xlsx import frame_to_xlsx
from report_templates.class_context import UNMARKED, WITHOUT_MARKS
from report_templates.period_results.context import CATEGORY_TITLES, PeriodResults
from report_templates.render import render_html, write_pdf


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
        unmarked_text=UNMARKED,
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
    path.parent.mkdir(parents=True, exist_ok=True)
    sheet = pl.DataFrame({"Итоги": [WITHOUT_MARKS]}) if ctx.without_marks else table(ctx)
    path.write_bytes(frame_to_xlsx(sheet, "Итоги", NUMBER_FORMATS))
    return path
