"""Render «Предварительный отчет классного руководителя» to PDF/A and XLSX with the same figures."""

from __future__ import annotations

from ejournal.formatting import figure
from report_templates.class_context import WITHOUT_MARKS, ClassRenderer
from report_templates.preliminary_report.context import PreliminaryReport


def table(ctx: PreliminaryReport) -> tuple[list[str], list[list[object]]]:
    """One row per pupil and subject the pupil takes: marks, weighted average (as printed), forecast;
    a class taught without marks (grade 1) says so instead."""
    if ctx.without_marks:
        return ["Успеваемость"], [[WITHOUT_MARKS]]
    columns = [
        "№",
        "Ученик",
        "Предмет",
        "Отметок",
        "Средневзвешенный балл",
        "Прогноз",
        "Пропущено уроков, %",
        "Вероятность «2» или н/а по модели, %",
    ]
    model = {(r.pupil, r.subject): figure(r.probability * 100, 0) for r in ctx.model_risks}
    rows = [
        [
            block.number,
            block.pupil.full_name,
            subject.name,
            cell.n_marks,
            figure(cell.weighted, 2),
            cell.forecast,
            figure(block.attendance.missed_pct),
            model.get((block.pupil.full_name, subject.name), ""),
        ]
        for block in ctx.pupils
        for subject, cell in zip(ctx.subjects, block.subjects, strict=True)
        if cell is not None
    ]
    return columns, rows


RENDERER = ClassRenderer(
    "preliminary_report/template.html.j2",
    "Текущие отметки",
    table,
    extra=("short_headers",),
    constants={"without_marks_text": WITHOUT_MARKS},
)
html, pdf, xlsx = RENDERER.html, RENDERER.pdf, RENDERER.xlsx
