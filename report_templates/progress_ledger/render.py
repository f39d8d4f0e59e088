"""Render «Сводная ведомость учета успеваемости обучающихся класса» to PDF/A and XLSX."""

from __future__ import annotations

from pathlib import Path

from report_templates.class_context import header_values, rows_to_xlsx
from report_templates.progress_ledger.context import ProgressLedger
from report_templates.render import render_html, write_pdf


def html(ctx: ProgressLedger) -> str:
    return render_html(
        "progress_ledger/template.html.j2",
        **header_values(ctx.where, ctx.document_title, ctx.subtitle),
        subjects=ctx.subjects,
        pupils=ctx.pupils,
        short_headers=ctx.short_headers,
    )


def pdf(ctx: ProgressLedger, path: Path) -> Path:
    return write_pdf(html(ctx), path, title=ctx.document_title)


def _cell(mark: str | None) -> int | str | None:
    return int(mark) if mark and mark.isdigit() else mark


def table(ctx: ProgressLedger) -> tuple[list[str], list[list[object]]]:
    """One row per pupil and kind of mark, one column per subject: numeric marks as numbers."""
    columns = ["№", "Ученик", "Отметка", *(s.name for s in ctx.subjects), "Решение педагогического совета"]
    rows = [
        [block.number, block.pupil.full_name, row.label, *(_cell(m) for m in row.marks), ""]
        for block in ctx.pupils
        for row in block.rows
    ]
    return columns, rows


def xlsx(ctx: ProgressLedger, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(rows_to_xlsx(*table(ctx), "Успеваемость"))
    return path
