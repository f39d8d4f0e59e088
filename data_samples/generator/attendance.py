"""Who is enrolled in each lesson, and who missed it.

One attendance row per pupil per lesson they are enrolled for (class lessons while in the class,
subgroup lessons while in the subgroup). Absences come from day-level spells simulated on a
pupil × day grid: illness («б», whole days, seasonal: November and the late-January–February
flu peak), excused days and leaving early («у»), truancy («н», mostly a few truant pupils) and
rare lateness («оп», mostly at the first lesson). A few pupils are often ill (chronic absentees).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

CODES = ("", "н", "у", "б", "оп")  # index = code number; 0 = present
PRESENT, TRUANT, EXCUSED, ILL, LATE = range(5)
ILL_SPELLS_PER_DAY = 1.0 / 170
EXCUSED_SPELLS_PER_DAY = 0.35 / 170
LEAVE_EARLY_PER_DAY = 0.3 / 170
CHRONIC_SHARE = 0.02
TRUANT_SHARE = 0.02


def season(day: dt.date) -> float:
    """Relative illness rate: November and the late-January–February flu peak are worst."""
    if day.month == 1:
        return 2.2 if day.day >= 20 else 0.9
    return {9: 0.5, 10: 0.9, 11: 1.7, 12: 1.1, 2: 2.4, 3: 1.1, 4: 0.7, 5: 0.5}.get(day.month, 1.0)


def _spells(rng: np.random.Generator, rate: np.ndarray, mean_extra: np.ndarray) -> np.ndarray:
    """Boolean pupil × day grid covered by spells starting with probability `rate` (P × D)."""
    n_days = rate.shape[1]
    start = rng.random(rate.shape) < rate
    length = rng.geometric(1 / (1 + mean_extra[:, None]), size=rate.shape)
    day = np.arange(n_days)[None, :]
    reach = np.where(start, day + length - 1, -1)
    return np.maximum.accumulate(reach, axis=1) >= day


def enrolled_lessons(lessons: pl.DataFrame, enrolments: pl.DataFrame, members: pl.DataFrame) -> pl.DataFrame:
    """pupil_idx, lesson_idx for every lesson a pupil is enrolled for, in lesson then pupil order."""
    cols = ["lesson_idx", "lesson_date"]
    in_class = (
        lessons.filter(pl.col("group_id").is_null())
        .select(*cols, "class_id")
        .join(enrolments.select("class_id", "pupil_idx", "start_date", "end_date"), on="class_id")
    )
    in_group = (
        lessons.filter(pl.col("group_id").is_not_null())
        .select(*cols, "group_id")
        .join(members.select("group_id", "pupil_idx", "start_date", "end_date"), on="group_id")
    )
    both = pl.concat([in_class.drop("class_id"), in_group.drop("group_id")])
    inside = (pl.col("lesson_date") >= pl.col("start_date")) & (
        pl.col("end_date").is_null() | (pl.col("lesson_date") <= pl.col("end_date"))
    )
    return both.filter(inside).select("pupil_idx", "lesson_idx").sort("lesson_idx", "pupil_idx")


def simulate_attendance(
    rng: np.random.Generator, lessons: pl.DataFrame, enrolled: pl.DataFrame, n_pupils: int
) -> pl.DataFrame:
    """enrolled with code (0 present, 1 н, 2 у, 3 б, 4 оп)."""
    days = sorted(lessons["lesson_date"].unique())
    day_index = {d: i for i, d in enumerate(days)}
    seasonal = np.array([season(d) for d in days])[None, :]
    chronic = rng.random(n_pupils) < CHRONIC_SHARE
    chronic[rng.integers(0, n_pupils)] = True  # at least one
    truant = rng.random(n_pupils) < TRUANT_SHARE
    truant[rng.integers(0, n_pupils)] = True
    frailty = rng.lognormal(0, 0.5, n_pupils) * np.where(chronic, 4.0, 1.0)
    ill = _spells(rng, ILL_SPELLS_PER_DAY * frailty[:, None] * seasonal, np.where(chronic, 5.0, 1.2))
    excused = _spells(rng, np.full((n_pupils, len(days)), EXCUSED_SPELLS_PER_DAY), np.full(n_pupils, 0.5))
    truant_day = truant[:, None] & (rng.random((n_pupils, len(days))) < 0.03)
    leave_from = np.where(
        rng.random((n_pupils, len(days))) < LEAVE_EARLY_PER_DAY, rng.integers(3, 7, (n_pupils, len(days))), 99
    )
    frame = enrolled.join(lessons.select("lesson_idx", "lesson_date", "lesson_number"), on="lesson_idx").sort(
        "lesson_idx", "pupil_idx"
    )
    p = frame["pupil_idx"].to_numpy()
    d = frame["lesson_date"].replace_strict(day_index, return_dtype=pl.Int64).to_numpy()
    number = frame["lesson_number"].to_numpy()
    u = rng.random((frame.height, 2))
    skip_prob = np.where(truant[p], np.where(number >= 5, 0.14, 0.05), 0.0015)
    late_prob = np.where(number == 1, 0.015, 0.0015) * np.where(truant[p], 4, 1)
    code = np.select(
        [
            ill[p, d],
            excused[p, d],
            number >= leave_from[p, d],
            truant_day[p, d] | (u[:, 0] < skip_prob),
            u[:, 1] < late_prob,
        ],
        [ILL, EXCUSED, EXCUSED, TRUANT, LATE],
        PRESENT,
    ).astype(np.int8)
    return frame.select("pupil_idx", "lesson_idx").with_columns(pl.Series("code", code))
