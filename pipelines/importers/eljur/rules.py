"""Who the pupils are and where they study: the ``getrules`` answer and ``school.json``.

``getrules`` (the account's rights) lists the account's children in ``relations.students``
(keyed by the child's id, each with its ``class``), the account's own class among
``relations.groups`` (``rel`` «homeclass», for a pupil's own account) and its schools in
``relations.schools``. The diary, marks and periods answers do not name the class.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pipelines.importers.api_payload import Payload, PayloadNotes
from pipelines.importers.contract import ImportContext
from pipelines.importers.eljur import fields
from pipelines.importers.eljur.answers import keyed, listed, text
from pipelines.importers.ids import source_id
from pipelines.issues import ExportRefused

RULES, SCHOOL = "getrules.json", "school.json"


@dataclass
class Rules:
    """What getrules says: each child's class, the account's own class, the school."""

    classes: dict[str, str] = field(default_factory=dict)
    own_id: str | None = None
    own_class: str | None = None
    school: Payload | None = None
    region: str | None = None

    def class_of(self, pupil_id: str, student: Payload, context: ImportContext) -> str:
        """The pupil's class: getrules, then the student's own «class», then --class; else refuse."""
        found = self.classes.get(pupil_id)
        if found is None and pupil_id == self.own_id:
            found = self.own_class
        if found is None and student.has("class"):
            found = text(student, "class")
        found = found or context.class_name
        if not found:
            raise ExportRefused(
                student.file_name,
                student.path,
                "class",
                f"класс ученика {pupil_id} неизвестен: добавьте ответ getrules.json или укажите --class",
            )
        return found


def read_rules(result: Payload | None, notes: PayloadNotes) -> Rules:
    if result is None:
        return Rules()
    notes.unknown(result, fields.RULES)
    rules = Rules(own_id=result.get("name", "id", required=False), region=_region(result))
    relations = result.child("relations", required=False) if result.value.get("relations") != [] else None
    if relations is None:
        return rules
    notes.unknown(relations, fields.RELATIONS)
    for key, student in keyed(relations, "students"):
        notes.unknown(student, fields.RELATION_STUDENT)
        pupil_id = student.get("name", "id", required=False) or key
        class_name = text(student, "class", required=False)
        if class_name:
            rules.classes[pupil_id] = class_name
    for _, group in keyed(relations, "groups"):
        notes.unknown(group, fields.RELATION_GROUP)
        if group.value.get("rel") == "homeclass":
            rules.own_class = text(group, "name", required=False) or rules.own_class
    schools = listed(relations, "schools")
    for school in schools:
        notes.unknown(school, fields.RELATION_SCHOOL)
    rules.school = schools[0] if schools else None
    return rules


def _region(result: Payload) -> str | None:
    return result.get("regionCode", "id", required=False)


def read_school(node: Payload | None, rules: Rules, context: ImportContext, notes: PayloadNotes) -> dict[str, str]:
    """The school: school.json, else --school, else the first school of getrules; else refuse."""
    region = None
    if node is not None:
        notes.unknown(node, fields.SCHOOL_JSON)
        school_id, name = source_id("s", node.get("id", "id")), node.get("name", "str")
        short, region = node.get("short_name", "str", required=False), node.get("region", "id", required=False)
    elif context.school_id:
        school_id, name, short = context.school_id, context.school_name or context.school_id, None
    elif rules.school is not None:
        school_id = source_id("s", rules.school.get("number", "id"))
        name = text(rules.school, "title_full", required=False) or text(rules.school, "title")
        short = text(rules.school, "title", required=False)
    else:
        raise ExportRefused(
            SCHOOL,
            None,
            None,
            "нет сведений о школе: добавьте school.json (id, name, region), getrules.json или укажите --school",
        )
    region = region or rules.region or str(context.extra.get("region_id") or "не_указан")
    return {"school_id": school_id, "school_name": name, "short_name": short or name, "region_id": region}
