"""Render «Отчет классного руководителя за учебный период» to PDF/A and XLSX with the same figures."""

from __future__ import annotations

from ejournal.formatting import figure
from report_templates.class_context import UNMARKED, WITHOUT_MARKS, ClassRenderer
from report_templates.class_teacher_report.context import ClassTeacherReport
from report_templates.period_results.context import CATEGORY_TITLES


def _results_rows(ctx: ClassTeacherReport) -> list[list[object]]:
    """The results section: N, categories and shares (numbers as printed: half up, one decimal);
    a class taught without marks has one line saying so."""
    rows: list[list[object]] = []
    if ctx.without_marks:
        rows.append(["Успеваемость", WITHOUT_MARKS, "", ""])
    else:
        rows.append(["Успеваемость", "Обучающихся с отметками за период (N)", ctx.n_attested_pupils, ""])
        rows += [
            ["Успеваемость", title, len(ctx.categories[key]), ", ".join(ctx.categories[key])]
            for key, title in CATEGORY_TITLES.items()
        ]
        rows += [
            ["Успеваемость", "Не аттестованы", len(ctx.not_attested), ", ".join(ctx.not_attested)],
            ["Успеваемость", "Успеваемость класса, %", figure(ctx.progress_pct), ""],
            ["Успеваемость", "Качество знаний класса, %", figure(ctx.quality_pct), ""],
        ]
    if ctx.unmarked_subjects:
        rows.append(["Успеваемость", UNMARKED, "", ", ".join(ctx.unmarked_subjects)])
    return rows


def table(ctx: ClassTeacherReport) -> tuple[list[str], list[list[object]]]:
    """The report's figures as (section, figure, value, names) rows."""
    m, a = ctx.movement, ctx.attendance
    rows: list[list[object]] = [
        ["Движение", f"Обучающихся на начало периода ({ctx.where.start_date:%d.%m.%Y})", m.at_start, ""],
        ["Движение", "Прибыло за период", len(m.arrived), ", ".join(m.arrived)],
        ["Движение", "Выбыло за период", len(m.left), ", ".join(m.left)],
        ["Движение", f"Обучающихся на конец периода ({ctx.where.end_date:%d.%m.%Y})", m.at_end, ""],
    ]
    rows += _results_rows(ctx)
    rows += [
        ["Посещаемость", "Пропущено уроков", a.n_missed, ""],
        ["Посещаемость", "из них по уважительной причине", a.n_missed_excused, ""],
        ["Посещаемость", "из них по болезни", a.n_missed_illness, ""],
        ["Посещаемость", "без уважительной причины", a.n_missed_unexcused, ""],
        ["Посещаемость", "Пропущено дней", a.n_days_missed, ""],
        ["Посещаемость", "Опозданий", a.n_late, ""],
        ["Посещаемость", "Доля пропущенных уроков, %", figure(a.missed_pct), ""],
        [
            "Посещаемость",
            f"Пропустили {ctx.chronic_share * 100:.0f} % уроков и более",
            len(ctx.chronic),
            ", ".join(name for name, _ in ctx.chronic),
        ],
    ]
    return ["Раздел", "Показатель", "Значение", "Ученики"], rows


RENDERER = ClassRenderer(
    "class_teacher_report/template.html.j2",
    "Отчет",
    table,
    constants={"category_titles": CATEGORY_TITLES, "without_marks_text": WITHOUT_MARKS, "unmarked_text": UNMARKED},
)
html, pdf, xlsx = RENDERER.html, RENDERER.pdf, RENDERER.xlsx
