"""Attendance figures per pupil of a class for a date range (warehouse.class_documents, from
mart_attendance_day): the counts «Отчет о посещаемости класса», «Сводная ведомость учета
посещаемости» and the class teacher's reports print."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields

import duckdb

from ejournal.formatting import MONTHS
from report_templates.class_context import ClassPeriod
from warehouse.class_documents import attendance_by_pupil, attendance_by_pupil_and_month


@dataclass(frozen=True)
class Attendance:
    """Counts of one pupil (or a sum over pupils) for a date range."""

    n_lessons: int = 0
    n_missed: int = 0
    n_missed_excused: int = 0
    n_missed_illness: int = 0
    n_late: int = 0
    n_days_missed: int = 0
    n_days_missed_excused: int = 0
    n_days_missed_illness: int = 0

    @property
    def n_missed_unexcused(self) -> int:
        return self.n_missed - self.n_missed_excused

    @property
    def missed_pct(self) -> float | None:
        return 100 * self.n_missed / self.n_lessons if self.n_lessons else None

    def __add__(self, other: Attendance) -> Attendance:
        return Attendance(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(self)))


def by_pupil(con: duckdb.DuckDBPyConnection, where: ClassPeriod, start: dt.date, end: dt.date) -> dict[str, Attendance]:
    """pupil_id → counts over the class's lessons from start to end (both included)."""
    rows = attendance_by_pupil(con, where.school_id, where.class_id, start, end)
    return {pupil_id: Attendance(*(int(v or 0) for v in values)) for pupil_id, *values in rows}


def by_pupil_and_month(
    con: duckdb.DuckDBPyConnection, where: ClassPeriod, start: dt.date, end: dt.date
) -> dict[tuple[str, tuple[int, int]], Attendance]:
    """(pupil_id, (year, month)) → counts over the class's lessons from start to end."""
    rows = attendance_by_pupil_and_month(con, where.school_id, where.class_id, start, end)
    return {(p, (y, m)): Attendance(*(int(v or 0) for v in values)) for p, y, m, *values in rows}


def months_between(start: dt.date, end: dt.date) -> list[tuple[int, int]]:
    """(year, month) of every month the range touches, in order."""
    months, year, month = [], start.year, start.month
    while (year, month) <= (end.year, end.month):
        months.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def month_name(month: tuple[int, int]) -> str:
    return MONTHS[month[1] - 1]
