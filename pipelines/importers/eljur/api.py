"""ЭлЖур: the apiv3 answers getperiods, getdiary, getmarks, getfinalassessments and getrules.

A bundle is a folder or zip with one file per request, each the full apiv3 answer
(``{"response": {"state": 200, "error": null, "result": {...}}}``, or the bare ``result``).
Real answers name no lesson by id: a lesson is the pupil's diary item of a day (``days`` keyed
by ГГГГММДД, ``items`` keyed by the lesson's number), identified by its class, day, number,
subject (the item's ``lesson_id``) and subgroup (``grp``). Field mapping: docs/importers.md,
section «ЭлЖур»; the fields of each answer: fields.py.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from pipelines.importers.api_draft import Draft, period_kind, period_mark, period_number
from pipelines.importers.api_payload import Payload, PayloadNotes, bundle_moment, bundle_names, read_bundle
from pipelines.importers.contract import ImportContext, ImportNote
from pipelines.importers.eljur import fields
from pipelines.importers.eljur.answers import day_of, keyed, listed, result_of, students, text
from pipelines.importers.eljur.marks import Lessons, Slot, read_assessments, read_getmarks
from pipelines.importers.eljur.rules import RULES, SCHOOL, Rules, read_rules, read_school
from pipelines.importers.ids import slug_id, source_id, stable_id
from pipelines.importers.names import class_grade, normalise_name, split_full_name
from pipelines.importers.work_types import WorkTypes
from pipelines.issues import ExportRefused

PERIODS, DIARY, MARKS, FINALS = "getperiods.json", "getdiary.json", "getmarks.json", "getfinalassessments.json"
KIND_BY_WORD = (("год", "year"), ("экзам", "exam"), ("итог", "final"))


class EljurImporter:
    name = "eljur"
    title = "ЭлЖур"

    def detect(self, path: Path) -> bool:
        names = bundle_names(path)
        return DIARY in names and (MARKS in names or PERIODS in names)

    def convert(self, path: Path, out_dir: Path, context: ImportContext) -> list[ImportNote]:
        files = read_bundle(path, (PERIODS, DIARY), (MARKS, FINALS, SCHOOL, RULES))
        notes = PayloadNotes()
        draft = Draft("ЭлЖур", DIARY, notes, WorkTypes(context.norms, notes))
        rules = read_rules(result_of(files[RULES], notes) if RULES in files else None, notes)
        draft.school = read_school(files.get(SCHOOL), rules, context, notes)
        period_names = _read_periods(result_of(files[PERIODS], notes), draft)
        first = min(r["start_date"] for r in draft.periods.values())
        lessons = Lessons()
        diary = result_of(files[DIARY], notes)
        _read_diary(diary, draft, rules, context, first.year if first.month >= 9 else first.year - 1, lessons)
        _read_marks(result_of(files[MARKS], notes) if MARKS in files else None, lessons, draft)
        if FINALS in files:
            _read_finals(result_of(files[FINALS], notes), draft, period_names)
        draft.write(out_dir, bundle_moment([path / name for name in files]))
        return list(notes)


def _read_marks(marks: Payload | None, lessons: Lessons, draft: Draft) -> None:
    """getmarks when it names a pupil; else (no file, or an empty answer) the diary's own assessments."""
    if marks is not None and students(marks):
        read_getmarks(marks, lessons, draft)
        return
    if marks is not None:
        message = "в ответе getmarks нет ни одного ученика: загружены отметки самого дневника (assessments)"
        draft.notes.at(marks, "students", None, message)
    read_assessments(lessons, draft)


def _read_periods(result: Payload, draft: Draft) -> dict[str, str]:
    """The terms of getperiods; returns the period of each name and full name («I», «I четверть»)."""
    names: dict[str, str] = {}
    for _, student in students(result):
        draft.notes.unknown(student, fields.STUDENT)
        for period in listed(student, "periods"):
            draft.notes.unknown(period, fields.PERIOD)
            _read_period(period, draft, names)
    if not draft.periods:
        raise ExportRefused(PERIODS, _students_path(result), "periods", "нет ни одного учебного периода")
    return names


def _read_period(period: Payload, draft: Draft, names: dict[str, str]) -> None:
    """A term, named by its full name; the whole year, a switched-off («disabled») or undated
    («ambigious») one is not a term."""
    name = text(period, "name")
    full = text(period, "fullname", required=False) or name
    if period.value.get("disabled") is True or period.value.get("ambigious") is True:
        draft.notes.at(period, "name", name, "период отключён или без точных дат в ЭлЖур: пропущен", once=name)
        return
    if any(normalise_name(n) in ("год", "учебный год") for n in (name, full)):
        return
    kind = period_kind(full) or period_kind(name)
    number = period_number(full) or period_number(name)
    key = draft.add_period(period, full, day_of(period, "start"), day_of(period, "end"), kind=kind, number=number)
    names.update({normalise_name(name): key, normalise_name(full): key})


def _read_diary(
    result: Payload, draft: Draft, rules: Rules, context: ImportContext, first_year: int, lessons: Lessons
) -> None:
    if not students(result):
        raise ExportRefused(DIARY, _students_path(result), "students", "в ответе getdiary нет ни одного ученика")
    for pupil_id, student in students(result):
        draft.notes.unknown(student, fields.STUDENT)
        class_id = _add_pupil(pupil_id, student, draft, rules, context, first_year)
        for day_key, day in keyed(student, "days"):
            draft.notes.unknown(day, fields.DAY)
            day_date = day_of(day if day.has("name") else Payload({"name": day_key}, day.file_name, day.path), "name")
            for _, item in keyed(day, "items"):
                _read_item(item, day_date, pupil_id, class_id, draft, lessons)
            if day.value.get("items_extday"):
                draft.notes.at(
                    day, "items_extday", None, "внеурочные занятия (items_extday) не загружаются", once="extday"
                )
    if not draft.lessons:
        raise ExportRefused(
            DIARY, _students_path(result), "days", "в getdiary нет ни одного урока: выгрузите дневник за учебные дни"
        )


def _students_path(result: Payload) -> str:
    return f"{result.path}.students" if result.path else "students"


def _add_pupil(
    pupil_id: str, student: Payload, draft: Draft, rules: Rules, context: ImportContext, first_year: int
) -> str:
    class_name = rules.class_of(pupil_id, student, context)
    grade = class_grade(class_name)
    if grade is None:
        raise ExportRefused(student.file_name, student.path, "class", f"«{class_name}» — не класс с параллелью 1–11")
    class_id = slug_id(f"{first_year}-{class_name}")
    draft.classes.setdefault(class_id, {"class_id": class_id, "class_name": class_name, "grade": grade})
    pupil = source_id("p", pupil_id)
    draft.pupils[pupil] = {
        "pupil_id": pupil,
        **split_full_name(text(student, "title")),
        "has_consent": False,
    }
    draft.pupil_class[pupil] = class_id
    return class_id


def _read_item(item: Payload, day: dt.date, pupil_id: str, class_id: str, draft: Draft, lessons: Lessons) -> None:
    draft.notes.unknown(item, fields.LESSON)
    number = item.get("num", "int")
    if not 0 <= number <= 12:
        raise ExportRefused(item.file_name, item.path, "num", f"номер урока {number} вне 0–12")
    subject_name = text(item, "name")
    subject_key = item.get("lesson_id", "id", required=False)
    group = _subgroup(item, draft.classes[class_id]["class_name"])
    teacher_id = _teacher(item, draft)
    # without ``grp`` (older servers) two subgroups' lessons at the same hour differ by their teacher
    part = group or teacher_id
    lesson_id = stable_id("l", class_id, day.isoformat(), number, subject_key or normalise_name(subject_name), part)
    lesson = {
        "lesson_id": lesson_id,
        "lesson_date": day,
        "lesson_number": number,
        "class_id": class_id,
        "subject_id": draft.add_subject(subject_name, item, "name"),
        "teacher_id": teacher_id,
        "topic": text(item, "topic", required=False) or None,
        "homework": _homework(item, draft.notes),
        "_is_control": bool(item.get("is_control", "bool", required=False)),
    }
    draft.add_lesson(item, lesson)
    pupil = source_id("p", pupil_id)
    draft.saw_lesson(pupil, lesson_id)
    if group:
        _add_group(lesson, group, pupil, draft)
    lessons.slots[(pupil, day)].append(Slot(lesson_id, subject_key, normalise_name(subject_name), number))
    lessons.assessments.extend((pupil, lesson_id, mark) for mark in listed(item, "assessments"))


def _subgroup(item: Payload, class_name: str) -> str | None:
    """The subgroup's name (``grp``); a ``grp`` that names the class itself is the whole class."""
    group = text(item, "grp", required=False)
    short = text(item, "grp_short", required=False)
    if not group or normalise_name(short or group) == normalise_name(class_name):
        return None
    return group


def _add_group(lesson: dict, group: str, pupil_id: str, draft: Draft) -> None:
    group_id = slug_id(f"{lesson['class_id']}-{lesson['subject_id']}-{group}")
    lesson["group_id"] = group_id
    draft.groups.setdefault(
        group_id,
        {
            "group_id": group_id,
            "class_id": lesson["class_id"],
            "subject_id": lesson["subject_id"],
            "group_name": group,
            "teacher_id": lesson["teacher_id"],
        },
    )
    draft.group_members[(pupil_id, group_id)] = {"pupil_id": pupil_id, "group_id": group_id}


def _teacher(item: Payload, draft: Draft) -> str:
    name = text(item, "teacher", required=False)
    if not name:
        draft.notes.at(item, "teacher", None, "у урока не указан учитель: «Не указан Учитель»", once="no teacher")
        return draft.unknown_teacher()
    parts = split_full_name(name)
    return draft.add_teacher(slug_id(name, "t:"), parts["last_name"], parts["first_name"], parts["middle_name"])


def _homework(item: Payload, notes: PayloadNotes) -> str | None:
    """The class's tasks (``homework`` keyed by task id, or text) joined by «; »; personal ones are not loaded."""
    if isinstance(item.value.get("homework"), str):
        return text(item, "homework") or None
    tasks = []
    for _, task in keyed(item, "homework"):
        notes.unknown(task, fields.HOMEWORK)
        if task.value.get("individual") is not True:
            tasks.append(text(task, "value", required=False))
    return "; ".join(t for t in tasks if t) or None


def _read_finals(result: Payload, draft: Draft, period_names: dict[str, str]) -> None:
    for pupil_id, student in students(result):
        draft.notes.unknown(student, fields.STUDENT)
        pupil = source_id("p", pupil_id)
        if pupil not in draft.pupils:
            raise ExportRefused(student.file_name, student.path, "name", f"ученика {pupil_id} нет в getdiary.json")
        for item in listed(student, "items"):
            draft.notes.unknown(item, fields.FINAL_SUBJECT)
            subject_id = draft.add_subject(text(item, "name"), item, "name")
            teacher = draft.subject_teacher(draft.pupil_class[pupil], subject_id)
            for final in listed(item, "assessments"):
                draft.notes.unknown(final, fields.FINAL)
                _read_final(final, (pupil, subject_id, teacher), draft, period_names)


def _read_final(final: Payload, owner: tuple[str, str, str | None], draft: Draft, period_names: dict[str, str]) -> None:
    """A final mark of (pupil, subject, teacher of the subject) for a term (by its name), the year or an exam."""
    pupil_id, subject_id, teacher = owner
    raw, period_name = text(final, "value"), text(final, "period")
    parsed = period_mark(raw)
    if parsed is None:
        if raw:
            draft.notes.at(final, "value", raw, f"«{raw}» — не итоговая отметка: не загружена")
        return
    period_id = period_names.get(normalise_name(period_name))
    kind = "period" if period_id else next((k for w, k in KIND_BY_WORD if w in period_name.lower()), None)
    if kind is None:
        draft.notes.at(
            final, "period", period_name, f"период «{period_name}» не найден в getperiods.json: не загружена"
        )
        return
    if teacher is None:
        draft.notes.at(
            final, "period", None, "нет уроков предмета в getdiary.json: выставил «Не указан Учитель»", once="teacher"
        )
        teacher = draft.unknown_teacher()
    end = draft.periods[period_id]["end_date"] if period_id else draft.year_end()
    entered = dt.datetime.combine(end, dt.time())
    draft.add_period_mark(pupil_id, subject_id, kind, period_id, parsed, entered, teacher, final)
