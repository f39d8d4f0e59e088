"""Users' activity in the journal over a date range (a quarter: 000 §7.1): per teacher of the
school, from ``mart_teacher_day`` — days they worked in the journal, lessons held and how many
were filled in on the lesson day, lesson records, homework and marks entered, the last day of
work — and the school's total. The figures are final here; documents only print them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import duckdb

_PER_TEACHER = """
    select t.teacher_id, t.short_name,
        count(distinct case when d.is_active then d.activity_date end) as n_active_days,
        coalesce(sum(d.n_lessons_held), 0) as n_lessons_held,
        coalesce(sum(d.n_lessons_filled_same_day), 0) as n_lessons_filled_same_day,
        coalesce(sum(d.n_lessons_entered), 0) as n_lessons_entered,
        coalesce(sum(d.n_homework_entered), 0) as n_homework_entered,
        coalesce(sum(d.n_marks_entered), 0) as n_marks_entered,
        max(case when d.is_active then d.activity_date end) as last_active_date
    from dim_teacher as t
    left join mart_teacher_day as d on d.school_id = t.school_id and d.teacher_id = t.teacher_id
        and d.activity_date between $start and $end
    where t.school_id = $school_id and ($teacher_id is null or t.teacher_id = $teacher_id)
    group by t.teacher_id, t.short_name
    order by t.short_name, t.teacher_id
"""


@dataclass(frozen=True)
class Activity:
    """One teacher's figures over the range (``teacher_id`` is None on the school's total)."""

    teacher_id: str | None
    name: str
    n_active_days: int  # days with a lesson record, homework or a mark entered
    n_lessons_held: int
    n_lessons_filled_same_day: int  # lesson record entered on the lesson day
    n_lessons_entered: int
    n_homework_entered: int
    n_marks_entered: int
    last_active_date: dt.date | None

    @property
    def filled_same_day_pct(self) -> float | None:
        """Lessons filled in on the lesson day, % of lessons held, one decimal rounded half up."""
        if not self.n_lessons_held:
            return None
        share = Decimal(100 * self.n_lessons_filled_same_day) / Decimal(self.n_lessons_held)
        return float(share.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def teacher_activity(
    con: duckdb.DuckDBPyConnection,
    school_id: str,
    start: dt.date,
    end: dt.date,
    teacher_id: str | None = None,
) -> tuple[list[Activity], Activity]:
    """Each teacher of the school (or the one asked for), active or not, by name; and the total
    (sums, teacher-days for the active days, the latest day of work)."""
    rows = con.execute(
        _PER_TEACHER, {"school_id": school_id, "start": start, "end": end, "teacher_id": teacher_id}
    ).fetchall()
    teachers = [Activity(*row) for row in rows]
    dates = [a.last_active_date for a in teachers if a.last_active_date]
    total = Activity(
        None,
        "Всего",
        *(sum(getattr(a, name) for a in teachers) for name in _COUNTS),
        max(dates) if dates else None,
    )
    return teachers, total


_COUNTS = (
    "n_active_days",
    "n_lessons_held",
    "n_lessons_filled_same_day",
    "n_lessons_entered",
    "n_homework_entered",
    "n_marks_entered",
)
