"""ЭлЖур: the apiv3 responses getperiods, getdiary, getmarks and getfinalassessments.

A bundle is a folder or zip with one file per request, each the full apiv3 answer
(``{"response": {"state": 200, "error": null, "result": {...}}}``, or the bare ``result``).
Field mapping: docs/importers-b.md, section «ЭлЖур».
"""

from __future__ import annotations

import collections
import datetime as dt
import re
from pathlib import Path

from pipelines.importers.base import ImportContext, ImportNote, ImportRefused
from pipelines.importers.draft import (
    Draft,
    bundle_moment,
    current_mark,
    default_weight,
    period_mark,
    safe_id,
    split_name,
)
from pipelines.importers.payload import Notes, Payload, bundle_names, read_bundle

PERIODS, DIARY, MARKS, FINALS, SCHOOL = (
    "getperiods.json",
    "getdiary.json",
    "getmarks.json",
    "getfinalassessments.json",
    "school.json",
)
ABSENCE_CODES = {"н": "н", "у": "у", "б": "б", "оп": "оп", "уп": "у", "бол": "б", "оп.": "оп"}
MARK_FIELDS = {"value", "weight", "convert", "date", "lesson_id", "nm", "mtype", "countas", "count", "comment"}
LESSON_FIELDS = {"id", "name", "num", "teacher", "topic", "homework", "is_control", "room", "starttime", "endtime"}
KIND_BY_WORD = (("год", "year"), ("экзам", "exam"), ("итог", "final"))


class EljurImporter:
    name = "eljur"
    title = "ЭлЖур"

    def detect(self, path: Path) -> bool:
        names = bundle_names(path)
        return MARKS in names and DIARY in names

    def convert(self, path: Path, out_dir: Path, context: ImportContext) -> list[ImportNote]:
        files = read_bundle(path, (PERIODS, DIARY, MARKS), (FINALS, SCHOOL))
        notes = Notes()
        draft = Draft("ЭлЖур")
        draft.school = _school(files.get(SCHOOL), context)
        for student in _students(_result(files[PERIODS])):
            for period in student.items("periods"):
                notes.unknown(period, {"name", "fullname", "start", "end", "disabled", "ambigious", "weeks"})
                start, end = period.get("start", "date"), period.get("end", "date")
                if end < start:
                    raise ImportRefused(period.file_name, period.path, "end", "конец периода раньше начала")
                draft.add_period(period.get("name", "str"), start, end)
        if not draft.periods:
            raise ImportRefused(PERIODS, "result.students", "periods", "нет ни одного учебного периода")
        _read_diary(_result(files[DIARY]), draft, notes)
        _read_marks(_result(files[MARKS]), draft, notes, context)
        if FINALS in files:
            _read_finals(_result(files[FINALS]), draft, notes)
        draft.write(out_dir, bundle_moment(path))
        return notes.items


def _result(node: Payload) -> Payload:
    """The ``result`` of an apiv3 answer; an answer with an error refuses."""
    response = node.child("response", required=False)
    if response is None:
        return node.child("result") if node.has("result") else node.expect("object")
    state = response.get("state", "int", required=False)
    if state not in (None, 200) or response.has("error"):
        error = response.value.get("error")
        raise ImportRefused(node.file_name, response.path, "error", f"ЭлЖур вернул ошибку (state {state}): {error}")
    return response.child("result")


def _students(result: Payload) -> list[Payload]:
    """``result.students`` as a list (getperiods) or an object keyed by student id (the others)."""
    node = result.child("students", "object" if isinstance(result.value.get("students"), dict) else "list")
    return [v for _, v in node.entries()] if isinstance(node.value, dict) else node.items()


def _school(node: Payload | None, context: ImportContext) -> dict[str, str]:
    if node is not None:
        school_id, name = node.get("id", "id"), node.get("name", "str")
        short, region = node.get("short_name", "str", required=False), node.get("region", "id", required=False)
    elif context.school_id and context.school_name:
        school_id, name, short, region = context.school_id, context.school_name, None, None
    else:
        raise ImportRefused(SCHOOL, None, None, "нет сведений о школе: добавьте school.json (id, name, region)")
    region = region or str(context.extra.get("region_id") or "не_указан")
    return {"school_id": safe_id(school_id), "school_name": name, "short_name": short or name, "region_id": region}


def _read_diary(result: Payload, draft: Draft, notes: Notes) -> None:
    for student in _students(result):
        pupil_id = safe_id(student.get("name", "id"))
        last, first, middle = split_name(student.get("title", "str"))
        class_name = student.get("class", "str")
        class_id = safe_id(class_name)
        grade = re.match(r"\d{1,2}", class_name)
        if grade is None or not 1 <= int(grade.group()) <= 11:
            raise ImportRefused(student.file_name, student.path, "class", f"класс «{class_name}» без параллели 1–11")
        draft.classes.setdefault(class_id, {"class_id": class_id, "class_name": class_name, "grade": grade.group()})
        draft.pupils.setdefault(
            pupil_id, {"pupil_id": pupil_id, "last_name": last, "first_name": first, "middle_name": middle}
        )
        draft.pupils[pupil_id]["has_consent"] = False
        draft.pupil_class[pupil_id] = class_id
        for day_key, day in student.entries("days"):
            day_date = day.get("name", "date") if day.has("name") else _key_date(day, day_key)
            for _, item in day.entries("items", required=False):
                _read_lesson(item, day_date, class_id, draft, notes)


def _key_date(day: Payload, key: str) -> dt.date:
    parsed = Payload({"name": key}, day.file_name, day.path).get("name", "date")
    return parsed


def _read_lesson(item: Payload, day: dt.date, class_id: str, draft: Draft, notes: Notes) -> None:
    notes.unknown(item, LESSON_FIELDS)
    lesson_id = safe_id(item.get("id", "id"))
    subject_name = item.get("name", "str")
    teacher_name = item.get("teacher", "str")
    teacher_id = draft.add_teacher(safe_id(teacher_name), *split_name(teacher_name))
    number = item.get("num", "int")
    if not 0 <= number <= 12:
        raise ImportRefused(item.file_name, item.path, "num", f"номер урока {number} вне 0–12")
    lesson = {
        "lesson_id": lesson_id,
        "lesson_date": day,
        "lesson_number": number,
        "class_id": class_id,
        "subject_id": draft.add_subject(safe_id(subject_name), subject_name),
        "teacher_id": teacher_id,
        "topic": item.get("topic", "str", required=False),
        "homework": _homework(item),
        "_is_control": bool(item.get("is_control", "bool", required=False)),
    }
    known = draft.lessons.get(lesson_id)
    if known is not None and (known["lesson_date"], known["class_id"]) != (day, class_id):
        raise ImportRefused(
            item.file_name, item.path, "id", f"урок {lesson_id} уже встречался с другой датой или классом"
        )
    draft.lessons[lesson_id] = lesson


def _homework(item: Payload) -> str | None:
    """``homework`` is a text or an object of tasks ``{id: {value}}``; tasks are joined by «; »."""
    value = item.value.get("homework")
    if value is None or isinstance(value, str):
        return item.get("homework", "str", required=False)
    tasks = [task.get("value", "str") for _, task in item.entries("homework")]
    return "; ".join(t for t in tasks if t) or None


def _read_marks(result: Payload, draft: Draft, notes: Notes, context: ImportContext) -> None:
    weights: dict[str, collections.Counter[float]] = collections.defaultdict(collections.Counter)
    for student in _students(result):
        pupil_id = safe_id(student.get("name", "id"))
        if pupil_id not in draft.pupils:
            raise ImportRefused(student.file_name, student.path, "name", f"ученика {pupil_id} нет в getdiary.json")
        for subject in student.items("lessons"):
            for index, mark in enumerate(subject.items("marks")):
                notes.unknown(mark, MARK_FIELDS)
                _read_mark(mark, pupil_id, index, draft, notes, weights)
    fallback = default_weight(context.norms)
    for work_type_id, row in draft.work_types.items():
        if weights[work_type_id]:
            row["weight"] = weights[work_type_id].most_common(1)[0][0]
        else:
            row["weight"] = fallback
            note = Payload({}, MARKS, "")
            notes.add(
                note, "mtype", row["work_type_name"], f"Вес вида работы не указан: взят вес по умолчанию {fallback:g}"
            )
    for lesson in draft.lessons.values():
        lesson.pop("_is_control", None)


def _read_mark(
    mark: Payload, pupil_id: str, index: int, draft: Draft, notes: Notes, weights: dict[str, collections.Counter]
) -> None:
    raw = mark.get("value", "str")
    lesson_id = safe_id(mark.get("lesson_id", "id"))
    lesson = draft.lessons.get(lesson_id)
    if lesson is None:
        raise ImportRefused(mark.file_name, mark.path, "lesson_id", f"урока {lesson_id} нет в getdiary.json")
    day = mark.get("date", "date")
    if day != lesson["lesson_date"]:
        raise ImportRefused(mark.file_name, mark.path, "date", f"дата не совпадает с датой урока {lesson_id}")
    entered_at = dt.datetime.combine(day, dt.time())
    code = ABSENCE_CODES.get(raw.strip().lower())
    if code is not None:
        draft.attendance[(pupil_id, lesson_id)] = {
            "pupil_id": pupil_id,
            "lesson_id": lesson_id,
            "absence_code": code,
            "entered_at": entered_at,
        }
        return
    value = current_mark(raw)
    if value is None and mark.has("convert"):
        converted = mark.get("convert", "str" if isinstance(mark.value["convert"], str) else "number")
        value = current_mark(f"{converted:g}" if isinstance(converted, float) else converted)
    if value is None:
        notes.add(mark, "value", raw, "Неизвестная отметка или код: не загружена")
        return
    mtype = mark.child("mtype")
    type_name = mtype.get("type", "str")
    work_type_id = safe_id(mtype.get("short", "str", required=False) or type_name)
    is_control = lesson["_is_control"] or "контрольн" in type_name.lower()
    draft.add_work_type(work_type_id, type_name, 0.0, is_control)
    weight = mark.get("weight", "number", required=False)
    if weight is not None:
        if not 0 < weight <= 10:
            raise ImportRefused(mark.file_name, mark.path, "weight", f"вес {weight:g} вне (0; 10]")
        weights[work_type_id][weight] += 1
    mark_id = safe_id(f"{lesson_id}-{pupil_id}-{index}")
    draft.marks[mark_id] = {
        "mark_id": mark_id,
        "pupil_id": pupil_id,
        "lesson_id": lesson_id,
        "mark_value": value,
        "work_type_id": work_type_id,
        "weight": weight,
        "entered_at": entered_at,
        "entered_by": lesson["teacher_id"],
    }
    notes.add(mark, "date", None, "ЭлЖур не сообщает момент выставления: взята дата урока", once="entered_at")


def _read_finals(result: Payload, draft: Draft, notes: Notes) -> None:
    teachers: dict[tuple[str, str], collections.Counter[str]] = collections.defaultdict(collections.Counter)
    for lesson in draft.lessons.values():
        teachers[(lesson["class_id"], lesson["subject_id"])][lesson["teacher_id"]] += 1
    for student in _students(result):
        pupil_id = safe_id(student.get("name", "id"))
        class_id = draft.pupil_class.get(pupil_id)
        if class_id is None:
            raise ImportRefused(student.file_name, student.path, "name", f"ученика {pupil_id} нет в getdiary.json")
        for item in student.items("items"):
            subject_name = item.get("name", "str")
            subject_id = draft.add_subject(safe_id(subject_name), subject_name)
            teacher = teachers.get((class_id, subject_id))
            for final in item.items("assessments"):
                notes.unknown(final, {"value", "period", "comment"})
                _read_final(final, pupil_id, subject_id, teacher, draft, notes)


def _read_final(
    final: Payload, pupil_id: str, subject_id: str, teacher: collections.Counter | None, draft: Draft, notes: Notes
) -> None:
    raw, period_name = final.get("value", "str"), final.get("period", "str")
    parsed = period_mark(raw)
    if parsed is None:
        notes.add(final, "value", raw, "Неизвестная итоговая отметка: не загружена")
        return
    period_id = draft.period_by_name(period_name)
    kind = "period" if period_id else next((k for w, k in KIND_BY_WORD if w in period_name.lower()), None)
    if kind is None:
        notes.add(final, "period", period_name, "Неизвестный период итоговой отметки: не загружена")
        return
    if teacher is None:
        raise ImportRefused(
            final.file_name, final.path, "period", "нет ни одного урока предмета: неизвестно, кто выставил"
        )
    end = draft.periods[period_id]["end_date"] if period_id else draft.year_period_end()
    draft.period_marks[(pupil_id, subject_id, kind, period_id)] = {
        "pupil_id": pupil_id,
        "subject_id": subject_id,
        "mark_kind_code": kind,
        "period_id": period_id,
        "mark_value": parsed[0],
        "na_reason_code": parsed[1],
        "entered_at": dt.datetime.combine(end, dt.time()),
        "entered_by": teacher.most_common(1)[0][0],
    }
