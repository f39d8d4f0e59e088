"""МЭШ lessons: schedule items (lessons.json), day schedules (schedule.json) and lessons of the
events calendar (events.json).

Each becomes a lesson of the pupil's class, an absence when the pupil missed it, and the marks it
carries (read later, when every lesson is known). Without ``lesson_number`` the number is the
lesson's place by start time among the class's lessons of the day.
"""

from __future__ import annotations

import collections
from dataclasses import dataclass, field

from pipelines.importers.absences import map_absence_code
from pipelines.importers.api_payload import Payload
from pipelines.importers.canonical_tables import UNKNOWN_TEACHER_ID
from pipelines.importers.ids import slug_id, source_id
from pipelines.importers.mesh.answers import (
    ACTIVITY_FIELDS,
    DETAILS_FIELDS,
    EVENT_FIELDS,
    EVENT_HOMEWORK_FIELDS,
    HOMEWORK_FIELDS,
    LESSON_FIELDS,
    SCHEDULE_DAY_FIELDS,
    SCHEDULE_LESSON_FIELDS,
    TEACHER_FIELDS,
    MeshDraft,
    answer_items,
    day_of,
    per_pupil,
    pupil_answers,
)
from pipelines.issues import ExportRefused

LESSON_SOURCE = "PLAN"  # events of the calendar that are lessons of the school's schedule
ENTRY_FIELDS = {"homework_entry_id", "date_assigned_on", "date_prepared_for", "description", "duration"}
ENTRY_FIELDS |= {"materials", "attachment_ids", "attachments", "student_ids"}


@dataclass
class PupilLesson:
    """A lesson as one pupil's answer gives it, before its number is known."""

    node: Payload
    pupil_id: str
    row: dict
    starts: str  # sorts the lessons of a day: «08:30», else the lesson's id
    absence: str | None
    marks: list[Payload] = field(default_factory=list)


def read_schedule_items(node: Payload | None, draft: MeshDraft) -> list[PupilLesson]:
    """lessons.json: ``lesson_schedule_items`` answers (teacher, details.lesson_topic, lesson_homeworks)."""
    out = []
    for pupil_id, item in pupil_answers(node, draft):
        draft.notes.unknown(item, LESSON_FIELDS)
        details = item.child("details", required=False)
        if details is not None:
            draft.notes.unknown(details, DETAILS_FIELDS)
        topic = item.get("lesson_topic", "str", required=False)
        if topic is None and details is not None:
            topic = details.get("lesson_topic", "str", required=False)
        homeworks = item.items("lesson_homeworks", required=False)
        for homework in homeworks:
            draft.notes.unknown(homework, HOMEWORK_FIELDS)
        created = [hw.get("homework_created_at", "datetime") for hw in homeworks if hw.has("homework_created_at")]
        row = _row(item, pupil_id, draft, day_of(item, "date"), _teacher(item, draft), topic)
        row["homework"] = _joined(hw.get("homework", "str", required=False) for hw in homeworks)
        row["homework_entered_at"] = min(created) if created else None
        starts = item.get("begin_time", "str", required=False) or _order_by_id(item)
        marks = item.items("marks", required=False)
        out.append(PupilLesson(item, pupil_id, row, starts, _absence(item, draft), marks))
    return out


def read_events(node: Payload | None, draft: MeshDraft) -> list[PupilLesson]:
    """events.json: the events calendar; its ``PLAN`` events are the lessons (no teacher in them)."""
    out = []
    for pupil_id, event in pupil_answers(node, draft, "response"):
        draft.notes.unknown(event, EVENT_FIELDS)
        source = event.get("source", "str", required=False)
        if source is not None and source != LESSON_SOURCE:
            message = f"событие «{source}» — не урок расписания школы: не загружено"
            draft.notes.at(event, "source", source, message, once=f"source-{source}")
            continue
        if event.get("cancelled", "bool", required=False):
            draft.notes.at(event, "cancelled", True, "отменённый урок не загружен", once="cancelled")
            continue
        start = event.get("start_at", "datetime")
        teacher_id = _unknown_teacher(event, draft)
        row = _row(event, pupil_id, draft, start.date(), teacher_id, event.get("lesson_theme", "str", required=False))
        row["homework"] = _event_homework(event, draft)
        row["homework_entered_at"] = None
        marks = event.items("marks", required=False)
        out.append(PupilLesson(event, pupil_id, row, start.strftime("%H:%M"), _absence(event, draft), marks))
    return out


def read_schedule_days(node: Payload | None, draft: MeshDraft) -> list[PupilLesson]:
    """schedule.json: day schedules (``/family/…/v1/schedule?date=…``), one answer per day; the
    ``LESSON`` activities are the lessons (teacher, homework text, marks, absence; no topic)."""
    out = []
    for pupil_id, answer in per_pupil(node, draft):
        for day in _days(answer):
            draft.notes.unknown(day, SCHEDULE_DAY_FIELDS)
            date = day_of(day, "date")
            for activity in day.items("activities", required=False):
                draft.notes.unknown(activity, ACTIVITY_FIELDS)
                if not _is_lesson(activity):
                    continue
                out += _schedule_lesson(activity, pupil_id, date, draft)
    return out


def _order_by_id(item: Payload, id_field: str = "id") -> str:
    """Without ``begin_time``: the item's id orders the day's lessons, the same way in every pupil's answer."""
    own_id = item.get(id_field, "id")
    return f"~{own_id:0>20}"


def _is_lesson(activity: Payload) -> bool:
    """A ``LESSON`` activity; one without ``type`` that carries a ``lesson`` is a lesson too."""
    kind = activity.get("type", "str", required=False)
    return kind == "LESSON" if kind is not None else activity.has("lesson")


def _days(answer: Payload) -> list[Payload]:
    if isinstance(answer.value, dict) and "activities" in answer.value:
        return [answer]
    return answer_items(answer, "payload")


def _schedule_lesson(activity: Payload, pupil_id: str, day, draft: MeshDraft) -> list[PupilLesson]:
    lesson = activity.child("lesson")
    draft.notes.unknown(lesson, SCHEDULE_LESSON_FIELDS)
    if lesson.get("is_cancelled", "bool", required=False):
        draft.notes.at(lesson, "is_cancelled", True, "отменённый урок не загружен", once="cancelled")
        return []
    row = _row(lesson, pupil_id, draft, day, _teacher(lesson, draft), None, "schedule_item_id")
    row["homework"] = lesson.get("homework", "str", required=False) or None
    row["homework_entered_at"] = None
    starts = activity.get("begin_time", "str", required=False) or _order_by_id(lesson, "schedule_item_id")
    marks = lesson.items("marks", required=False)
    return [PupilLesson(lesson, pupil_id, row, starts, _absence(lesson, draft), marks)]


def add_lessons(pupil_lessons: list[PupilLesson], draft: MeshDraft) -> None:
    """Number the lessons that have no number, then store lessons, the pupils who have them, absences."""
    _number(pupil_lessons, draft)
    for lesson in pupil_lessons:
        _fill_from_known(lesson.row, draft)
        lesson_id = draft.add_lesson(lesson.node, lesson.row)
        draft.saw_lesson(lesson.pupil_id, lesson_id)
        if lesson.absence is not None:
            draft.add_absence(lesson.pupil_id, lesson_id, lesson.absence, node=lesson.node)
    draft.index_lessons()


def _fill_from_known(row: dict, draft: MeshDraft) -> None:
    """A lesson both in lessons.json and in events.json: the event lacks the teacher and may lack the
    topic and homework; the schedule item's are kept."""
    known = draft.lessons.get(row["lesson_id"])
    if known is None:
        return
    if row["teacher_id"] == UNKNOWN_TEACHER_ID:
        row["teacher_id"] = known["teacher_id"]
    for column in ("topic", "homework", "homework_entered_at"):
        row[column] = row[column] or known[column]


def _row(
    node: Payload, pupil_id: str, draft: MeshDraft, day, teacher_id: str, topic: str | None, id_field: str = "id"
) -> dict:
    number = node.get("lesson_number", "int", required=False)
    if number is not None and not 0 <= number <= 12:
        raise ExportRefused(node.file_name, node.path, "lesson_number", f"номер урока {number} вне 0–12")
    return {
        "lesson_id": source_id("l", node.get(id_field, "id")),
        "lesson_date": day,
        "lesson_number": number,
        "class_id": draft.pupil_class[pupil_id],
        "subject_id": draft.add_subject(node.get("subject_name", "str"), node, "subject_name"),
        "teacher_id": teacher_id,
        "topic": topic or None,
        "_source_subject": node.get("subject_id", "id", required=False),  # not written: links marks
    }


def _number(pupil_lessons: list[PupilLesson], draft: MeshDraft) -> None:
    unnumbered = [lesson for lesson in pupil_lessons if lesson.row["lesson_number"] is None]
    starts: dict[tuple, set[str]] = collections.defaultdict(set)
    for lesson in unnumbered:
        starts[(lesson.row["class_id"], lesson.row["lesson_date"])].add(lesson.starts)
    places = {key: {start: n for n, start in enumerate(sorted(day), start=1)} for key, day in starts.items()}
    for lesson in unnumbered:
        day = places[(lesson.row["class_id"], lesson.row["lesson_date"])]
        lesson.row["lesson_number"] = min(day[lesson.starts], 12)
    if unnumbered:
        message = "номера урока в ответе нет: номер — место урока по времени начала среди уроков класса в этот день"
        draft.notes.at(unnumbered[0].node, "lesson_number", None, message, once="lesson number")


def _teacher(item: Payload, draft: MeshDraft) -> str:
    """The teacher of a schedule item: by ``id`` or ``user_id``, else by full name; else «Не указан»."""
    teacher = item.child("teacher", required=False)
    if teacher is None:
        return _unknown_teacher(item, draft)
    draft.notes.unknown(teacher, TEACHER_FIELDS)
    last = teacher.get("last_name", "str", required=False) or ""
    first = teacher.get("first_name", "str", required=False) or ""
    middle = teacher.get("middle_name", "str", required=False) or ""
    own_id = teacher.get("id", "id", required=False) or teacher.get("user_id", "id", required=False)
    if own_id is None and not last:
        return _unknown_teacher(item, draft)
    teacher_id = source_id("t", own_id) if own_id else slug_id(f"{last} {first} {middle}", "t-")
    return draft.add_teacher(teacher_id, last or "—", first, middle)


def _unknown_teacher(node: Payload, draft: MeshDraft) -> str:
    draft.unknown_teacher()
    message = "учителя в ответе нет: урок и его отметки записаны за учителем «Не указан»"
    draft.notes.at(node, "teacher", None, message, once="no teacher")
    return UNKNOWN_TEACHER_ID


def _absence(node: Payload, draft: MeshDraft) -> str | None:
    """Absence code: ``absence_reason`` text, else ``absence_reason_id`` (its meaning is not in the
    answer: «н» with a note), else ``is_missed_lesson``."""
    reason = node.get("absence_reason", "str", required=False)
    if reason:
        return map_absence_code(reason, draft.notes, node.file_name, node.path, "absence_reason")
    reason_id = node.get("absence_reason_id", "id", required=False)
    if reason_id is not None:
        message = f"причина пропуска № {reason_id} в ответе не расшифрована: учтён как пропуск «н»"
        draft.notes.at(node, "absence_reason_id", reason_id, message, once=f"absence reason {reason_id}")
        return "н"
    return "н" if node.get("is_missed_lesson", "bool", required=False) else None


def _event_homework(event: Payload, draft: MeshDraft) -> str | None:
    homework = event.child("homework", required=False)
    if homework is None:
        return None
    draft.notes.unknown(homework, EVENT_HOMEWORK_FIELDS)
    texts = homework.child("descriptions", "list", required=False)
    if texts is not None:
        return _joined(t for t in texts.value if isinstance(t, str))
    entries = homework.items("entries", required=False)
    for entry in entries:
        draft.notes.unknown(entry, ENTRY_FIELDS)
    return _joined(entry.get("description", "str", required=False) for entry in entries)


def _joined(texts) -> str | None:
    return "; ".join(t for t in texts if t) or None
