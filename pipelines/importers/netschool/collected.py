"""What the «Сетевой город» JSON responses hold once read (lessons, marks, absences, pupils,
assignment details), before the canonical export is built from it, and the small readers that
the web diary (diary.py) and the mobile API (mobile.py) share."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipelines.importers.absences import ABSENCE_CODES
from pipelines.importers.names import normalise_name
from pipelines.importers.netschool.report import Report
from pipelines.importers.reading import field_of
from pipelines.issues import ExportRefused


@dataclass
class Lesson:
    key: str
    day: dt.date
    number: int
    subject: str
    where: str
    file_name: str
    topic: str = ""
    homework: str = ""


@dataclass
class Mark:
    key: str
    lesson_key: str
    student: str
    value: Any
    type_name: str | None
    weight: float | None  # as the source gives it (server scale); None = not given
    entered: dt.datetime | None
    where: str
    file_name: str
    assignment: str = ""


@dataclass
class Total:
    """A period mark of the mobile API's ``totals``: ``kind`` «period» (with ``period``: number, kind
    code, first and last day) or «year», «exam», «final»."""

    student: str
    subject_id: int
    kind: str
    period: tuple[int, str, dt.date, dt.date] | None
    value: Any
    where: str
    file_name: str


@dataclass
class Collected:
    context: dict | None = None
    years: list[dict] = field(default_factory=list)
    types: dict[int, str] | None = None  # None: no grade/assignment/types response was saved
    students: dict[str, dict] = field(default_factory=dict)  # studentId → {"name", "class"}
    class_names: set[str] = field(default_factory=set)  # named by the diary weeks
    details: dict[str, dict] = field(default_factory=dict)
    teachers: dict[str, tuple[Any, str]] = field(default_factory=dict)  # lesson key → (teacher id, name)
    lessons: dict[str, Lesson] = field(default_factory=dict)
    marks: dict[str, Mark] = field(default_factory=dict)
    absences: dict[tuple[str, str], tuple[Any, str, str]] = field(default_factory=dict)
    reports: list[Report] = field(default_factory=list)
    n_duty: int = 0
    diaries: list[tuple[Path, Any]] = field(default_factory=list)
    mobile: list[tuple[Path, str, list, str]] = field(default_factory=list)  # file, kind, items, path prefix
    subject_names: dict[int, str] = field(default_factory=dict)  # mobile subjects: id → name
    totals: list[Total] = field(default_factory=list)  # mobile totals: period marks
    education: list[dict] = field(default_factory=list)  # mobile education: {"class", "school", "year"}
    unrecognised: list[tuple[str, str]] = field(default_factory=list)  # file, what it holds


def given_weight(item: Any, file_name: str, where: str) -> float | None:
    """The ``weight`` of an assignment: real servers send ``0`` (or nothing) for «not given» — None here."""
    weight = field_of(item, "weight", "number", file_name, where, required=False)
    return float(weight) if weight else None


def absence_code(value: Any) -> bool:
    """A diary «mark» that is an attendance code («Н», «УП», «Б», «ОП»), not a mark."""
    return isinstance(value, str) and ABSENCE_CODES.get(normalise_name(value).rstrip(".")) is not None


def first_teacher(teachers: Any, file_name: str, where: str) -> tuple[Any, str] | None:
    """The first teacher with an id and a name in a ``teachers: [{id, name}]`` list."""
    if teachers is None:
        return None
    if not isinstance(teachers, list):
        raise ExportRefused(file_name, where, "teachers", "ожидается список учителей [{id, name}]")
    for teacher in teachers:
        named = named_ref(teacher)
        if named is not None:
            return named
    return None


def named_ref(ref: Any) -> tuple[Any, str] | None:
    """(id, name) of a ``{id, name}`` reference (a teacher, a context's user), or None when either is missing."""
    if not isinstance(ref, dict) or ref.get("id") is None:
        return None
    name = ref.get("name")
    return (ref["id"], name.strip()) if isinstance(name, str) and name.strip() else None


def shape_of(doc: Any) -> str:
    """What a JSON value is, for a message: «объект с полями a, b, c», «список из 3 объектов с полями …»."""
    if isinstance(doc, dict):
        names = list(doc)[:8]
        more = "…" if len(doc) > len(names) else ""
        return f"объект с полями {', '.join(names)}{more}" if names else "пустой объект"
    if isinstance(doc, list):
        if not doc:
            return "пустой список"
        return f"список из {len(doc)} элементов, первый — {shape_of(doc[0])}"
    return f"значение «{str(doc)[:40]}»"


def request_pupil(item: Any, file_name: str, where: str, data: Collected, answer: str) -> str:
    """``item``'s ``studentId``, else the one pupil the request was made for (``answer`` names the
    response in the refusal when the pupils known are not exactly one)."""
    student = field_of(item, "studentId", "integer", file_name, where, required=False)
    if student is not None:
        return str(student)
    known = sorted(data.students)
    if len(known) == 1:
        return known[0]
    found = f"{len(known)} ({', '.join(known)})" if known else "ни одного"
    raise ExportRefused(
        file_name,
        where,
        "studentId",
        f"{answer} не называет ученика (нет studentId): ожидается ровно один ученик в context"
        f" ученика, student/diary/init или students, а найдено {found} — сохраните ответ об ученике",
    )
