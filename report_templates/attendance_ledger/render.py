"""Render «Сводная ведомость учета посещаемости» to PDF/A and XLSX with the same figures."""

from __future__ import annotations

from pathlib import Path

from report_templates.attendance_figures import Attendance
from report_templates.attendance_ledger.context import AttendanceLedger
from report_templates.class_context import header_values, rows_to_xlsx
from report_templates.render import render_html, write_pdf

FIGURES = (
    "дней пропущено",
    "дней по уважительной причине",
    "дней по болезни",
    "уроков пропущено",
    "уроков по уважительной причине",
    "уроков по болезни",
    "опозданий",
)


def html(ctx: AttendanceLedger) -> str:
    return render_html(
        "attendance_ledger/template.html.j2",
        **header_values(ctx.where, ctx.document_title, ctx.subtitle),
        where=ctx.where,
        year_label=ctx.year_label,
        lines=ctx.lines,
        total_period=ctx.total_period,
        total_year=ctx.total_year,
    )


def pdf(ctx: AttendanceLedger, path: Path) -> Path:
    return write_pdf(html(ctx), path, title=ctx.document_title)


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


def xlsx(ctx: AttendanceLedger, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(rows_to_xlsx(*table(ctx), "Посещаемость"))
    return path
