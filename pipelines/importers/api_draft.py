"""A canonical export being assembled by an API importer (Дневник.ру, ЭлЖур, МЭШ), then written.

Their JSON APIs give lessons, marks, attendance and period marks but not everything the
canonical export needs. What they lack is derived here the same way for all three, and each
derivation is documented in docs/importers.md:

- the academic year is the one of the first period's start (1 September – 31 August);
- a pupil is enrolled in the class from the first day of the year (the APIs give no movement);
- the curriculum is left empty: weekly hours are not invented;
- a period's id is the same as every importer gives it (periods.period_id: year, kind, number);
- consent to personal-data processing is «нет», with a note;
- the export covers the days from the first period's start to the last period's end.
- a lesson that no answer gives for a mark's day and subject can be made from the mark
  (``Draft.lesson_of_day``).

Subjects go through the school's catalogue and work types through the school's weights
(subjects.py, work_types.py), so every system maps onto the same subjects and weights.
"""

from __future__ import annotations

import collections
import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

from pipelines.importers.api_payload import Payload, PayloadNotes
from pipelines.importers.canonical_tables import UNKNOWN_TEACHER, UNKNOWN_TEACHER_ID, export_row, write_canonical
from pipelines.importers.dates import academic_year_of, academic_year_row, fmt_date, fmt_datetime
from pipelines.importers.ids import stable_id
from pipelines.importers.marks import canonical_period_mark
from pipelines.importers.origins import ORIGIN, Origin
from pipelines.importers.periods import PERIOD_NUMBER, period_id
from pipelines.importers.periods import period_number as number_of_period
from pipelines.importers.subjects import SubjectCatalogue, load_subject_catalogue
from pipelines.importers.work_types import WorkTypes
from pipelines.issues import ExportRefused

_PERIOD_KINDS = (("четверт", "quarter"), ("триместр", "trimester"), ("полугод", "half_year"), ("семестр", "semester"))
_LAST_NUMBER = 12  # lessons are numbered 0–12
_NA = re.compile(r"^\s*н\s*/\s*а\s*(?:\(\s*([убн])\s*\))?\s*$", re.IGNORECASE)


def period_mark(raw: str) -> tuple[str, str | None] | None:
    """(mark, н/а reason) of a period mark as given («5», «зач», «н/а», «н/а(б)», «осв»), else None."""
    if match := _NA.match(raw):
        return "н/а", match.group(1)
    value = canonical_period_mark(raw)
    return (value, None) if value else None


def period_kind(name: str) -> str | None:
    lowered = name.lower()
    return next((kind for stem, kind in _PERIOD_KINDS if stem in lowered), None)


def period_number(name: str) -> int | None:
    """«1 четверть» → 1, «II полугодие» → 2; None when the name carries no number."""
    if match := re.search(rf"{PERIOD_NUMBER}(?!\w)", name, re.IGNORECASE):
        return number_of_period(match.group(1))
    return None


@dataclass
class Draft:
    """Rows of the canonical files, keyed where a source repeats an entity in several payloads."""

    source_system: str
    pupils_file: str
    notes: PayloadNotes
    work_types: WorkTypes
    catalogue: SubjectCatalogue = field(default_factory=load_subject_catalogue)
    school: dict[str, str] = field(default_factory=dict)
    periods: dict[str, dict] = field(default_factory=dict)
    teachers: dict[str, dict] = field(default_factory=dict)
    classes: dict[str, dict] = field(default_factory=dict)
    pupils: dict[str, dict] = field(default_factory=dict)
    pupil_class: dict[str, str] = field(default_factory=dict)
    lessons: dict[str, dict] = field(default_factory=dict)
    marks: dict[str, dict] = field(default_factory=dict)
    attendance: dict[tuple[str, str], dict] = field(default_factory=dict)
    period_marks: dict[tuple, dict] = field(default_factory=dict)
    groups: dict[str, dict] = field(default_factory=dict)
    group_members: dict[tuple[str, str], dict] = field(default_factory=dict)
    lesson_pupils: dict[str, set[str]] = field(default_factory=lambda: collections.defaultdict(set))
    _teachers_for: tuple[int, dict[tuple[str, str], str]] | None = None

    def add_period(
        self,
        node: Payload,
        name: str,
        start: dt.date,
        end: dt.date,
        *,
        kind: str | None = None,
        number: int | None = None,
    ) -> str:
        """Register a period by its name and dates (repeated per pupil in the APIs); returns its id.

        Without ``kind`` and ``number`` they are read from the name («II четверть»)."""
        if end < start:
            raise ExportRefused(node.file_name, node.path, "end", "конец периода раньше его начала")
        kind = kind or period_kind(name)
        if kind is None:
            kind = "quarter"
            self.notes.at(node, "name", name, "вид периода не ясен из названия: считается четвертью", once=name)
        key = f"{kind}-{start.isoformat()}"  # the final id (year, kind, number) is given on writing
        known = self.periods.get(key)
        if known is not None and (known["period_name"], known["end_date"]) != (name, end):
            raise ExportRefused(node.file_name, node.path, "start", f"два разных периода начинаются {fmt_date(start)}")
        self.periods[key] = {
            "period_id": key,
            "period_kind_code": kind,
            "period_number": number or period_number(name),
            "period_name": name,
            "start_date": start,
            "end_date": end,
        }
        return key

    def period_by_name(self, name: str) -> str | None:
        wanted = name.strip().lower()
        return next((pid for pid, row in self.periods.items() if row["period_name"].lower() == wanted), None)

    def period_by_kind_number(self, kind: str, number: int) -> str | None:
        ordered = sorted((r for r in self.periods.values() if r["period_kind_code"] == kind), key=_start)
        return ordered[number - 1]["period_id"] if 0 < number <= len(ordered) else None

    def year_end(self) -> dt.date:
        return max(r["end_date"] for r in self.periods.values())

    def add_period_mark(
        self,
        pupil_id: str,
        subject_id: str,
        kind: str,
        period_id: str | None,
        parsed: tuple[str, str | None],
        entered_at: object,
        entered_by: str,
        node: Payload | None = None,
    ) -> None:
        """A period, year, exam or final mark (parsed: value and н/а reason); a later one replaces an
        earlier. ``node``: the answer's value it was read from (named if a check refuses the row)."""
        self.period_marks[(pupil_id, subject_id, kind, period_id)] = {
            ORIGIN: origin_of(node),
            "pupil_id": pupil_id,
            "subject_id": subject_id,
            "mark_kind_code": kind,
            "period_id": period_id,
            "mark_value": parsed[0],
            "na_reason_code": parsed[1],
            "entered_at": entered_at,
            "entered_by": entered_by,
        }

    def add_mark(
        self,
        mark_id: str,
        pupil_id: str,
        lesson_id: str,
        value: str,
        work_type_id: str,
        entered_at: object,
        entered_by: str,
        weight: float | None = None,
        node: Payload | None = None,
    ) -> None:
        """A current mark; ``weight`` only when the source gives the mark its own."""
        self.marks[mark_id] = {
            ORIGIN: origin_of(node),
            "mark_id": mark_id,
            "pupil_id": pupil_id,
            "lesson_id": lesson_id,
            "mark_value": value,
            "work_type_id": work_type_id,
            "weight": weight,
            "entered_at": entered_at,
            "entered_by": entered_by,
        }

    def add_absence(
        self, pupil_id: str, lesson_id: str, code: str, entered_at: object = None, node: Payload | None = None
    ) -> None:
        """The pupil missed (or was late to) the lesson; one record per pupil and lesson."""
        self.attendance[(pupil_id, lesson_id)] = {
            ORIGIN: origin_of(node),
            "pupil_id": pupil_id,
            "lesson_id": lesson_id,
            "absence_code": code,
            "entered_at": entered_at,
        }

    def add_teacher(self, teacher_id: str, last: str, first: str, middle: str = "") -> str:
        row = {"teacher_id": teacher_id, "last_name": last, "first_name": first or "—", "middle_name": middle}
        self.teachers.setdefault(teacher_id, row)
        return teacher_id

    def unknown_teacher(self) -> str:
        """The teacher «Не указан» (canonical_tables.UNKNOWN_TEACHER), for what no answer attributes."""
        row = UNKNOWN_TEACHER
        return self.add_teacher(UNKNOWN_TEACHER_ID, row["last_name"], row["first_name"], row["middle_name"])

    def add_subject(self, name: str, node: Payload, field_name: str) -> str:
        return self.catalogue.resolve(name, self.notes, node.file_name, f"{node.path}.{field_name}")

    def subject_teacher(self, class_id: str, subject_id: str) -> str | None:
        """Who teaches the subject in the class: the teacher of most of its lessons."""
        if self._teachers_for is None or self._teachers_for[0] != len(self.lessons):
            counts: dict[tuple[str, str], collections.Counter[str]] = collections.defaultdict(collections.Counter)
            for lesson in self.lessons.values():
                counts[(lesson["class_id"], lesson["subject_id"])][lesson["teacher_id"]] += 1
            self._teachers_for = (len(self.lessons), {k: c.most_common(1)[0][0] for k, c in counts.items()})
        return self._teachers_for[1].get((class_id, subject_id))

    def add_lesson(self, node: Payload, row: dict) -> str:
        """Store a lesson; per-pupil APIs repeat it in every diary, and every copy must agree."""
        known = self.lessons.get(row["lesson_id"])
        if known is not None:
            for column in ("lesson_date", "lesson_number", "class_id", "subject_id", "teacher_id", "topic"):
                if known[column] != row[column]:
                    problem = f"урок {row['lesson_id']} уже встречался с другим значением ({_cell(known[column])})"
                    raise ExportRefused(node.file_name, node.path, column, problem)
        row[ORIGIN] = origin_of(node)  # the same dict: importers complete a lesson they stored (its subgroup)
        self.lessons[row["lesson_id"]] = row
        return row["lesson_id"]

    def lesson_of_day(self, node: Payload, class_id: str, day: dt.date, subject_id: str) -> dict:
        """The class's lesson of the subject on a day that no diary or schedule answer gives, made
        from a mark (or an absence) of that day; one per class, day and subject.

        Numbered with the next free number of the class that day (1 on a day without lessons),
        taught by the subject's teacher in the class (else «Не указан»), without topic or homework."""
        lesson_id = stable_id("l", class_id, day.isoformat(), subject_id)
        if lesson_id not in self.lessons:
            taken = {
                r["lesson_number"]
                for r in self.lessons.values()
                if (r["class_id"], r["lesson_date"]) == (class_id, day)
            }
            row = {
                "lesson_id": lesson_id,
                "lesson_date": day,
                "lesson_number": _free_number(taken),
                "class_id": class_id,
                "subject_id": subject_id,
                "teacher_id": self.subject_teacher(class_id, subject_id) or self.unknown_teacher(),
                "topic": None,
                "homework": None,
            }
            self.add_lesson(node, row)
        return self.lessons[lesson_id]

    def saw_lesson(self, pupil_id: str, lesson_id: str) -> None:
        """The lesson is in the pupil's own diary or schedule (per-pupil APIs: ЭлЖур, МЭШ)."""
        self.lesson_pupils[lesson_id].add(pupil_id)

    def _infer_groups(self) -> None:
        """A lesson in the diaries of only some pupils of its class is a subgroup lesson.

        Per-pupil APIs do not name subgroups; the pupils who have the lesson do. Lessons of one
        class and subject with the same set of pupils belong to one subgroup, numbered in the
        order of their first lesson."""
        class_pupils = collections.defaultdict(set)
        for pupil_id, class_id in self.pupil_class.items():
            class_pupils[class_id].add(pupil_id)
        numbers: collections.Counter[tuple[str, str]] = collections.Counter()
        found: dict[tuple[str, str, frozenset[str]], str] = {}
        for lesson in sorted(self.lessons.values(), key=lambda r: (r["lesson_date"], r["lesson_number"])):
            members = frozenset(self.lesson_pupils.get(lesson["lesson_id"], ()))
            if lesson.get("group_id") or not members or members == class_pupils[lesson["class_id"]]:
                continue
            key = (lesson["class_id"], lesson["subject_id"], members)
            if key not in found:
                numbers[key[:2]] += 1
                group_id = f"{lesson['class_id']}-{lesson['subject_id']}-{numbers[key[:2]]}"[:64]
                found[key] = group_id
                self.groups[group_id] = {
                    "group_id": group_id,
                    "class_id": lesson["class_id"],
                    "subject_id": lesson["subject_id"],
                    "group_name": f"{numbers[key[:2]]} подгруппа",
                    "teacher_id": lesson["teacher_id"],
                }
                for pupil_id in members:
                    self.group_members[(pupil_id, group_id)] = {"pupil_id": pupil_id, "group_id": group_id}
            lesson["group_id"] = found[key]

    def write(self, out_dir: Path, exported_at: dt.datetime) -> None:
        """Derive what the APIs lack (year, enrolments, curriculum, export row) and write the CSV files."""
        if not self.periods:
            raise ExportRefused(self.source_system, None, None, "нет ни одного учебного периода")
        self._infer_groups()
        periods = sorted(self.periods.values(), key=_start)
        start, end = periods[0]["start_date"], max(r["end_date"] for r in periods)
        year = academic_year_row(academic_year_of(start))
        year_id = year["academic_year_id"]
        numbers: collections.Counter[str] = collections.Counter()
        final_id: dict[str, str] = {}
        for row in periods:
            numbers[row["period_kind_code"]] += 1
            row["period_number"] = row["period_number"] or numbers[row["period_kind_code"]]
            final_id[row["period_id"]] = period_id(year_id, row["period_kind_code"], row["period_number"])
        if len(set(final_id.values())) < len(final_id):
            raise ExportRefused(self.source_system, None, None, "два учебных периода одного вида с одним номером")
        if self.pupils:
            self.notes.add(
                self.pupils_file, "", "согласие_пдн", None, "согласие на обработку ПДн неизвестно: записано «нет»"
            )
        tables = {
            "export": [export_row(self.school["school_id"], self.source_system, exported_at, start, end)],
            "school": [self.school],
            "academic_years": [year],
            "periods": [
                {**row, "period_id": final_id[row["period_id"]], "academic_year_id": year_id} for row in periods
            ],
            "teachers": list(self.teachers.values()),
            "subjects": self.catalogue.table(),
            "classes": [{**row, "academic_year_id": year_id} for row in self.classes.values()],
            "groups": [row for row in self.groups.values() if row.get("subject_id")],
            "group_members": [
                {**row, "start_date": year["start_date"]}
                for row in self.group_members.values()
                if self.groups[row["group_id"]].get("subject_id")
            ],
            "pupils": list(self.pupils.values()),
            "enrolments": [
                {"pupil_id": p, "class_id": c, "start_date": year["start_date"], "arrival_reason": "начало года"}
                for p, c in self.pupil_class.items()
            ],
            "curriculum": [],
            "work_types": self.work_types.table(),
            "lessons": list(self.lessons.values()),
            "marks": list(self.marks.values()),
            "attendance": list(self.attendance.values()),
            "period_marks": [
                {**row, "period_id": final_id.get(row["period_id"]), "academic_year_id": year_id}
                for row in self.period_marks.values()
            ],
        }
        write_canonical(out_dir, {name: [_text(row) for row in rows] for name, rows in tables.items()})


def _free_number(taken: set[int]) -> int:
    """The number after the day's last lesson (1 on a free day); after the last hour, the first unused one."""
    after_last = max(taken, default=0) + 1
    if after_last <= _LAST_NUMBER:
        return after_last
    return next((n for n in range(1, _LAST_NUMBER + 1) if n not in taken), _LAST_NUMBER)


def _start(row: dict) -> dt.date:
    return row["start_date"]


def _text(row: dict) -> dict[str, str]:
    text = {key: _cell(value) for key, value in row.items() if not key.startswith("_")}
    return {**text, ORIGIN: row[ORIGIN]} if row.get(ORIGIN) else text


def origin_of(node: Payload | None) -> Origin | None:
    """Where a row was read: the answer's file and the JSON path of its value."""
    return (node.file_name, node.path or "корень файла") if node is not None else None


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "да" if value else "нет"
    if isinstance(value, dt.datetime):
        return fmt_datetime(value)
    if isinstance(value, dt.date):
        return fmt_date(value)
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)
