"""Дневник.ру and «Школьный портал» (the same v2 API): one JSON file per v2 request, as the API gives it.

Files: school.json, edu-groups.json, students.json, teachers.json, work-types.json,
reporting-periods.json, lessons.json, marks.json, and optionally works.json,
lesson-log-entries.json and final-marks.json. Each file may hold the answer of one request or the
answers of several (one per class) joined into one list. Field mapping and the accepted shapes:
docs/importers.md, section «Дневник.ру».

Ids: the API gives every 64-bit id twice, as a number (``id``) and as text (``id_str``); a browser
or a JavaScript tool rounds the number (2260325488551003873 → 2260325488551004000), so the text
twin is read whenever it is there.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from pipelines.importers.absences import map_absence_code
from pipelines.importers.api_draft import Draft, origin_of, period_kind, period_mark
from pipelines.importers.api_payload import Payload, PayloadNotes, bundle_moment, bundle_names, read_bundle
from pipelines.importers.canonical_tables import UNKNOWN_TEACHER
from pipelines.importers.contract import ImportContext, ImportNote
from pipelines.importers.ids import source_id
from pipelines.importers.marks import canonical_mark, resolve_mark
from pipelines.importers.names import class_grade
from pipelines.importers.origins import ORIGIN
from pipelines.importers.work_types import WorkTypes
from pipelines.issues import ExportRefused

SCHOOL, GROUPS, STUDENTS, TEACHERS = "school.json", "edu-groups.json", "students.json", "teachers.json"
WORK_TYPES, PERIODS, LESSONS, WORKS = "work-types.json", "reporting-periods.json", "lessons.json", "works.json"
MARKS, LOG, FINALS = "marks.json", "lesson-log-entries.json", "final-marks.json"
REQUIRED = (SCHOOL, GROUPS, STUDENTS, TEACHERS, WORK_TYPES, PERIODS, LESSONS, MARKS)
OPTIONAL = (WORKS, LOG, FINALS)

PERIOD_TYPES = {"quarter": "quarter", "trimester": "trimester", "halfyear": "half_year", "semester": "semester"}
PERIOD_NAMES = {"quarter": "четверть", "trimester": "триместр", "half_year": "полугодие", "semester": "семестр"}
FINAL_KINDS = {"year": "year", "exam": "exam", "final": "final"}
PERIOD_WORK_TYPES = {"periodmark"}  # Work.type of a period (final) mark
GROUP_KINDS = {"group": False, "subgroup": True}  # EduGroup.type → is a subgroup
GENDER = {"male": "м", "female": "ж"}

SCHOOL_FIELDS = {"id", "id_str", "name", "fullName", "region", "regionId", "regionid", "type", "city", "address"}
SCHOOL_FIELDS |= {"avatarSmall", "municipality", "markType", "timeZone", "uses_avg", "uses_weighted_avg"}
SCHOOL_FIELDS |= {"educationType", "tsoCityId", "tsoRegionTreePath"}
PERIOD_FIELDS = {"id", "id_str", "start", "finish", "number", "type", "name", "year"}
GROUP_FIELDS = {"id", "id_str", "type", "name", "fullName", "parallel", "studyyear", "status", "parentIds"}
GROUP_FIELDS |= {"parentIds_str", "subjects", "timetable", "timetable_str", "educationType", "journaltype"}
GROUP_FIELDS |= {"journalType"}
PERSON_FIELDS = {"id", "id_str", "userId", "userId_str", "shortName", "firstName", "lastName", "middleName", "sex"}
PERSON_FIELDS |= {"birthday"}
TEACHER_FIELDS = {"Id", "IdStr", "UserId", "UserIdStr", "FirstName", "LastName", "MiddleName", "ShortName", "Sex"}
TEACHER_FIELDS |= {"DateBirth", "Email", "Subjects", "HouseMaster", "Education", "ScientificDegree", "StartDate"}
TEACHER_FIELDS |= {"scientificDegree", "PedagogicalActivityDate", "ManagingEmployee", "NameManagingPosition"}
TEACHER_FIELDS |= {"TeachingStaff", "NameTeacherPosition", "TrainingAndSupportStaff", "ServicePersonnel"}
TEACHER_FIELDS |= {"MedicalWorker", "NameMedicalPosition", "ExternalPartTime"}
WORK_TYPE_FIELDS = {"id", "id_str", "schoolId", "kindId", "kind", "title", "abbr", "weight", "isDefault"}
WORK_TYPE_FIELDS |= {"abbreviation", "name", "isFinal", "isImportant"}
LESSON_FIELDS = {"id", "id_str", "title", "date", "number", "subject", "group", "status", "resultPlaceId", "works"}
LESSON_FIELDS |= {"teachers", "teachers_str", "teachersStr", "place", "building", "floor", "hours", "subjectId"}
SUBJECT_FIELDS = {"id", "id_str", "name", "knowledgeArea", "knowledgeAreaId", "fgosSubjectId", "espSubjectName"}
SUBJECT_FIELDS |= {"halfYear"}
WORK_FIELDS = {"id", "id_str", "type", "workType", "markType", "markCount", "lesson", "lesson_str", "eduGroup"}
WORK_FIELDS |= {"eduGroup_str", "displayInJournal", "status", "tasks", "text", "periodNumber", "periodType"}
WORK_FIELDS |= {"subjectId", "isImportant", "targetDate", "sentDate", "createdBy", "files", "oneDriveLinks"}
MARK_FIELDS = {"id", "id_str", "type", "value", "textValue", "person", "person_str", "work", "work_str", "lesson"}
MARK_FIELDS |= {"lesson_str", "lessonStr", "number", "date", "workType", "mood", "use_avg_calc"}
LOG_FIELDS = {"person", "person_str", "lesson", "lesson_str", "status", "createdDate", "comment"}
PERSON_FINAL_FIELDS = {"person", "person_str", "group", "group_str", "reportingPeriod", "reportingPeriod_str"}
PERSON_FINAL_FIELDS |= {"per-subject-final-marks"}
FINALS_BUNDLE_FIELDS = {"marks", "works", "subjects", "workTypes"}

Groups = dict[str, tuple[str, str | None]]  # source group id → (class id, subgroup id or None)


@dataclass
class Finals:
    """What the period marks are resolved with: periods and subjects by their source ids."""

    periods: dict[str, str] = field(default_factory=dict)  # ReportingPeriod id → draft period key
    year_periods: set[str] = field(default_factory=set)  # ReportingPeriod ids of the whole year
    subjects: dict[str, str] = field(default_factory=dict)  # Subject id → subject id
    subject_names: dict[str, Payload] = field(default_factory=dict)  # Subject id → Subject of final-marks.json


class DnevnikImporter:
    name = "dnevnik"
    title = "Дневник.ру / «Школьный портал»"

    def detect(self, path: Path) -> bool:
        names = bundle_names(path)
        return {MARKS, GROUPS, PERIODS} <= names and bool({WORKS, LESSONS} & names)

    def convert(self, path: Path, out_dir: Path, context: ImportContext) -> list[ImportNote]:
        files = read_bundle(path, REQUIRED, OPTIONAL)
        notes = PayloadNotes()
        draft = Draft("Дневник.ру", STUDENTS, notes, WorkTypes(context.norms, notes))
        draft.school = _read_school(files[SCHOOL], context, notes)
        finals = Finals()
        for period in _period_items(files[PERIODS], notes):
            _read_period(period, draft, finals)
        groups = _read_groups(files[GROUPS], draft)
        _read_students(files[STUDENTS], groups, draft)
        for teacher in files[TEACHERS].items():
            _read_teacher(teacher, draft)
        works = {_ref(w, "id"): w for w in files[WORKS].items()} if WORKS in files else {}
        finals.subjects = _read_lessons(files[LESSONS], groups, works, draft)
        work_types = _read_work_types(files[WORK_TYPES], notes)
        # read before the marks: an allfinalmarks answer brings the works of its marks
        final_entries = list(_final_entries(files[FINALS], works, finals, notes)) if FINALS in files else []
        for mark in files[MARKS].items():
            _read_mark(mark, works, work_types, finals, draft)
        for entry in files[LOG].items() if LOG in files else []:
            _read_log_entry(entry, draft)
        for mark, subject_ref, period_ref in final_entries:
            _read_final(mark, _known_work(mark, works), subject_ref, period_ref, finals, draft)
        draft.write(out_dir, bundle_moment([path / name for name in files]))
        return list(notes)


def _ref(node: Payload, name: str, *twins: str, required: bool = True) -> str | None:
    """An id field, read from its text twin («id_str», or one of ``twins``) when there: the number
    may be rounded. A missing (or, when not required, zero) id gives None."""
    twin = next((twin for twin in (*twins, f"{name}_str") if node.has(twin)), None)
    value = node.get(twin, "id") if twin else node.get(name, "id", required=required)
    return None if not required and value == "0" else value


def _refs(node: Payload, name: str, *twins: str) -> list[str]:
    """A list of ids («teachers», «parentIds»), from its text twin when there; null is empty."""
    source = next((twin for twin in (*twins, f"{name}_str") if node.has(twin)), name)
    return [_scalar_id(item) for item in node.items(source, required=False)]


def _scalar_id(node: Payload) -> str:
    """A bare id inside a list (``teachers: [1000, 1001]``)."""
    return Payload({"id": node.value}, node.file_name, node.path).get("id", "id")


def _read_school(school: Payload, context: ImportContext, notes: PayloadNotes) -> dict[str, str]:
    school.expect("object")
    notes.unknown(school, SCHOOL_FIELDS)
    region = next((school.get(n, "id") for n in ("regionId", "regionid", "region") if school.has(n)), None)
    return {
        "school_id": source_id("s", _ref(school, "id")),
        "school_name": school.get("fullName", "str", required=False) or school.get("name", "str"),
        "short_name": school.get("name", "str"),
        "region_id": region or str(context.extra.get("region_id") or "не_указан"),
    }


def _period_items(node: Payload, notes: PayloadNotes) -> list[Payload]:
    """``edu-groups/{id}/reporting-periods`` (a list) or ``…/reporting-periods-group`` ({reportingPeriods})."""
    if isinstance(node.value, dict) and "reportingPeriods" in node.value:
        notes.unknown(node, {"id", "reportingPeriods", "holidays"})
        return node.items("reportingPeriods")
    return node.items()


def _read_period(node: Payload, draft: Draft, finals: Finals) -> None:
    """Register a reporting period under its source id. A type the importer does not know is read
    from the period's name («1 модуль» is not a term, «1 четверть» is); the whole year is not a term:
    its final marks are year marks."""
    draft.notes.unknown(node, PERIOD_FIELDS)
    period_type = node.get("type", "str")
    name = node.get("name", "str", required=False)
    if period_type.lower() == "year":
        draft.notes.at(node, "type", period_type, "период «весь год» — не учебный период: итоговые за него — годовые")
        finals.year_periods.add(_ref(node, "id"))
        return
    kind = PERIOD_TYPES.get(period_type.lower()) or (period_kind(name) if name else None)
    if kind is None:
        raise ExportRefused(node.file_name, node.path, "type", f"неизвестный вид периода «{period_type}»")
    number = node.get("number", "int")
    key = draft.add_period(
        node,
        name or f"{number} {PERIOD_NAMES[kind]}",
        node.get("start", "date"),
        node.get("finish", "date"),
        kind=kind,
        number=number,
    )
    finals.periods[_ref(node, "id", required=False) or key] = key


def _read_groups(node: Payload, draft: Draft) -> Groups:
    """Edu groups → (class id, subgroup id or None). ``type`` says class («Group») or subgroup
    («Subgroup»); without it a group with parents is a subgroup. A subgroup belongs to the class
    of its first parent; its subject and teacher are taken from its lessons."""
    if not draft.periods:
        raise ExportRefused(PERIODS, None, None, "нет ни одного учебного периода")
    groups: Groups = {}
    subgroups = []
    for group in node.items():
        draft.notes.unknown(group, GROUP_FIELDS)
        if _is_subgroup(group):
            subgroups.append(group)
            continue
        class_id = source_id("c", _ref(group, "id"))
        name = group.get("name", "str")
        draft.classes[class_id] = {"class_id": class_id, "class_name": name, "grade": _grade(group, name)}
        groups[_ref(group, "id")] = (class_id, None)
    for group in subgroups:
        parents = _refs(group, "parentIds")
        parent = parents[0] if parents else None
        if parent not in groups or groups[parent][1] is not None:
            problem = f"класса {parent} нет в edu-groups.json" if parent else "у подгруппы не указан класс"
            raise ExportRefused(group.file_name, group.path, "parentIds", problem)
        class_id = groups[parent][0]
        group_id = source_id("g", _ref(group, "id"))
        draft.groups[group_id] = {"group_id": group_id, "class_id": class_id, "group_name": group.get("name", "str")}
        groups[_ref(group, "id")] = (class_id, group_id)
    return groups


def _is_subgroup(group: Payload) -> bool:
    kind = group.get("type", "str", required=False)
    if kind is None:
        return bool(_refs(group, "parentIds"))
    if kind.lower() not in GROUP_KINDS:
        raise ExportRefused(
            group.file_name, group.path, "type", f"неизвестный вид группы «{kind}» (ожидается Group или Subgroup)"
        )
    return GROUP_KINDS[kind.lower()]


def _grade(group: Payload, name: str) -> int:
    """The class's parallel (1–11): ``parallel``, else the number in its name («7-H» → 7)."""
    parallel = group.get("parallel", "int", required=False)
    grade = parallel if parallel is not None else class_grade(name)
    if grade is None:
        raise ExportRefused(group.file_name, group.path, "parallel", f"нет параллели, и в названии «{name}» её нет")
    if not 1 <= grade <= 11:
        raise ExportRefused(group.file_name, group.path, "parallel", f"параллель {grade} вне 1–11")
    return grade


def _group(node: Payload, groups: Groups, name: str = "eduGroup") -> tuple[str, str | None]:
    group_id = _ref(node, name)
    if group_id not in groups:
        raise ExportRefused(node.file_name, node.path, name, f"класса или подгруппы {group_id} нет в edu-groups.json")
    return groups[group_id]


def _student_blocks(node: Payload, groups: Groups, notes: PayloadNotes) -> Iterator[tuple[tuple, list[Payload]]]:
    """(class and subgroup, persons) of each saved answer: ``[{eduGroup, persons}]``, the answer of
    ``POST edu-groups`` (``[{group: EduGroup, students: [{person, membershipstatus}]}]``), or a bare
    list of persons (``edu-groups/{id}/persons``) when the school has a single class."""
    loose = []
    for item in node.items():
        if _holds(item, "persons"):
            notes.unknown(item, {"eduGroup", "eduGroup_str", "persons"})
            yield _group(item, groups), item.items("persons", required=False)
        elif _holds(item, "students"):
            notes.unknown(item, {"group", "students"})
            group = item.child("group")
            notes.unknown(group, GROUP_FIELDS)
            yield (
                _group(group, groups, "id"),
                [_member(student, notes) for student in item.items("students", required=False)],
            )
        else:
            loose.append(item)
    if loose:
        classes = sorted({value for value in groups.values() if value[1] is None})
        if len(classes) != 1:
            raise ExportRefused(
                node.file_name,
                loose[0].path,
                "eduGroup",
                f"ученики без класса, а классов в edu-groups.json {len(classes)}: сохраните ответы по классам"
                " как [{eduGroup, persons}] или ответ POST edu-groups",
            )
        yield classes[0], loose


def _holds(node: Payload, name: str) -> bool:
    """The object has the field, even if empty or null (a wrapper of an answer, not a record)."""
    return isinstance(node.value, dict) and name in node.value


def _member(student: Payload, notes: PayloadNotes) -> Payload:
    notes.unknown(student, {"person", "membershipstatus"})
    return student.child("person")


def _person(node: Payload, draft: Draft) -> dict[str, str]:
    draft.notes.unknown(node, PERSON_FIELDS)
    return {
        "last_name": node.get("lastName", "str"),
        "first_name": node.get("firstName", "str"),
        "middle_name": node.get("middleName", "str", required=False) or "",
    }


def _read_students(node: Payload, groups: Groups, draft: Draft) -> None:
    for (class_id, group_id), persons in _student_blocks(node, groups, draft.notes):
        for person in persons:
            pupil_id = source_id("p", _ref(person, "id"))
            if group_id is not None:
                draft.group_members[(pupil_id, group_id)] = {"pupil_id": pupil_id, "group_id": group_id}
                continue
            sex = (person.get("sex", "str", required=False) or "").lower()
            draft.pupils[pupil_id] = {
                "pupil_id": pupil_id,
                **_person(person, draft),
                "birth_date": person.get("birthday", "date", required=False),
                "gender_code": GENDER.get(sex),
                "has_consent": False,
            }
            draft.pupil_class[pupil_id] = class_id
    for pupil_id, _group_id in draft.group_members:
        if pupil_id not in draft.pupils:
            raise ExportRefused(STUDENTS, None, "persons", f"ученик {pupil_id} есть в подгруппе, но не в классе")


def _read_teacher(node: Payload, draft: Draft) -> None:
    """A teacher: ``schools/{id}/teachers`` names fields in PascalCase («Id», «LastName»),
    ``edu-groups/{id}/teachers`` and ``persons`` in camelCase («id», «lastName»)."""
    node.expect("object")
    if any(name in node.value for name in ("Id", "IdStr", "LastName")):
        draft.notes.unknown(node, TEACHER_FIELDS)
        teacher_id = _ref(node, "Id", "IdStr")
        last, first = node.get("LastName", "str"), node.get("FirstName", "str", required=False) or ""
        draft.add_teacher(source_id("t", teacher_id), last, first, node.get("MiddleName", "str", required=False) or "")
        return
    names = _person(node, draft)
    draft.add_teacher(source_id("t", _ref(node, "id")), names["last_name"], names["first_name"], names["middle_name"])


def _lesson_items(node: Payload, groups: Groups, notes: PayloadNotes) -> Iterator[tuple[tuple, Payload]]:
    """(class and subgroup, lesson): ``[{eduGroup, lessons}]`` or the answers of
    ``edu-groups/{id}/lessons/{from}/{to}`` (lessons carrying their ``group``)."""
    for item in node.items():
        if _holds(item, "lessons"):
            notes.unknown(item, {"eduGroup", "eduGroup_str", "lessons"})
            group = _group(item, groups)
            yield from ((group, lesson) for lesson in item.items("lessons", required=False))
        else:
            yield _group(item, groups, "group"), item


def _read_lessons(node: Payload, groups: Groups, works: dict[str, Payload], draft: Draft) -> dict[str, str]:
    """Lessons of each edu group, and the works they carry; returns source subject id → subject id."""
    subjects: dict[str, str] = {}
    for (class_id, group_id), lesson in _lesson_items(node, groups, draft.notes):
        draft.notes.unknown(lesson, LESSON_FIELDS)
        lesson_id = source_id("l", _ref(lesson, "id"))
        teacher_id = _lesson_teacher(lesson, draft)
        subject = lesson.child("subject")
        draft.notes.unknown(subject, SUBJECT_FIELDS)
        number = lesson.get("number", "int")
        if not 0 <= number <= 12:
            raise ExportRefused(lesson.file_name, lesson.path, "number", f"номер урока {number} вне 0–12")
        subject_id = subjects.setdefault(
            _ref(subject, "id"), draft.add_subject(subject.get("name", "str"), subject, "name")
        )
        draft.lessons[lesson_id] = {
            "lesson_id": lesson_id,
            "lesson_date": lesson.get("date", "date"),
            "lesson_number": number,
            "class_id": class_id,
            "group_id": group_id,
            "subject_id": subject_id,
            "teacher_id": teacher_id,
            "topic": lesson.get("title", "str", required=False),
            ORIGIN: origin_of(lesson),
        }
        for work in lesson.items("works", required=False):
            if isinstance(work.value, dict):  # some answers list only the works' ids
                works.setdefault(_ref(work, "id"), work)
        if group_id is not None:
            draft.groups[group_id].setdefault("subject_id", subject_id)
            draft.groups[group_id].setdefault("teacher_id", teacher_id)
    for group_id, row in draft.groups.items():
        if "subject_id" not in row:
            draft.notes.at(node, "eduGroup", group_id, "у подгруппы нет уроков (неизвестен предмет): не загружена")
    return subjects


def _lesson_teacher(lesson: Payload, draft: Draft) -> str:
    """The lesson's first teacher; none → the stand-in teacher, one not in teachers.json → kept
    under its id with the name «Не указан» (both with a note)."""
    teachers = _refs(lesson, "teachers", "teachersStr")
    if not teachers:
        draft.notes.at(lesson, "teachers", None, "у урока нет учителя: указан «Не указан»", once="no teacher")
        return draft.unknown_teacher()
    teacher_id = source_id("t", teachers[0])
    if teacher_id not in draft.teachers:
        draft.notes.at(
            lesson, "teachers", teachers[0], f"учителя {teachers[0]} нет в teachers.json: загружен как «Не указан»"
        )
        draft.add_teacher(teacher_id, UNKNOWN_TEACHER["last_name"], f"(ид {teachers[0]})")
    return teacher_id


def _read_work_types(node: Payload, notes: PayloadNotes) -> dict[str, Payload]:
    types = {}
    for work_type in node.items():
        notes.unknown(work_type, WORK_TYPE_FIELDS)
        _work_type_name(work_type)
        types[_ref(work_type, "id")] = work_type
    return types


def _work_type_name(work_type: Payload) -> str:
    """``title`` (work-types/{school}); the work types of ``allfinalmarks`` call it ``name``."""
    return work_type.get("name" if not work_type.has("title") and work_type.has("name") else "title", "str")


def _known_work(mark: Payload, works: dict[str, Payload]) -> Payload | None:
    work_id = _ref(mark, "work", required=False)
    return works.get(work_id) if work_id else None


def _work(node: Payload, works: dict[str, Payload]) -> Payload:
    work_id = _ref(node, "work")
    if work_id not in works:
        raise ExportRefused(
            node.file_name, node.path, "work", f"работы {work_id} нет ни в works.json, ни в работах уроков lessons.json"
        )
    return works[work_id]


def _mark_value(node: Payload, draft: Draft) -> str | None:
    """``value`` if it is a mark, else ``textValue`` («зч», «нз»…); neither → a note and no mark."""
    raw = node.value.get("value")
    if raw is not None and (isinstance(raw, bool) or not isinstance(raw, str | int)):
        node.get("value", "str")  # refuses, naming the type found
    text = _text(node, "textValue", required=False)
    if raw is None and text is None:
        raise ExportRefused(node.file_name, node.path, "value", "нет ни value, ни textValue")
    if raw is not None and (value := canonical_mark(str(raw))) is not None:
        return value
    if text is not None:
        return resolve_mark(text, draft.notes, node.file_name, node.path, "textValue")
    return resolve_mark(str(raw), draft.notes, node.file_name, node.path, "value")


def _text(node: Payload, name: str, *, required: bool = True) -> str | None:
    """A mark's text that some answers give as a number (``"textValue": 5``, ``"value": 4.0``)."""
    value = node.value.get(name)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return f"{node.get(name, 'number'):g}"
    return node.get(name, "str", required=required)


def _is_period_work(work: Payload) -> bool:
    return (work.get("type", "str", required=False) or "").lower() in PERIOD_WORK_TYPES


def _read_mark(
    mark: Payload, works: dict[str, Payload], work_types: dict[str, Payload], finals: Finals, draft: Draft
) -> None:
    draft.notes.unknown(mark, MARK_FIELDS)
    work = _work(mark, works)
    draft.notes.unknown(work, WORK_FIELDS)
    if _is_period_work(work):  # a quarter or year mark among the current ones
        _read_final(mark, work, None, None, finals, draft)
        return
    lesson_id = source_id("l", _ref(mark, "lesson", "lessonStr", required=False) or _ref(work, "lesson"))
    if lesson_id not in draft.lessons:
        raise ExportRefused(mark.file_name, mark.path, "lesson", f"урока {lesson_id} нет в lessons.json")
    pupil_id = _pupil(mark, draft)
    value = _mark_value(mark, draft)
    if value is None:
        return
    type_id = _ref(mark, "workType", required=False) or _ref(work, "workType")
    work_type = work_types.get(type_id)
    if work_type is None:
        name, weight = f"Вид работы {type_id}", None
        draft.notes.at(mark, "workType", type_id, f"вида работы {type_id} нет в work-types.json", once=type_id)
    else:
        name, weight = _work_type_name(work_type), work_type.get("weight", "number", required=False)
    work_type_id = draft.work_types.resolve(
        name, mark.file_name, mark.path, weight=weight or None, type_id=source_id("w", type_id)
    )
    entered_at = mark.get("date", "datetime") if mark.has("date") else work.get("sentDate", "datetime")
    author = _author(work, draft) or draft.lessons[lesson_id]["teacher_id"]
    mark_id = source_id("m", _ref(mark, "id"))
    draft.add_mark(mark_id, pupil_id, lesson_id, value, work_type_id, entered_at, author, node=mark)


def _pupil(node: Payload, draft: Draft) -> str:
    pupil_id = source_id("p", _ref(node, "person"))
    if pupil_id not in draft.pupils:
        raise ExportRefused(node.file_name, node.path, "person", f"ученика {pupil_id} нет в students.json")
    return pupil_id


def _author(work: Payload | None, draft: Draft) -> str | None:
    """The teacher who created the work; None (with a note) when they are not in teachers.json."""
    author = source_id("t", _ref(work, "createdBy")) if work is not None and work.has("createdBy") else None
    if author in draft.teachers:
        return author
    if work is not None:
        draft.notes.at(
            work,
            "createdBy",
            author,
            "автор отметки не найден в teachers.json: указан учитель урока (предмета)",
            once="author",
        )
    return None


def _read_log_entry(entry: Payload, draft: Draft) -> None:
    draft.notes.unknown(entry, LOG_FIELDS)
    lesson_id = source_id("l", _ref(entry, "lesson"))
    if lesson_id not in draft.lessons:
        raise ExportRefused(entry.file_name, entry.path, "lesson", f"урока {lesson_id} нет в lessons.json")
    pupil_id = _pupil(entry, draft)
    code = map_absence_code(entry.get("status", "str"), draft.notes, entry.file_name, entry.path, "status")
    if code is not None:
        draft.add_absence(pupil_id, lesson_id, code, entry.get("createdDate", "datetime", required=False), entry)


def _final_entries(
    node: Payload, works: dict[str, Payload], finals: Finals, notes: PayloadNotes
) -> Iterator[tuple[Payload, str | None, str | None]]:
    """(final mark, subject id, reporting period id) of each shape of final-marks.json:

    - ``edu-groups/{id}/final-marks``: ``[{person, group, reportingPeriod,
      "per-subject-final-marks": [{subject, "final-mark": Mark}]}]``;
    - ``persons/{id}/edu-groups/{id}/allfinalmarks``: ``{marks, works, subjects, workTypes}``;
    - a bare list of marks (``edu-groups/{id}/subjects/{id}/final-marks``)."""
    if isinstance(node.value, dict):
        notes.unknown(node, FINALS_BUNDLE_FIELDS)
        for work in node.items("works", required=False):
            works.setdefault(_ref(work, "id"), work)
        for subject in node.items("subjects", required=False):
            notes.unknown(subject, SUBJECT_FIELDS)
            finals.subject_names[_ref(subject, "id")] = subject
        for work_type in node.items("workTypes", required=False):
            notes.unknown(work_type, WORK_TYPE_FIELDS)
        yield from ((mark, None, None) for mark in node.items("marks"))
        return
    for item in node.items():
        if not _holds(item, "per-subject-final-marks"):
            yield item, None, None
            continue
        notes.unknown(item, PERSON_FINAL_FIELDS)
        period_ref = _ref(item, "reportingPeriod", required=False)
        for per_subject in item.items("per-subject-final-marks", required=False):
            notes.unknown(per_subject, {"subject", "subject_str", "final-mark"})
            mark = per_subject.child("final-mark", required=False)
            if mark is not None:  # a subject without a final mark yet
                yield mark, _ref(per_subject, "subject"), period_ref


def _read_final(
    mark: Payload, work: Payload | None, subject_ref: str | None, period_ref: str | None, finals: Finals, draft: Draft
) -> None:
    draft.notes.unknown(mark, MARK_FIELDS)
    if work is not None:
        draft.notes.unknown(work, WORK_FIELDS)
    pupil_id = _pupil(mark, draft)
    raw = _text(mark, "textValue", required=False) or _text(mark, "value")
    parsed = period_mark(raw)
    if parsed is None:
        draft.notes.at(mark, "value", raw, f"«{raw}» — не итоговая отметка: не загружена")
        return
    kind, period_id = _final_period(mark, work, period_ref, finals, draft)
    subject_id = _final_subject(mark, work, subject_ref, finals, draft)
    if work is None:
        draft.notes.at(
            mark,
            "work",
            _ref(mark, "work", required=False),
            "работы итоговой нет в works.json: автор — учитель предмета",
            once="final without work",
        )
    author = _author(work, draft) or draft.subject_teacher(draft.pupil_class[pupil_id], subject_id)
    if author is None:
        author = draft.unknown_teacher()
    entered_at = mark.get("date", "datetime") if mark.has("date") or work is None else work.get("sentDate", "datetime")
    draft.add_period_mark(pupil_id, subject_id, kind, period_id, parsed, entered_at, author, mark)


def _final_period(
    mark: Payload, work: Payload | None, period_ref: str | None, finals: Finals, draft: Draft
) -> tuple[str, str | None]:
    """(mark kind, period key): the reporting period named by the answer, else the work's
    ``periodType`` and ``periodNumber``; with neither, a year mark (with a note)."""
    if period_ref in finals.year_periods:
        return "year", None
    if period_ref is not None:
        if period_ref not in finals.periods:
            raise ExportRefused(
                mark.file_name, mark.path, "reportingPeriod", f"периода {period_ref} нет в reporting-periods.json"
            )
        return "period", finals.periods[period_ref]
    if work is None:
        draft.notes.at(
            mark, "work", None, "итоговая без периода и без работы в works.json: считается годовой", once="year"
        )
        return "year", None
    period_type = work.get("periodType", "str").lower()
    if period_type in FINAL_KINDS:
        return FINAL_KINDS[period_type], None
    period_kind = PERIOD_TYPES.get(period_type)
    number = work.get("periodNumber", "int")
    period_id = draft.period_by_kind_number(period_kind, number) if period_kind else None
    if period_id is None:
        raise ExportRefused(work.file_name, work.path, "periodType", f"нет периода {period_type} № {number}")
    return "period", period_id


def _final_subject(mark: Payload, work: Payload | None, subject_ref: str | None, finals: Finals, draft: Draft) -> str:
    """The subject of a final mark: by its id among the lessons' subjects, else by the subject
    list that came with the final marks."""
    if subject_ref is None and work is None:
        raise ExportRefused(mark.file_name, mark.path, "work", "у итоговой не указан предмет и нет её работы")
    source = subject_ref if subject_ref is not None else _ref(work, "subjectId")
    if source in finals.subjects:
        return finals.subjects[source]
    subject = finals.subject_names.get(source)
    if subject is None:
        node, name = (mark, "subject") if work is None else (work, "subjectId")
        raise ExportRefused(node.file_name, node.path, name, f"предмета {source} нет среди уроков lessons.json")
    finals.subjects[source] = draft.add_subject(subject.get("name", "str"), subject, "name")
    return finals.subjects[source]
