"""МЭШ / «Моя школа»: the family API answers for each pupil, one JSON file per request kind.

Files: profile.json (pupils, class, school), periods.json, lessons.json (schedule items with
lesson_topic, lesson_homeworks and attendance), marks.json, and optionally subject_marks.json
(period and year marks). Per-pupil answers are listed as ``{"student_id": …, "payload": […]}``.
Field mapping: docs/importers.md, section «МЭШ».
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from pipelines.importers.absences import map_absence_code
from pipelines.importers.api_draft import Draft, period_mark
from pipelines.importers.api_payload import Payload, PayloadNotes, bundle_moment, bundle_names, read_bundle
from pipelines.importers.contract import ImportContext, ImportNote
from pipelines.importers.ids import slug_id, source_id
from pipelines.importers.marks import resolve_mark
from pipelines.importers.names import class_grade
from pipelines.importers.work_types import WorkTypes
from pipelines.issues import ExportRefused

PROFILE, PERIODS, LESSONS, MARKS, SUBJECT_MARKS = (
    "profile.json",
    "periods.json",
    "lessons.json",
    "marks.json",
    "subject_marks.json",
)
MOSCOW = "77"
CHILD_FIELDS = {"id", "last_name", "first_name", "middle_name", "birth_date", "sex", "class_name", "class_level_id"}
CHILD_FIELDS |= {"school", "class_unit_id", "contract_id"}
MARK_FIELDS = {"id", "value", "values", "weight", "control_form_name", "date", "created_at", "updated_at", "is_exam"}
MARK_FIELDS |= {"is_point", "point_date", "comment", "comment_exists", "subject_id", "subject_name"}
MARK_FIELDS |= {"schedule_lesson_id", "original_grade_system_type", "criteria", "topic_name"}
LESSON_FIELDS = {"id", "date", "lesson_number", "subject_id", "subject_name", "teacher", "lesson_topic"}
LESSON_FIELDS |= {"lesson_homeworks", "is_missed_lesson", "absence_reason", "room_number", "begin_time", "end_time"}
GENDER = {"male": "м", "female": "ж", "м": "м", "ж": "ж"}


class MeshImporter:
    name = "mesh"
    title = "МЭШ / «Моя школа»"

    def detect(self, path: Path) -> bool:
        names = bundle_names(path)
        return {PROFILE, MARKS, LESSONS} <= names

    def convert(self, path: Path, out_dir: Path, context: ImportContext) -> list[ImportNote]:
        files = read_bundle(path, (PROFILE, PERIODS, LESSONS, MARKS), (SUBJECT_MARKS,))
        notes = PayloadNotes()
        draft = Draft("МЭШ", PROFILE, notes, WorkTypes(context.norms, notes))
        for period in _list(files[PERIODS]):
            notes.unknown(period, {"id", "title", "name", "start", "end"})
            name = period.get("title", "str") if period.has("title") else period.get("name", "str")
            draft.add_period(period, name, period.get("start", "date"), period.get("end", "date"))
        if not draft.periods:
            raise ExportRefused(PERIODS, None, None, "нет ни одного учебного периода")
        _read_profile(files[PROFILE], draft, context)
        for pupil_id, lesson in _per_pupil(files[LESSONS], draft):
            _read_lesson(lesson, pupil_id, draft)
        for pupil_id, mark in _per_pupil(files[MARKS], draft):
            _read_mark(mark, pupil_id, draft)
        for pupil_id, subject in _per_pupil(files[SUBJECT_MARKS], draft) if SUBJECT_MARKS in files else []:
            _read_subject_marks(subject, pupil_id, draft)
        draft.write(out_dir, bundle_moment([path / name for name in files]))
        return list(notes)


def _list(node: Payload) -> list[Payload]:
    """A bare list, or the ``payload`` list of an answer."""
    return node.items("payload") if isinstance(node.value, dict) else node.items()


def _per_pupil(node: Payload, draft: Draft) -> list[tuple[str, Payload]]:
    """Elements of per-pupil answers ``[{"student_id", "payload": […]}]`` with the pupil's id."""
    out = []
    for answer in node.items():
        draft.notes.unknown(answer, {"student_id", "payload"})
        pupil_id = source_id("p", answer.get("student_id", "id"))
        if pupil_id not in draft.pupils:
            raise ExportRefused(answer.file_name, answer.path, "student_id", f"ученика {pupil_id} нет в profile.json")
        out += [(pupil_id, item) for item in answer.items("payload")]
    return out


def _read_profile(node: Payload, draft: Draft, context: ImportContext) -> None:
    children = node.expect("object").items("children")
    if not children:
        raise ExportRefused(node.file_name, "children", None, "нет ни одного ученика")
    first = min(r["start_date"] for r in draft.periods.values())
    first_year = first.year if first.month >= 9 else first.year - 1
    for child in children:
        draft.notes.unknown(child, CHILD_FIELDS)
        school = child.child("school")
        school_id = source_id("s", school.get("id", "id"))
        if draft.school and draft.school["school_id"] != school_id:
            raise ExportRefused(child.file_name, school.path, "id", "ученики разных школ в одной выгрузке")
        name = school.get("name", "str")
        draft.school = {
            "school_id": school_id,
            "school_name": name,
            "short_name": school.get("short_name", "str", required=False) or name,
            "region_id": str(context.extra.get("region_id") or MOSCOW),
        }
        class_name = child.get("class_name", "str")
        grade = class_grade(class_name)
        if grade is None:
            raise ExportRefused(
                child.file_name, child.path, "class_name", f"«{class_name}» — не класс с параллелью 1–11"
            )
        class_id = slug_id(f"{first_year}-{class_name}")
        draft.classes.setdefault(class_id, {"class_id": class_id, "class_name": class_name, "grade": grade})
        pupil_id = source_id("p", child.get("id", "id"))
        draft.pupils[pupil_id] = {
            "pupil_id": pupil_id,
            "last_name": child.get("last_name", "str"),
            "first_name": child.get("first_name", "str"),
            "middle_name": child.get("middle_name", "str", required=False),
            "birth_date": child.get("birth_date", "date", required=False),
            "gender_code": GENDER.get((child.get("sex", "str", required=False) or "").lower()),
            "has_consent": False,
        }
        draft.pupil_class[pupil_id] = class_id


def _read_lesson(lesson: Payload, pupil_id: str, draft: Draft) -> None:
    draft.notes.unknown(lesson, LESSON_FIELDS)
    lesson_id = source_id("l", lesson.get("id", "id"))
    teacher = lesson.child("teacher")
    teacher_id = draft.add_teacher(
        source_id("t", teacher.get("id", "id")),
        teacher.get("last_name", "str"),
        teacher.get("first_name", "str"),
        teacher.get("middle_name", "str", required=False) or "",
    )
    number = lesson.get("lesson_number", "int")
    if not 0 <= number <= 12:
        raise ExportRefused(lesson.file_name, lesson.path, "lesson_number", f"номер урока {number} вне 0–12")
    homeworks = lesson.items("lesson_homeworks", required=False)
    texts = [hw.get("homework", "str") for hw in homeworks]
    created = [hw.get("homework_created_at", "datetime") for hw in homeworks if hw.has("homework_created_at")]
    for hw in homeworks:
        draft.notes.unknown(hw, {"homework", "date_assigned_on", "homework_created_at", "homework_updated_at"})
    row = {
        "lesson_id": lesson_id,
        "lesson_date": lesson.get("date", "date"),
        "lesson_number": number,
        "class_id": draft.pupil_class[pupil_id],
        "subject_id": draft.add_subject(lesson.get("subject_name", "str"), lesson, "subject_name"),
        "teacher_id": teacher_id,
        "topic": lesson.get("lesson_topic", "str", required=False),
        "homework": "; ".join(t for t in texts if t) or None,
        "homework_entered_at": min(created) if created else None,
    }
    draft.add_lesson(lesson, row)
    draft.saw_lesson(pupil_id, lesson_id)
    reason = lesson.get("absence_reason", "str", required=False)
    if reason or lesson.get("is_missed_lesson", "bool", required=False):
        code = map_absence_code(reason or "н", draft.notes, lesson.file_name, lesson.path, "absence_reason")
        if code is not None:
            draft.add_absence(pupil_id, lesson_id, code)


def _five_point(mark: Payload, draft: Draft) -> str | None:
    """The mark on the 5-point scale: ``values[].grade.five`` (two values make «4/5»), else ``value``."""
    fives = []
    for value in mark.items("values", required=False):
        five = value.child("grade").get("five", "number")
        if not float(five).is_integer():
            draft.notes.at(value, "five", five, f"отметка {five:g} по пятибалльной шкале округлена до {round(five)}")
        fives.append(str(round(five)))
    raw = "/".join(fives) if fives else mark.get("value", "str")
    return resolve_mark(raw, draft.notes, mark.file_name, mark.path, "values" if fives else "value")


def _read_mark(mark: Payload, pupil_id: str, draft: Draft) -> None:
    draft.notes.unknown(mark, MARK_FIELDS)
    lesson_id = source_id("l", mark.get("schedule_lesson_id", "id"))
    lesson = draft.lessons.get(lesson_id)
    if lesson is None:
        raise ExportRefused(mark.file_name, mark.path, "schedule_lesson_id", f"урока {lesson_id} нет в lessons.json")
    if mark.get("date", "date") != lesson["lesson_date"]:
        raise ExportRefused(mark.file_name, mark.path, "date", f"дата не совпадает с датой урока {lesson_id}")
    value = _five_point(mark, draft)
    if value is None:
        return
    weight = mark.get("weight", "number")
    if not 0 < weight <= 10:
        raise ExportRefused(mark.file_name, mark.path, "weight", f"вес {weight:g} вне (0; 10]")
    form = mark.get("control_form_name", "str")
    is_control = bool(mark.get("is_exam", "bool", required=False)) or "контрольн" in form.lower()
    work_type_id = draft.work_types.resolve(form, mark.file_name, mark.path, weight=weight, is_control=is_control)
    mark.get("is_point", "bool", required=False)
    mark_id = source_id("m", mark.get("id", "id"))
    entered_at = mark.get("created_at", "datetime")
    draft.add_mark(mark_id, pupil_id, lesson_id, value, work_type_id, entered_at, lesson["teacher_id"], weight)


def _read_subject_marks(subject: Payload, pupil_id: str, draft: Draft) -> None:
    draft.notes.unknown(subject, {"subject_id", "subject_name", "periods", "year_mark", "average", "dynamic"})
    subject_id = draft.add_subject(subject.get("subject_name", "str"), subject, "subject_name")
    teacher = draft.subject_teacher(draft.pupil_class[pupil_id], subject_id)
    for period in subject.items("periods", required=False):
        draft.notes.unknown(period, {"title", "start", "end", "fixed_value", "value", "marks", "count", "dynamic"})
        if not period.has("fixed_value"):
            continue
        start, end = period.get("start", "date"), period.get("end", "date")
        period_id = draft.add_period(period, period.get("title", "str"), start, end)
        _add_final(period, "fixed_value", pupil_id, subject_id, "period", period_id, end, teacher, draft)
    if subject.has("year_mark"):
        _add_final(subject, "year_mark", pupil_id, subject_id, "year", None, draft.year_end(), teacher, draft)


def _add_final(
    node: Payload,
    field_name: str,
    pupil_id: str,
    subject_id: str,
    kind: str,
    period_id: str | None,
    end: dt.date,
    teacher: str | None,
    draft: Draft,
) -> None:
    raw = node.get(field_name, "str")
    parsed = period_mark(raw)
    if parsed is None:
        draft.notes.at(node, field_name, raw, f"«{raw}» — не итоговая отметка: не загружена")
        return
    if teacher is None:
        raise ExportRefused(
            node.file_name, node.path, field_name, "нет ни одного урока предмета: неизвестно, кто выставил"
        )
    draft.add_period_mark(pupil_id, subject_id, kind, period_id, parsed, dt.datetime.combine(end, dt.time()), teacher)
