"""The school year: study periods, holidays and the study days of each grade.

Quarters for grades 1-9, half-years for grades 10-11, on the usual Russian calendar; period
bounds are moved onto weekdays; public holidays falling on a weekend move to the next Monday
(as 08.03.2026 → 09.03.2026 and 09.05.2026 → 11.05.2026). Five-day week.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

QUARTER_GRADES = tuple(range(1, 10))
HALF_YEAR_GRADES = (10, 11)


@dataclass(frozen=True)
class PeriodDef:
    period_id: str
    kind: str
    number: int
    name: str
    start: dt.date
    end: dt.date
    grades: tuple[int, ...]


@dataclass(frozen=True)
class HolidayDef:
    name: str
    start: dt.date
    end: dt.date
    grades: tuple[int, ...] | None  # None: every grade


@dataclass(frozen=True)
class Calendar:
    year_start: int
    academic_year_id: str
    start_date: dt.date
    end_date: dt.date
    periods: tuple[PeriodDef, ...]
    holidays: tuple[HolidayDef, ...]
    exported_at: dt.datetime

    def periods_of(self, grade: int) -> list[PeriodDef]:
        return [p for p in self.periods if grade in p.grades]

    def is_holiday(self, day: dt.date, grade: int) -> bool:
        return any(h.start <= day <= h.end and (h.grades is None or grade in h.grades) for h in self.holidays)

    def study_days(self, grade: int) -> list[dt.date]:
        """Weekdays inside a period of the grade and outside its holidays."""
        days: list[dt.date] = []
        for period in self.periods_of(grade):
            day = period.start
            while day <= period.end:
                if day.weekday() < 5 and not self.is_holiday(day, grade):
                    days.append(day)
                day += dt.timedelta(days=1)
        return days


def _weekday_on_or_after(day: dt.date) -> dt.date:
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day


def _weekday_on_or_before(day: dt.date) -> dt.date:
    while day.weekday() >= 5:
        day -= dt.timedelta(days=1)
    return day


def _day_off(day: dt.date) -> dt.date:
    """A public holiday on a weekend moves to the next Monday."""
    return day + dt.timedelta(days=(7 - day.weekday()) % 7) if day.weekday() >= 5 else day


def build_calendar(year_start: int, grades: Sequence[int]) -> Calendar:
    """The calendar of academic year `year_start`/`year_start + 1` for the grades of a school."""
    y0, y1 = year_start, year_start + 1
    year_id = f"{y0}/{y1}"
    # The canonical ID pattern has no «/», so period ids use «-»: 2025-2026-q1.
    period_prefix = f"{y0}-{y1}"
    d = dt.date
    quarter_grades = tuple(g for g in QUARTER_GRADES if g in grades)
    half_grades = tuple(g for g in HALF_YEAR_GRADES if g in grades)
    bounds = {
        1: (d(y0, 9, 1), d(y0, 10, 24)),
        2: (d(y0, 11, 5), d(y0, 12, 30)),
        3: (d(y1, 1, 12), d(y1, 3, 27)),
        4: (d(y1, 4, 6), d(y1, 5, 26)),
    }
    bounds = {k: (_weekday_on_or_after(a), _weekday_on_or_before(b)) for k, (a, b) in bounds.items()}
    periods: list[PeriodDef] = []
    if quarter_grades:
        for k, (start, end) in bounds.items():
            periods.append(
                PeriodDef(f"{period_prefix}-q{k}", "quarter", k, f"{k} четверть", start, end, quarter_grades)
            )
    if half_grades:
        periods.append(
            PeriodDef(f"{period_prefix}-h1", "half_year", 1, "1 полугодие", bounds[1][0], bounds[2][1], half_grades)
        )
        periods.append(
            PeriodDef(f"{period_prefix}-h2", "half_year", 2, "2 полугодие", bounds[3][0], bounds[4][1], half_grades)
        )
    holidays = [
        HolidayDef("Осенние каникулы", bounds[1][1] + dt.timedelta(days=1), bounds[2][0] - dt.timedelta(days=1), None),
        HolidayDef("Зимние каникулы", bounds[2][1] + dt.timedelta(days=1), bounds[3][0] - dt.timedelta(days=1), None),
        HolidayDef("Весенние каникулы", bounds[3][1] + dt.timedelta(days=1), bounds[4][0] - dt.timedelta(days=1), None),
    ]
    if 1 in grades:
        holidays.append(HolidayDef("Дополнительные каникулы для первоклассников", d(y1, 2, 14), d(y1, 2, 22), (1,)))
    public = [
        ("День народного единства", d(y0, 11, 4)),
        ("День защитника Отечества", d(y1, 2, 23)),
        ("Международный женский день", d(y1, 3, 8)),
        ("Праздник Весны и Труда", d(y1, 5, 1)),
        ("День Победы", d(y1, 5, 9)),
    ]
    for name, day in public:
        off = _day_off(day)
        label = name if off == day else f"{name} (перенос с {day:%d.%m})"
        holidays.append(HolidayDef(label, off, off, None))
    holidays.sort(key=lambda h: (h.start, h.name))
    end_date = d(y1, 5, 31)
    exported_at = dt.datetime.combine(end_date + dt.timedelta(days=1), dt.time(20, 0))
    return Calendar(y0, year_id, d(y0, 9, 1), end_date, tuple(periods), tuple(holidays), exported_at)


def grade_days_frame(calendar: Calendar, grades: Sequence[int]) -> pl.DataFrame:
    """Study days of each grade: grade, lesson_date, weekday (0 = Monday)."""
    rows = [(g, day, day.weekday()) for g in sorted(grades) for day in calendar.study_days(g)]
    return pl.DataFrame(rows, schema={"grade": pl.Int64, "lesson_date": pl.Date, "weekday": pl.Int64}, orient="row")


def grade_periods_frame(calendar: Calendar, grades: Sequence[int]) -> pl.DataFrame:
    """Periods of each grade: grade, period_id, period_kind, period_start, period_end."""
    rows = [(g, p.period_id, p.kind, p.start, p.end) for g in sorted(grades) for p in calendar.periods_of(g)]
    schema = {
        "grade": pl.Int64,
        "period_id": pl.String,
        "period_kind": pl.String,
        "period_start": pl.Date,
        "period_end": pl.Date,
    }
    return pl.DataFrame(rows, schema=schema, orient="row")
