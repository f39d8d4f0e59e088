"""A canonical export being assembled by an API importer, then written as CSV files.

The JSON APIs of Дневник.ру, ЭлЖур and МЭШ give lessons, marks, attendance and period marks but
not everything the canonical export needs. What they lack is derived here the same way for all
three, and each derivation is documented in docs/importers-b.md:

- the academic year spans the periods (``ГГГГ/ГГГГ`` from the first period's start);
- a pupil is enrolled in the class from the first day of the year (the APIs give no movement);
- the curriculum's weekly hours are the most lessons of the subject in the class in one week;
- an export covers the academic year; its moment is the newest file of the bundle.
"""

from __future__ import annotations

import collections
import csv
import datetime as dt
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from ejournal.settings import Norms
from pipelines.canonical.schemas import FILES_BY_NAME, columns_of

_ID_BAD = re.compile(r"[^0-9A-Za-zА-Яа-яЁё_.:\-]+")
_ROMAN = {"I": 1, "II": 2, "III": 3, "IV": 4}
_PERIOD_KINDS = (
    ("четверт", "quarter"),
    ("триместр", "trimester"),
    ("полугод", "half_year"),
    ("семестр", "semester"),
)
_PASS = {"зач": "зач", "зч": "зач", "зачет": "зач", "зачёт": "зач", "зачтено": "зач"}
_FAIL = {"незач": "незач", "нз": "незач", "незачет": "незач", "незачёт": "незач", "не зачтено": "незач"}


def safe_id(value: str) -> str:
    """A canonical identifier from a source id or a name (allowed characters, at most 64)."""
    cleaned = _ID_BAD.sub("_", value.strip()).strip("_")
    return cleaned[:64] or "_"


def default_weight(norms: Norms) -> float:
    """The school's weight for a work type the data does not weigh ([importers] of norms.toml)."""
    return float(norms.raw.get("importers", {}).get("default_work_weight", 1))


def current_mark(text: str) -> str | None:
    """A current mark as the canonical export writes it («5», «4/5», «зач», «незач», «К»), else None."""
    value = text.strip().replace(" ", "")
    if re.fullmatch(r"[1-5](/[1-5])?", value):
        return value
    lowered = value.lower().rstrip(".")
    if lowered in _PASS:
        return "зач"
    if lowered in _FAIL:
        return "незач"
    return "К" if value in ("К", "к") else None


def period_mark(text: str) -> tuple[str, str | None] | None:
    """(mark, н/а reason) of a period mark as given («5», «зач», «н/а», «н/а(б)», «осв»), else None."""
    value = text.strip().lower().replace(" ", "")
    if re.fullmatch(r"[1-5]", value):
        return value, None
    if value.rstrip(".") in _PASS:
        return "зач", None
    if value.rstrip(".") in _FAIL:
        return "незач", None
    if value in ("осв", "освоено"):
        return "осв", None
    if value in ("неосв", "неосвоено"):
        return "неосв", None
    if match := re.fullmatch(r"н/а(?:\(([убн])\))?", value):
        return "н/а", match.group(1)
    return None


def period_kind(name: str) -> str | None:
    lowered = name.lower()
    return next((kind for stem, kind in _PERIOD_KINDS if stem in lowered), None)


def period_number(name: str) -> int | None:
    """«1 четверть» → 1, «II полугодие» → 2; None when the name carries no number."""
    if match := re.search(r"\b(\d)\b", name):
        return int(match.group(1))
    if match := re.search(r"\b(IV|I{1,3})\b", name):
        return _ROMAN[match.group(1)]
    return None


def split_name(full_name: str) -> tuple[str, str, str]:
    """«Фамилия Имя Отчество» (or «Фамилия И. О.») → (last, first, middle)."""
    parts = full_name.replace(".", ". ").split()
    parts = [p for p in parts if p]
    last = parts[0] if parts else full_name
    first = parts[1] if len(parts) > 1 else "-"
    middle = " ".join(parts[2:])
    return last, first, middle


def bundle_moment(path: Path) -> dt.datetime:
    """The newest modification time among the bundle's files: when the export was taken."""
    if path.is_dir():
        stamps = [p.stat().st_mtime for p in path.iterdir() if p.is_file()]
        return dt.datetime.fromtimestamp(max(stamps)).replace(microsecond=0)
    with zipfile.ZipFile(path) as archive:
        return max(dt.datetime(*info.date_time) for info in archive.infolist())


@dataclass
class Draft:
    """Rows of the canonical files, keyed where a source repeats an entity in several payloads."""

    source_system: str
    school: dict[str, str] = field(default_factory=dict)
    periods: dict[str, dict] = field(default_factory=dict)
    teachers: dict[str, dict] = field(default_factory=dict)
    subjects: dict[str, dict] = field(default_factory=dict)
    classes: dict[str, dict] = field(default_factory=dict)
    pupils: dict[str, dict] = field(default_factory=dict)
    pupil_class: dict[str, str] = field(default_factory=dict)
    work_types: dict[str, dict] = field(default_factory=dict)
    lessons: dict[str, dict] = field(default_factory=dict)
    marks: dict[str, dict] = field(default_factory=dict)
    attendance: dict[tuple[str, str], dict] = field(default_factory=dict)
    period_marks: dict[tuple, dict] = field(default_factory=dict)

    def add_period(self, name: str, start: dt.date, end: dt.date) -> str:
        """Register a period by its name and dates; returns its canonical id."""
        kind = period_kind(name) or "quarter"
        key = f"{start.isoformat()}:{name}"
        for period_id, row in self.periods.items():
            if row["_key"] == key:
                return period_id
        period_id = safe_id(f"{start.year}-{kind}-{start.isoformat()}")
        self.periods[period_id] = {
            "_key": key,
            "period_id": period_id,
            "period_kind_code": kind,
            "period_number": period_number(name),
            "period_name": name,
            "start_date": start,
            "end_date": end,
        }
        return period_id

    def period_by_name(self, name: str) -> str | None:
        wanted = name.strip().lower()
        return next((pid for pid, row in self.periods.items() if row["period_name"].lower() == wanted), None)

    def period_on(self, day: dt.date) -> str | None:
        return next((pid for pid, r in self.periods.items() if r["start_date"] <= day <= r["end_date"]), None)

    def year_period_end(self) -> dt.date:
        return max(r["end_date"] for r in self.periods.values())

    def add_teacher(self, teacher_id: str, last: str, first: str, middle: str = "") -> str:
        self.teachers.setdefault(
            teacher_id,
            {"teacher_id": teacher_id, "last_name": last, "first_name": first or "-", "middle_name": middle},
        )
        return teacher_id

    def add_subject(self, subject_id: str, name: str) -> str:
        self.subjects.setdefault(subject_id, {"subject_id": subject_id, "subject_name": name, "short_name": name})
        return subject_id

    def add_work_type(self, work_type_id: str, name: str, weight: float, is_control: bool) -> str:
        self.work_types.setdefault(
            work_type_id,
            {"work_type_id": work_type_id, "work_type_name": name, "weight": weight, "is_control": is_control},
        )
        return work_type_id

    def write(self, out_dir: Path, exported_at: dt.datetime) -> None:
        """Derive what the APIs lack (year, enrolments, curriculum, export row) and write the CSV files."""
        tables = self._tables(exported_at)
        out_dir.mkdir(parents=True, exist_ok=True)
        for name, rows in tables.items():
            header = list(columns_of(FILES_BY_NAME[name].model))
            with (out_dir / f"{name}.csv").open("w", encoding="utf-8", newline="") as handle:
                writer = csv.writer(handle, delimiter=";")
                writer.writerow(header)
                for row in rows:
                    writer.writerow([_cell(row.get(column)) for column in header])

    def _tables(self, exported_at: dt.datetime) -> dict[str, list[dict]]:
        start = min(r["start_date"] for r in self.periods.values())
        end = max(r["end_date"] for r in self.periods.values())
        first_year = start.year if start.month >= 7 else start.year - 1
        year_id = f"{first_year}/{first_year + 1}"
        periods = sorted(self.periods.values(), key=lambda r: r["start_date"])
        numbers: collections.Counter[str] = collections.Counter()
        for row in periods:
            numbers[row["period_kind_code"]] += 1
            row["period_number"] = row["period_number"] or numbers[row["period_kind_code"]]
            row["academic_year_id"] = year_id
        for row in self.classes.values():
            row["academic_year_id"] = year_id
        for row in self.period_marks.values():
            row["academic_year_id"] = year_id
        enrolments = [
            {"pupil_id": p, "class_id": c, "start_date": start, "arrival_reason": "начало года"}
            for p, c in self.pupil_class.items()
        ]
        return {
            "export": [
                {
                    "school_id": self.school["school_id"],
                    "source_system": self.source_system,
                    "export_kind_code": "full",
                    "exported_at": exported_at,
                    "covers_from_date": start,
                    "covers_to_date": end,
                }
            ],
            "school": [self.school],
            "academic_years": [{"academic_year_id": year_id, "start_date": start, "end_date": end}],
            "periods": periods,
            "teachers": list(self.teachers.values()),
            "subjects": list(self.subjects.values()),
            "classes": list(self.classes.values()),
            "pupils": list(self.pupils.values()),
            "enrolments": enrolments,
            "curriculum": self._curriculum(),
            "work_types": list(self.work_types.values()),
            "lessons": list(self.lessons.values()),
            "marks": list(self.marks.values()),
            "attendance": list(self.attendance.values()),
            "period_marks": list(self.period_marks.values()),
        }

    def _curriculum(self) -> list[dict]:
        """Weekly hours = the most lessons of the subject in the class in one ISO week."""
        per_week: collections.Counter[tuple[str, str, tuple[int, int]]] = collections.Counter()
        teachers: dict[tuple[str, str], collections.Counter[str]] = collections.defaultdict(collections.Counter)
        for lesson in self.lessons.values():
            key = (lesson["class_id"], lesson["subject_id"])
            per_week[(*key, lesson["lesson_date"].isocalendar()[:2])] += 1
            teachers[key][lesson["teacher_id"]] += 1
        hours: dict[tuple[str, str], int] = {}
        for (class_id, subject_id, _week), count in per_week.items():
            hours[(class_id, subject_id)] = max(hours.get((class_id, subject_id), 0), count)
        return [
            {
                "class_id": class_id,
                "subject_id": subject_id,
                "weekly_hours": min(count, 12),
                "is_attested": True,
                "teacher_id": teachers[(class_id, subject_id)].most_common(1)[0][0],
            }
            for (class_id, subject_id), count in sorted(hours.items())
        ]


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "да" if value else "нет"
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)
