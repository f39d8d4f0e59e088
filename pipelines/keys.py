"""Natural keys and references of the canonical files: the declarations cross-file checks and
loading are generated from (identifiers come from here, never from input)."""

from __future__ import annotations

from dataclasses import dataclass

# Natural key of every file (school_id is always part of it implicitly).
NATURAL_KEYS: dict[str, tuple[str, ...]] = {
    "school": ("school_id",),
    "academic_years": ("academic_year_id",),
    "periods": ("period_id",),
    "holidays": ("academic_year_id", "start_date", "grades"),
    "teachers": ("teacher_id",),
    "subjects": ("subject_id",),
    "classes": ("class_id",),
    "groups": ("group_id",),
    "pupils": ("pupil_id",),
    "enrolments": ("pupil_id", "class_id", "start_date"),
    "group_members": ("pupil_id", "group_id", "start_date"),
    "curriculum": ("class_id", "subject_id"),
    "work_types": ("work_type_id",),
    "planned_topics": ("class_id", "group_id", "subject_id", "topic_number"),
    "lessons": ("lesson_id",),
    "marks": ("mark_id",),
    "attendance": ("pupil_id", "lesson_id"),
    "period_marks": ("pupil_id", "subject_id", "academic_year_id", "mark_kind_code", "period_id"),
    "mark_changes": ("change_id",),
    "external_results": ("pupil_id", "subject_id", "assessment_code", "assessment_date"),
}

# Files whose rows belong to a lesson: a lesson in an export brings all of them (supersession).
LESSON_CHILDREN = ("marks", "attendance")

# Files whose src_ table keeps a row only when it has a value in this column, where a row without
# one says nothing a missing row does not: an attendance row without a code says the pupil was
# present, as no row does (fct_attendance), and such rows were 97 % of a school's attendance file
# that lists every pupil of every lesson. They are checked, counted as accepted and compared with
# the stored rows like every row (a code changed to none removes the stored absence), but never
# stored.
STORED_ONLY_WITH: dict[str, str] = {"attendance": "absence_code"}


@dataclass(frozen=True)
class Reference:
    """``file.column`` must name an existing ``target.target_column``."""

    file: str
    column: str
    target: str
    target_column: str


def _ref(spec: str, target: str) -> Reference:
    file, column = spec.split(".")
    target_file, target_column = target.split(".")
    return Reference(file, column, target_file, target_column)


REFERENCES: tuple[Reference, ...] = tuple(
    _ref(a, b)
    for a, b in (
        ("periods.academic_year_id", "academic_years.academic_year_id"),
        ("holidays.academic_year_id", "academic_years.academic_year_id"),
        ("classes.academic_year_id", "academic_years.academic_year_id"),
        ("classes.class_teacher_id", "teachers.teacher_id"),
        ("groups.class_id", "classes.class_id"),
        ("groups.subject_id", "subjects.subject_id"),
        ("groups.teacher_id", "teachers.teacher_id"),
        ("enrolments.pupil_id", "pupils.pupil_id"),
        ("enrolments.class_id", "classes.class_id"),
        ("group_members.pupil_id", "pupils.pupil_id"),
        ("group_members.group_id", "groups.group_id"),
        ("curriculum.class_id", "classes.class_id"),
        ("curriculum.subject_id", "subjects.subject_id"),
        ("curriculum.teacher_id", "teachers.teacher_id"),
        ("planned_topics.class_id", "classes.class_id"),
        ("planned_topics.group_id", "groups.group_id"),
        ("planned_topics.subject_id", "subjects.subject_id"),
        ("lessons.class_id", "classes.class_id"),
        ("lessons.group_id", "groups.group_id"),
        ("lessons.subject_id", "subjects.subject_id"),
        ("lessons.teacher_id", "teachers.teacher_id"),
        ("lessons.replacing_teacher_id", "teachers.teacher_id"),
        ("marks.pupil_id", "pupils.pupil_id"),
        ("marks.lesson_id", "lessons.lesson_id"),
        ("marks.work_type_id", "work_types.work_type_id"),
        ("marks.entered_by", "teachers.teacher_id"),
        ("attendance.pupil_id", "pupils.pupil_id"),
        ("attendance.lesson_id", "lessons.lesson_id"),
        ("period_marks.pupil_id", "pupils.pupil_id"),
        ("period_marks.subject_id", "subjects.subject_id"),
        ("period_marks.academic_year_id", "academic_years.academic_year_id"),
        ("period_marks.period_id", "periods.period_id"),
        ("period_marks.entered_by", "teachers.teacher_id"),
        ("mark_changes.pupil_id", "pupils.pupil_id"),
        ("mark_changes.lesson_id", "lessons.lesson_id"),
        ("mark_changes.changed_by", "teachers.teacher_id"),
        ("external_results.pupil_id", "pupils.pupil_id"),
        ("external_results.subject_id", "subjects.subject_id"),
    )
)
