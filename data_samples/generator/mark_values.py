"""Mark values from pupils' abilities, and when each mark was entered.

Each pupil has a latent ability, partly shared across subjects; subjects differ in their mean
mark (physical education and music give mostly fives), primary grades mark a little higher,
control works a little lower. About 1-3 % of marks are double («4/5»), mostly dictations and essays.
Marks of one lesson are entered together: punctual teachers the same day (written work within
a few days of checking); teachers with the `late_marks` role are days late on a share of lessons.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from .catalog import SUBJECTS, WORK_TYPES

WRITTEN = [w.work_type_id for w in WORK_TYPES if w.is_written]
DOUBLE_SHARE = {"dictation": 0.2, "essay": 0.3, "oral": 0.004}
DOUBLE_SHARE_OTHER = 0.012
LATE_MARKS_SHARE = 0.4


def abilities(rng: np.random.Generator, n_pupils: int) -> np.ndarray:
    """Pupil × subject latent ability (subjects in catalog order)."""
    general = rng.normal(0, 1, n_pupils)
    return 0.8 * general[:, None] + 0.55 * rng.normal(0, 1, (n_pupils, len(SUBJECTS)))


def _to_mark(score: np.ndarray) -> np.ndarray:
    return 2 + (score >= 2.4).astype(int) + (score >= 3.45) + (score >= 4.4)


def mark_values(
    rng: np.random.Generator, marks: pl.DataFrame, graded: pl.DataFrame, ability: np.ndarray
) -> pl.DataFrame:
    """Add mark_value ("4" or "4/5")."""
    subject_pos = {s.subject_id: i for i, s in enumerate(SUBJECTS)}
    mean = np.array([s.mark_mean for s in SUBJECTS])
    frame = marks.join(
        graded.select("lesson_idx", "subject_id", "grade"), on="lesson_idx", how="left", maintain_order="left"
    )
    s = frame["subject_id"].replace_strict(subject_pos, return_dtype=pl.Int64).to_numpy()
    p = frame["pupil_idx"].to_numpy()
    work = frame["work_type_id"].to_numpy()
    is_control = np.isin(work, ["control", "dictation"])
    score = (
        mean[s]
        + np.where(frame["grade"].to_numpy() <= 4, 0.2, 0.0)
        - np.where(is_control, 0.25, 0.0)
        + 0.75 * ability[p, s]
        + rng.normal(0, 0.7, len(s)) * np.where(is_control, 1.15, 1.0)
    )
    first = _to_mark(score)
    share = np.vectorize(lambda w: DOUBLE_SHARE.get(w, DOUBLE_SHARE_OTHER))(work) if len(work) else np.zeros(0)
    double = rng.random(len(s)) < share
    second = np.clip(first + rng.choice([-1, 1], len(s)), 2, 5)
    second = np.where(second == first, np.clip(first - 1, 2, 5), second)
    value = np.where(double, np.char.add(np.char.add(first.astype(str), "/"), second.astype(str)), first.astype(str))
    return marks.with_columns(pl.Series("mark_value", value, dtype=pl.String))


def entry_times(
    rng: np.random.Generator,
    marks: pl.DataFrame,
    graded: pl.DataFrame,
    late_teachers: list[str],
    exported_at: dt.datetime,
) -> pl.DataFrame:
    """Add entered_at and entered_by (the teacher who held the lesson)."""
    n = graded.height
    late = graded["entered_by"].is_in(late_teachers).to_numpy() & (rng.random(n) < LATE_MARKS_SHARE)
    u = rng.random(n)
    oral_days = np.where(u < 0.85, 0, np.where(u < 0.97, 1, 2))
    oral_days = np.where(late, rng.integers(3, 11, n), oral_days)
    written_days = rng.integers(0, 6, n)
    very_late = late & (rng.random(n) < 0.35)
    written_days = np.where(late, np.where(very_late, rng.integers(11, 15, n), rng.integers(3, 10, n)), written_days)
    evening = rng.integers(16 * 60, 21 * 60 + 30, n)
    pad_same_day = graded["pad_last"].to_numpy()
    oral_days = np.where(pad_same_day, 0, oral_days)
    lesson_times = graded.select(
        "lesson_idx",
        "entered_by",
        "lesson_start",
        "lesson_entered_at",
        "lesson_date",
        pl.Series("_oral_days", oral_days),
        pl.Series("_written_days", written_days),
        pl.Series("_evening", evening),
    )
    day = pl.col("lesson_date").cast(pl.Datetime("us"))
    oral_at = (
        pl.when(pl.col("_oral_days") == 0)
        .then(pl.col("lesson_entered_at"))
        .otherwise(day + pl.duration(days=pl.col("_oral_days"), minutes=pl.col("_evening")))
    )
    written_at = (
        pl.when(pl.col("_written_days") == 0)
        .then(pl.max_horizontal(pl.col("lesson_entered_at"), day + pl.duration(minutes=pl.col("_evening"))))
        .otherwise(day + pl.duration(days=pl.col("_written_days"), minutes=pl.col("_evening")))
    )
    frame = marks.join(lesson_times, on="lesson_idx", how="left").sort("mark_seq")
    jitter = pl.Series("_jitter", rng.integers(0, 12, frame.height) * 60 + rng.integers(0, 60, frame.height))
    entered = pl.when(pl.col("work_type_id").is_in(WRITTEN)).then(written_at).otherwise(oral_at) + pl.duration(
        seconds=jitter
    )
    entered = pl.max_horizontal(entered, pl.col("lesson_start") + pl.duration(minutes=40))
    return frame.with_columns(entered.clip(upper_bound=exported_at).dt.truncate("1m").alias("entered_at")).drop(
        "lesson_start", "lesson_entered_at", "lesson_date", "_oral_days", "_written_days", "_evening"
    )
