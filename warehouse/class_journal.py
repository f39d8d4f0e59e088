"""A class's journal in a subject for a study period, as the archive copy prints it: its lessons
(topic, homework, subgroup), each pupil's marks and attendance code at each lesson, the period
marks and the teachers. Lessons and subjects are limited to the viewer's scope (warehouse/scope.py).

The class and period come from :func:`warehouse.class_period.find_class_period`."""

from __future__ import annotations

import duckdb

from ejournal.access.viewer import Viewer
from warehouse.class_period import ClassPeriod
from warehouse.scope import scope_sql

_IN_SCOPE = (
    "exists (select 1 from scope where scope.school_id = l.school_id and scope.class_id = l.class_id "
    "and scope.subject_id = l.subject_id and (scope.group_id is null or scope.group_id = l.group_id))"
)


def _keys(cp: ClassPeriod) -> dict[str, object]:
    return {"cp_school": cp.school_id, "cp_class": cp.class_id, "cp_start": cp.start_date, "cp_end": cp.end_date}


def subjects_with_lessons(con: duckdb.DuckDBPyConnection, viewer: Viewer, cp: ClassPeriod) -> list[str]:
    """Names of the subjects with lessons of the class in the period that the viewer may see."""
    scope, params = scope_sql(viewer)
    rows = con.execute(
        f"with scope as ({scope}) select distinct s.subject_name from fct_lesson as l "
        "join dim_subject as s on s.school_id = l.school_id and s.subject_id = l.subject_id "
        "where l.school_id = $cp_school and l.class_id = $cp_class and l.lesson_date between $cp_start and $cp_end "
        f"and {_IN_SCOPE} order by s.subject_name",
        {**params, **_keys(cp)},
    ).fetchall()
    return [name for (name,) in rows]


def subject_id_by_name(con: duckdb.DuckDBPyConnection, school_id: str, subject_name: str) -> str | None:
    found = con.execute(
        "select subject_id from dim_subject where school_id = ? and subject_name = ?", [school_id, subject_name]
    ).fetchone()
    return found[0] if found else None


def lessons(con: duckdb.DuckDBPyConnection, viewer: Viewer, cp: ClassPeriod, subject_id: str) -> list[tuple]:
    """(lesson_id, date, number, group_id or '', group name or '', topic or '', homework or '') of the
    class's lessons of the subject in the period the viewer may see, by subgroup and date."""
    scope, params = scope_sql(viewer)
    return con.execute(
        f"""
        with scope as ({scope})
        select l.lesson_id, l.lesson_date, l.lesson_number, coalesce(l.group_id, ''), coalesce(g.group_name, ''),
            coalesce(l.topic, ''), coalesce(l.homework, '')
        from fct_lesson as l
        left join dim_group as g on g.school_id = l.school_id and g.group_id = l.group_id
        where l.school_id = $cp_school and l.class_id = $cp_class and l.subject_id = $subject_id
            and l.lesson_date between $cp_start and $cp_end
            and {_IN_SCOPE}
        order by coalesce(g.group_name, ''), l.lesson_date, l.lesson_number, l.lesson_id
        """,
        {**params, **_keys(cp), "subject_id": subject_id},
    ).fetchall()


def lesson_cells(con: duckdb.DuckDBPyConnection, school_id: str, lesson_ids: list[str]) -> list[tuple]:
    """(lesson_id, pupil_id, attendance code or None, marks in order of entry or None) of every pupil
    on the roster of or with a mark at the lessons."""
    return con.execute(
        "with marks as (select school_id, lesson_id, pupil_id, string_agg(mark_value, ' ' order by entered_at, mark_id) "
        "as marks from fct_mark where school_id = $school_id and list_contains($lessons, lesson_id) group by all), "
        "attendance as (select school_id, lesson_id, pupil_id, absence_code from fct_attendance "
        "where school_id = $school_id and list_contains($lessons, lesson_id)) "
        "select coalesce(a.lesson_id, m.lesson_id), coalesce(a.pupil_id, m.pupil_id), a.absence_code, m.marks "
        "from attendance as a full join marks as m on m.school_id = a.school_id and m.lesson_id = a.lesson_id "
        "and m.pupil_id = a.pupil_id",
        {"school_id": school_id, "lessons": lesson_ids},
    ).fetchall()


def pupil_names(con: duckdb.DuckDBPyConnection, school_id: str, pupil_ids: list[str]) -> dict[str, str]:
    return dict(
        con.execute(
            "select pupil_id, full_name from dim_pupil where school_id = ? and list_contains(?, pupil_id)",
            [school_id, pupil_ids],
        ).fetchall()
    )


def period_marks(con: duckdb.DuckDBPyConnection, school_id: str, subject_id: str, period_id: str) -> dict[str, str]:
    """pupil_id → period mark as written, in the subject for the period."""
    return dict(
        con.execute(
            "select pupil_id, mark_value from fct_period_mark where school_id = ? and subject_id = ? "
            "and period_id = ? and mark_kind_code = 'period'",
            [school_id, subject_id, period_id],
        ).fetchall()
    )


def lesson_teachers(con: duckdb.DuckDBPyConnection, school_id: str, lesson_ids: list[str]) -> list[str]:
    """Full names of the timetabled teachers of the lessons, by name."""
    rows = con.execute(
        "select distinct t.full_name from fct_lesson as l join dim_teacher as t on t.school_id = l.school_id "
        "and t.teacher_id = l.teacher_id where l.school_id = ? and list_contains(?, l.lesson_id) order by 1",
        [school_id, lesson_ids],
    ).fetchall()
    return [name for (name,) in rows]
