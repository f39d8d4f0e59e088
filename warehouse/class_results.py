"""A class's results for a study period, as the class documents print them: the period summary per
subject (mart_period_results, its figures computed there once), the pupils' period marks, and the
class's control works (int_control_work) within the viewer's scope.

The class and period come from :func:`warehouse.class_period.find_class_period`, which has already
checked that the viewer may open the class.
"""

from __future__ import annotations

import datetime as dt

import duckdb

from ejournal.access.viewer import Viewer
from warehouse.scope import scope_sql

# the standard period summary of a class in a subject, in mart_period_results
PERIOD_FIGURES = (
    "n_pupils",
    "n_5",
    "n_4",
    "n_3",
    "n_2",
    "n_na",
    "progress_pct",
    "quality_pct",
    "sou_pct",
    "mean_mark",
)


def previous_period(
    con: duckdb.DuckDBPyConnection, school_id: str, academic_year_id: str, kind_code: str, number: int
) -> tuple[str, str] | None:
    """(period_id, period_name) of the period before it in the same year and of the same kind."""
    return con.execute(
        "select period_id, period_name from dim_period where school_id = ? and academic_year_id = ? "
        "and period_kind_code = ? and period_number = ?",
        [school_id, academic_year_id, kind_code, number - 1],
    ).fetchone()


def subject_results(con: duckdb.DuckDBPyConnection, school_id: str, class_id: str, period_id: str) -> list[tuple]:
    """(subject name, subject_id, *PERIOD_FIGURES) of every subject with period marks, by name."""
    columns = ", ".join(f"m.{c}" for c in PERIOD_FIGURES)
    return con.execute(
        f"select s.subject_name, m.subject_id, {columns} "
        "from mart_period_results as m join dim_subject as s on s.school_id = m.school_id and s.subject_id = m.subject_id "
        "where m.school_id = ? and m.class_id = ? and m.period_id = ? order by s.subject_name",
        [school_id, class_id, period_id],
    ).fetchall()


def subject_result(
    con: duckdb.DuckDBPyConnection,
    school_id: str,
    class_id: str,
    period_id: str,
    subject_id: str,
    columns: tuple[str, ...] = PERIOD_FIGURES,
) -> tuple | None:
    """The `columns` of the class's period summary in one subject; None without period marks."""
    return con.execute(
        f"select {', '.join(columns)} from mart_period_results where school_id = ? and class_id = ? "
        "and period_id = ? and subject_id = ?",
        [school_id, class_id, period_id, subject_id],
    ).fetchone()


def pupils_period_marks(
    con: duckdb.DuckDBPyConnection, school_id: str, class_id: str, period_id: str
) -> list[tuple[str, list[int | None]]]:
    """(full name, period marks: numbers, None for «н/а») of each pupil of the class, by name."""
    return con.execute(
        "select p.full_name, list(pm.mark_numeric) from fct_period_mark as pm "
        "join dim_pupil as p on p.school_id = pm.school_id and p.pupil_id = pm.pupil_id "
        "where pm.school_id = ? and pm.class_id = ? and pm.period_id = ? and pm.mark_kind_code = 'period' "
        "and (pm.mark_numeric is not null or pm.is_na) group by p.full_name order by p.full_name",
        [school_id, class_id, period_id],
    ).fetchall()


_CONTROL_WORKS = """
    with scope as ({scope})
    select w.subject_id, s.subject_name, w.lesson_id, l.lesson_date, l.lesson_date < $cp_start as is_previous,
        coalesce(g.group_name, ''), coalesce(l.topic, ''),
        (select string_agg(distinct t.work_type_name, ', ' order by t.work_type_name)
            from fct_mark as m join dim_work_type as t on t.school_id = m.school_id and t.work_type_id = m.work_type_id
            where m.school_id = w.school_id and m.lesson_id = w.lesson_id and m.is_control and m.mark_1 is not null),
        l.n_pupils_expected, w.n_pupils_wrote, w.n_5, w.n_4, w.n_3, w.n_2, w.sum_marks
    from int_control_work as w
    join fct_lesson as l on l.school_id = w.school_id and l.lesson_id = w.lesson_id
    join dim_subject as s on s.school_id = l.school_id and s.subject_id = l.subject_id
    left join dim_group as g on g.school_id = l.school_id and g.group_id = l.group_id
    where w.school_id = $cp_school and w.class_id = $cp_class and w.n_pupils_wrote > 0
        and l.lesson_date <= $cp_end and l.academic_year_id = $cp_year and exists (
        select 1 from scope where scope.school_id = l.school_id and scope.class_id = l.class_id
            and scope.subject_id = l.subject_id and (scope.group_id is null or scope.group_id = l.group_id))
    order by s.subject_name, l.lesson_date, l.lesson_id
"""


def control_works(
    con: duckdb.DuckDBPyConnection,
    viewer: Viewer,
    school_id: str,
    class_id: str,
    academic_year_id: str,
    start: dt.date,
    end: dt.date,
) -> list[tuple]:
    """The written control works of the class in the academic year up to `end`, of the subjects and
    subgroups in the viewer's scope, by subject and date: (subject_id, subject name, lesson_id,
    date, before `start`, subgroup, topic, work types, pupils on the list, pupils who wrote,
    «5», «4», «3», «2» (with «1»), sum of the marks)."""
    scope, params = scope_sql(viewer)
    return con.execute(
        _CONTROL_WORKS.format(scope=scope),
        {
            **params,
            "cp_school": school_id,
            "cp_class": class_id,
            "cp_start": start,
            "cp_end": end,
            "cp_year": academic_year_id,
        },
    ).fetchall()


def period_marks_by_pupil(
    con: duckdb.DuckDBPyConnection, school_id: str, class_id: str, period_id: str
) -> list[tuple[str, list[int | None]]]:
    """(pupil_id, period marks: numbers, None for «н/а») of each pupil of the class with one."""
    return con.execute(
        "select pupil_id, list(mark_numeric) from fct_period_mark where school_id = ? and class_id = ? "
        "and period_id = ? and mark_kind_code = 'period' and (mark_numeric is not null or is_na) group by pupil_id",
        [school_id, class_id, period_id],
    ).fetchall()


def year_marks(
    con: duckdb.DuckDBPyConnection, school_id: str, class_id: str, academic_year_id: str
) -> list[tuple[str, str, str, str | None, str]]:
    """(pupil_id, subject_id, mark kind, period_id, mark as written) of every non-empty period, year,
    exam and final mark of the class in the academic year."""
    return con.execute(
        "select pupil_id, subject_id, mark_kind_code, period_id, mark_value from fct_period_mark "
        "where school_id = ? and class_id = ? and academic_year_id = ? and mark_value <> ''",
        [school_id, class_id, academic_year_id],
    ).fetchall()


def attested_subjects(
    con: duckdb.DuckDBPyConnection, school_id: str, class_id: str, academic_year_id: str
) -> list[tuple[str, str, str]]:
    """(subject_id, name, short name or name) of the subjects attested in the class's curriculum or
    with its period marks in the year, by name."""
    return con.execute(
        "select s.subject_id, s.subject_name, coalesce(nullif(s.short_name, ''), s.subject_name) "
        "from dim_subject as s where s.school_id = $school_id and s.subject_id in ("
        "select subject_id from src_curriculum where school_id = $school_id and class_id = $class_id "
        "and is_attested union select subject_id from fct_period_mark where school_id = $school_id and class_id = $class_id "
        "and academic_year_id = $year) order by s.subject_name",
        {"school_id": school_id, "class_id": class_id, "year": academic_year_id},
    ).fetchall()


def current_averages(
    con: duckdb.DuckDBPyConnection, school_id: str, class_id: str, start: dt.date, end: dt.date
) -> list[tuple[str, str, int, float | None]]:
    """(pupil_id, subject_id, numeric marks, weighted average) of the class's current marks from
    start to end, for pupil-subjects with a numeric mark."""
    return con.execute(
        "select pupil_id, subject_id, sum(n_numeric), sum(sum_numeric * weight) / nullif(sum(n_numeric * weight), 0) "
        "from fct_mark where school_id = ? and class_id = ? and lesson_date between ? and ? and n_numeric > 0 "
        "group by pupil_id, subject_id",
        [school_id, class_id, start, end],
    ).fetchall()


def current_subjects(
    con: duckdb.DuckDBPyConnection, school_id: str, class_id: str, start: dt.date, end: dt.date
) -> list[tuple[str, str, str]]:
    """(subject_id, name, short name or name) of the subjects attested in the class's curriculum or
    with its numeric current marks from start to end, by name."""
    return con.execute(
        "select s.subject_id, s.subject_name, coalesce(nullif(s.short_name, ''), s.subject_name) "
        "from dim_subject as s where s.school_id = $school_id and s.subject_id in ("
        "select subject_id from src_curriculum where school_id = $school_id and class_id = $class_id "
        "and is_attested union select subject_id from fct_mark where school_id = $school_id "
        "and class_id = $class_id and n_numeric > 0 and lesson_date between $start and $end) "
        "order by s.subject_name",
        {"school_id": school_id, "class_id": class_id, "start": start, "end": end},
    ).fetchall()


def expected_subjects(
    con: duckdb.DuckDBPyConnection, school_id: str, class_id: str, start: dt.date, end: dt.date
) -> set[tuple[str, str]]:
    """(pupil_id, subject_id) of the class's pupils who had lessons of the subject from start to end
    (subgroups split a class)."""
    rows = con.execute(
        "select distinct pupil_id, subject_id from fct_attendance where school_id = ? and class_id = ? "
        "and lesson_date between ? and ?",
        [school_id, class_id, start, end],
    ).fetchall()
    return {(p, s) for p, s in rows}
