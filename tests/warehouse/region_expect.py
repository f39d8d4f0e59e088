"""Figures of «Муниципалитет / регион» computed in plain Python from the rows of region_sample.py,
as the regulations define them, without the project's SQL or polars code."""

from __future__ import annotations

import statistics
from collections import defaultdict

from tests.warehouse.region_sample import SCHOOLS

NUMERIC = {"2", "3", "4", "5"}


def counts(rows: dict[str, list[tuple]], school_ids: set[str], lesson_entry_days: int) -> dict[str, float]:
    """Counts over a set of schools (pooled: sums, never averages of school figures)."""
    pupils = {(s, p) for s, p, *_ in rows["src_enrolments"] if s in school_ids}
    lessons = [r for r in rows["src_lessons"] if r[0] in school_ids]
    marks = defaultdict(list)
    for s, _, pupil, _, value, *_ in rows["src_marks"]:
        if s in school_ids:
            marks[s, pupil].append(int(value))
    period = {(s, p): int(v) for s, p, _, _, _, _, v, *_ in rows["src_period_marks"] if s in school_ids}
    gaps = [abs(mark - statistics.fmean(marks[key])) for key, mark in period.items() if marks[key]]
    written = [r for r in rows["src_external_results"] if r[0] in school_ids and (r[0], r[1]) in period]
    vpr = [(int(r[8]), period[r[0], r[1]]) for r in written]
    lessons_per_school = defaultdict(int)
    for lesson in lessons:
        lessons_per_school[lesson[0]] += 1
    on_time = [r for r in lessons if r[11] is not None and (r[11].date() - r[2]).days <= lesson_entry_days]
    return {
        "pupils": len(pupils),
        "expected": sum(lessons_per_school[s] for s, _ in pupils),
        "missed": sum(1 for r in rows["src_attendance"] if r[0] in school_ids and r[3] in ("н", "у", "б")),
        "marks": sum(len(v) for v in marks.values()),
        "lessons": len(lessons),
        "on_time": len(on_time),
        "gaps": gaps,
        "final_pupils": len(gaps),
        "vpr": len(vpr),
        "vpr_pupils": len({(r[0], r[1]) for r in written}),
        "lowered": sum(1 for v, j in vpr if v < j),
        "confirmed": sum(1 for v, j in vpr if v == j),
        "raised": sum(1 for v, j in vpr if v > j),
    }


def figures(rows: dict[str, list[tuple]], school_ids: set[str], lesson_entry_days: int = 2) -> dict[str, float | None]:
    """The page's figures (by column title) for a school or a pooled set of schools."""
    c = counts(rows, school_ids, lesson_entry_days)

    def share(part: str, whole: str) -> float | None:
        return 100 * c[part] / c[whole] if c[whole] else None

    return {
        "Учеников": c["pupils"],
        "Отметок на ученика по предмету за период": c["marks"] / c["pupils"] if c["pupils"] else None,
        "Уроков записано в срок, %": share("on_time", "lessons"),
        "Итоговая − средневзвешенный, балла": statistics.fmean(c["gaps"]) if c["gaps"] else None,
        "Участников ВПР": c["vpr"],
        "ВПР: понизили, %": share("lowered", "vpr"),
        "ВПР: подтвердили, %": share("confirmed", "vpr"),
        "ВПР: повысили, %": share("raised", "vpr"),
        "Пропущено уроков, %": share("missed", "expected"),
    }


# The pupils each figure describes: a figure about fewer than 5 of them is «< 5» (as is every
# figure of a school of fewer than 5 pupils).
DESCRIBED = {
    "Учеников": "pupils",
    "Отметок на ученика по предмету за период": "pupils",
    "Уроков записано в срок, %": "pupils",
    "Итоговая − средневзвешенный, балла": "final_pupils",
    "Участников ВПР": "vpr_pupils",
    "ВПР: понизили, %": "vpr_pupils",
    "ВПР: подтвердили, %": "vpr_pupils",
    "ВПР: повысили, %": "vpr_pupils",
    "Пропущено уроков, %": "pupils",
}


def small(rows: dict[str, list[tuple]], school_ids: set[str], title: str) -> bool:
    """Does the figure describe fewer than 5 pupils (or come from fewer than 5 pupils in all)?"""
    c = counts(rows, school_ids, 2)
    return c["pupils"] < 5 or c[DESCRIBED[title]] < 5


def schools_of(region_id: str, municipality: str | None = None, without: frozenset[str] = frozenset()) -> list:
    return [
        s
        for s in SCHOOLS
        if s.region_id == region_id and municipality in (None, s.municipality) and s.school_id not in without
    ]


def quartiles(values: list[float]) -> tuple[float, float, float]:
    """25th, 50th and 75th percentile with linear interpolation between the sorted values."""
    p25, median, p75 = statistics.quantiles(values, n=4, method="inclusive")
    return p25, median, p75


def close(shown: str, expected: float | None, digits: int = 1) -> bool:
    """A printed figure equals the expected one up to its rounding."""
    if expected is None:
        return shown in (None, "", "нет данных")
    assert "." not in shown, f"a decimal comma, not a point: {shown}"
    return abs(float(shown.replace(",", ".")) - expected) <= 0.5 * 10**-digits + 1e-9


def group_hidden(rows: dict[str, list[tuple]], school_ids: set[str], title: str) -> bool:
    """A pooled figure is hidden when small, or when its hidden schools describe 1–4 pupils together
    (the pooled figure minus the schools shown would reveal them)."""
    hidden = sum(counts(rows, {s}, 2)[DESCRIBED[title]] for s in school_ids if small(rows, {s}, title))
    return small(rows, school_ids, title) or 0 < hidden < 5
