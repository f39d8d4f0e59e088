"""Render «Отчет о посещаемости класса» to PDF/A and XLSX with the same figures."""

from __future__ import annotations

from pathlib import Path

from ejournal.formatting import decimal
from report_templates.attendance_figures import Attendance
from report_templates.attendance_report.context import AttendanceReport
from report_templates.class_context import header_values, rows_to_xlsx
from report_templates.render import render_html, write_pdf

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


def html(ctx: AttendanceReport) -> str:
    return render_html(
        "attendance_report/template.html.j2",
        **header_values(ctx.where, ctx.document_title, ctx.subtitle),
        months=ctx.months,
        lines=ctx.lines,
        total_by_month=ctx.total_by_month,
        total=ctx.total,
        chronic=ctx.chronic,
        chronic_share=ctx.chronic_share,
    )


def pdf(ctx: AttendanceReport, path: Path) -> Path:
    return write_pdf(html(ctx), path, title=ctx.document_title)


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
        decimal(f.missed_pct),
    ]


def table(ctx: AttendanceReport) -> tuple[list[str], list[list[object]]]:
    columns = ["№", "Ученик", *(f"Пропущено уроков: {m}" for m in ctx.months), *PERIOD_COLUMNS]
    rows = [[line.number, line.pupil.full_name, *line.by_month, *_period(line.period)] for line in ctx.lines]
    rows.append(["", "Итого по классу", *ctx.total_by_month, *_period(ctx.total)])
    return columns, rows


def xlsx(ctx: AttendanceReport, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(rows_to_xlsx(*table(ctx), "Посещаемость"))
    return path
