"""Row-level rules of the query layer: which classes, subjects and subgroups a viewer may see.

Every query that returns pupils joins :func:`visible_pupils_sql`, so whatever a page passes, a
teacher's query cannot return another class's pupils. Values are bound; the SQL text only ever
contains identifiers written here.
"""

from __future__ import annotations

from ejournal.access.accounts import Role
from ejournal.access.viewer import Viewer

# (school_id, class_id, subject_id, group_id): group_id null = the whole class for that subject.
# A teacher sees the classes and subgroups they are timetabled for (a one-off substitution gives
# no lasting access), and a class's subject assigned to them in the curriculum when that subject
# is not split into subgroups.
_TEACHER_SCOPE = """
    select school_id, class_id, subject_id, group_id from fct_lesson
    where school_id = $school_id and teacher_id = $teacher_id
    union
    select school_id, class_id, subject_id, group_id from dim_group
    where school_id = $school_id and teacher_id = $teacher_id
    union
    select cu.school_id, cu.class_id, cu.subject_id, cast(null as varchar) from src_curriculum as cu
    where cu.school_id = $school_id and cu.teacher_id = $teacher_id and not exists (
        select 1 from dim_group as g
        where g.school_id = cu.school_id and g.class_id = cu.class_id and g.subject_id = cu.subject_id
    )
"""

_CLASS_TEACHER_SCOPE = """
    select c.school_id, c.class_id, s.subject_id, cast(null as varchar) as group_id
    from dim_class as c join dim_subject as s on s.school_id = c.school_id
    where c.school_id = $school_id and c.class_teacher_id = $teacher_id
"""

# The deputy director: every class and subject of their own school (a viewer of a school role
# always has one: ejournal.access.viewer refuses it otherwise).
_SCHOOL_SCOPE = """
    select c.school_id, c.class_id, s.subject_id, cast(null as varchar) as group_id
    from dim_class as c join dim_subject as s on s.school_id = c.school_id
    where c.school_id = $school_id
"""


def scope_sql(viewer: Viewer) -> tuple[str, dict]:
    """SELECT of (school_id, class_id, subject_id, group_id) the viewer may see, and its parameters."""
    params = {"school_id": viewer.school_id, "teacher_id": viewer.teacher_id}
    if viewer.role is Role.TEACHER:
        return _TEACHER_SCOPE, params
    if viewer.role is Role.CLASS_TEACHER:
        return _CLASS_TEACHER_SCOPE, params
    if viewer.role is Role.DEPUTY:
        return _SCHOOL_SCOPE, {"school_id": viewer.school_id}
    # Director, parent council and administrator see no pupil: an empty scope.
    return "select null as school_id, null as class_id, null as subject_id, null as group_id where false", {}


def visible_pupils_sql(viewer: Viewer) -> tuple[str, dict]:
    """SELECT of (school_id, class_id, subject_id, pupil_id) on the viewer's rosters."""
    scope, params = scope_sql(viewer)
    sql = f"""
        with scope as ({scope})
        select distinct r.school_id, scope.class_id, scope.subject_id, r.pupil_id
        from scope
        join int_roster as r
            on r.school_id = scope.school_id
            and ((scope.group_id is null and r.roster_kind_code = 'class' and r.class_id = scope.class_id)
                or (scope.group_id is not null and r.roster_kind_code = 'group' and r.group_id = scope.group_id))
    """
    return sql, params
