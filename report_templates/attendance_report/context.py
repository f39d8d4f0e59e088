"""«Отчет о посещаемости класса» for a study period and by month: per pupil the lessons missed in
each month of the period, then for the whole period the lessons missed (of them for a good reason,
for illness, without one), latenesses, days missed, lessons expected and the share missed; the
class's totals; and the pupils who missed at least the school's chronic-absence share of lessons.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from ejournal.access.viewer import Viewer
from report_templates.attendance_figures import Attendance, by_pupil, by_pupil_and_month, month_name, months_between
from report_templates.class_context import ClassPeriod, Pupil, class_pupils, resolve_class_period
from report_templates.document_norms import DocumentNorms

TITLE = "Отчет о посещаемости класса"


@dataclass(frozen=True)
class PupilLine:
    number: int
    pupil: Pupil
    by_month: list[int]
    period: Attendance
    is_chronic: bool


@dataclass
class AttendanceReport:
    where: ClassPeriod
    months: list[str]
    lines: list[PupilLine]
    total_by_month: list[int]
    total: Attendance
    chronic_share: float

    document_title = TITLE

    @property
    def subtitle(self) -> str:
        return self.where.dated_subtitle

    @property
    def chronic(self) -> list[PupilLine]:
        return [line for line in self.lines if line.is_chronic]


def build(
    con: duckdb.DuckDBPyConnection,
    viewer: Viewer,
    class_name: str,
    period_name: str,
    norms: DocumentNorms | None = None,
) -> AttendanceReport:
    norms = norms or DocumentNorms()
    where = resolve_class_period(con, viewer, class_name, period_name)
    months = months_between(where.start_date, where.end_date)
    per_month = by_pupil_and_month(con, where, where.start_date, where.end_date)
    per_period = by_pupil(con, where, where.start_date, where.end_date)
    lines = []
    for number, pupil in enumerate(class_pupils(con, where, where.start_date, where.end_date), start=1):
        figures = per_period.get(pupil.pupil_id, Attendance())
        share = figures.n_missed / figures.n_lessons if figures.n_lessons else 0.0
        lines.append(
            PupilLine(
                number,
                pupil,
                [per_month.get((pupil.pupil_id, m), Attendance()).n_missed for m in months],
                figures,
                figures.n_lessons > 0 and share >= norms.chronic_absence_share - 1e-12,
            )
        )
    total = sum((line.period for line in lines), Attendance())
    total_by_month = [sum(line.by_month[i] for line in lines) for i in range(len(months))]
    return AttendanceReport(
        where, [month_name(m) for m in months], lines, total_by_month, total, norms.chronic_absence_share
    )
