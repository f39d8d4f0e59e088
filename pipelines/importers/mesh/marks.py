"""МЭШ marks: current marks (marks.json, the marks inside subject marks, schedule items and
events) and period and year marks (subject_marks.json).

A mark of the family API names no lesson: it goes to the pupil's lesson of its subject on its
date (the first by number when there are several), and when no answer gives that lesson, to a
lesson of the class made from the mark. A mark with ``schedule_lesson_id`` (the old
``/core/api/marks``) goes to that lesson. A mark without ``created_at`` is dated by its lesson.
"""

from __future__ import annotations

import datetime as dt

from pipelines.importers.api_draft import period_mark
from pipelines.importers.api_payload import Payload
from pipelines.importers.ids import source_id, stable_id
from pipelines.importers.marks import resolve_mark
from pipelines.importers.mesh.answers import (
    GRADE_FIELDS,
    MARK_FIELDS,
    PERIOD_FIELDS,
    SUBJECT_FIELDS,
    VALUE_FIELDS,
    MeshDraft,
    all_records,
    day_of,
    pupil_answers,
)
from pipelines.issues import ExportRefused

NO_WORK_TYPE = "Вид работы не указан"
MESH_PERIOD_MARKS = {"зч": "зач", "нзч": "незач", "нз": "незач"}  # «Зч» in recorded subject_marks


def read_marks(node: Payload | None, draft: MeshDraft) -> None:
    """marks.json: flat marks (``/family/…/v1/marks``, ``/core/api/marks``) or marks grouped by
    subject and period (``[{subject_name, periods: [{marks: […]}]}]``)."""
    for pupil_id, item in pupil_answers(node, draft):
        if item.has("periods"):
            read_subject(item, pupil_id, draft, finals=False)
        else:
            read_mark(item, pupil_id, draft)


def read_subject_marks(node: Payload | None, draft: MeshDraft) -> None:
    """subject_marks.json: marks of each period, the period marks (``fixed_value``) and ``year_mark``."""
    for pupil_id, subject in pupil_answers(node, draft):
        read_subject(subject, pupil_id, draft, finals=True)


def subject_periods(node: Payload) -> list[tuple[Payload, str, dt.date, dt.date]]:
    """(node, title, start, end) of every period in subject marks: the year's periods when no
    periods.json is given."""
    out = []
    for subject in all_records(node):
        for period in subject.items("periods", required=False):
            out.append((period, period.get("title", "str"), *_bounds(period)))
    return out


def read_subject(subject: Payload, pupil_id: str, draft: MeshDraft, *, finals: bool) -> None:
    draft.notes.unknown(subject, SUBJECT_FIELDS)
    subject_id = draft.add_subject(subject.get("subject_name", "str"), subject, "subject_name")
    for period in subject.items("periods", required=False):
        draft.notes.unknown(period, PERIOD_FIELDS)
        for mark in period.items("marks", required=False):
            read_mark(mark, pupil_id, draft, subject_id=subject_id)
        if finals and period.has("fixed_value"):
            start, end = _bounds(period)
            period_id = draft.add_period(period, period.get("title", "str"), start, end)
            _add_final(period, "fixed_value", pupil_id, subject_id, "period", period_id, end, draft)
    if finals and subject.has("year_mark"):
        _add_final(subject, "year_mark", pupil_id, subject_id, "year", None, draft.year_end(), draft)


def read_mark(
    mark: Payload, pupil_id: str, draft: MeshDraft, *, lesson_id: str | None = None, subject_id: str | None = None
) -> None:
    """One current mark; ``lesson_id`` when it sits in a lesson, ``subject_id`` when in a subject's list."""
    draft.notes.unknown(mark, MARK_FIELDS)
    lesson = draft.lessons[lesson_id] if lesson_id else _lesson_of(mark, pupil_id, subject_id, draft)
    mark_id = source_id("m", mark.get("id", "id"))
    entered_at = mark.get("created_at", "datetime", required=False)
    if entered_at is None and mark_id in draft.timed_marks:
        return  # the same mark with its entry time is already read from another answer
    value = _five_point(mark, draft)
    if value is None:
        return
    weight = mark.get("weight", "number")
    if not 0 < weight <= 10:
        raise ExportRefused(mark.file_name, mark.path, "weight", f"вес {weight:g} вне (0; 10]")
    form = mark.get("control_form_name", "str", required=False) or NO_WORK_TYPE
    is_exam = mark.get("is_exam", "bool", required=False) or mark.get("exam", "bool", required=False)
    is_control = bool(is_exam) or "контрольн" in form.lower()
    work_type_id = draft.work_types.resolve(form, mark.file_name, mark.path, weight=weight, is_control=is_control)
    if entered_at is None:
        entered_at = dt.datetime.combine(lesson["lesson_date"], dt.time())
        message = "момента выставления отметки (created_at) в ответе нет: взята дата урока 00:00"
        draft.notes.at(mark, "created_at", None, message, once="no created_at")
    else:
        draft.timed_marks.add(mark_id)
    draft.add_mark(
        mark_id, pupil_id, lesson["lesson_id"], value, work_type_id, entered_at, lesson["teacher_id"], weight, mark
    )


def _lesson_of(mark: Payload, pupil_id: str, subject_id: str | None, draft: MeshDraft) -> dict:
    if mark.has("schedule_lesson_id"):
        lesson_id = source_id("l", mark.get("schedule_lesson_id", "id"))
        lesson = draft.lessons.get(lesson_id)
        if lesson is None:
            problem = f"урока {lesson_id} нет в lessons.json и events.json"
            raise ExportRefused(mark.file_name, mark.path, "schedule_lesson_id", problem)
        if mark.has("date") and day_of(mark, "date") != lesson["lesson_date"]:
            raise ExportRefused(mark.file_name, mark.path, "date", f"дата не совпадает с датой урока {lesson_id}")
        return lesson
    day = day_of(mark, "date")
    if subject_id is None:
        subject_id = draft.add_subject(mark.get("subject_name", "str"), mark, "subject_name")
    found = draft.day_lessons.get((pupil_id, day, subject_id))
    if not found and mark.has("subject_id"):
        found = draft.day_lessons.get((pupil_id, day, f"#{mark.get('subject_id', 'id')}"))
    return draft.lessons[found[0]] if found else _lesson_from_mark(mark, pupil_id, day, subject_id, draft)


def _lesson_from_mark(mark: Payload, pupil_id: str, day: dt.date, subject_id: str, draft: MeshDraft) -> dict:
    """The class's lesson of the subject on the mark's day, made from the mark when no answer gives it
    (no events.json or lessons.json for that day): the shared `Draft.lesson_of_day`, seen by the class."""
    class_id = draft.pupil_class[pupil_id]
    made = stable_id("l", class_id, day.isoformat(), subject_id) not in draft.lessons
    lesson = draft.lesson_of_day(mark, class_id, day, subject_id)
    if made:
        message = (
            "урока этой отметки нет в events.json, lessons.json, schedule.json: урок создан по дню и предмету отметки "
            "(номер — следующий свободный у класса в этот день, учитель — учитель предмета в классе)"
        )
        draft.notes.at(mark, "date", day.isoformat(), message, once="lesson from mark")
        for classmate, its_class in draft.pupil_class.items():
            if its_class == class_id:
                draft.saw_lesson(classmate, lesson["lesson_id"])
                draft.day_lessons.setdefault((classmate, day, subject_id), [lesson["lesson_id"]])
    return lesson


def _five_point(mark: Payload, draft: MeshDraft) -> str | None:
    """The mark on the 5-point scale: ``values[].grade.five`` (two values make «4/5»), else ``value``
    (``name`` in the old ``/core/api/marks``)."""
    fives = []
    for value in mark.items("values", required=False):
        draft.notes.unknown(value, VALUE_FIELDS)
        grade = value.child("grade", required=False)
        if grade is None or not grade.has("five"):
            continue  # a mark without a 5-point value («зачёт»): its ``value`` is read
        draft.notes.unknown(grade, GRADE_FIELDS)
        five = grade.get("five", "number")
        if not float(five).is_integer():
            draft.notes.at(value, "five", five, f"отметка {five:g} по пятибалльной шкале округлена до {round(five)}")
        fives.append(str(round(five)))
    if fives:
        return resolve_mark("/".join(fives), draft.notes, mark.file_name, mark.path, "values")
    field_name = "value" if mark.has("value") or not mark.has("name") else "name"
    return resolve_mark(_text(mark, field_name), draft.notes, mark.file_name, mark.path, field_name)


def _text(node: Payload, field_name: str) -> str:
    """A mark's value as text: some answers give it as a number (5, 4.0)."""
    number = node.value.get(field_name)
    if isinstance(number, int | float) and not isinstance(number, bool):
        return f"{node.get(field_name, 'number'):g}"
    return node.get(field_name, "str")


def _bounds(period: Payload) -> tuple[dt.date, dt.date]:
    """A period's first and last day: ``start_iso``/``end_iso`` when given, else ``start``/``end``."""
    start = day_of(period, "start_iso") if period.has("start_iso") else day_of(period, "start")
    end = day_of(period, "end_iso") if period.has("end_iso") else day_of(period, "end")
    return start, end


def _add_final(
    node: Payload,
    field_name: str,
    pupil_id: str,
    subject_id: str,
    kind: str,
    period_id: str | None,
    end: dt.date,
    draft: MeshDraft,
) -> None:
    raw = _text(node, field_name)
    parsed = period_mark(MESH_PERIOD_MARKS.get(raw.strip().lower(), raw))
    if parsed is None:
        draft.notes.at(node, field_name, raw, f"«{raw}» — не итоговая отметка: не загружена")
        return
    teacher = draft.subject_teacher(draft.pupil_class[pupil_id], subject_id)
    if teacher is None:
        message = "уроков предмета в выгрузке нет: итоговая отметка записана за учителем «Не указан»"
        draft.notes.at(node, field_name, raw, message, once="final without lessons")
        teacher = draft.unknown_teacher()
    entered = dt.datetime.combine(end, dt.time())
    draft.add_period_mark(pupil_id, subject_id, kind, period_id, parsed, entered, teacher, node)
