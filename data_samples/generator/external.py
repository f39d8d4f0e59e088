"""External assessments: the spring ВПР (всероссийские проверочные работы) in grades 4-8.

Every pupil of the grade on the roll and at school that day writes the work. The primary score
follows the same latent ability as the journal marks plus the noise of a single test, and the
mark comes from the score thresholds: the ВПР mark usually agrees with the journal, not always.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from .calendar import Calendar
from .catalog import SUBJECTS

# grade -> (subject_id, max primary score, score shares for marks 3, 4, 5)
VPR: dict[int, tuple[tuple[str, int, tuple[float, float, float]], ...]] = {
    4: (("rus", 38, (0.37, 0.63, 0.84)), ("math", 20, (0.3, 0.55, 0.8)), ("okr", 32, (0.25, 0.5, 0.8))),
    5: (
        ("rus", 45, (0.4, 0.64, 0.84)),
        ("math", 19, (0.37, 0.58, 0.8)),
        ("hist", 15, (0.27, 0.53, 0.8)),
        ("bio", 24, (0.42, 0.63, 0.83)),
    ),
    6: (
        ("rus", 51, (0.49, 0.7, 0.88)),
        ("math", 20, (0.3, 0.55, 0.8)),
        ("geo", 37, (0.27, 0.51, 0.78)),
        ("soc", 23, (0.43, 0.65, 0.87)),
    ),
    7: (
        ("rus", 47, (0.43, 0.64, 0.85)),
        ("alg", 19, (0.37, 0.63, 0.84)),
        ("eng", 30, (0.4, 0.63, 0.83)),
        ("phys", 18, (0.28, 0.56, 0.78)),
    ),
    8: (
        ("rus", 51, (0.49, 0.7, 0.88)),
        ("alg", 25, (0.28, 0.52, 0.76)),
        ("hist", 25, (0.4, 0.64, 0.84)),
        ("chem", 35, (0.26, 0.54, 0.8)),
    ),
}


def _work_days(calendar: Calendar, grade: int, n: int) -> list[dt.date]:
    """Study days in April, spread out for the n works of a grade."""
    april = [d for d in calendar.study_days(grade) if d.month == 4 and d.day >= 7]
    return [april[min(len(april) - 1, grade - 3 + 3 * k)] for k in range(n)]


def vpr_results(
    rng: np.random.Generator,
    calendar: Calendar,
    enrolments: pl.DataFrame,
    classes: pl.DataFrame,
    units: pl.DataFrame,
    day_presence: pl.DataFrame,
    ability: np.ndarray,
) -> pl.DataFrame:
    """pupil_idx, subject_id, assessment_code, assessment_date, grade, primary_score, max_score, mark_value."""
    subject_pos = {s.subject_id: i for i, s in enumerate(SUBJECTS)}
    taught = set(units.select("grade", "subject_id").unique().iter_rows())
    stays = enrolments.join(classes.select("class_id", "grade"), on="class_id")
    parts = []
    for grade, works in VPR.items():
        works = tuple(w for w in works if (grade, w[0]) in taught)
        for (subject_id, max_score, cuts), day in zip(works, _work_days(calendar, grade, len(works)), strict=True):
            writers = (
                stays.filter(
                    (pl.col("grade") == grade)
                    & (pl.col("start_date") <= day)
                    & (pl.col("end_date").is_null() | (pl.col("end_date") >= day))
                )
                .join(day_presence.filter(pl.col("lesson_date") == day), on="pupil_idx")
                .select("pupil_idx")
                .unique()
                .sort("pupil_idx")
            )
            p = writers["pupil_idx"].to_numpy()
            share = 1 / (1 + np.exp(-(1.3 * ability[p, subject_pos[subject_id]] + 0.45 + rng.normal(0, 0.3, len(p)))))
            score = np.clip(np.round(share * max_score + rng.normal(0, 0.7, len(p))), 0, max_score)
            mark = 2 + sum((score >= np.ceil(c * max_score)).astype(int) for c in cuts)
            parts.append(
                writers.with_columns(
                    pl.lit(subject_id).alias("subject_id"),
                    pl.lit(day).alias("assessment_date"),
                    pl.lit(grade, dtype=pl.Int64).alias("grade"),
                    pl.Series("primary_score", score.astype(float)),
                    pl.lit(float(max_score)).alias("max_score"),
                    pl.Series("mark_value", mark.astype(str)),
                )
            )
    if not parts:
        schema = {
            "pupil_idx": pl.Int64,
            "subject_id": pl.String,
            "assessment_date": pl.Date,
            "grade": pl.Int64,
            "primary_score": pl.Float64,
            "max_score": pl.Float64,
            "mark_value": pl.String,
        }
        return pl.DataFrame(schema=schema).with_columns(pl.lit("ВПР").alias("assessment_code"))
    return pl.concat(parts).with_columns(pl.lit("ВПР").alias("assessment_code"))
