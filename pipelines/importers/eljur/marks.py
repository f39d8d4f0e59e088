"""Marks and absences of ЭлЖур: ``getmarks`` (by subject) or, without it, the diary's own ``assessments``.

A mark names its subject (``lesson_id`` of the subject, or the subject's name) and its date, not
the lesson: it is put on the pupil's lesson of that subject that day in getdiary (when there are
two, the one whose number is the mark's ``nm``, else the first). A school often saves getmarks for
a whole term and getdiary for a week: a mark of a day or subject the diary does not show goes to a
lesson of the pupil's class made from the mark's date and subject (``Draft.lesson_of_day``), with
one note per file counting such marks. Absences come as marks «Н», «Б», «УП», «ОП»…; a mark with an
empty value (the «phantom» marks clients skip) is not loaded.
"""

from __future__ import annotations

import collections
import datetime as dt
from dataclasses import dataclass, field

from pipelines.importers.absences import ABSENCE_CODES, map_absence_code
from pipelines.importers.api_draft import Draft
from pipelines.importers.api_payload import Payload
from pipelines.importers.eljur import fields
from pipelines.importers.eljur.answers import day_of, listed, students, text
from pipelines.importers.ids import slug_id, source_id
from pipelines.importers.marks import canonical_mark, resolve_mark
from pipelines.importers.names import normalise_name
from pipelines.issues import ExportRefused

DIARY = "getdiary.json"
BEYOND_DIARY = (
    "отметок и пропусков в днях или по предметам, которых нет в getdiary.json: {count}. Они загружены на уроки, "
    "созданные по дате и предмету отметки (номер — следующий свободный в этот день, без темы и домашнего "
    "задания, учитель — учитель предмета в классе или «Не указан»). Чтобы получить номера уроков, темы и "
    "домашние задания, выгрузите getdiary.json за те же даты, что и getmarks.json"
)


@dataclass(frozen=True)
class Slot:
    """A lesson of a pupil's diary as marks find it."""

    lesson_id: str
    subject_key: str | None  # the diary's «lesson_id» (ЭлЖур's subject id)
    subject_name: str  # normalised
    number: int


@dataclass
class Lessons:
    """The pupils' diary lessons by pupil and day, and the diary's own assessments."""

    slots: dict[tuple[str, dt.date], list[Slot]] = field(default_factory=lambda: collections.defaultdict(list))
    assessments: list[tuple[str, str, Payload]] = field(default_factory=list)
    _count: collections.Counter[tuple[str, str]] = field(default_factory=collections.Counter)

    def find(self, pupil_id: str, day: dt.date, key: str | None, name: str, nm: int | None) -> str | None:
        """The pupil's lesson of the subject that day: by the subject's id where both give it, else by its name."""
        slots = self.slots.get((pupil_id, day), [])
        found = [s for s in slots if key and s.subject_key == key]
        if not found:
            found = [s for s in slots if s.subject_name == normalise_name(name)]
        exact = [s for s in found if s.number == nm]
        chosen = (exact or sorted(found, key=lambda s: s.number))[:1]
        return chosen[0].lesson_id if chosen else None

    def next_mark_id(self, lesson_id: str, pupil_id: str) -> str:
        self._count[(lesson_id, pupil_id)] += 1
        return source_id("m", f"{lesson_id}-{pupil_id}-{self._count[(lesson_id, pupil_id)]}")


def read_getmarks(result: Payload, lessons: Lessons, draft: Draft) -> None:
    beyond_diary = 0
    for raw_id, student in students(result):
        draft.notes.unknown(student, fields.STUDENT)
        pupil_id = source_id("p", raw_id)
        if pupil_id not in draft.pupils:
            raise ExportRefused(student.file_name, student.path, "name", f"ученика {raw_id} нет в getdiary.json")
        for subject in listed(student, "lessons"):
            draft.notes.unknown(subject, fields.SUBJECT_MARKS)
            for mark in listed(subject, "marks"):
                draft.notes.unknown(mark, fields.MARK)
                if _is_phantom(mark, draft):
                    continue
                lesson_id = _diary_lesson(mark, subject, pupil_id, lessons)
                if lesson_id is None:
                    lesson_id = _lesson_of_mark(mark, subject, pupil_id, draft)
                    beyond_diary += 1
                read_mark(mark, pupil_id, lesson_id, lessons, draft)
    if beyond_diary:
        draft.notes.at(result, "students", beyond_diary, BEYOND_DIARY.format(count=beyond_diary))


def _diary_lesson(mark: Payload, subject: Payload, pupil_id: str, lessons: Lessons) -> str | None:
    """The pupil's diary lesson of the mark: its day, subject (by id, else name) and number ``nm``."""
    day = day_of(mark, "date")
    nm = mark.get("nm", "int", required=False) if _is_int(mark.value.get("nm")) else None
    key = mark.get("lesson_id", "id", required=False) or subject.get("lesson_id", "id", required=False)
    return lessons.find(pupil_id, day, key, text(subject, "name"), nm)


def _lesson_of_mark(mark: Payload, subject: Payload, pupil_id: str, draft: Draft) -> str:
    """A lesson of the pupil's class made from the mark's day and subject (the diary lacks it)."""
    subject_id = draft.add_subject(text(subject, "name"), subject, "name")
    lesson = draft.lesson_of_day(mark, draft.pupil_class[pupil_id], day_of(mark, "date"), subject_id)
    return lesson["lesson_id"]


def read_assessments(lessons: Lessons, draft: Draft) -> None:
    """Without getmarks.json: the marks the diary shows on each lesson."""
    for pupil_id, lesson_id, mark in lessons.assessments:
        draft.notes.unknown(mark, fields.MARK)
        if not _is_phantom(mark, draft):
            read_mark(mark, pupil_id, lesson_id, lessons, draft)


def _is_int(value: object) -> bool:
    return (isinstance(value, int) and not isinstance(value, bool)) or (isinstance(value, str) and value.isdigit())


def _is_phantom(mark: Payload, draft: Draft) -> bool:
    value = mark.value.get("value")
    if not isinstance(value, str) or value.strip():
        return False
    draft.notes.at(mark, "value", "", "пустая отметка ЭлЖур (без значения): не загружена", once="phantom")
    return True


def read_mark(mark: Payload, pupil_id: str, lesson_id: str, lessons: Lessons, draft: Draft) -> None:
    raw = text(mark, "value")
    lesson = draft.lessons[lesson_id]
    entered_at = dt.datetime.combine(lesson["lesson_date"], dt.time())
    if normalise_name(raw).rstrip(".") in ABSENCE_CODES:
        code = map_absence_code(raw, draft.notes, mark.file_name, mark.path, "value")
        if code:
            draft.add_absence(pupil_id, lesson_id, code, entered_at, mark)
        return
    if canonical_mark(raw) is None and _is_int(mark.value.get("convert")) and str(mark.value["convert"]) != "0":
        raw = str(mark.value["convert"])  # the school's own scale, converted by ЭлЖур to 1–5
    value = resolve_mark(raw, draft.notes, mark.file_name, mark.path, "value")
    if value is None:
        return
    weight = _weight(mark, draft)
    name, short = _work_type(mark, draft)
    work_type_id = draft.work_types.resolve(
        name,
        mark.file_name,
        mark.path,
        weight=weight,
        is_control=lesson.get("_is_control") or "контрольн" in (name or "").lower() or None,
        type_id=slug_id(short, "w:") if short else None,
    )
    if mark.value.get("count") is False:
        draft.notes.at(mark, "count", False, "отметка «не учитывается» в ЭлЖур: загружена со своим весом", once="count")
    draft.add_mark(
        lessons.next_mark_id(lesson_id, pupil_id),
        pupil_id,
        lesson_id,
        value,
        work_type_id,
        entered_at,
        lesson["teacher_id"],
        weight,
        mark,
    )
    draft.notes.at(mark, "date", None, "ЭлЖур не сообщает момент выставления: взята дата урока", once="entered_at")


def _weight(mark: Payload, draft: Draft) -> float | None:
    """``weight_float`` (1.5), else ``weight`` (text or number); 0 or none — the work type's weight."""
    name = "weight_float" if mark.value.get("weight_float") not in (None, "") else "weight"
    weight = mark.get(name, "number", required=False)
    if weight is not None and not 0 <= weight <= 10:
        raise ExportRefused(mark.file_name, mark.path, name, f"вес {weight:g} вне [0; 10]")
    if weight == 0:
        draft.notes.at(mark, name, 0, "вес 0: взят вес вида работы", once="zero weight")
        return None
    return weight


def _work_type(mark: Payload, draft: Draft) -> tuple[str | None, str | None]:
    """(name, short name) of the mark's work type: ``mtype`` of getmarks or ``control_type*`` of the diary."""
    mtype = mark.child("mtype", required=False) if mark.value.get("mtype") != [] else None
    if mtype is not None:
        draft.notes.unknown(mtype, fields.MTYPE)
        return text(mtype, "type", required=False), text(mtype, "short", required=False)
    names = [
        n for n in (text(mark, "control_type", required=False), text(mark, "control_type_short", required=False)) if n
    ]
    if not names:
        return None, None
    names.sort(key=len)  # clients disagree which of the two is the abbreviation
    return names[-1], names[0] if len(names) > 1 else None
