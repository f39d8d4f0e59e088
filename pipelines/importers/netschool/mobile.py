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
  ``schoolyear``): who the pupil is, their class, school and school year;
- ``totals`` (``subjectId``, ``termTotals[{term, mark}]``, ``yearTotals[{period, mark}]``) and
  ``subjects`` (``id``, ``name``): period marks, as the typed models of two clients describe them.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from pipelines.importers.dates import parse_datetime
from pipelines.importers.names import normalise_name
from pipelines.importers.netschool import fields as known_fields
from pipelines.importers.netschool.collected import (
    Collected,
    Lesson,
    Mark,
    Total,
    absence_code,
    first_teacher,
    given_weight,
    request_pupil,
)
from pipelines.importers.notes import Notes
from pipelines.importers.periods import parse_period_name
from pipelines.importers.reading import field_of
from pipelines.issues import ExportRefused

_MOBILE_KINDS = (
    ("assignments", lambda item: "assignmentId" in item and ("result" in item or "assignmentTypeName" in item)),
    ("lessons", lambda item: ("classmeetingId" in item or "classMeetingId" in item) and "day" in item),
    ("students", lambda item: "studentId" in item and "name" in item),
    ("education", lambda item: "schoolyear" in item and "class" in item),
    ("totals", lambda item: "subjectId" in item and ("termTotals" in item or "yearTotals" in item)),
    ("subjects", lambda item: "id" in item and "name" in item and "order" in item),
)


def mobile_kind(items: list) -> str | None:
    """Which mobile API array this is (lessons, assignments, students, education, totals, subjects), or None.

    An array most of whose elements are of one kind is of that kind: the others are read as it,
    so an element lacking a field is refused at its place instead of hiding the whole file."""
    if not items or not all(isinstance(item, dict) for item in items):
        return None
    for kind, fits in _MOBILE_KINDS:
        if all(fits(item) for item in items):
            return kind
    n_fitting, kind = max((sum(1 for item in items if fits(item)), kind) for kind, fits in _MOBILE_KINDS)
    return kind if 2 * n_fitting > len(items) else None


def read_mobile(file: Path, kind: str, items: list, prefix: str, data: Collected, notes: Notes) -> None:
    """One mobile array (``prefix`` is its JSON path: "" for a top-level array, "lessons" in the object form)."""
    reader = {
        "lessons": _lesson,
        "assignments": _assignment,
        "students": _student,
        "education": _education,
        "subjects": _subject,
        "totals": _total,
    }[kind]
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


def _subject(item: Any, where: str, name: str, data: Collected, notes: Notes) -> None:
    notes.unknown_fields(item, known_fields.MOBILE_SUBJECT_FIELDS, name, where)
    data.subject_names[field_of(item, "id", "integer", name, where)] = field_of(item, "name", "text", name, where)


def _total(item: Any, where: str, name: str, data: Collected, notes: Notes) -> None:
    """One subject's period marks: ``termTotals`` (a term with its dates) and ``yearTotals``."""
    notes.unknown_fields(item, known_fields.MOBILE_TOTAL_FIELDS, name, where)
    subject = field_of(item, "subjectId", "integer", name, where)
    student = _pupil(item, name, where, data)
    for t, term_total in enumerate(field_of(item, "termTotals", "list", name, where, required=False) or []):
        at = f"{where}.termTotals[{t}]"
        notes.unknown_fields(term_total, known_fields.MOBILE_TERM_TOTAL_FIELDS, name, at)
        if term_total.get("mark") is None:
            continue  # no mark for this term yet
        period = _term(field_of(term_total, "term", "object", name, at), name, f"{at}.term", notes)
        if period is not None:
            data.totals.append(Total(student, subject, "period", period, term_total["mark"], at, name))
    for y, year_total in enumerate(field_of(item, "yearTotals", "list", name, where, required=False) or []):
        at = f"{where}.yearTotals[{y}]"
        notes.unknown_fields(year_total, known_fields.MOBILE_YEAR_TOTAL_FIELDS, name, at)
        if year_total.get("mark") is None:
            continue
        kind = _year_kind(field_of(year_total, "period", "object", name, at), name, f"{at}.period", notes)
        if kind is not None:
            data.totals.append(Total(student, subject, kind, None, year_total["mark"], at, name))


def _term(term: dict, name: str, where: str, notes: Notes) -> tuple[int, str, dt.date, dt.date] | None:
    """The term of a ``termTotals`` entry: its number and kind from the name («1 четверть»), its days;
    None (the mark is not loaded, with a note) when the name is not one of a study period."""
    notes.unknown_fields(term, known_fields.MOBILE_TERM_FIELDS, name, where)
    term_name = field_of(term, "name", "text", name, where)
    parsed = parse_period_name(term_name)
    if parsed is None:
        notes.add(
            name,
            where,
            "name",
            term_name,
            f"«{term_name}» — не учебный период (ожидается «1 четверть», «2 триместр», «1 полугодие»):"
            " итоговая отметка не загружена",
        )
        return None
    first, last = (
        parse_datetime(field_of(term, bound, "text", name, where), name, where, bound).date()
        for bound in ("startDate", "endDate")
    )
    return parsed[0], parsed[1], first, last


_YEAR_KINDS = (("год", "year"), ("year", "year"), ("экзамен", "exam"), ("exam", "exam"), ("итог", "final"))
_YEAR_KINDS += (("final", "final"),)


def _year_kind(period: dict, name: str, where: str, notes: Notes) -> str | None:
    """«year», «exam» or «final» from ``periodName`` (or ``periodType``); None, with a note, if neither says."""
    notes.unknown_fields(period, known_fields.MOBILE_PERIOD_FIELDS, name, where)
    period_name = field_of(period, "periodName", "text", name, where, required=False) or ""
    words = normalise_name(f"{period_name} {period.get('periodType') or ''}")
    kind = next((kind for stem, kind in _YEAR_KINDS if stem in words), None)
    if kind is None:
        notes.add(
            name, where, "periodName", period_name, f"итоговая отметка «{period_name}» не распознана: не загружена"
        )
    return kind


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
    return request_pupil(item, name, where, data, "ответ мобильного API")
