"""The weekly timetable of each class and its expansion into the lessons of the year.

Each subject's weekly hours go to different days where possible, the days are filled evenly
up to the grade's daily maximum, and heavier subjects come earlier in the day. Split subjects
are taught to both subgroups at the same time, one lesson row per subgroup.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from .catalog import EXTRACURRICULAR, MAX_LESSONS_PER_DAY

# Lower comes earlier in the day.
DAY_ORDER = {
    "math": 0,
    "alg": 0,
    "geom": 0,
    "rus": 0,
    "phys": 1,
    "chem": 1,
    "eng": 1,
    "prob": 1,
    "lit": 2,
    "litread": 2,
    "hist": 2,
    "soc": 2,
    "bio": 2,
    "geo": 2,
    "inf": 2,
    "okr": 2,
    "odnknr": 3,
    "orkse": 3,
    "obzr": 3,
    "project": 3,
    "music": 3,
    "art": 3,
    "tech": 4,
    "pe": 4,
}
LESSON_STARTS = {
    0: (7, 50),
    1: (8, 30),
    2: (9, 25),
    3: (10, 20),
    4: (11, 20),
    5: (12, 20),
    6: (13, 15),
    7: (14, 10),
    8: (15, 5),
}


def _day_sizes(total: int, max_per_day: int, rng: np.random.Generator) -> list[int]:
    base, extra = divmod(total, 5)
    sizes = [base] * 5
    for day in sorted(range(5), key=lambda d: (d in (0, 4), rng.random()))[:extra]:
        sizes[day] += 1
    if max(sizes) > max_per_day:
        raise ValueError(f"{total} lessons a week do not fit into {max_per_day} a day")
    return sizes


def class_week(rng: np.random.Generator, hours: dict[str, int], grade: int) -> list[tuple[int, int, str]]:
    """(weekday, lesson_number, subject_id) of one class's week; extracurricular lessons come
    before the first lesson (number 0) or after the last one."""
    extra = {s: EXTRACURRICULAR[s][1] for s in hours if s in EXTRACURRICULAR}
    hours = {s: h for s, h in hours.items() if s not in extra}
    sizes = _day_sizes(sum(hours.values()), MAX_LESSONS_PER_DAY[grade], rng)
    free = list(sizes)
    days: list[list[str]] = [[] for _ in range(5)]
    for subject in sorted(hours, key=lambda s: (-hours[s], s)):
        for _ in range(hours[subject]):
            options = [d for d in range(5) if free[d] > 0]
            fresh = [d for d in options if subject not in days[d]] or options
            best = max(fresh, key=lambda d: (free[d], rng.random()))
            days[best].append(subject)
            free[best] -= 1
    week = []
    for weekday, subjects in enumerate(days):
        ordered = sorted(subjects, key=lambda s: DAY_ORDER.get(s, 2) + rng.random() * 2.5)
        week += [(weekday, number, subject) for number, subject in enumerate(ordered, start=1)]
    for subject, weekday in sorted(extra.items()):
        number = 0 if weekday == 0 else len(days[weekday]) + 1
        week.append((weekday, number, subject))
    return sorted(week)


def build_timetable(rng: np.random.Generator, units: pl.DataFrame) -> pl.DataFrame:
    """class_id, weekday, lesson_number, subject_id."""
    per_subject = (
        units.group_by("class_id", "grade", "subject_id")
        .agg(pl.col("weekly_hours").first())
        .sort("grade", "class_id", "subject_id")
    )
    rows = []
    for (class_id, grade), part in per_subject.group_by("class_id", "grade", maintain_order=True):
        hours = {s: int(h) for s, h in part.select("subject_id", "weekly_hours").iter_rows()}
        rows += [(class_id, *slot) for slot in class_week(rng, hours, grade)]
    schema = {"class_id": pl.String, "weekday": pl.Int64, "lesson_number": pl.Int64, "subject_id": pl.String}
    return pl.DataFrame(rows, schema=schema, orient="row")


def expand_lessons(
    timetable: pl.DataFrame,
    units: pl.DataFrame,
    grade_days: pl.DataFrame,
    groups: pl.DataFrame,
    school_index: int,
    year_start: int,
) -> pl.DataFrame:
    """Every lesson of the year: lesson_idx, lesson_id, lesson_date, lesson_number, class_id, grade,
    group_id, subject_id, teacher_id, lesson_start (datetime)."""
    classes = units.select("class_id", "grade").unique()
    lessons = (
        timetable.join(classes, on="class_id")
        .join(grade_days, on=["grade", "weekday"])
        .join(units.select("class_id", "subject_id", "group_no", "teacher_id"), on=["class_id", "subject_id"])
        .join(
            groups.select("class_id", "subject_id", "group_no", "group_id"),
            on=["class_id", "subject_id", "group_no"],
            how="left",
        )
        .sort("lesson_date", "class_id", "lesson_number", "group_no")
    )
    starts = pl.DataFrame(
        {"lesson_number": list(LESSON_STARTS), "_minute": [h * 60 + m for h, m in LESSON_STARTS.values()]}
    )
    lessons = lessons.join(starts, on="lesson_number", how="left").sort(
        "lesson_date", "class_id", "lesson_number", "group_no"
    )
    return lessons.with_row_index("lesson_idx").select(
        pl.col("lesson_idx").cast(pl.Int64),
        pl.format(
            "L-{}-{}-{}",
            pl.lit(f"{school_index:04d}"),
            pl.lit(str(year_start)),
            (pl.col("lesson_idx") + 1).cast(pl.String).str.zfill(6),
        ).alias("lesson_id"),
        "lesson_date",
        "lesson_number",
        "class_id",
        "grade",
        "group_id",
        "group_no",
        "subject_id",
        "teacher_id",
        (pl.col("lesson_date").cast(pl.Datetime("us")) + pl.duration(minutes=pl.col("_minute"))).alias("lesson_start"),
    )
