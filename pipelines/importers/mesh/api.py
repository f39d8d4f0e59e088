"""МЭШ / «Моя школа»: answers of the family API and of the events calendar, saved per pupil.

Files: profile.json (``/family/…/v1/profile``: pupils, class, school); lessons.json (schedule items,
``lesson_schedule_items``) and/or events.json (``/api/eventcalendar/v1/api/events``: lessons with
their marks and absences); marks.json (``/family/…/v1/marks`` or ``/core/api/marks``);
subject_marks.json (``/family/…/v1/subject_marks``: marks by period, period and year marks);
periods.json (optional: the year's periods, else those of subject_marks.json). What a saved answer
looks like: answers.py; field mapping: docs/importers.md, section «МЭШ».
"""

from __future__ import annotations

from pathlib import Path

from pipelines.importers.api_payload import Payload, PayloadNotes, bundle_moment, bundle_names, read_bundle
from pipelines.importers.contract import ImportContext, ImportNote
from pipelines.importers.ids import slug_id, source_id
from pipelines.importers.mesh.answers import (
    CHILD_FIELDS,
    CLASS_UNIT_FIELDS,
    PROFILE_FIELDS,
    SCHOOL_FIELDS,
    STUDENT_PROFILE_FIELDS,
    MeshDraft,
)
from pipelines.importers.mesh.lessons import add_lessons, read_events, read_schedule_items
from pipelines.importers.mesh.marks import read_mark, read_marks, read_subject_marks, subject_periods
from pipelines.importers.names import class_grade
from pipelines.importers.work_types import WorkTypes
from pipelines.issues import ExportRefused

PROFILE, PERIODS, LESSONS, EVENTS, MARKS, SUBJECT_MARKS = (
    "profile.json",
    "periods.json",
    "lessons.json",
    "events.json",
    "marks.json",
    "subject_marks.json",
)
MOSCOW = "77"
GENDER = {"male": "м", "female": "ж", "м": "м", "ж": "ж"}


class MeshImporter:
    name = "mesh"
    title = "МЭШ / «Моя школа»"

    def detect(self, path: Path) -> bool:
        names = bundle_names(path)
        return PROFILE in names and bool(names & {LESSONS, EVENTS})

    def convert(self, path: Path, out_dir: Path, context: ImportContext) -> list[ImportNote]:
        files = read_bundle(path, (PROFILE,), (PERIODS, LESSONS, EVENTS, MARKS, SUBJECT_MARKS))
        if LESSONS not in files and EVENTS not in files:
            raise ExportRefused(LESSONS, None, None, "нет ни lessons.json, ни events.json: уроки не из чего взять")
        notes = PayloadNotes()
        draft = MeshDraft("МЭШ", PROFILE, notes, WorkTypes(context.norms, notes))
        _read_periods(files, draft)
        _read_profile(files[PROFILE], draft, context)
        lessons = read_schedule_items(files.get(LESSONS), draft) + read_events(files.get(EVENTS), draft)
        add_lessons(lessons, draft)
        read_marks(files.get(MARKS), draft)
        read_subject_marks(files.get(SUBJECT_MARKS), draft)
        for lesson in lessons:
            lesson_id = lesson.row["lesson_id"]
            for mark in lesson.marks:
                read_mark(mark, lesson.pupil_id, draft, lesson_id=lesson_id)
        draft.write(out_dir, bundle_moment([path / name for name in files]))
        return list(notes)


def _read_periods(files: dict[str, Payload], draft: MeshDraft) -> None:
    """The year's periods: periods.json, else the periods of subject_marks.json."""
    if PERIODS in files:
        node = files[PERIODS]
        for period in node.items("payload") if isinstance(node.value, dict) else node.items():
            draft.notes.unknown(period, {"id", "title", "name", "start", "end"})
            name = period.get("title", "str") if period.has("title") else period.get("name", "str")
            draft.add_period(period, name, period.get("start", "date"), period.get("end", "date"))
    elif SUBJECT_MARKS in files:
        for period, title, start, end in subject_periods(files[SUBJECT_MARKS]):
            draft.add_period(period, title, start, end)
    if not draft.periods:
        where = PERIODS if PERIODS in files else SUBJECT_MARKS
        problem = "нет ни одного учебного периода: нужен periods.json или subject_marks.json с periods"
        raise ExportRefused(where, None, None, problem)


def _read_profile(node: Payload, draft: MeshDraft, context: ImportContext) -> None:
    """Pupils, their class and school: the family profile's ``children``, or student profiles of the
    old API (``/core/api/student_profiles/{id}``: one, or a list)."""
    first = min(r["start_date"] for r in draft.periods.values())
    first_year = first.year if first.month >= 9 else first.year - 1
    for child in _profiles(node, draft):
        if child.has("class_unit") and not child.has("class_name"):
            school, class_name, alias = _from_student_profile(child, draft, context)
        else:
            school, class_name, alias = _from_family_child(child, draft)
        _set_school(child, school, draft, context)
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
        if alias:
            draft.aliases[alias] = pupil_id


def _profiles(node: Payload, draft: MeshDraft) -> list[Payload]:
    if isinstance(node.value, dict) and "children" in node.value:
        draft.notes.unknown(node, PROFILE_FIELDS)
        found, where = node.items("children"), "children"
    else:
        found, where = (node.items() if isinstance(node.value, list) else [node.expect("object")]), None
    if not found:
        raise ExportRefused(node.file_name, where, None, "нет ни одного ученика")
    return found


def _from_family_child(child: Payload, draft: MeshDraft) -> tuple[dict, str, str | None]:
    """A child of ``/family/…/v1/profile``: school object, ``class_name``, ``contingent_guid``."""
    draft.notes.unknown(child, CHILD_FIELDS)
    school = child.child("school")
    draft.notes.unknown(school, SCHOOL_FIELDS)
    row = {
        "school_id": source_id("s", school.get("id", "id")),
        "school_name": school.get("name", "str"),
        "short_name": school.get("short_name", "str", required=False),
    }
    return row, child.get("class_name", "str"), child.get("contingent_guid", "id", required=False)


def _from_student_profile(child: Payload, draft: MeshDraft, context: ImportContext) -> tuple[dict, str, str | None]:
    """A ``/core/api/student_profiles`` answer: ``school_id`` without a name, ``class_unit.name``, ``person_id``."""
    draft.notes.unknown(child, STUDENT_PROFILE_FIELDS)
    class_unit = child.child("class_unit")
    draft.notes.unknown(class_unit, CLASS_UNIT_FIELDS)
    school_id = child.get("school_id", "id")
    name = context.school_name
    if not name:
        name = f"Школа {school_id}"
        message = f"названия школы в профиле ученика нет: записано «{name}» (укажите его при загрузке)"
        draft.notes.at(child, "school_id", school_id, message, once="school name")
    row = {"school_id": source_id("s", school_id), "school_name": name, "short_name": None}
    return row, class_unit.get("name", "str"), child.get("person_id", "id", required=False)


def _set_school(child: Payload, school: dict, draft: MeshDraft, context: ImportContext) -> None:
    if draft.school and draft.school["school_id"] != school["school_id"]:
        raise ExportRefused(child.file_name, child.path, "school", "ученики разных школ в одной выгрузке")
    draft.school = {
        **school,
        "short_name": school["short_name"] or school["school_name"],
        "region_id": str(context.extra.get("region_id") or MOSCOW),
    }
