"""ЭлЖур: the apiv3 responses getperiods, getdiary, getmarks and getfinalassessments.

A bundle is a folder or zip with one file per request, each the full apiv3 answer
(``{"response": {"state": 200, "error": null, "result": {...}}}``, or the bare ``result``).
Field mapping: docs/importers.md, section «ЭлЖур».
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from pipelines.importers.absences import ABSENCE_CODES, map_absence_code
from pipelines.importers.api_draft import Draft, period_mark
from pipelines.importers.api_payload import Payload, PayloadNotes, bundle_moment, bundle_names, read_bundle
from pipelines.importers.contract import ImportContext, ImportNote
from pipelines.importers.ids import slug_id, source_id
from pipelines.importers.marks import canonical_mark, resolve_mark
from pipelines.importers.names import class_grade, normalise_name, split_full_name
from pipelines.importers.work_types import WorkTypes
from pipelines.issues import ExportRefused

PERIODS, DIARY, MARKS, FINALS, SCHOOL = (
    "getperiods.json",
    "getdiary.json",
    "getmarks.json",
    "getfinalassessments.json",
    "school.json",
)
MARK_FIELDS = {"value", "weight", "convert", "date", "lesson_id", "nm", "mtype", "countas", "count", "comment"}
LESSON_FIELDS = {"id", "name", "num", "teacher", "topic", "homework", "is_control", "room", "starttime", "endtime"}
STUDENT_FIELDS = {"name", "title", "class", "days", "lessons", "items", "periods"}
KIND_BY_WORD = (("год", "year"), ("экзам", "exam"), ("итог", "final"))


class EljurImporter:
    name = "eljur"
    title = "ЭлЖур"

    def detect(self, path: Path) -> bool:
        names = bundle_names(path)
        return MARKS in names and DIARY in names

    def convert(self, path: Path, out_dir: Path, context: ImportContext) -> list[ImportNote]:
        files = read_bundle(path, (PERIODS, DIARY, MARKS), (FINALS, SCHOOL))
        notes = PayloadNotes()
        draft = Draft("ЭлЖур", DIARY, notes, WorkTypes(context.norms, notes))
        draft.school = _school(files.get(SCHOOL), context)
        for student in _students(_result(files[PERIODS])):
            for period in student.items("periods"):
                notes.unknown(period, {"name", "fullname", "start", "end", "disabled", "ambigious", "weeks"})
                draft.add_period(
                    period, period.get("name", "str"), period.get("start", "date"), period.get("end", "date")
                )
        if not draft.periods:
            raise ExportRefused(PERIODS, "result.students", "periods", "нет ни одного учебного периода")
        first_year = min(r["start_date"] for r in draft.periods.values())
        _read_diary(_result(files[DIARY]), draft, first_year.year if first_year.month >= 9 else first_year.year - 1)
        _read_marks(_result(files[MARKS]), draft)
        if FINALS in files:
            _read_finals(_result(files[FINALS]), draft)
        draft.write(out_dir, bundle_moment([path / name for name in files]))
        return list(notes)


def _result(node: Payload) -> Payload:
    """The ``result`` of an apiv3 answer; an answer with an error refuses."""
    response = node.child("response", required=False)
    if response is None:
        return node.child("result") if node.has("result") else node.expect("object")
    state = response.get("state", "int", required=False)
    if state not in (None, 200) or response.has("error"):
        error = response.value.get("error")
        raise ExportRefused(node.file_name, response.path, "error", f"ЭлЖур вернул ошибку (state {state}): {error}")
    return response.child("result")


def _students(result: Payload) -> list[Payload]:
    """``result.students`` as a list (getperiods) or an object keyed by student id (the others)."""
    node = result.child("students", "object" if isinstance(result.value.get("students"), dict) else "list")
    return [v for _, v in node.entries()] if isinstance(node.value, dict) else node.items()


def _school(node: Payload | None, context: ImportContext) -> dict[str, str]:
    if node is not None:
        school_id, name = source_id("s", node.get("id", "id")), node.get("name", "str")
        short, region = node.get("short_name", "str", required=False), node.get("region", "id", required=False)
    elif context.school_id:
        school_id, name, short, region = context.school_id, context.school_name or context.school_id, None, None
    else:
        raise ExportRefused(
            SCHOOL, None, None, "нет сведений о школе: добавьте school.json (id, name, region) или укажите --school"
        )
    region = region or str(context.extra.get("region_id") or "не_указан")
    return {
        "school_id": school_id,
        "school_name": name,
        "short_name": short or name,
        "region_id": region,
    }


def _pupil(student: Payload, draft: Draft) -> str:
    pupil_id = source_id("p", student.get("name", "id"))
    if pupil_id not in draft.pupils:
        raise ExportRefused(student.file_name, student.path, "name", f"ученика {pupil_id} нет в getdiary.json")
    return pupil_id


def _read_diary(result: Payload, draft: Draft, first_year: int) -> None:
    for student in _students(result):
        draft.notes.unknown(student, STUDENT_FIELDS)
        pupil_id = source_id("p", student.get("name", "id"))
        class_name = student.get("class", "str")
        grade = class_grade(class_name)
        if grade is None:
            raise ExportRefused(
                student.file_name, student.path, "class", f"«{class_name}» — не класс с параллелью 1–11"
            )
        class_id = slug_id(f"{first_year}-{class_name}")
        draft.classes.setdefault(class_id, {"class_id": class_id, "class_name": class_name, "grade": grade})
        draft.pupils[pupil_id] = {
            "pupil_id": pupil_id,
            **split_full_name(student.get("title", "str")),
            "has_consent": False,
        }
        draft.pupil_class[pupil_id] = class_id
        for day_key, day in student.entries("days"):
            key = Payload({"name": day_key}, day.file_name, day.path)
            day_date = (day if day.has("name") else key).get("name", "date")
            for _, item in day.entries("items", required=False):
                draft.saw_lesson(pupil_id, _read_lesson(item, day_date, class_id, draft))


def _read_lesson(item: Payload, day: dt.date, class_id: str, draft: Draft) -> str:
    draft.notes.unknown(item, LESSON_FIELDS)
    lesson_id = source_id("l", item.get("id", "id"))
    teacher_name = item.get("teacher", "str")
    names = split_full_name(teacher_name)
    teacher_id = draft.add_teacher(
        slug_id(teacher_name, "t:"), names["last_name"], names["first_name"], names["middle_name"]
    )
    number = item.get("num", "int")
    if not 0 <= number <= 12:
        raise ExportRefused(item.file_name, item.path, "num", f"номер урока {number} вне 0–12")
    lesson = {
        "lesson_id": lesson_id,
        "lesson_date": day,
        "lesson_number": number,
        "class_id": class_id,
        "subject_id": draft.add_subject(item.get("name", "str"), item, "name"),
        "teacher_id": teacher_id,
        "topic": item.get("topic", "str", required=False),
        "homework": _homework(item),
        "_is_control": bool(item.get("is_control", "bool", required=False)),
    }
    draft.add_lesson(item, lesson)
    return lesson_id


def _homework(item: Payload) -> str | None:
    """``homework`` is a text or an object of tasks ``{id: {value}}``; tasks are joined by «; »."""
    value = item.value.get("homework")
    if value is None or isinstance(value, str):
        return item.get("homework", "str", required=False)
    tasks = [task.get("value", "str") for _, task in item.entries("homework")]
    return "; ".join(t for t in tasks if t) or None


def _read_marks(result: Payload, draft: Draft) -> None:
    for student in _students(result):
        draft.notes.unknown(student, STUDENT_FIELDS)
        pupil_id = _pupil(student, draft)
        for subject in student.items("lessons"):
            for index, mark in enumerate(subject.items("marks")):
                draft.notes.unknown(mark, MARK_FIELDS)
                _read_mark(mark, pupil_id, index, draft)


def _read_mark(mark: Payload, pupil_id: str, index: int, draft: Draft) -> None:
    raw = mark.get("value", "str")
    lesson_id = source_id("l", mark.get("lesson_id", "id"))
    lesson = draft.lessons.get(lesson_id)
    if lesson is None:
        raise ExportRefused(mark.file_name, mark.path, "lesson_id", f"урока {lesson_id} нет в getdiary.json")
    day = mark.get("date", "date")
    if day != lesson["lesson_date"]:
        raise ExportRefused(mark.file_name, mark.path, "date", f"дата не совпадает с датой урока {lesson_id}")
    entered_at = dt.datetime.combine(day, dt.time())
    if normalise_name(raw) in ABSENCE_CODES:
        code = map_absence_code(raw, draft.notes, mark.file_name, mark.path, "value")
        draft.add_absence(pupil_id, lesson_id, code, entered_at)
        return
    if mark.has("convert") and canonical_mark(raw) is None:
        raw = str(mark.value["convert"])  # the school's own scale, converted by ЭлЖур to 1–5
    value = resolve_mark(raw, draft.notes, mark.file_name, mark.path, "value")
    if value is None:
        return
    mtype = mark.child("mtype")
    type_name = mtype.get("type", "str")
    weight = mark.get("weight", "number", required=False)
    if weight is not None and not 0 < weight <= 10:
        raise ExportRefused(mark.file_name, mark.path, "weight", f"вес {weight:g} вне (0; 10]")
    is_control = lesson["_is_control"] or "контрольн" in type_name.lower()
    short = mtype.get("short", "str", required=False)
    work_type_id = draft.work_types.resolve(
        type_name,
        mark.file_name,
        mark.path,
        weight=weight,
        is_control=is_control,
        type_id=slug_id(short, "w:") if short else None,
    )
    mark_id = source_id("m", f"{lesson_id}-{pupil_id}-{index}")
    draft.add_mark(mark_id, pupil_id, lesson_id, value, work_type_id, entered_at, lesson["teacher_id"], weight)
    draft.notes.at(mark, "date", None, "ЭлЖур не сообщает момент выставления: взята дата урока", once="entered_at")


def _read_finals(result: Payload, draft: Draft) -> None:
    for student in _students(result):
        draft.notes.unknown(student, STUDENT_FIELDS)
        pupil_id = _pupil(student, draft)
        for item in student.items("items"):
            subject_id = draft.add_subject(item.get("name", "str"), item, "name")
            teacher = draft.subject_teacher(draft.pupil_class[pupil_id], subject_id)
            for final in item.items("assessments"):
                draft.notes.unknown(final, {"value", "period", "comment"})
                _read_final(final, pupil_id, subject_id, teacher, draft)


def _read_final(final: Payload, pupil_id: str, subject_id: str, teacher: str | None, draft: Draft) -> None:
    raw, period_name = final.get("value", "str"), final.get("period", "str")
    parsed = period_mark(raw)
    if parsed is None:
        draft.notes.at(final, "value", raw, f"«{raw}» — не итоговая отметка: не загружена")
        return
    period_id = draft.period_by_name(period_name)
    kind = "period" if period_id else next((k for w, k in KIND_BY_WORD if w in period_name.lower()), None)
    if kind is None:
        draft.notes.at(
            final, "period", period_name, f"период «{period_name}» не найден в getperiods.json: не загружена"
        )
        return
    if teacher is None:
        raise ExportRefused(
            final.file_name, final.path, "period", "нет ни одного урока предмета: неизвестно, кто выставил"
        )
    end = draft.periods[period_id]["end_date"] if period_id else draft.year_end()
    draft.add_period_mark(pupil_id, subject_id, kind, period_id, parsed, dt.datetime.combine(end, dt.time()), teacher)
