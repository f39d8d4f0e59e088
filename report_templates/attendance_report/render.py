"""Render «Отчет о посещаемости класса» to PDF/A and XLSX with the same figures."""

from __future__ import annotations

from ejournal.formatting import figure
from report_templates.attendance_figures import Attendance
from report_templates.attendance_report.context import AttendanceReport
from report_templates.class_context import ClassRenderer

PERIOD_COLUMNS = (
    "Уроков пропущено",
    "По уважительной причине",
    "По болезни",
    "Без уважительной причины",
    "Опозданий",
    "Дней пропущено",
    "Дней по уважительной причине",
    "Уроков по расписанию",
    "% пропусков",
)


def _period(f: Attendance) -> list[object]:
    return [
        f.n_missed,
        f.n_missed_excused,
        f.n_missed_illness,
        f.n_missed_unexcused,
        f.n_late,
        f.n_days_missed,
        f.n_days_missed_excused,
        f.n_lessons,
        figure(f.missed_pct),
    ]


def table(ctx: AttendanceReport) -> tuple[list[str], list[list[object]]]:
    columns = ["№", "Ученик", *(f"Пропущено уроков: {m}" for m in ctx.months), *PERIOD_COLUMNS]
    rows = [[line.number, line.pupil.full_name, *line.by_month, *_period(line.period)] for line in ctx.lines]
    rows.append(["", "Итого по классу", *ctx.total_by_month, *_period(ctx.total)])
    return columns, rows


RENDERER = ClassRenderer("attendance_report/template.html.j2", "Посещаемость", table, extra=("chronic",))
html, pdf, xlsx = RENDERER.html, RENDERER.pdf, RENDERER.xlsx
