"""Figures of the class documents computed here from the raw CSV rows of an export (standard
library only, never the project's SQL): what the tests expect every PDF and XLSX to print."""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

Rows = Callable[[str], list[dict[str, str]]]


def day(text: str) -> dt.date | None:
    return dt.datetime.strptime(text, "%d.%m.%Y").date() if text else None


def comma(value: Fraction | float | None, digits: int = 1) -> str:
    """The figure as documents print it (shared/DOMAIN.md): rounded half up on the exact value
    (a Fraction; a float is taken at its decimal form), decimal comma, «—» for no value."""
    if value is None:
        return "—"
    exact = value if isinstance(value, Fraction) else Fraction(Decimal(repr(float(value))))
    units = math.floor(exact * 10**digits + Fraction(1, 2))
    return f"{Decimal(units).scaleb(-digits):.{digits}f}".replace(".", ",")


@dataclass(frozen=True)
class Period:
    period_id: str
    name: str
    number: int
    start: dt.date
    end: dt.date


class RawClass:
    """One class of a raw export (the first class unless named)."""

    def __init__(self, raw: Rows, class_name: str | None = None):
        self.raw = raw
        classes = raw("classes")
        self.klass = next(c for c in classes if class_name in (None, c["class_name"]))
        self.class_id = self.klass["class_id"]
        year = next(y for y in raw("academic_years") if y["academic_year_id"] == self.klass["academic_year_id"])
        self.year_start, self.year_end = day(year["start_date"]), day(year["end_date"])
        self.periods = sorted(
            (
                Period(
                    p["period_id"], p["period_name"], int(p["period_number"]), day(p["start_date"]), day(p["end_date"])
                )
                for p in raw("periods")
                if p["academic_year_id"] == self.klass["academic_year_id"]
            ),
            key=lambda p: p.number,
        )
        self.enrolments = [e for e in raw("enrolments") if e["class_id"] == self.class_id]
        groups = {g["group_id"] for g in raw("groups") if g["class_id"] == self.class_id}
        self.members = [m for m in raw("group_members") if m["group_id"] in groups]
        self.names = {
            p["pupil_id"]: " ".join(x for x in (p["last_name"], p["first_name"], p["middle_name"]) if x.strip())
            for p in raw("pupils")
        }
        self.subjects = {s["subject_id"]: s["subject_name"] for s in raw("subjects")}
        self.lessons = {row["lesson_id"]: row for row in raw("lessons") if row["class_id"] == self.class_id}

    def period(self, name: str) -> Period:
        return next(p for p in self.periods if p.name == name)

    def pupils(self, start: dt.date, end: dt.date) -> list[str]:
        """Pupil ids enrolled on any day from start to end, by full name."""
        ids = {
            e["pupil_id"]
            for e in self.enrolments
            if day(e["start_date"]) <= end and (not e["end_date"] or day(e["end_date"]) >= start)
        }
        return sorted(ids, key=lambda p: (self.names[p], p))

    def subject_order(self) -> list[str]:
        taught = {
            c["subject_id"]
            for c in self.raw("curriculum")
            if c["class_id"] == self.class_id and c["is_attested"] == "да"
        }
        return sorted(taught, key=lambda s: self.subjects[s])

    # --- attendance ---------------------------------------------------------------------------

    def expected_lessons(self, start: dt.date, end: dt.date) -> dict[str, list[dict[str, str]]]:
        """pupil id → the class's lessons from start to end the pupil was on the roster of."""

        def on(rows: list[dict[str, str]], pupil: str, date: dt.date, key: str | None = None, value: str = "") -> bool:
            return any(
                r["pupil_id"] == pupil
                and (key is None or r[key] == value)
                and day(r["start_date"]) <= date
                and (not r["end_date"] or day(r["end_date"]) >= date)
                for r in rows
            )

        found: dict[str, list[dict[str, str]]] = defaultdict(list)
        pupils = {e["pupil_id"] for e in self.enrolments} | {m["pupil_id"] for m in self.members}
        for lesson in self.lessons.values():
            date = day(lesson["lesson_date"])
            if not start <= date <= end:
                continue
            for pupil in pupils:
                if lesson["group_id"]:
                    if on(self.members, pupil, date, "group_id", lesson["group_id"]):
                        found[pupil].append(lesson)
                elif on(self.enrolments, pupil, date):
                    found[pupil].append(lesson)
        return found

    def attendance(self, start: dt.date, end: dt.date) -> dict[str, dict[str, int]]:
        """pupil id → lessons, missed, excused, illness, late, days missed (all / excused / illness)
        and missed lessons per (year, month)."""
        codes = {
            (a["pupil_id"], a["lesson_id"]): a["absence_code"] for a in self.raw("attendance") if a["absence_code"]
        }
        result = {}
        for pupil, lessons in self.expected_lessons(start, end).items():
            f: dict = defaultdict(int)
            by_day: dict[dt.date, list[str]] = defaultdict(list)
            for lesson in lessons:
                code = codes.get((pupil, lesson["lesson_id"]), "")
                date = day(lesson["lesson_date"])
                by_day[date].append(code)
                f["lessons"] += 1
                if code in ("н", "у", "б"):
                    f["missed"] += 1
                    f[("month", date.year, date.month)] += 1
                f["excused"] += code in ("у", "б")
                f["illness"] += code == "б"
                f["late"] += code == "оп"
            for day_codes in by_day.values():
                f["days"] += all(c in ("н", "у", "б") for c in day_codes)
                f["days_excused"] += all(c in ("у", "б") for c in day_codes)
                f["days_illness"] += all(c == "б" for c in day_codes)
            result[pupil] = f
        return result

    # --- marks --------------------------------------------------------------------------------

    def period_marks(self) -> dict[tuple[str, str, str, str], str]:
        """(pupil, subject, kind, period id or '') → mark as exported."""
        return {
            (m["pupil_id"], m["subject_id"], m["mark_kind_code"], m["period_id"]): m["mark_value"]
            for m in self.raw("period_marks")
            if m["mark_value"]
        }

    def weighted(self, start: dt.date, end: dt.date) -> dict[tuple[str, str], tuple[int, float]]:
        """(pupil, subject) → (number of numeric marks, weighted average) of the class's lessons."""
        weights = {w["work_type_id"]: float(w["weight"].replace(",", ".")) for w in self.raw("work_types")}
        sums: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0, 0.0, 0.0])
        for m in self.raw("marks"):
            lesson = self.lessons.get(m["lesson_id"])
            if lesson is None or not start <= day(lesson["lesson_date"]) <= end:
                continue
            values = [int(v) for v in m["mark_value"].split("/") if v in ("1", "2", "3", "4", "5")]
            if not values:
                continue
            weight = float(m["weight"].replace(",", ".")) if m["weight"] else weights[m["work_type_id"]]
            s = sums[(m["pupil_id"], lesson["subject_id"])]
            s[0] += len(values)
            s[1] += sum(values) * weight
            s[2] += len(values) * weight
        return {key: (int(n), total / w) for key, (n, total, w) in sums.items()}


def rounded(average: float, threshold: float = 0.65) -> int:
    """The school's rule written out: 2,65 → 3, 3,65 → 4, 4,65 → 5; below 2,65 → 2."""
    for mark, bound in ((5, 4 + threshold), (4, 3 + threshold), (3, 2 + threshold)):
        if average >= bound - 1e-9:
            return mark
    return 2
