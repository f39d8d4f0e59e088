"""The query layer pages, downloads and documents read through. Every function takes the viewer
and applies the row-level rules of :mod:`warehouse.scope`; none takes SQL from its caller."""

from __future__ import annotations

import datetime as dt

import duckdb
import polars as pl

from ejournal.access.viewer import Viewer
from ejournal.formatting import decimal_texts, rounded_numbers
from warehouse import query
from warehouse.periods import Period, class_year, no_period, span_condition
from warehouse.scope import scope_sql, visible_pupils_sql
from warehouse.suppression import SUPPRESSED, hidden_expr

__all__ = ["SUPPRESSED"]


def visible_classes(con: duckdb.DuckDBPyConnection, viewer: Viewer) -> list[tuple[str, str]]:
    """(class_id, class_name) the viewer may open, in grade and name order."""
    scope, params = scope_sql(viewer)
    rows = con.execute(
        f"with scope as ({scope}) select distinct c.class_id, c.class_name, c.grade from dim_class as c "
        f"join scope on scope.school_id = c.school_id and scope.class_id = c.class_id order by c.grade, c.class_name",
        params,
    ).fetchall()
    return [(class_id, name) for class_id, name, _ in rows]


def visible_subjects(con: duckdb.DuckDBPyConnection, viewer: Viewer, class_id: str) -> list[tuple[str, str]]:
    scope, params = scope_sql(viewer)
    rows = con.execute(
        f"with scope as ({scope}) select distinct s.subject_id, s.subject_name from dim_subject as s "
        f"join scope on scope.school_id = s.school_id and scope.subject_id = s.subject_id "
        f"where scope.class_id = $class_id order by s.subject_name",
        {**params, "class_id": class_id},
    ).fetchall()
    return [tuple(r) for r in rows]


def marked_pairs(con: duckdb.DuckDBPyConnection, viewer: Viewer) -> set[tuple[str, str]]:
    """(class_id, subject_id) of the viewer's scope with at least one mark: where a page should open."""
    scope, params = scope_sql(viewer)
    rows = con.execute(
        f"with scope as ({scope}) select distinct m.class_id, m.subject_id from fct_mark as m "
        f"join scope on scope.school_id = m.school_id and scope.class_id = m.class_id "
        f"and scope.subject_id = m.subject_id",
        params,
    ).fetchall()
    return {(class_id, subject_id) for class_id, subject_id in rows}


def own_class(con: duckdb.DuckDBPyConnection, viewer: Viewer) -> str | None:
    """The class whose class teacher the viewer is, of the latest academic year (None: no such class)."""
    if viewer.teacher_id is None:
        return None
    row = con.execute(
        "select class_id from dim_class where school_id = ? and class_teacher_id = ? "
        "order by academic_year_id desc, class_name limit 1",
        [viewer.school_id, viewer.teacher_id],
    ).fetchone()
    return row[0] if row else None


def _period_params(con: duckdb.DuckDBPyConnection, period: Period | None, class_id: str | None = None) -> dict:
    """Parameters of :func:`warehouse.periods.span_condition`: the class's own year when a class is given."""
    if period is None:
        return no_period()
    return {**period.params(), "f_year": class_year(con, class_id) if class_id else None}


def class_progress(
    con: duckdb.DuckDBPyConnection, viewer: Viewer, class_id: str, subject_id: str, period: Period | None = None
) -> pl.DataFrame:
    """Pupils of a class in a subject: marks, averages, missed lessons — only pupils the viewer may
    see; with a period, only lessons of the dates it covers (warehouse/periods.py)."""
    if not viewer.sees_pupils:
        return pl.DataFrame()
    pupils, params = visible_pupils_sql(viewer)
    sql = f"""
        with visible as ({pupils}),
        pupils as (
            select distinct v.school_id, v.pupil_id, p.full_name
            from visible as v
            join dim_pupil as p on p.school_id = v.school_id and p.pupil_id = v.pupil_id
            where v.class_id = $class_id and v.subject_id = $subject_id
        ),
        marks as (
            select m.school_id, m.pupil_id, count(*) as n_marks,
                sum(m.sum_numeric) / nullif(sum(m.n_numeric), 0) as mean_mark,
                sum(m.sum_numeric * m.weight) / nullif(sum(m.n_numeric * m.weight), 0) as weighted_mark
            from fct_mark as m
            where m.class_id = $class_id and m.subject_id = $subject_id and {span_condition("m", "lesson_date")}
            group by 1, 2
        ),
        absences as (
            select a.school_id, a.pupil_id, count(*) filter (where a.is_absent) as n_missed,
                count(*) as n_lessons
            from fct_attendance as a
            where a.class_id = $class_id and a.subject_id = $subject_id and {span_condition("a", "lesson_date")}
            group by 1, 2
        )
        select
            pupils.full_name as "Ученик",
            coalesce(marks.n_marks, 0) as "Отметок",
            marks.mean_mark as "Средний балл",
            marks.weighted_mark as "Средневзвешенный балл",
            coalesce(absences.n_missed, 0) as "Пропущено уроков",
            coalesce(absences.n_lessons, 0) as "Уроков"
        from pupils
        left join marks on marks.school_id = pupils.school_id and marks.pupil_id = pupils.pupil_id
        left join absences on absences.school_id = pupils.school_id and absences.pupil_id = pupils.pupil_id
        order by pupils.full_name
    """
    params = {**params, **_period_params(con, period, class_id), "class_id": class_id, "subject_id": subject_id}
    frame = query.frame(con, sql, params)
    return frame.with_columns(rounded_numbers(pl.col(c), 2) for c in ("Средний балл", "Средневзвешенный балл"))


def school_summary(con: duckdb.DuckDBPyConnection, viewer: Viewer, period: Period | None = None) -> pl.DataFrame:
    """Per class and subject: pupils with marks and the mean mark. No names; for the director and
    the parent council any cell describing fewer than 5 pupils is suppressed. With a period, only
    marks of the dates it covers (warehouse/periods.py)."""
    if not viewer.sees_aggregates:
        return pl.DataFrame()
    sql = f"""
        select c.grade, c.class_name as "Класс", s.subject_name as "Предмет",
            count(distinct m.pupil_id) as n_pupils,
            sum(m.sum_numeric) / nullif(sum(m.n_numeric), 0) as mean_mark
        from fct_mark as m
        join dim_class as c on c.school_id = m.school_id and c.class_id = m.class_id
        join dim_subject as s on s.school_id = m.school_id and s.subject_id = m.subject_id
        where ($school_id is null or m.school_id = $school_id) and {span_condition("m", "lesson_date")}
        group by c.grade, c.class_name, s.subject_name
        order by c.grade, c.class_name, s.subject_name
    """
    frame = query.frame(con, sql, {"school_id": viewer.school_id, **_period_params(con, period)})
    hide = hidden_expr(viewer, "n_pupils")
    return frame.select(
        "Класс",
        "Предмет",
        pl.when(hide).then(pl.lit(SUPPRESSED)).otherwise(pl.col("n_pupils").cast(pl.String)).alias("Учеников"),
        pl.when(hide).then(pl.lit(SUPPRESSED)).otherwise(decimal_texts(pl.col("mean_mark"), 2)).alias("Средний балл"),
    )


def school_ids(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Every school of the warehouse, by id."""
    return [row[0] for row in con.execute("select school_id from dim_school order by 1").fetchall()]


def first_school_id(con: duckdb.DuckDBPyConnection) -> str | None:
    """The school of a single-school warehouse (the first by id); None when there is none."""
    return con.execute("select min(school_id) from dim_school").fetchone()[0]


def school_and_last_day(con: duckdb.DuckDBPyConnection, viewer: Viewer) -> tuple[str | None, dt.date | None]:
    """The viewer's own school and the last lesson date loaded for it (a viewer of no school: none)."""
    school_id = viewer.school_id
    last = con.execute("select max(lesson_date) from fct_lesson where school_id = ?", [school_id]).fetchone()[0]
    return school_id, last
