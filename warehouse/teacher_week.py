"""What each teacher did in a week, for «Анализ ведения журнала»: the lessons held (counted for
the teacher who taught them, the replacing teacher when there was one) and the current marks given
at them. Not rules: the rules' cases come from warehouse/control_rules.py."""

from __future__ import annotations

import datetime as dt

import duckdb

_LESSONS = """
    select l.lesson_id, l.effective_teacher_id as teacher_id, c.class_name, s.subject_name,
        l.lesson_date, l.lesson_number
    from fct_lesson as l
    join dim_class as c on c.school_id = l.school_id and c.class_id = l.class_id
    join dim_subject as s on s.school_id = l.school_id and s.subject_id = l.subject_id
    where l.school_id = $school_id and l.lesson_date between $start and $end
        and ($teacher_id is null or l.effective_teacher_id = $teacher_id)
"""

_MARKS = """
    select l.effective_teacher_id as teacher_id, count(*) as n_marks
    from fct_mark as m
    join fct_lesson as l on l.school_id = m.school_id and l.lesson_id = m.lesson_id
    where m.school_id = $school_id and m.lesson_date between $start and $end
        and ($teacher_id is null or l.effective_teacher_id = $teacher_id)
    group by 1
"""


def _params(school_id: str, start: dt.date, end: dt.date, teacher_id: str | None) -> dict[str, object]:
    return {"school_id": school_id, "start": start, "end": end, "teacher_id": teacher_id}


def lessons_held(
    con: duckdb.DuckDBPyConnection, school_id: str, start: dt.date, end: dt.date, teacher_id: str | None = None
) -> list[tuple]:
    """(lesson_id, teacher who taught it, class name, subject name, date, lesson number) of the
    school's lessons from start to end (of one teacher when given)."""
    return con.execute(_LESSONS, _params(school_id, start, end, teacher_id)).fetchall()


def marks_given(
    con: duckdb.DuckDBPyConnection, school_id: str, start: dt.date, end: dt.date, teacher_id: str | None = None
) -> dict[str, int]:
    """teacher_id → current marks given at the lessons they taught from start to end."""
    return dict(con.execute(_MARKS, _params(school_id, start, end, teacher_id)).fetchall())


def short_names(con: duckdb.DuckDBPyConnection, school_id: str) -> dict[str, str]:
    """teacher_id → short name («Иванова А. Б.») of the school's teachers that have one."""
    return dict(
        con.execute(
            "select teacher_id, short_name from dim_teacher where school_id = ? and short_name is not null",
            [school_id],
        ).fetchall()
    )
