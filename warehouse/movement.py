"""Pupil movement (движение учащихся) for the movement documents: per class of a school the pupils
on roll at a period's start and end and the arrivals and departures in between (int_roster), the
arrivals and departures of one class (fct_enrolment_event), and the occupancy of the classes on a day.

The callers have already checked that the viewer may see the school or the class."""

from __future__ import annotations

import datetime as dt

import duckdb

from warehouse.class_period import PERIOD_APPLIES

_COUNTS = f"""
    with roster as (
        select school_id, class_id, pupil_id, start_date, end_date from int_roster
        where roster_kind_code = 'class' and school_id = $school_id
    )
    select c.class_id, c.class_name, c.class_teacher_name,
        count(distinct r.pupil_id) filter (
            where r.start_date <= $start and (r.end_date is null or r.end_date >= $start)) as n_start,
        count(*) filter (where r.start_date > $start and r.start_date <= $end) as n_arrived,
        count(*) filter (where r.end_date >= $start and r.end_date < $end) as n_left,
        count(distinct r.pupil_id) filter (
            where r.start_date <= $end and (r.end_date is null or r.end_date >= $end)) as n_end
    from dim_class as c
    join dim_period as p on p.school_id = c.school_id and p.academic_year_id = c.academic_year_id
    left join roster as r on r.school_id = c.school_id and r.class_id = c.class_id
    where c.school_id = $school_id and p.period_id = $period_id
        and {PERIOD_APPLIES}
    group by c.class_id, c.class_name, c.class_teacher_name, c.grade
    order by c.grade, c.class_name
"""


def class_counts(
    con: duckdb.DuckDBPyConnection, school_id: str, period_id: str, start: dt.date, end: dt.date
) -> list[tuple]:
    """(class_id, class name, class teacher, on roll at start, arrived, left, on roll at end) of every
    class of the school the period covers, in grade order."""
    params = {"school_id": school_id, "period_id": period_id, "start": start, "end": end}
    return con.execute(_COUNTS, params).fetchall()


def enrolment_events(
    con: duckdb.DuckDBPyConnection, school_id: str, class_id: str, start: dt.date, end: dt.date
) -> list[tuple[str, str, dt.date, str]]:
    """(pupil's full name, 'arrival' or 'departure', date, reason) of the class's arrivals after
    `start` up to `end` and departures from `start` to before `end`, by date and name."""
    return con.execute(
        "select p.full_name, e.event_code, e.event_date, coalesce(e.reason, '') from fct_enrolment_event as e "
        "join dim_pupil as p on p.school_id = e.school_id and p.pupil_id = e.pupil_id "
        "where e.school_id = $school_id and e.class_id = $class_id and ("
        "(e.event_code = 'arrival' and e.event_date > $start and e.event_date <= $end) or "
        "(e.event_code = 'departure' and e.event_date >= $start and e.event_date < $end)) "
        "order by e.event_date, p.full_name",
        {"school_id": school_id, "class_id": class_id, "start": start, "end": end},
    ).fetchall()


def occupancy(con: duckdb.DuckDBPyConnection, school_id: str, day: dt.date) -> list[tuple]:
    """(class name, class teacher or '', pupils on roll, boys, girls) of every class of the academic
    year running on the day, in grade order."""
    return con.execute(
        "with roster as (select r.school_id, r.class_id, r.pupil_id from int_roster as r "
        "where r.roster_kind_code = 'class' and r.school_id = $school_id and r.start_date <= $day "
        "and (r.end_date is null or r.end_date >= $day)) "
        "select c.class_name, coalesce(c.class_teacher_name, ''), count(distinct roster.pupil_id), "
        "count(distinct roster.pupil_id) filter (where p.gender_code = 'м'), "
        "count(distinct roster.pupil_id) filter (where p.gender_code = 'ж') "
        "from dim_class as c join dim_academic_year as y on y.school_id = c.school_id "
        "and y.academic_year_id = c.academic_year_id and $day between y.start_date and y.end_date "
        "left join roster on roster.school_id = c.school_id and roster.class_id = c.class_id "
        "left join dim_pupil as p on p.school_id = roster.school_id and p.pupil_id = roster.pupil_id "
        "where c.school_id = $school_id group by c.class_name, c.class_teacher_name, c.grade "
        "order by c.grade, c.class_name",
        {"school_id": school_id, "day": day},
    ).fetchall()
