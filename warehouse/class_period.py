"""The class and study period a document or page is about, found for a viewer.

One rule, written here once: a study period covers a class when its apply-list
(``dim_period.grades``, spaces removed, null = every grade) names the class's grade. Every class
document, the «Отчёты» page and the CLI list classes and periods through these functions.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb

from ejournal.access.accounts import AccessError
from ejournal.access.viewer import Viewer
from warehouse.periods import PERIOD_APPLIES
from warehouse.queries import visible_classes

__all__ = ["PERIOD_APPLIES"]


@dataclass(frozen=True)
class ClassPeriod:
    """A class of an academic year and one of that year's periods covering the class's grade."""

    school_id: str
    class_id: str
    class_name: str
    grade: int
    class_teacher: str | None
    academic_year_id: str
    year_start_date: dt.date
    period_id: str
    period_name: str
    period_kind_code: str
    period_number: int
    start_date: dt.date
    end_date: dt.date


def find_class_period(con: duckdb.DuckDBPyConnection, viewer: Viewer, class_name: str, period_name: str) -> ClassPeriod:
    """The class (by name, «7А») and the period (by name, «1 четверть») of its academic year that
    covers its grade, the latest year first, within the viewer's school; refused with a Russian
    message when there is none or the class is not among the viewer's classes."""
    found = con.execute(
        "select c.school_id, c.class_id, c.class_name, c.grade, c.class_teacher_name, c.academic_year_id, "
        "y.start_date, p.period_id, p.period_name, p.period_kind_code, p.period_number, p.start_date, p.end_date "
        "from dim_class as c join dim_period as p on p.school_id = c.school_id "
        "and p.academic_year_id = c.academic_year_id "
        "join dim_academic_year as y on y.school_id = c.school_id and y.academic_year_id = c.academic_year_id "
        f"where c.class_name = $class_name and p.period_name = $period_name and {PERIOD_APPLIES} "
        "and ($school_id is null or c.school_id = $school_id) order by c.academic_year_id desc limit 1",
        {"class_name": class_name, "period_name": period_name, "school_id": viewer.school_id},
    ).fetchone()
    if found is None:
        raise AccessError(f"Нет класса «{class_name}» или у него нет периода «{period_name}» в хранилище")
    school_id, class_id, name, grade, teacher, year_id, year_start, period_id, period, kind, number, start, end = found
    if class_id not in {c for c, _ in visible_classes(con, viewer)}:
        raise AccessError(f"Класс «{class_name}» недоступен для вашей учётной записи")
    return ClassPeriod(
        school_id=school_id,
        class_id=class_id,
        class_name=name,
        grade=int(grade),
        class_teacher=teacher,
        academic_year_id=year_id,
        year_start_date=year_start,
        period_id=period_id,
        period_name=period,
        period_kind_code=kind,
        period_number=int(number),
        start_date=start,
        end_date=end,
    )


def periods_of_class(
    con: duckdb.DuckDBPyConnection, class_id: str, school_id: str | None
) -> list[tuple[str, dt.date, dt.date]]:
    """(name, first day, last day) of the study periods of the class's year covering its grade, in order."""
    rows = con.execute(
        "select p.period_name, p.start_date, p.end_date from dim_class as c join dim_period as p "
        "on p.school_id = c.school_id and p.academic_year_id = c.academic_year_id "
        f"where c.class_id = $class_id and ($school_id is null or c.school_id = $school_id) and {PERIOD_APPLIES} "
        "order by p.start_date, p.period_name",
        {"class_id": class_id, "school_id": school_id},
    ).fetchall()
    return [tuple(row) for row in rows]


def find_period(con: duckdb.DuckDBPyConnection, viewer: Viewer, period_name: str) -> tuple[str, str, dt.date, dt.date]:
    """(school_id, period_id, start, end) of the latest academic year having a period of that name
    (school-wide documents: no class, so no grade to cover)."""
    found = con.execute(
        "select school_id, period_id, start_date, end_date from dim_period where period_name = $name "
        "and ($school_id is null or school_id = $school_id) order by academic_year_id desc, school_id limit 1",
        {"name": period_name, "school_id": viewer.school_id},
    ).fetchone()
    if found is None:
        raise AccessError(f"Нет периода «{period_name}» в хранилище")
    return found


def periods_covering_class(
    con: duckdb.DuckDBPyConnection, school_id: str, class_id: str
) -> list[tuple[str, str, dt.date]]:
    """(period_id, name, last day) of every period of the class's year covering its grade, by end
    date, then the shorter first (a half-year after the quarter ending the same day), then number."""
    return con.execute(
        "select p.period_id, p.period_name, p.end_date from dim_period as p join dim_class as c "
        "on c.school_id = p.school_id and c.academic_year_id = p.academic_year_id "
        f"where c.school_id = ? and c.class_id = ? and {PERIOD_APPLIES} "
        "order by p.end_date, date_diff('day', p.start_date, p.end_date), p.period_number",
        [school_id, class_id],
    ).fetchall()


def latest_periods(con: duckdb.DuckDBPyConnection, school_id: str | None) -> list[tuple[str, str]]:
    """(class name, name of the latest period with period marks) for every class of the school's latest
    academic year with period marks (a warehouse may hold several years: 7А of each); a class of
    that year without period marks (grade 1, taught without marks) gets the latest period covering
    its grade that ends no later than the year's latest period with marks. A school with no period
    marks at all (its first period runs) takes its latest year's classes, each in the period of its
    grade that its last lesson day falls in (or the latest begun by then)."""
    return con.execute(
        "with marked as (select m.school_id, m.class_id, p.academic_year_id, p.period_id, p.end_date "
        "from mart_period_results as m "
        "join dim_period as p on p.school_id = m.school_id and p.period_id = m.period_id "
        "where $school_id is null or m.school_id = $school_id "
        "qualify row_number() over (partition by m.school_id, m.class_id order by p.end_date desc) = 1), "
        "years as (select school_id, academic_year_id, max(end_date) as last_end from marked "
        "group by school_id, academic_year_id "
        "qualify academic_year_id = max(academic_year_id) over (partition by school_id)), "
        "unmarked as (select c.school_id, c.class_id, p.period_id from dim_class as c "
        "join years on years.school_id = c.school_id and years.academic_year_id = c.academic_year_id "
        "join dim_period as p on p.school_id = c.school_id and p.academic_year_id = c.academic_year_id "
        f"and p.end_date <= years.last_end and {PERIOD_APPLIES} "
        "where not exists (select 1 from marked where marked.school_id = c.school_id "
        "and marked.class_id = c.class_id) "
        "qualify row_number() over (partition by c.school_id, c.class_id order by p.end_date desc) = 1), "
        "last_days as (select school_id, max(lesson_date) as last_day from fct_lesson group by school_id), "
        "begun as (select c.school_id, c.class_id, p.period_id from dim_class as c "
        "join dim_period as p on p.school_id = c.school_id and p.academic_year_id = c.academic_year_id "
        f"and {PERIOD_APPLIES} "
        "left join last_days as d on d.school_id = c.school_id "
        "where ($school_id is null or c.school_id = $school_id) "
        "and c.school_id not in (select school_id from marked) "
        "and p.start_date <= coalesce(d.last_day, p.start_date) "
        "qualify c.academic_year_id = max(c.academic_year_id) over (partition by c.school_id) "
        "and row_number() over (partition by c.school_id, c.class_id order by p.start_date desc, p.end_date) = 1), "
        "chosen as (select school_id, class_id, period_id from marked "
        "join years using (school_id, academic_year_id) union all "
        "select school_id, class_id, period_id from unmarked union all "
        "select school_id, class_id, period_id from begun) "
        "select c.class_name, p.period_name from chosen "
        "join dim_class as c on c.school_id = chosen.school_id and c.class_id = chosen.class_id "
        "join dim_period as p on p.school_id = chosen.school_id and p.period_id = chosen.period_id "
        "order by c.grade, c.class_name",
        {"school_id": school_id},
    ).fetchall()


def classes_with_period(con: duckdb.DuckDBPyConnection, school_id: str | None, period_name: str) -> list[str]:
    """Names of the classes of the latest academic year that has a period of this name, in grade order."""
    rows = con.execute(
        "with years as (select c.school_id, max(c.academic_year_id) as academic_year_id from dim_class as c "
        "join dim_period as p on p.school_id = c.school_id and p.academic_year_id = c.academic_year_id "
        "where p.period_name = $period and ($school_id is null or c.school_id = $school_id) group by c.school_id) "
        "select distinct c.class_name, c.grade from dim_class as c join years on years.school_id = c.school_id "
        "and years.academic_year_id = c.academic_year_id join dim_period as p on p.school_id = c.school_id "
        f"and p.academic_year_id = c.academic_year_id and p.period_name = $period and {PERIOD_APPLIES} "
        "order by c.grade, c.class_name",
        {"period": period_name, "school_id": school_id},
    ).fetchall()
    return [name for name, _ in rows]
