"""Render «Сводная ведомость учета посещаемости» to PDF/A and XLSX with the same figures."""

from __future__ import annotations

from report_templates.attendance_figures import Attendance
from report_templates.attendance_ledger.context import AttendanceLedger
from report_templates.class_context import ClassRenderer

FIGURES = (
    "дней пропущено",
    "дней по уважительной причине",
    "дней по болезни",
    "уроков пропущено",
    "уроков по уважительной причине",
    "уроков по болезни",
    "опозданий",
)


def _figures(f: Attendance) -> list[object]:
    return [
        f.n_days_missed,
        f.n_days_missed_excused,
        f.n_days_missed_illness,
        f.n_missed,
        f.n_missed_excused,
        f.n_missed_illness,
        f.n_late,
    ]


def table(ctx: AttendanceLedger) -> tuple[list[str], list[list[object]]]:
    columns = ["№", "Ученик", *(f"За период: {c}" for c in FIGURES), *(f"С начала года: {c}" for c in FIGURES)]
    rows = [[line.number, line.pupil.full_name, *_figures(line.period), *_figures(line.year)] for line in ctx.lines]
    rows.append(["", "Итого по классу", *_figures(ctx.total_period), *_figures(ctx.total_year)])
    return columns, rows


RENDERER = ClassRenderer("attendance_ledger/template.html.j2", "Посещаемость", table, extra=("year_label",))
html, pdf, xlsx = RENDERER.html, RENDERER.pdf, RENDERER.xlsx
