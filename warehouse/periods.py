"""The period every page means by its «Период» choice, written once: which dates of which class
a choice covers.

A choice is «текущий (на дату)» (:data:`CURRENT`), the name of a study period («1 четверть»,
«1 полугодие» …) or «год» (:data:`YEAR`). For each class of the academic year (the chosen one,
else the latest that has begun by the date), among the periods covering the class's grade:

- a named period covers its first day to the day before the class's next period begins (its end
  and the holidays after it; the last period — to the end of the year), never past the date;
- «текущий» is the latest period of the class that has begun by the date, covered the same way:
  on a date inside «2 четверть» it is exactly «2 четверть»;
- «год» covers the first day of the academic year up to the date (or the year's end).

A class with no such period (a named period not covering its grade or not begun yet) has no
dates, so none of its figures are shown.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb
import polars as pl

from warehouse import query

CURRENT = "__current__"
YEAR = "__year__"
CHOICE_TITLES = {CURRENT: "текущий (на дату)", YEAR: "год"}

# SQL condition: period p covers the grade of class c (the models keep the same rule in SQL)
PERIOD_APPLIES = "(p.grades is null or list_contains(string_split(p.grades, ','), cast(c.grade as varchar)))"


@dataclass(frozen=True)
class Period:
    """A «Период» choice seen from a date: :data:`CURRENT`, :data:`YEAR` or a study period's name."""

    choice: str = CURRENT
    as_of: dt.date | None = None

    @property
    def title(self) -> str:
        return CHOICE_TITLES.get(self.choice, self.choice)

    def params(self) -> dict:
        return {"f_span": self.choice, "f_as_of": self.as_of or dt.date.today()}


# (school_id, class_id, grade, class_name, period_id, period_name, period_start, period_end,
# start_date, end_date) of every class the choice $f_span covers on $f_as_of in the year $f_year
# (null: the latest year begun by the date); start_date..end_date are the dates it covers.
SPAN_SQL = f"""
    with span_years as (
        select school_id, academic_year_id, start_date, end_date from dim_academic_year
        where start_date <= $f_as_of and ($f_year is null or academic_year_id = $f_year)
        qualify $f_year is not null or row_number() over (partition by school_id order by start_date desc) = 1
    ),
    span_classes as (
        select c.school_id, c.class_id, c.grade, c.class_name, c.academic_year_id, y.start_date as year_start,
            y.end_date as year_end
        from dim_class as c join span_years as y on y.school_id = c.school_id and y.academic_year_id = c.academic_year_id
    ),
    span_periods as (
        select c.school_id, c.class_id, c.grade, c.class_name, c.year_end, p.period_id, p.period_name,
            p.start_date as period_start, p.end_date as period_end
        from span_classes as c
        join dim_period as p on p.school_id = c.school_id and p.academic_year_id = c.academic_year_id
            and {PERIOD_APPLIES}
        where p.start_date <= $f_as_of
    ),
    span_until as (
        select p.school_id, p.class_id, p.period_id, coalesce(min(n.period_start) - 1, max(p.year_end)) as until_date
        from span_periods as p
        left join (select c.school_id, c.class_id, p.start_date as period_start from span_classes as c
                join dim_period as p on p.school_id = c.school_id and p.academic_year_id = c.academic_year_id
                    and {PERIOD_APPLIES}) as n
            on n.school_id = p.school_id and n.class_id = p.class_id and n.period_start > p.period_start
        group by p.school_id, p.class_id, p.period_id
    ),
    span_chosen as (
        select p.*, least(u.until_date, $f_as_of) as end_date from span_periods as p
        join span_until as u on u.school_id = p.school_id and u.class_id = p.class_id and u.period_id = p.period_id
        where p.period_name = $f_span or $f_span = '{CURRENT}'
        qualify $f_span <> '{CURRENT}' or row_number() over (partition by p.school_id, p.class_id
            order by p.period_start desc, p.period_end - p.period_start, p.period_id) = 1
    )
    select school_id, class_id, grade, class_name, period_id, period_name, period_start, period_end,
        period_start as start_date, end_date
    from span_chosen
    union all
    select school_id, class_id, grade, class_name, null, null, year_start, year_end, year_start,
        least(year_end, $f_as_of)
    from span_classes
    where $f_span = '{YEAR}'
"""


def span_condition(alias: str, date_column: str = "event_date", date_sql: str | None = None) -> str:
    """SQL condition: the row `alias` (school_id, class_id, a date: its `date_column`, or the
    expression `date_sql`) falls in the dates its class's period choice covers; true when no
    choice is made ($f_span null)."""
    return f"""($f_span is null or exists (select 1 from ({SPAN_SQL}) as fs
        where fs.school_id = {alias}.school_id and fs.class_id = {alias}.class_id
            and {date_sql or f"{alias}.{date_column}"} between fs.start_date and fs.end_date))"""


def period_marks_condition(alias: str, start_sql: str) -> str:
    """SQL condition for period marks (row `alias` with school_id, class_id, period_id; its period
    begins on `start_sql`): a named period — its marks; «год» — the marks of every period of the year
    begun by the date; «текущий» — every begun period's, of which the caller keeps the latest with
    marks (:data:`LATEST_MARKED`)."""
    return f"""($f_span is null or exists (select 1 from ({SPAN_SQL}) as fs
        where fs.school_id = {alias}.school_id and fs.class_id = {alias}.class_id
            and (fs.period_id = {alias}.period_id
                or ($f_span = '{CURRENT}' and {start_sql} <= fs.end_date)
                or ($f_span = '{YEAR}' and {start_sql} between fs.start_date and fs.end_date))))"""


def latest_marked(alias: str, start_sql: str) -> str:
    """QUALIFY condition after :func:`period_marks_condition`: for «текущий», only the latest period
    with marks of each class."""
    return f"""($f_span is distinct from '{CURRENT}'
        or {start_sql} = max({start_sql}) over (partition by {alias}.school_id, {alias}.class_id))"""


# Views with the columns SPAN_SQL reads, over the export's tables, for a connection holding only
# the src_* tables and marts (a region's lake): the dim_* models keep the same columns.
SPAN_DIMENSIONS = {
    "dim_academic_year": "select school_id, academic_year_id, start_date, end_date from src_academic_years",
    "dim_class": "select school_id, class_id, class_name, grade, academic_year_id from src_classes",
    "dim_period": "select school_id, academic_year_id, period_id, period_name, start_date, end_date, "
    "nullif(replace(grades, ' ', ''), '') as grades from src_periods",
}
SPAN_SOURCES = ("src_academic_years", "src_classes", "src_periods")


def no_period() -> dict:
    """The parameters of :func:`span_condition` when no period is chosen (any date)."""
    return {"f_span": None, "f_as_of": None, "f_year": None}


def spans(
    con: duckdb.DuckDBPyConnection,
    period: Period,
    *,
    school_id: str | None = None,
    academic_year_id: str | None = None,
    class_id: str | None = None,
    grade: int | None = None,
) -> pl.DataFrame:
    """The dates `period` covers, one row per class (columns of :data:`SPAN_SQL`), in grade order."""
    sql = f"""
        select * from ({SPAN_SQL}) where ($school_id is null or school_id = $school_id)
            and ($class_id is null or class_id = $class_id) and ($grade is null or grade = $grade)
        order by grade, class_name
    """
    params = {
        **period.params(),
        "f_year": academic_year_id,
        "school_id": school_id,
        "class_id": class_id,
        "grade": grade,
    }
    return query.frame(con, sql, params)


def class_year(con: duckdb.DuckDBPyConnection, class_id: str) -> str | None:
    """The academic year of a class."""
    row = con.execute("select max(academic_year_id) from dim_class where class_id = ?", [class_id]).fetchone()
    return row[0] if row else None


def period_names(
    con: duckdb.DuckDBPyConnection, school_id: str | None, academic_year_id: str | None = None
) -> list[str]:
    """The names of the study periods of the school (of one year, or of any), in calendar order."""
    rows = con.execute(
        "select period_name, min(start_date) as first_day, min(end_date - start_date) as length from dim_period "
        "where ($school_id is null or school_id = $school_id) and ($year is null or academic_year_id = $year) "
        "group by period_name order by first_day, length, period_name",
        {"school_id": school_id, "year": academic_year_id},
    ).fetchall()
    return [name for name, _, _ in rows]
