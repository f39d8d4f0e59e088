"""The pupil's estimates of the Saint Petersburg diary: marks, absences and period marks.

They come in two answers. A lesson of /api/journal/lesson/list-by-education carries its
``estimates[]`` without ids or dates; /api/journal/estimate/table (the «Оценки» page) lists the
pupil's estimates for a date range, each with its ``id``, ``date``, ``lesson_id`` and subject.
Both say what an estimate is by its type: ``estimate_type_code`` 30000 «Посещаемость» is an
absence, a type named after a period («Четвертная», «2 четверть», «Годовая», «Итоговая») is a
period mark, any other type is a current mark of that work type.

A current mark or an absence of estimate/table whose lesson the lesson pages hold is the same
estimate as the one in the lesson: it is not loaded twice. One the lesson lacks (put after the
lesson pages were saved) is added to that lesson. One whose lesson is not in the bundle is not
loaded (a mark needs its lesson), and the file's note says how many.
"""

from __future__ import annotations

import collections
import datetime as dt
import re
from dataclasses import dataclass, field

from pipelines.importers.absences import ABSENCE_CODES, map_absence_code
from pipelines.importers.api_draft import Draft, period_kind, period_mark, period_number
from pipelines.importers.api_payload import Payload
from pipelines.importers.canonical_tables import UNKNOWN_TEACHER, UNKNOWN_TEACHER_ID
from pipelines.importers.ids import source_id
from pipelines.importers.marks import resolve_mark
from pipelines.importers.names import normalise_name
from pipelines.issues import ExportRefused

ATTENDANCE_TYPE = "30000"
ATTENDANCE_NAME = "посещаемость"
LATE_TYPE = "30001"  # a lateness, whatever its value says (clients of the diary read 30001 so)
LATE_STEM = "опоздан"
REMARK = "замечание"  # a teacher's remark in the place of a mark («Замечание»): not a mark
ABSENCE_VALUES = {"494": "у", "496": "б"}  # estimate_value_code of «уважительная», «по болезни»
ABSENCE_NAMES = {"по болезни": "б", "опоздал": "оп", "не был на уроке": "н"}
ESTIMATE_FIELDS = {"estimate_type_code", "estimate_type_name", "estimate_value_code", "estimate_value_name"}
ESTIMATE_FIELDS |= {"estimate_comment"}
TABLE_FIELDS = ESTIMATE_FIELDS | {"id", "education_id", "lesson_id", "subject_id", "subject_name", "date"}
# Word beginnings of the work types the clients of the diary know («Работа на уроке», «Диктант»,
# «Зачёт»…); a word, not a part of one: «аттестация» is not a «тест».
WORK_STEMS = ("работ", "задани", "диктант", "тест", "чтени", "сочинени", "изложени", "опрос", "зачет", "проект")
WORK_STEMS += ("ответ", "контрольн", "проверочн", "срезов", "практическ", "самостоятельн", "доклад", "реферат")
FINAL_STEMS = (("годов", "year"), ("экзамен", "exam"), ("итог", "final"))
LESSON_KINDS = ("attendance", "late", "remark", "mark")  # the kinds that belong to a lesson
_SCALE = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")


@dataclass
class Diary:
    """What the lesson pages gave, to match the items of estimate/table against."""

    lesson_ends: dict[str, dt.datetime] = field(default_factory=dict)
    estimates: collections.Counter[tuple[str, str, str, str]] = field(default_factory=collections.Counter)
    of_type: collections.Counter[tuple[str, str, str]] = field(default_factory=collections.Counter)
    table_ids: set[str] = field(default_factory=set)


@dataclass
class Estimate:
    """One estimate where it was found: the pupil, the subject, the lesson (if any) and the date."""

    node: Payload
    pupil_id: str
    subject_node: Payload  # the lesson or the item: its ``subject_name``
    lesson_id: str | None
    day: dt.date

    @property
    def type_code(self) -> str:
        return self.node.get("estimate_type_code", "id")

    @property
    def type_name(self) -> str:
        return self.node.get("estimate_type_name", "str", required=False) or ""

    @property
    def value_code(self) -> str:
        return self.node.get("estimate_value_code", "id", required=False) or ""

    @property
    def value_name(self) -> str:
        return self.node.get("estimate_value_name", "str", required=False) or ""

    def key(self) -> tuple[str, str, str, str]:
        return (*self.type_key(), normalise_name(self.value_name))

    def type_key(self) -> tuple[str, str, str]:
        return (self.pupil_id, self.lesson_id or "", self.type_code)


def estimate_kind(estimate: Estimate, draft: Draft) -> str:
    """«attendance», «late», «remark», «mark», or the kind of a period mark («period», «year», «exam», «final»)."""
    name = normalise_name(estimate.type_name)
    if estimate.type_code == ATTENDANCE_TYPE or name == ATTENDANCE_NAME:
        return "attendance"
    if estimate.type_code == LATE_TYPE or name.startswith(LATE_STEM):
        return "late"
    if REMARK in (name, normalise_name(estimate.value_name)):
        return "remark"
    if any(word.startswith(WORK_STEMS) for word in name.split()):
        return "mark"
    if period_kind(name):
        return "period"
    kind = next((kind for stem, kind in FINAL_STEMS if stem in name), None)
    if kind:
        return kind
    draft.notes.at(
        estimate.node,
        "estimate_type_name",
        estimate.type_name,
        f"вид отметки «{estimate.type_name}» не распознан: считается текущей отметкой этого вида работы",
        once=f"type {name}",
    )
    return "mark"


def read_lesson_estimates(lesson: Payload, pupil_id: str, lesson_id: str, diary: Diary, draft: Draft) -> None:
    """The estimates of one lesson: each is loaded, and remembered for matching estimate/table."""
    day = diary.lesson_ends[lesson_id].date()
    kinds: collections.Counter[str] = collections.Counter()
    for node in lesson.items("estimates", required=False):
        draft.notes.unknown(node, ESTIMATE_FIELDS)
        estimate = Estimate(node, pupil_id, lesson, lesson_id, day)
        kinds[estimate.type_code] += 1
        diary.estimates[estimate.key()] += 1
        diary.of_type[estimate.type_key()] += 1
        mark_id = source_id("m", f"{pupil_id[2:]}-{lesson_id[2:]}-{estimate.type_code}-{kinds[estimate.type_code]}")
        _read_estimate(estimate, estimate_kind(estimate, draft), mark_id, diary, draft)


def read_table_item(item: Payload, pupil_id: str, education_id: str, diary: Diary, draft: Draft) -> bool:
    """One item of estimate/table; False when its lesson is not in the bundle (not loaded)."""
    draft.notes.unknown(item, TABLE_FIELDS)
    owner = item.get("education_id", "id", required=False)
    if owner is not None and owner != education_id:
        raise ExportRefused(
            item.file_name, item.path, "education_id", f"отметка обучения {owner} в ответе обучения {education_id}"
        )
    item_id = item.get("id", "id")
    if item_id in diary.table_ids:
        return True  # the same estimate on an overlapping page: loaded once
    diary.table_ids.add(item_id)
    lesson = item.get("lesson_id", "id", required=False)
    estimate = Estimate(item, pupil_id, item, lesson and source_id("l", lesson), item.get("date", "date"))
    kind = estimate_kind(estimate, draft)
    if kind not in LESSON_KINDS:
        _read_period_mark(estimate, kind, draft)
        return True
    if estimate.lesson_id not in diary.lesson_ends:
        return False
    if _in_lesson(estimate, diary, draft):
        return True
    draft.notes.at(
        item,
        "lesson_id",
        lesson,
        "отметки и пропуски, которых нет в ответах с уроками, взяты из estimate/table",
        once="added from table",
    )
    _read_estimate(estimate, kind, source_id("m", item_id), diary, draft)
    return True


def _in_lesson(estimate: Estimate, diary: Diary, draft: Draft) -> bool:
    """The lesson carries this estimate (loaded with it): the same type and value, else the same
    type with another value (changed between the two requests: the lesson's is kept, with a note)."""
    if diary.of_type[estimate.type_key()] == 0:
        return False
    diary.of_type[estimate.type_key()] -= 1
    if diary.estimates[estimate.key()] > 0:
        diary.estimates[estimate.key()] -= 1
        return True
    draft.notes.at(
        estimate.node,
        "estimate_value_name",
        estimate.value_name,
        f"в estimate/table «{estimate.value_name}», а в уроке {estimate.lesson_id} другое значение того же вида: "
        "загружено значение из урока",
    )
    return True


def _read_estimate(estimate: Estimate, kind: str, mark_id: str, diary: Diary, draft: Draft) -> None:
    if kind == "attendance":
        _read_absence(estimate, draft)
    elif kind == "late":
        draft.add_absence(estimate.pupil_id, estimate.lesson_id, "оп", node=estimate.node)
    elif kind == "remark":
        draft.notes.at(
            estimate.node,
            "estimate_value_name",
            estimate.value_name,
            "замечание учителя — не отметка: не загружено",
            once="remark",
        )
    elif kind == "mark":
        _read_mark(estimate, mark_id, diary.lesson_ends[estimate.lesson_id], draft)
    else:
        _read_period_mark(estimate, kind, draft)


def _read_absence(estimate: Estimate, draft: Draft) -> None:
    code = ABSENCE_VALUES.get(estimate.value_code)
    if code is None and not estimate.value_code and not estimate.value_name:
        code = "оп"
        draft.notes.at(
            estimate.node,
            "estimate_value_code",
            None,
            "посещаемость без кода и названия считается опозданием «оп»",
            once="late",
        )
    if code is None:
        raw = estimate.value_name or estimate.value_code
        node = estimate.node
        code = map_absence_code(raw, draft.notes, node.file_name, node.path, "estimate_value_name", extra=ABSENCE_NAMES)
    if code is not None:
        draft.add_absence(estimate.pupil_id, estimate.lesson_id, code, node=estimate.node)


def _read_mark(estimate: Estimate, mark_id: str, ended: dt.datetime, draft: Draft) -> None:
    node, raw = estimate.node, estimate.value_name or estimate.value_code
    if not _on_five_point_scale(estimate, draft):
        return
    absence = ABSENCE_CODES.get(normalise_name(raw))
    if absence:
        draft.notes.at(
            node, "estimate_value_name", raw, f"«{raw}» вместо отметки — пропуск урока: загружен как пропуск"
        )
        draft.add_absence(estimate.pupil_id, estimate.lesson_id, absence, node=estimate.node)
        return
    value = resolve_mark(raw, draft.notes, node.file_name, node.path, "estimate_value_name")
    if value is None:
        return
    type_id = source_id("wt", estimate.type_code)
    work_type_id = draft.work_types.resolve(estimate.type_name or None, node.file_name, node.path, type_id=type_id)
    draft.notes.at(
        node, "entered_at", None, "время выставления отметок не передаётся: записан конец урока", once="entered_at"
    )
    draft.teachers.setdefault(UNKNOWN_TEACHER_ID, dict(UNKNOWN_TEACHER))
    draft.add_mark(
        mark_id, estimate.pupil_id, estimate.lesson_id, value, work_type_id, ended, UNKNOWN_TEACHER_ID, node=node
    )


def _on_five_point_scale(estimate: Estimate, draft: Draft) -> bool:
    scale = _SCALE.match(estimate.value_code)
    if scale and scale.group(2) != "5":
        draft.notes.at(
            estimate.node,
            "estimate_value_code",
            estimate.value_code,
            f"отметка по шкале до {scale.group(2)}: не загружена",
        )
        return False
    return True


def _read_period_mark(estimate: Estimate, kind: str, draft: Draft) -> None:
    """A quarter (half-year, trimester) mark goes to its period: the number in the type name
    («2 четверть»), else the period holding the date or the last one before it (put in the holidays)."""
    node, raw = estimate.node, estimate.value_name or estimate.value_code
    if not _on_five_point_scale(estimate, draft):
        return
    parsed = period_mark(raw)
    if parsed is None:
        draft.notes.at(node, "estimate_value_name", raw, f"«{raw}» — не итоговая отметка: не загружена")
        return
    subject, period_id = estimate.subject_node, _period_of(estimate, draft) if kind == "period" else None
    if kind == "period" and period_id is None:
        draft.notes.at(
            node,
            "date",
            estimate.day.strftime("%d.%m.%Y"),
            f"отметка «{estimate.type_name}»: такого периода нет в get-list-period.json: не загружена",
        )
        return
    subject_id = draft.add_subject(subject.get("subject_name", "str"), subject, "subject_name")
    draft.teachers.setdefault(UNKNOWN_TEACHER_ID, dict(UNKNOWN_TEACHER))
    entered = dt.datetime.combine(estimate.day, dt.time())
    draft.add_period_mark(
        estimate.pupil_id, subject_id, kind, period_id, parsed, entered, UNKNOWN_TEACHER_ID, estimate.node
    )


def _period_of(estimate: Estimate, draft: Draft) -> str | None:
    """The period a period mark is for; periods of another kind (a «Четвертная» in a class with
    trimesters) only when the class has none of the mark's kind."""
    kind = period_kind(normalise_name(estimate.type_name))
    number = period_number(estimate.type_name)
    if number is not None:
        return draft.period_by_kind_number(kind, number)
    periods = sorted(draft.periods.values(), key=lambda r: r["start_date"])
    periods = [r for r in periods if r["period_kind_code"] == kind] or periods
    holding = [r for r in periods if r["start_date"] <= estimate.day <= r["end_date"]]
    before = [r for r in periods if r["start_date"] <= estimate.day]
    chosen = holding or before
    return chosen[-1]["period_id"] if chosen else None
