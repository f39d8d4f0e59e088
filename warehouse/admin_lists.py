"""What the administrator's page chooses from and reads by: a school's teachers by name (namesakes
told apart by the subjects they teach, else their position, else their id), and the names of schools,
classes and subjects that the audit log mentions by id."""

from __future__ import annotations

from collections import Counter

import duckdb

from warehouse.query import frame

_TEACHERS = """
    select t.teacher_id, t.full_name, t.position,
        string_agg(distinct s.subject_name, ', ' order by s.subject_name) as subjects
    from dim_teacher as t
    left join fct_lesson as l on l.school_id = t.school_id and l.teacher_id = t.teacher_id
    left join dim_subject as s on s.school_id = l.school_id and s.subject_id = l.subject_id
    where t.school_id = $school_id
    group by t.teacher_id, t.full_name, t.position
    order by t.full_name, t.teacher_id
"""


def school_teachers(con: duckdb.DuckDBPyConnection, school_id: str) -> list[tuple[str, str]]:
    """(teacher_id, how the list names the teacher) of the school, in name order: the full name, and
    for namesakes the subjects they teach (or the position), with the id when even those agree."""
    rows = frame(con, _TEACHERS, {"school_id": school_id}).rows(named=True)
    names = Counter(row["full_name"] for row in rows)
    labels = [_told_apart(row) if names[row["full_name"]] > 1 else row["full_name"] for row in rows]
    repeated = Counter(labels)
    return [
        (row["teacher_id"], f"{label}, ид {row['teacher_id']}" if repeated[label] > 1 else label)
        for row, label in zip(rows, labels, strict=True)
    ]


def _told_apart(row: dict) -> str:
    what = row["subjects"] or row["position"]
    return f"{row['full_name']} ({what})" if what else row["full_name"]


def audit_names(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, str]]:
    """Names by id, per detail of the audit log: ``class_id`` → «7А», ``subject_id`` → «Русский язык»,
    ``school_id`` → the school's short name (every school of the warehouse)."""
    return {
        "class_id": _names(con, "select distinct class_id, class_name from dim_class"),
        "subject_id": _names(con, "select distinct subject_id, subject_name from dim_subject"),
        "school_id": _names(con, "select school_id, coalesce(short_name, school_name) from dim_school"),
    }


def _names(con: duckdb.DuckDBPyConnection, sql: str) -> dict[str, str]:
    return {str(key): str(name) for key, name in frame(con, sql).rows()}
