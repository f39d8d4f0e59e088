"""Responses of the «Сетевой город» mobile API (``/api/mobile/…``), as real servers send them.

Each is a top-level JSON array (an older, documented form wraps the first two in one object
``{"lessons": […], "assignments": […]}``; it is read the same way):
- ``classmeetings`` — lessons: ``classmeetingId``, ``day``, ``order`` (the lesson number;
  ``number`` or ``scheduleTimeNumber`` where a server sends those), ``subjectName``,
  ``lessonTheme``, ``attendance``, ``teachers[{id, name}]``, ``studentId`` (not always);
- ``assignments`` — marks: ``classmeetingId`` (``classMeetingId`` in the documented form),
  ``assignmentId``, ``result``, ``resultDate`` (when the mark was entered), ``assignmentDate``
  (else ``dueDate``: the lesson date), ``assignmentTypeName``, ``weight``, ``duty``. It does not
  name the pupil: the request was made for one, who is taken from the pupils the other responses
  name (context of a pupil's account, ``student/diary/init``, ``students``);
- ``students`` (``name``, ``shortName``, ``studentId``) and ``education`` (``class``, ``school``,
  ``schoolyear``): who the pupil is, their class, school and school year.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pipelines.importers.dates import parse_datetime
from pipelines.importers.netschool import fields as known_fields
from pipelines.importers.netschool.collected import Collected, Lesson, Mark, absence_code, first_teacher, given_weight
from pipelines.importers.notes import Notes
from pipelines.importers.reading import field_of
from pipelines.issues import ExportRefused


def mobile_kind(items: list) -> str | None:
    """Which mobile API array this is ("lessons", "assignments", "students", "education"), or None."""
    if not items or not all(isinstance(item, dict) for item in items):
        return None
    if all("assignmentId" in item and ("result" in item or "assignmentTypeName" in item) for item in items):
        return "assignments"
    if all(("classmeetingId" in item or "classMeetingId" in item) and "day" in item for item in items):
        return "lessons"
    if all("studentId" in item and "name" in item for item in items):
        return "students"
    if all("schoolyear" in item and "class" in item for item in items):
        return "education"
    return None


def read_mobile(file: Path, kind: str, items: list, prefix: str, data: Collected, notes: Notes) -> None:
    """One mobile array (``prefix`` is its JSON path: "" for a top-level array, "lessons" in the object form)."""
    reader = {"lessons": _lesson, "assignments": _assignment, "students": _student, "education": _education}[kind]
    for i, item in enumerate(items):
        reader(item, f"{prefix}[{i}]", file.name, data, notes)


def _lesson(item: Any, where: str, name: str, data: Collected, notes: Notes) -> None:
    notes.unknown_fields(item, known_fields.MOBILE_LESSON_FIELDS, name, where)
    meeting = _meeting(item, name, where)
    day = parse_datetime(field_of(item, "day", "text", name, where), name, where, "day").date()
    subject = field_of(item, "subjectName", "text", name, where)
    lesson = data.lessons.setdefault(
        meeting, Lesson(meeting, day, _number(item, name, where, notes), subject, where, name)
    )
    lesson.topic = field_of(item, "lessonTheme", "text", name, where, required=False) or lesson.topic
    teacher = first_teacher(item.get("teachers"), name, where)
    if teacher is not None:
        data.teachers.setdefault(meeting, teacher)
    attendance = field_of(item, "attendance", "text", name, where, required=False)
    if attendance:
        data.absences[(_pupil(item, name, where, data), meeting)] = (attendance, where, name)


def _assignment(item: Any, where: str, name: str, data: Collected, notes: Notes) -> None:
    notes.unknown_fields(item, known_fields.MOBILE_ASSIGNMENT_FIELDS, name, where)
    type_name = field_of(item, "assignmentTypeName", "text", name, where)
    result = item.get("result")
    if result is None:
        if field_of(item, "duty", "bool", name, where, required=False):
            data.n_duty += 1
        return
    assignment = str(field_of(item, "assignmentId", "integer", name, where))
    student = _pupil(item, name, where, data)
    meeting = _meeting(item, name, where)
    lesson_day = field_of(item, "assignmentDate", "text", name, where, required=False) or field_of(
        item, "dueDate", "text", name, where
    )
    day = parse_datetime(lesson_day, name, where, "assignmentDate").date()
    data.lessons.setdefault(
        meeting, Lesson(meeting, day, 1, field_of(item, "subjectName", "text", name, where), where, name)
    )
    if absence_code(result):  # «Н», «Б»… in the place of a mark, as in the web diary: an absence
        data.absences.setdefault((student, meeting), (result, where, name))
        return
    result_date = field_of(item, "resultDate", "text", name, where, required=False)
    entered = parse_datetime(result_date, name, where, "resultDate") if result_date else None
    key = f"{assignment}-{student}"
    weight = given_weight(item, name, where)
    known = data.marks.get(key)
    if known is not None:  # the web diary's mark: the mobile API adds the entry time, and the weight real
        known.entered = entered or known.entered  # web diaries leave at 0
        known.weight = known.weight or weight
        return
    data.marks[key] = Mark(key, meeting, student, result, type_name, weight, entered, where, name, assignment)


def _student(item: Any, where: str, name: str, data: Collected, notes: Notes) -> None:
    notes.unknown_fields(item, known_fields.MOBILE_STUDENT_FIELDS, name, where)
    student = str(field_of(item, "studentId", "integer", name, where))
    data.students.setdefault(student, {"name": field_of(item, "name", "text", name, where), "class": None})


def _education(item: Any, where: str, name: str, data: Collected, notes: Notes) -> None:
    notes.unknown_fields(item, known_fields.MOBILE_EDUCATION_FIELDS, name, where)
    parts = {}
    for part, known in (("class", known_fields.REF_FIELDS | {"isFree"}), ("school", known_fields.REF_FIELDS)):
        value = field_of(item, part, "object", name, where, required=False) or {}
        notes.unknown_fields(value, known, name, f"{where}.{part}")
        parts[part] = field_of(value, "name", "text", name, f"{where}.{part}", required=False)
    year = field_of(item, "schoolyear", "object", name, where)
    notes.unknown_fields(year, known_fields.MOBILE_YEAR_FIELDS, name, f"{where}.schoolyear")
    for bound in ("startDate", "endDate"):
        parse_datetime(field_of(year, bound, "text", name, f"{where}.schoolyear"), name, f"{where}.schoolyear", bound)
    data.education.append({"class": parts["class"], "school": parts["school"], "year": year})


def _meeting(item: Any, name: str, where: str) -> str:
    """The lesson id: ``classmeetingId`` on real servers, ``classMeetingId`` in the documented form."""
    for key in ("classmeetingId", "classMeetingId"):
        meeting = field_of(item, key, "integer", name, where, required=False)
        if meeting is not None:
            return str(meeting)
    raise ExportRefused(
        name, where, "classmeetingId", "нет номера урока: ожидается поле classmeetingId (или classMeetingId)"
    )


def _number(item: Any, name: str, where: str, notes: Notes) -> int:
    """The lesson number: ``order`` on real servers; ``number`` or ``scheduleTimeNumber`` where sent."""
    for key in ("order", "number", "scheduleTimeNumber"):
        number = field_of(item, key, "integer", name, where, required=False)
        if number is not None:
            return number
    notes.add_once("lesson number", name, where, "order", None, "номер урока не указан (нет поля order): записан 1")
    return 1


def _pupil(item: Any, name: str, where: str, data: Collected) -> str:
    """The item's ``studentId``, else the one pupil the request was made for."""
    student = field_of(item, "studentId", "integer", name, where, required=False)
    if student is not None:
        return str(student)
    known = sorted(data.students)
    if len(known) == 1:
        return known[0]
    found = f"{len(known)} ({', '.join(known)})" if known else "ни одного"
    raise ExportRefused(
        name,
        where,
        "studentId",
        "ответ мобильного API не называет ученика (нет studentId): ожидается ровно один ученик в context"
        f" ученика, student/diary/init или students, а найдено {found} — сохраните ответ об ученике",
    )
