"""Дневник.ру and «Школьный портал» (the same v2 API): one JSON file per v2 request.

Files: school.json, edu-groups.json, students.json, teachers.json, work-types.json,
reporting-periods.json, lessons.json, works.json, marks.json, and optionally
lesson-log-entries.json and final-marks.json. Field mapping: docs/importers.md, section
«Дневник.ру».
"""

from __future__ import annotations

from pathlib import Path

from pipelines.importers.absences import map_absence_code
from pipelines.importers.api_draft import Draft, period_mark
from pipelines.importers.api_payload import Payload, PayloadNotes, bundle_moment, bundle_names, read_bundle
from pipelines.importers.contract import ImportContext, ImportNote
from pipelines.importers.ids import source_id
from pipelines.importers.marks import canonical_mark, resolve_mark
from pipelines.importers.work_types import WorkTypes
from pipelines.issues import ExportRefused

SCHOOL, GROUPS, STUDENTS, TEACHERS = "school.json", "edu-groups.json", "students.json", "teachers.json"
WORK_TYPES, PERIODS, LESSONS, WORKS = "work-types.json", "reporting-periods.json", "lessons.json", "works.json"
MARKS, LOG, FINALS = "marks.json", "lesson-log-entries.json", "final-marks.json"
REQUIRED = (SCHOOL, GROUPS, STUDENTS, TEACHERS, WORK_TYPES, PERIODS, LESSONS, WORKS, MARKS)

PERIOD_TYPES = {"quarter": "quarter", "trimester": "trimester", "halfyear": "half_year", "semester": "semester"}
PERIOD_NAMES = {"quarter": "четверть", "trimester": "триместр", "half_year": "полугодие", "semester": "семестр"}
FINAL_KINDS = {"year": "year", "exam": "exam", "final": "final"}
PERSON_FIELDS = {"id", "id_str", "userId", "shortName", "firstName", "lastName", "middleName", "sex", "birthday"}
MARK_FIELDS = {"id", "id_str", "type", "value", "textValue", "person", "person_str", "work", "work_str", "lesson"}
MARK_FIELDS |= {"lesson_str", "number", "date", "workType", "mood", "use_avg_calc"}
WORK_FIELDS = {"id", "id_str", "type", "workType", "markType", "markCount", "lesson", "lesson_str", "eduGroup"}
WORK_FIELDS |= {"periodNumber", "periodType", "subjectId", "targetDate", "sentDate", "createdBy", "text", "status"}
LESSON_FIELDS = {"id", "id_str", "title", "date", "number", "subject", "teachers", "works", "status", "place"}
GROUP_FIELDS = {"id", "id_str", "type", "name", "fullName", "parallel", "studyyear", "status", "parentIds", "subjects"}
GENDER = {"male": "м", "female": "ж"}


class DnevnikImporter:
    name = "dnevnik"
    title = "Дневник.ру / «Школьный портал»"

    def detect(self, path: Path) -> bool:
        names = bundle_names(path)
        return {MARKS, WORKS, "edu-groups.json", PERIODS} <= names

    def convert(self, path: Path, out_dir: Path, context: ImportContext) -> list[ImportNote]:
        files = read_bundle(path, REQUIRED, (LOG, FINALS))
        notes = PayloadNotes()
        draft = Draft("Дневник.ру", STUDENTS, notes, WorkTypes(context.norms, notes))
        school = files[SCHOOL].expect("object")
        notes.unknown(school, {"id", "id_str", "name", "fullName", "region", "type", "city", "address"})
        region = school.get("region", "id", required=False) or str(context.extra.get("region_id") or "не_указан")
        draft.school = {
            "school_id": source_id("s", school.get("id", "id")),
            "school_name": school.get("fullName", "str", required=False) or school.get("name", "str"),
            "short_name": school.get("name", "str"),
            "region_id": region,
        }
        for period in files[PERIODS].items():
            _read_period(period, draft)
        groups = _read_groups(files[GROUPS], draft)
        _read_people(files[STUDENTS], files[TEACHERS], groups, draft)
        lesson_teacher, subjects = _read_lessons(files[LESSONS], groups, draft)
        work_types = _read_work_types(files[WORK_TYPES], notes)
        works = {_id(w, "id"): w for w in files[WORKS].items()}
        for mark in files[MARKS].items():
            _read_mark(mark, works, work_types, lesson_teacher, draft)
        for entry in files[LOG].items() if LOG in files else []:
            _read_log_entry(entry, draft)
        for mark in files[FINALS].items() if FINALS in files else []:
            _read_final(mark, works, subjects, draft)
        draft.write(out_dir, bundle_moment([path / name for name in files]))
        return list(notes)


def _id(node: Payload, name: str) -> str:
    return node.get(name, "id")


def _read_period(node: Payload, draft: Draft) -> None:
    draft.notes.unknown(node, {"id", "id_str", "start", "finish", "number", "type", "name", "year"})
    kind = PERIOD_TYPES.get(node.get("type", "str").lower())
    if kind is None:
        raise ExportRefused(node.file_name, node.path, "type", f"неизвестный вид периода «{node.value['type']}»")
    number = node.get("number", "int")
    name = node.get("name", "str", required=False) or f"{number} {PERIOD_NAMES[kind]}"
    draft.add_period(node, name, node.get("start", "date"), node.get("finish", "date"), kind=kind, number=number)


def _read_groups(node: Payload, draft: Draft) -> dict[str, tuple[str, str | None]]:
    """Edu groups → (class id, subgroup id or None). A group with ``parentIds`` is a subgroup of
    its first parent; its subject is taken from its lessons."""
    first = min(r["start_date"] for r in draft.periods.values()) if draft.periods else None
    if first is None:
        raise ExportRefused(PERIODS, None, None, "нет ни одного учебного периода")
    groups: dict[str, tuple[str, str | None]] = {}
    subgroups = []
    for group in node.items():
        draft.notes.unknown(group, GROUP_FIELDS)
        if group.has("parentIds"):
            subgroups.append(group)
            continue
        parallel = group.get("parallel", "int")
        if not 1 <= parallel <= 11:
            raise ExportRefused(group.file_name, group.path, "parallel", f"параллель {parallel} вне 1–11")
        class_id = source_id("c", _id(group, "id"))
        draft.classes[class_id] = {"class_id": class_id, "class_name": group.get("name", "str"), "grade": parallel}
        groups[_id(group, "id")] = (class_id, None)
    for group in subgroups:
        parents = group.items("parentIds")
        parent = _scalar_id(parents[0]) if parents else None
        if parent not in groups or groups[parent][1] is not None:
            raise ExportRefused(group.file_name, group.path, "parentIds", f"класса {parent} нет в edu-groups.json")
        class_id = groups[parent][0]
        group_id = source_id("g", _id(group, "id"))
        draft.groups[group_id] = {"group_id": group_id, "class_id": class_id, "group_name": group.get("name", "str")}
        groups[_id(group, "id")] = (class_id, group_id)
    return groups


def _group(node: Payload, groups: dict[str, tuple[str, str | None]]) -> tuple[str, str | None]:
    group_id = _id(node, "eduGroup")
    if group_id not in groups:
        raise ExportRefused(
            node.file_name, node.path, "eduGroup", f"класса или подгруппы {group_id} нет в edu-groups.json"
        )
    return groups[group_id]


def _person(node: Payload, draft: Draft) -> dict[str, str]:
    draft.notes.unknown(node, PERSON_FIELDS)
    return {
        "last_name": node.get("lastName", "str"),
        "first_name": node.get("firstName", "str"),
        "middle_name": node.get("middleName", "str", required=False) or "",
    }


def _read_people(students: Payload, teachers: Payload, groups: dict[str, str], draft: Draft) -> None:
    for block in students.items():
        class_id, group_id = _group(block, groups)
        for person in block.items("persons"):
            pupil_id = source_id("p", _id(person, "id"))
            if group_id is not None:
                draft.group_members[(pupil_id, group_id)] = {"pupil_id": pupil_id, "group_id": group_id}
                continue
            birthday = person.get("birthday", "date", required=False)
            sex = (person.get("sex", "str", required=False) or "").lower()
            draft.pupils[pupil_id] = {
                "pupil_id": pupil_id,
                **_person(person, draft),
                "birth_date": birthday,
                "gender_code": GENDER.get(sex),
                "has_consent": False,
            }
            draft.pupil_class[pupil_id] = class_id
    for pupil_id, _group_id in draft.group_members:
        if pupil_id not in draft.pupils:
            raise ExportRefused(STUDENTS, None, "persons", f"ученик {pupil_id} есть в подгруппе, но не в классе")
    for person in teachers.items():
        names = _person(person, draft)
        draft.add_teacher(
            source_id("t", _id(person, "id")), names["last_name"], names["first_name"], names["middle_name"]
        )


def _read_lessons(node: Payload, groups: dict[str, str], draft: Draft) -> tuple[dict[str, str], dict[str, str]]:
    """Lessons of each edu group; returns lesson id → its (first) teacher, source subject id → subject id."""
    teacher_of: dict[str, str] = {}
    subjects: dict[str, str] = {}
    for block in node.items():
        class_id, group_id = _group(block, groups)
        for lesson in block.items("lessons"):
            draft.notes.unknown(lesson, LESSON_FIELDS)
            lesson_id = source_id("l", _id(lesson, "id"))
            teachers = lesson.items("teachers")
            if not teachers:
                raise ExportRefused(lesson.file_name, lesson.path, "teachers", "у урока нет учителя")
            teacher_id = source_id("t", _scalar_id(teachers[0]))
            if teacher_id not in draft.teachers:
                raise ExportRefused(
                    lesson.file_name, lesson.path, "teachers", f"учителя {teacher_id} нет в teachers.json"
                )
            subject = lesson.child("subject")
            number = lesson.get("number", "int")
            if not 0 <= number <= 12:
                raise ExportRefused(lesson.file_name, lesson.path, "number", f"номер урока {number} вне 0–12")
            draft.lessons[lesson_id] = {
                "lesson_id": lesson_id,
                "lesson_date": lesson.get("date", "date"),
                "lesson_number": number,
                "class_id": class_id,
                "group_id": group_id,
                "subject_id": subjects.setdefault(
                    _id(subject, "id"), draft.add_subject(subject.get("name", "str"), subject, "name")
                ),
                "teacher_id": teacher_id,
                "topic": lesson.get("title", "str", required=False),
            }
            teacher_of[lesson_id] = teacher_id
            if group_id is not None:
                draft.groups[group_id].setdefault("subject_id", draft.lessons[lesson_id]["subject_id"])
                draft.groups[group_id].setdefault("teacher_id", teacher_id)
    for group_id, row in draft.groups.items():
        if "subject_id" not in row:
            draft.notes.at(node, "eduGroup", group_id, "у подгруппы нет уроков (неизвестен предмет): не загружена")
    return teacher_of, subjects


def _scalar_id(node: Payload) -> str:
    """A bare id inside a list (``teachers: [1000, 1001]``)."""
    value = Payload({"id": node.value}, node.file_name, node.path)
    return value.get("id", "id")


def _read_work_types(node: Payload, notes: PayloadNotes) -> dict[str, Payload]:
    types = {}
    for work_type in node.items():
        notes.unknown(work_type, {"id", "id_str", "title", "abbr", "weight", "kind", "isDefault"})
        work_type.get("title", "str")
        types[_id(work_type, "id")] = work_type
    return types


def _work(node: Payload, works: dict[str, Payload]) -> Payload:
    work_id = _id(node, "work")
    if work_id not in works:
        raise ExportRefused(node.file_name, node.path, "work", f"работы {work_id} нет в works.json")
    return works[work_id]


def _mark_value(node: Payload, draft: Draft) -> str | None:
    """``value`` if it is a mark, else ``textValue`` («зч», «нз»…); neither → a note and no mark."""
    raw = node.value.get("value")
    if raw is not None and (isinstance(raw, bool) or not isinstance(raw, str | int)):
        node.get("value", "str")  # refuses, naming the type found
    text = node.get("textValue", "str", required=False)
    if raw is None and text is None:
        raise ExportRefused(node.file_name, node.path, "value", "нет ни value, ни textValue")
    if raw is not None and (value := canonical_mark(str(raw))) is not None:
        return value
    if text is not None:
        return resolve_mark(text, draft.notes, node.file_name, node.path, "textValue")
    return resolve_mark(str(raw), draft.notes, node.file_name, node.path, "value")


def _read_mark(
    mark: Payload, works: dict[str, Payload], work_types: dict[str, Payload], teacher_of: dict[str, str], draft: Draft
) -> None:
    draft.notes.unknown(mark, MARK_FIELDS)
    work = _work(mark, works)
    draft.notes.unknown(work, WORK_FIELDS)
    lesson_id = source_id("l", mark.get("lesson", "id") if mark.has("lesson") else work.get("lesson", "id"))
    if lesson_id not in draft.lessons:
        raise ExportRefused(mark.file_name, mark.path, "lesson", f"урока {lesson_id} нет в lessons.json")
    pupil_id = source_id("p", _id(mark, "person"))
    if pupil_id not in draft.pupils:
        raise ExportRefused(mark.file_name, mark.path, "person", f"ученика {pupil_id} нет в students.json")
    value = _mark_value(mark, draft)
    if value is None:
        return
    type_id = mark.get("workType", "id") if mark.has("workType") else work.get("workType", "id")
    work_type = work_types.get(type_id)
    if work_type is None:
        name, weight = f"Вид работы {type_id}", None
        draft.notes.at(mark, "workType", type_id, f"вида работы {type_id} нет в work-types.json", once=type_id)
    else:
        name, weight = work_type.get("title", "str"), work_type.get("weight", "number", required=False)
    work_type_id = draft.work_types.resolve(
        name, mark.file_name, mark.path, weight=weight, type_id=source_id("w", type_id)
    )
    entered_at = mark.get("date", "datetime") if mark.has("date") else work.get("sentDate", "datetime")
    author = source_id("t", work.get("createdBy", "id")) if work.has("createdBy") else None
    if author not in draft.teachers:
        draft.notes.at(
            work, "createdBy", author, "автор отметки не найден в teachers.json: указан учитель урока", once="author"
        )
        author = teacher_of[lesson_id]
    mark_id = source_id("m", _id(mark, "id"))
    draft.add_mark(mark_id, pupil_id, lesson_id, value, work_type_id, entered_at, author)


def _read_log_entry(entry: Payload, draft: Draft) -> None:
    draft.notes.unknown(entry, {"person", "person_str", "lesson", "lesson_str", "status", "createdDate", "comment"})
    lesson_id = source_id("l", _id(entry, "lesson"))
    pupil_id = source_id("p", _id(entry, "person"))
    if lesson_id not in draft.lessons:
        raise ExportRefused(entry.file_name, entry.path, "lesson", f"урока {lesson_id} нет в lessons.json")
    if pupil_id not in draft.pupils:
        raise ExportRefused(entry.file_name, entry.path, "person", f"ученика {pupil_id} нет в students.json")
    code = map_absence_code(entry.get("status", "str"), draft.notes, entry.file_name, entry.path, "status")
    if code is not None:
        draft.add_absence(pupil_id, lesson_id, code, entry.get("createdDate", "datetime", required=False))


def _read_final(mark: Payload, works: dict[str, Payload], subjects: dict[str, str], draft: Draft) -> None:
    draft.notes.unknown(mark, MARK_FIELDS)
    work = _work(mark, works)
    pupil_id = source_id("p", _id(mark, "person"))
    if pupil_id not in draft.pupils:
        raise ExportRefused(mark.file_name, mark.path, "person", f"ученика {pupil_id} нет в students.json")
    raw = mark.get("textValue", "str", required=False) or str(mark.get("value", "id"))
    parsed = period_mark(raw)
    if parsed is None:
        draft.notes.at(mark, "value", raw, f"«{raw}» — не итоговая отметка: не загружена")
        return
    period_type = work.get("periodType", "str").lower()
    kind, period_id = FINAL_KINDS.get(period_type), None
    if kind is None:
        kind = "period"
        period_kind = PERIOD_TYPES.get(period_type)
        number = work.get("periodNumber", "int")
        period_id = draft.period_by_kind_number(period_kind, number) if period_kind else None
        if period_id is None:
            raise ExportRefused(work.file_name, work.path, "periodType", f"нет периода {period_type} № {number}")
    subject_id = subjects.get(work.get("subjectId", "id"))
    if subject_id is None:
        raise ExportRefused(work.file_name, work.path, "subjectId", "предмета нет среди уроков lessons.json")
    author = source_id("t", work.get("createdBy", "id"))
    if author not in draft.teachers:
        raise ExportRefused(work.file_name, work.path, "createdBy", f"учителя {author} нет в teachers.json")
    draft.add_period_mark(pupil_id, subject_id, kind, period_id, parsed, mark.get("date", "datetime"), author)
