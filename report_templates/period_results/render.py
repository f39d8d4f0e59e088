"""Render «Итоги успеваемости класса за учебный период» to PDF/A and XLSX with the same figures."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import polars as pl

from ejournal.formatting import decimal
from ejournal.xlsx import frame_to_xlsx
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
    )


def pdf(ctx: PeriodResults, path: Path) -> Path:
    return write_pdf(html(ctx), path, title=ctx.document_title)


def table(ctx: PeriodResults) -> pl.DataFrame:
    """The figures as the PDF shows them (decimal comma, one decimal), one row per subject and period."""
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
                    "Успеваемость, %": decimal(f.progress_pct),
                    "Качество, %": decimal(f.quality_pct),
                    "СОУ, %": decimal(f.sou_pct),
                    "Средний балл": decimal(f.mean_mark, 2),
                }
            )
    return pl.DataFrame(rows)


def xlsx(ctx: PeriodResults, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(frame_to_xlsx(table(ctx), "Итоги"))
    return path
