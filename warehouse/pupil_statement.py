"""A pupil's statement for parents (выписка из электронного журнала): the pupil, the classes they
were enrolled in between two dates, their lessons with marks and attendance, and per subject the
lessons, marks, averages and absences. The caller checks the classes against the viewer's scope."""

from __future__ import annotations

import datetime as dt

import duckdb

from ejournal.access.viewer import Viewer

_LESSONS = """
    with lessons as (
        select school_id, lesson_id from fct_attendance
        where school_id = $school_id and pupil_id = $pupil_id and lesson_date between $start and $end
        union
        select school_id, lesson_id from fct_mark
        where school_id = $school_id and pupil_id = $pupil_id and lesson_date between $start and $end
    ),
    marks as (
        select m.school_id, m.lesson_id,
            string_agg(m.mark_value || ' (' || coalesce(w.work_type_name, m.work_type_id) || ')', '; '
                order by m.entered_at, m.mark_id) as marks_text
        from fct_mark as m
        left join dim_work_type as w on w.school_id = m.school_id and w.work_type_id = m.work_type_id
        where m.school_id = $school_id and m.pupil_id = $pupil_id and m.lesson_date between $start and $end
        group by m.school_id, m.lesson_id
    )
    select l.lesson_date, l.lesson_number, s.subject_name, coalesce(l.topic, ''), coalesce(l.homework, ''),
        coalesce(marks.marks_text, ''), coalesce(a.absence_code, '')
    from lessons
    join fct_lesson as l on l.school_id = lessons.school_id and l.lesson_id = lessons.lesson_id
    join dim_subject as s on s.school_id = l.school_id and s.subject_id = l.subject_id
    left join marks on marks.school_id = l.school_id and marks.lesson_id = l.lesson_id
    left join fct_attendance as a on a.school_id = l.school_id and a.lesson_id = l.lesson_id
        and a.pupil_id = $pupil_id
    order by l.lesson_date, l.lesson_number, s.subject_name
"""

_SUBJECTS = """
    with lessons as (
        select school_id, subject_id, lesson_id, absence_code, is_absent, is_excused, is_illness, is_late
        from fct_attendance
        where school_id = $school_id and pupil_id = $pupil_id and lesson_date between $start and $end
    ),
    marks as (
        select school_id, subject_id, count(*) as n_marks, sum(sum_numeric) as s, sum(n_numeric) as n,
            sum(sum_numeric * weight) as sw, sum(n_numeric * weight) as nw
        from fct_mark
        where school_id = $school_id and pupil_id = $pupil_id and lesson_date between $start and $end
        group by school_id, subject_id
    ),
    attendance as (
        select school_id, subject_id, count(*) as n_lessons,
            count(*) filter (where is_absent) as n_absent,
            count(*) filter (where is_excused) as n_excused,
            count(*) filter (where is_illness) as n_illness,
            count(*) filter (where is_late) as n_late
        from lessons group by school_id, subject_id
    ),
    subjects as (
        select school_id, subject_id from attendance union select school_id, subject_id from marks
    )
    select s.subject_name, coalesce(a.n_lessons, 0), coalesce(m.n_marks, 0),
        m.s / nullif(m.n, 0), m.sw / nullif(m.nw, 0),
        coalesce(a.n_absent, 0), coalesce(a.n_excused, 0), coalesce(a.n_illness, 0), coalesce(a.n_late, 0)
    from subjects
    join dim_subject as s on s.school_id = subjects.school_id and s.subject_id = subjects.subject_id
    left join marks as m on m.school_id = subjects.school_id and m.subject_id = subjects.subject_id
    left join attendance as a on a.school_id = subjects.school_id and a.subject_id = subjects.subject_id
    order by s.subject_name
"""


def find_pupil(con: duckdb.DuckDBPyConnection, viewer: Viewer, pupil_id: str) -> tuple[str, str] | None:
    """(school_id, full name) of the pupil in the viewer's school; None when there is none."""
    return con.execute(
        "select school_id, full_name from dim_pupil where pupil_id = $pupil_id "
        "and ($school_id is null or school_id = $school_id)",
        {"pupil_id": pupil_id, "school_id": viewer.school_id},
    ).fetchone()


def pupil_classes(
    con: duckdb.DuckDBPyConnection, school_id: str, pupil_id: str, start: dt.date, end: dt.date
) -> list[tuple[str, str, str | None]]:
    """(class_id, class name, class teacher) of the classes the pupil was enrolled in on some day
    from start to end, by name."""
    return con.execute(
        "select distinct r.class_id, c.class_name, c.class_teacher_name from int_roster as r "
        "join dim_class as c on c.school_id = r.school_id and c.class_id = r.class_id "
        "where r.school_id = $school_id and r.pupil_id = $pupil_id and r.roster_kind_code = 'class' "
        "and r.start_date <= $end and (r.end_date is null or r.end_date >= $start) order by c.class_name",
        {"school_id": school_id, "pupil_id": pupil_id, "start": start, "end": end},
    ).fetchall()


def _params(school_id: str, pupil_id: str, start: dt.date, end: dt.date) -> dict[str, object]:
    return {"school_id": school_id, "pupil_id": pupil_id, "start": start, "end": end}


def pupil_lessons(
    con: duckdb.DuckDBPyConnection, school_id: str, pupil_id: str, start: dt.date, end: dt.date
) -> list[tuple]:
    """(date, lesson number, subject, topic, homework, marks with work types, attendance code) of
    each lesson the pupil was on the roster of or got a mark at, in order."""
    return con.execute(_LESSONS, _params(school_id, pupil_id, start, end)).fetchall()


def pupil_subjects(
    con: duckdb.DuckDBPyConnection, school_id: str, pupil_id: str, start: dt.date, end: dt.date
) -> list[tuple]:
    """(subject, lessons, marks, mean, weighted average, absent, excused, illness, late) per subject."""
    return con.execute(_SUBJECTS, _params(school_id, pupil_id, start, end)).fetchall()


def class_pupils_in(
    con: duckdb.DuckDBPyConnection, school_id: str, class_id: str, start: dt.date, end: dt.date
) -> list[tuple[str, str]]:
    """(pupil_id, full name) of the pupils enrolled in the class on some day from start to end, by name."""
    return con.execute(
        "select distinct r.pupil_id, p.full_name from int_roster as r "
        "join dim_pupil as p on p.school_id = r.school_id and p.pupil_id = r.pupil_id "
        "where r.school_id = $school_id and r.class_id = $class_id and r.roster_kind_code = 'class' "
        "and r.start_date <= $end and (r.end_date is null or r.end_date >= $start) order by p.full_name",
        {"school_id": school_id, "class_id": class_id, "start": start, "end": end},
    ).fetchall()
