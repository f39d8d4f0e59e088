"""«Отчет классного руководителя за учебный период»: the class's movement (on the roll at the
period's start, arrived, left, on the roll at its end), the results of the period marks (pupils
attested, the categories of shared/DOMAIN.md with their names, успеваемость and качество of the
class) and attendance (lessons and days missed, latenesses, pupils with a chronic share of missed
lessons).

Class-level figures (warehouse.class_results.class_results, the same N as «Итоги успеваемости»):
N = pupils on the roll at the period's last day with at least one period mark or «н/а»;
успеваемость, % = pupils without «2» and without «н/а» / N × 100; качество, % = pupils with only
«4» and «5» (отличники and хорошисты, who include «с одной «4»») / N × 100. A class taught without
marks (grade 1) says so instead of printing the results.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import duckdb

from ejournal.access.viewer import Viewer
from report_templates.attendance_figures import Attendance, by_pupil
from report_templates.class_context import ClassPeriod, class_pupils, resolve_class_period
from report_templates.document_norms import DocumentNorms
from warehouse.class_results import class_results, subject_results, unmarked_subjects

TITLE = "Отчет классного руководителя за учебный период"


@dataclass(frozen=True)
class Movement:
    at_start: int
    arrived: list[str]
    left: list[str]
    at_end: int


@dataclass
class ClassTeacherReport:
    where: ClassPeriod
    movement: Movement
    n_attested_pupils: int
    not_attested: list[str]
    categories: dict[str, list[str]]
    progress_pct: Fraction | None  # exact; printed rounded half up
    quality_pct: Fraction | None
    attendance: Attendance
    chronic: list[tuple[str, float]]
    chronic_share: float
    without_marks: bool = False  # taught without marks (grade 1): no results to print
    unmarked_subjects: tuple[str, ...] = ()  # subjects assessed «зачёт»/«освоил»

    document_title = TITLE

    @property
    def subtitle(self) -> str:
        return self.where.dated_subtitle


def build(
    con: duckdb.DuckDBPyConnection,
    viewer: Viewer,
    class_name: str,
    period_name: str,
    norms: DocumentNorms | None = None,
) -> ClassTeacherReport:
    norms = norms or DocumentNorms()
    where = resolve_class_period(con, viewer, class_name, period_name)
    during = class_pupils(con, where, where.start_date, where.end_date)
    at_start = {p.pupil_id for p in class_pupils(con, where, where.start_date, where.start_date)}
    at_end = class_pupils(con, where, where.end_date, where.end_date)
    movement = Movement(
        len(at_start),
        [p.full_name for p in during if p.pupil_id not in at_start],
        [p.full_name for p in during if p.left_on is not None],
        len(at_end),
    )
    results = class_results(con, where.school_id, where.class_id, where.period_id)
    attendance = by_pupil(con, where, where.start_date, where.end_date)
    chronic = []
    total = Attendance()
    for pupil in during:
        figures = attendance.get(pupil.pupil_id, Attendance())
        total = total + figures
        if figures.n_lessons and figures.n_missed / figures.n_lessons >= norms.chronic_absence_share - 1e-12:
            chronic.append((pupil.full_name, figures.missed_pct))
    return ClassTeacherReport(
        where=where,
        movement=movement,
        n_attested_pupils=results.n_pupils,
        not_attested=results.not_attested,
        categories=results.categories,
        progress_pct=results.progress,
        quality_pct=results.quality,
        attendance=total,
        chronic=chronic,
        chronic_share=norms.chronic_absence_share,
        without_marks=not subject_results(con, where.school_id, where.class_id, where.period_id),
        unmarked_subjects=tuple(unmarked_subjects(con, where.school_id, where.class_id, where.period_id)),
    )
