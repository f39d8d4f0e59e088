"""The log of changes to current marks (fct_mark_change) of a class in a study period, for the
document «Отчет об изменениях оценок»: only changes of pupils and subjects in the viewer's scope."""

from __future__ import annotations

import duckdb

from ejournal.access.viewer import Viewer
from warehouse.scope import visible_pupils_sql


def class_mark_changes(
    con: duckdb.DuckDBPyConnection, viewer: Viewer, school_id: str, class_id: str, period_id: str
) -> list[tuple]:
    """(when, who: teacher's short name or login or '', subject, pupil, lesson date, old value, new
    value, change kind, days after the lesson, lesson_id) in order of time."""
    visible, params = visible_pupils_sql(viewer)
    return con.execute(
        f"with visible as ({visible}) "
        "select ch.changed_at, coalesce(t.short_name, ch.changed_by, ''), s.subject_name, p.full_name, "
        "ch.lesson_date, coalesce(ch.old_value, ''), coalesce(ch.new_value, ''), ch.change_kind_code, "
        "ch.days_after_lesson, ch.lesson_id from fct_mark_change as ch "
        "join visible as v on v.school_id = ch.school_id and v.class_id = ch.class_id "
        "and v.subject_id = ch.subject_id and v.pupil_id = ch.pupil_id "
        "join dim_pupil as p on p.school_id = ch.school_id and p.pupil_id = ch.pupil_id "
        "join dim_subject as s on s.school_id = ch.school_id and s.subject_id = ch.subject_id "
        "left join dim_teacher as t on t.school_id = ch.school_id and t.teacher_id = ch.changed_by "
        "where ch.school_id = $cp_school and ch.class_id = $cp_class and ch.period_id = $cp_period "
        "order by ch.changed_at, s.subject_name, p.full_name, ch.change_id",
        {**params, "cp_school": school_id, "cp_class": class_id, "cp_period": period_id},
    ).fetchall()
