"""What the class documents ask the warehouse besides their own tables: the school's header facts,
the pupils on a class's roll in a date range, and attendance counts per pupil (mart_attendance_day).

The class and period come from :func:`warehouse.class_period.find_class_period`, which has already
checked that the viewer may open the class; these queries take its ids and return plain rows.
"""

from __future__ import annotations

import datetime as dt

import duckdb


def school_facts(con: duckdb.DuckDBPyConnection, school_id: str) -> tuple[str, str, str | None, dt.datetime | None]:
    """(school name, details, director, time of the school's latest export)."""
    name, details, director = con.execute(
        "select school_name, coalesce(municipality, ''), director_name from dim_school where school_id = ?", [school_id]
    ).fetchone()
    as_of = con.execute("select max(exported_at) from meta_batch where school_id = ?", [school_id]).fetchone()[0]
    return name, details, director, as_of


def class_roll(
    con: duckdb.DuckDBPyConnection, school_id: str, class_id: str, start_date: dt.date, end_date: dt.date
) -> list[tuple[str, str, dt.date, dt.date]]:
    """(pupil_id, name as printed, first day on the roll, last day or 9999-12-31) of the pupils
    enrolled in the class on any day from start_date to end_date, by name. Namesakes on one roll
    (surname, first name and patronymic alike) are told apart on paper by their birth date
    («Иванов Иван Иванович, 12.03.2012 г. р.»), or by their id when that is the same or missing."""
    return con.execute(
        "with roll as (select p.pupil_id, p.full_name, p.birth_date, min(r.start_date) as first_day, "
        "max(coalesce(r.end_date, date '9999-12-31')) as last_day from int_roster as r "
        "join dim_pupil as p on p.school_id = r.school_id and p.pupil_id = r.pupil_id "
        "where r.school_id = ? and r.class_id = ? and r.roster_kind_code = 'class' "
        "and r.start_date <= ? and (r.end_date is null or r.end_date >= ?) "
        "group by p.pupil_id, p.full_name, p.birth_date) "
        "select pupil_id, case "
        "when count(*) over (partition by full_name) = 1 then full_name "
        "when birth_date is not null and count(*) over (partition by full_name, birth_date) = 1 "
        "then full_name || ', ' || strftime(birth_date, '%d.%m.%Y') || ' г. р.' "
        "else full_name || ' (ид ' || pupil_id || ')' end, first_day, last_day "
        "from roll order by full_name, birth_date, pupil_id",
        [school_id, class_id, end_date, start_date],
    ).fetchall()


# the counts of one pupil, in the order of report_templates.attendance_figures.Attendance
_ATTENDANCE_SUMS = (
    "sum(n_lessons), sum(n_missed), sum(n_missed_excused), sum(n_missed_illness), sum(n_late), "
    "count(*) filter (where is_day_missed), count(*) filter (where is_day_missed_excused), "
    "count(*) filter (where is_day_missed_illness)"
)


def attendance_by_pupil(
    con: duckdb.DuckDBPyConnection, school_id: str, class_id: str, start: dt.date, end: dt.date
) -> list[tuple]:
    """(pupil_id, lessons, missed, excused, illness, late, days missed, excused, illness) over the
    class's lessons from start to end (both included)."""
    return con.execute(
        f"select pupil_id, {_ATTENDANCE_SUMS} from mart_attendance_day where school_id = ? and class_id = ? "
        "and lesson_date between ? and ? group by pupil_id",
        [school_id, class_id, start, end],
    ).fetchall()


def attendance_by_pupil_and_month(
    con: duckdb.DuckDBPyConnection, school_id: str, class_id: str, start: dt.date, end: dt.date
) -> list[tuple]:
    """(pupil_id, year, month, the counts of :func:`attendance_by_pupil`) from start to end."""
    return con.execute(
        f"select pupil_id, year(lesson_date), month(lesson_date), {_ATTENDANCE_SUMS} from mart_attendance_day "
        "where school_id = ? and class_id = ? and lesson_date between ? and ? group by all",
        [school_id, class_id, start, end],
    ).fetchall()
