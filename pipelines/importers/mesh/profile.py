"""МЭШ pupils, their class and school, from profile.json: the family profile
(``/family/…/v1/profile``: ``children``), old student profiles (``/core/api/student_profiles/{id}``:
one or a list), or the pupil's own session (``/lms/api/sessions``: names and school, no class —
the class is given at loading, ``--class``)."""

from __future__ import annotations

from dataclasses import dataclass

from pipelines.importers.api_payload import Payload
from pipelines.importers.contract import ImportContext
from pipelines.importers.ids import slug_id, source_id
from pipelines.importers.mesh.answers import (
    CHILD_FIELDS,
    CLASS_UNIT_FIELDS,
    PROFILE_FIELDS,
    SCHOOL_FIELDS,
    SESSION_FIELDS,
    SESSION_PROFILE_FIELDS,
    STUDENT_PROFILE_FIELDS,
    MeshDraft,
)
from pipelines.importers.names import class_grade
from pipelines.issues import ExportRefused

MOSCOW = "77"
GENDER = {"male": "м", "female": "ж", "м": "м", "ж": "ж"}


@dataclass
class Pupil:
    """One pupil as a profile answer names them."""

    node: Payload  # where the names are
    pupil_id: str
    school: dict
    class_name: str
    alias: str | None  # contingent_guid / person_id: the id the events calendar knows
    birth_field: str = "birth_date"


def read_profile(node: Payload, draft: MeshDraft, context: ImportContext) -> None:
    first = min(r["start_date"] for r in draft.periods.values())
    first_year = first.year if first.month >= 9 else first.year - 1
    for pupil in _pupils(node, draft, context):
        if draft.school and draft.school["school_id"] != pupil.school["school_id"]:
            raise ExportRefused(pupil.node.file_name, pupil.node.path, "school", "ученики разных школ в одной выгрузке")
        draft.school = {
            **pupil.school,
            "short_name": pupil.school["short_name"] or pupil.school["school_name"],
            "region_id": str(context.extra.get("region_id") or MOSCOW),
        }
        grade = class_grade(pupil.class_name)
        if grade is None:
            problem = f"«{pupil.class_name}» — не класс с параллелью 1–11"
            raise ExportRefused(pupil.node.file_name, pupil.node.path, "class_name", problem)
        class_id = slug_id(f"{first_year}-{pupil.class_name}")
        draft.classes.setdefault(class_id, {"class_id": class_id, "class_name": pupil.class_name, "grade": grade})
        names = pupil.node
        draft.pupils[pupil.pupil_id] = {
            "pupil_id": pupil.pupil_id,
            "last_name": names.get("last_name", "str"),
            "first_name": names.get("first_name", "str"),
            "middle_name": names.get("middle_name", "str", required=False),
            "birth_date": names.get(pupil.birth_field, "date", required=False),
            "gender_code": GENDER.get((names.get("sex", "str", required=False) or "").lower()),
            "has_consent": False,
        }
        draft.pupil_class[pupil.pupil_id] = class_id
        if pupil.alias:
            draft.aliases[pupil.alias] = pupil.pupil_id


def _pupils(node: Payload, draft: MeshDraft, context: ImportContext) -> list[Pupil]:
    if isinstance(node.value, dict) and "children" in node.value:
        draft.notes.unknown(node, PROFILE_FIELDS)
        found = [_family_child(child, draft) for child in node.items("children")]
    elif isinstance(node.value, dict) and "profiles" in node.value:
        found = [_session(node, draft, context)]
    else:
        answers = node.items() if isinstance(node.value, list) else [node.expect("object")]
        found = [_student_profile(answer, draft) for answer in answers]
    if not found:
        raise ExportRefused(node.file_name, "children", None, "нет ни одного ученика")
    return found


def _family_child(child: Payload, draft: MeshDraft) -> Pupil:
    """A child of ``/family/…/v1/profile``: school object, ``class_name``, ``contingent_guid``."""
    draft.notes.unknown(child, CHILD_FIELDS)
    school = child.child("school")
    draft.notes.unknown(school, SCHOOL_FIELDS)
    row = {
        "school_id": source_id("s", school.get("id", "id")),
        "school_name": school.get("name", "str"),
        "short_name": school.get("short_name", "str", required=False),
    }
    pupil_id = source_id("p", child.get("id", "id"))
    return Pupil(
        child, pupil_id, row, child.get("class_name", "str"), child.get("contingent_guid", "id", required=False)
    )


def _student_profile(answer: Payload, draft: MeshDraft) -> Pupil:
    """A ``/core/api/student_profiles`` answer: ``school_id`` without a name, ``class_unit.name``, ``person_id``."""
    draft.notes.unknown(answer, STUDENT_PROFILE_FIELDS)
    class_unit = answer.child("class_unit")
    draft.notes.unknown(class_unit, CLASS_UNIT_FIELDS)
    school_id = answer.get("school_id", "id")
    name = f"Школа {school_id}"
    message = f"названия школы в профиле ученика нет: записано «{name}»"
    draft.notes.at(answer, "school_id", school_id, message, once="school name")
    row = {"school_id": source_id("s", school_id), "school_name": name, "short_name": None}
    pupil_id = source_id("p", answer.get("id", "id"))
    return Pupil(answer, pupil_id, row, class_unit.get("name", "str"), answer.get("person_id", "id", required=False))


def _session(session: Payload, draft: MeshDraft, context: ImportContext) -> Pupil:
    """The pupil's own session: the pupil is its ``profiles[]`` of type «student»; the class is ``--class``."""
    draft.notes.unknown(session, SESSION_FIELDS)
    profiles = session.items("profiles")
    for profile in profiles:
        draft.notes.unknown(profile, SESSION_PROFILE_FIELDS)
    student = next((p for p in profiles if p.get("type", "str", required=False) == "student"), None)
    if student is None:
        problem = "сессия не ученика (нет профиля type «student»): сохраните профиль семьи /family/web/v1/profile"
        raise ExportRefused(session.file_name, "profiles", "type", problem)
    if not context.class_name:
        problem = "в сессии ученика нет класса: укажите его при загрузке (--class 4-А)"
        raise ExportRefused(session.file_name, "корень файла", "class_name", problem)
    name = student.get("school_name", "str")
    row = {
        "school_id": source_id("s", student.get("school_id", "id")),
        "school_name": name,
        "short_name": student.get("school_shortname", "str", required=False),
    }
    pupil_id = source_id("p", student.get("id", "id"))
    alias = session.get("person_id", "id", required=False)
    return Pupil(session, pupil_id, row, context.class_name, alias, birth_field="date_of_birth")
