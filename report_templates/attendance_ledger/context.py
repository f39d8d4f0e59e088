"""«Сводная ведомость учета посещаемости»: per pupil of the class the days and lessons missed —
in all, for a good reason (у, б), for illness (б) — and latenesses, for the study period and from
the start of the academic year to the period's end, with the class's totals."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from ejournal.access.viewer import Viewer
from report_templates.attendance_figures import Attendance, by_pupil
from report_templates.class_context import ClassPeriod, Pupil, class_pupils, resolve_class_period

TITLE = "Сводная ведомость учета посещаемости"


@dataclass(frozen=True)
class PupilLine:
    number: int
    pupil: Pupil
    period: Attendance
    year: Attendance


@dataclass
class AttendanceLedger:
    where: ClassPeriod
    lines: list[PupilLine]
    total_period: Attendance
    total_year: Attendance

    document_title = TITLE

    @property
    def subtitle(self) -> str:
        return self.where.dated_subtitle

    @property
    def year_label(self) -> str:
        return f"С начала учебного года ({self.where.year_start_date:%d.%m.%Y} – {self.where.end_date:%d.%m.%Y})"


def build(con: duckdb.DuckDBPyConnection, viewer: Viewer, class_name: str, period_name: str) -> AttendanceLedger:
    where = resolve_class_period(con, viewer, class_name, period_name)
    period = by_pupil(con, where, where.start_date, where.end_date)
    year = by_pupil(con, where, where.year_start_date, where.end_date)
    lines = [
        PupilLine(number, pupil, period.get(pupil.pupil_id, Attendance()), year.get(pupil.pupil_id, Attendance()))
        for number, pupil in enumerate(class_pupils(con, where, where.start_date, where.end_date), start=1)
    ]
    return AttendanceLedger(
        where,
        lines,
        sum((line.period for line in lines), Attendance()),
        sum((line.year for line in lines), Attendance()),
    )
