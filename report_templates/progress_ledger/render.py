"""Render «Сводная ведомость учета успеваемости обучающихся класса» to PDF/A and XLSX."""

from __future__ import annotations

from report_templates.class_context import WITHOUT_MARKS, ClassRenderer
from report_templates.progress_ledger.context import ProgressLedger


def _cell(mark: str | None) -> int | str | None:
    return int(mark) if mark and mark.isdigit() else mark


def table(ctx: ProgressLedger) -> tuple[list[str], list[list[object]]]:
    """One row per pupil and kind of mark, one column per subject: numeric marks as numbers; a
    class taught without marks (no attested subject, no marks: grade 1) says so instead."""
    if not ctx.subjects:
        return ["Успеваемость"], [[WITHOUT_MARKS]]
    columns = ["№", "Ученик", "Отметка", *(s.name for s in ctx.subjects), "Решение педагогического совета"]
    rows = [
        [block.number, block.pupil.full_name, row.label, *(_cell(m) for m in row.marks), ""]
        for block in ctx.pupils
        for row in block.rows
    ]
    return columns, rows


RENDERER = ClassRenderer(
    "progress_ledger/template.html.j2",
    "Успеваемость",
    table,
    extra=("short_headers",),
    constants={"without_marks_text": WITHOUT_MARKS},
)
html, pdf, xlsx = RENDERER.html, RENDERER.pdf, RENDERER.xlsx
