"""What a person (or the command line) chooses a document by, and the lists to choose from: the
periods of a class, the latest period of each class, the classes having a period, the subjects and
the pupils of a class in a period."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb

from ejournal.access.viewer import Viewer
from report_templates.common import PERIOD_APPLIES
from report_templates.journal_printout import context as journal_printout
from report_templates.parent_statement import context as parent_statement


@dataclass(frozen=True)
class Choice:
    """What was picked; a document reads the fields its catalogue entry says it needs."""

    class_name: str | None = None
    period_name: str | None = None
    subject_name: str | None = None
    pupil_id: str | None = None
    start: dt.date | None = None
    end: dt.date | None = None
    day: dt.date | None = None


def latest_periods(con: duckdb.DuckDBPyConnection, school_id: str | None) -> list[tuple[str, str]]:
    """(class name, name of the latest period with period marks) for every class of the school."""
    return con.execute(
        "select c.class_name, p.period_name from mart_period_results as m "
        "join dim_class as c on c.school_id = m.school_id and c.class_id = m.class_id "
        "join dim_period as p on p.school_id = m.school_id and p.period_id = m.period_id "
        "where $school_id is null or m.school_id = $school_id "
        "qualify row_number() over (partition by m.school_id, m.class_id order by p.end_date desc) = 1 "
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


def periods_of_class(
    con: duckdb.DuckDBPyConnection, class_id: str, school_id: str | None
) -> list[tuple[str, dt.date, dt.date]]:
    """(name, first day, last day) of the study periods of the class's year and grade, in order."""
    rows = con.execute(
        "select p.period_name, p.start_date, p.end_date from dim_class as c join dim_period as p "
        "on p.school_id = c.school_id and p.academic_year_id = c.academic_year_id "
        "where c.class_id = $class_id and ($school_id is null or c.school_id = $school_id) "
        "and (p.grades is null or p.grades = '' or list_contains(string_split(p.grades, ','), cast(c.grade as varchar))) "
        "order by p.start_date, p.period_name",
        {"class_id": class_id, "school_id": school_id},
    ).fetchall()
    return [tuple(row) for row in rows]


def subjects_of(con: duckdb.DuckDBPyConnection, viewer: Viewer, choice: Choice) -> list[str]:
    """The subjects of the class in the period the viewer may see (the journal printout's choice)."""
    return journal_printout.subjects_of(con, viewer, choice.class_name, choice.period_name)


def pupils_of(con: duckdb.DuckDBPyConnection, viewer: Viewer, choice: Choice) -> list[tuple[str, str]]:
    """(pupil_id, full name) of the class in the period (the statement for parents' choice)."""
    pupils, _, _ = parent_statement.pupils_of_class(con, viewer, choice.class_name, choice.period_name)
    return pupils
