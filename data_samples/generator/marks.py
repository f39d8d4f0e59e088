"""Current marks (текущие отметки): who gets a mark at which lesson, and for what kind of work.

Only present pupils (or late, «оп») get marks, only in attested subjects (no marks in grade 1).
A pupil gets an ordinary mark at a lesson with the subject's probability (scaled per teacher);
at a control work every present pupil gets a control mark, and pupils absent from it write it at
their next lesson of the same period (make-up). Teachers top up pupils with too few marks to the
minimum (3 a quarter, 5 a half-year) unless the pupil missed a third or more of the lessons. The
planted cases then remove marks: too few marks for a few pupils, no control work for a few.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from .catalog import SUBJECTS_BY_ID, WORK_MIX

MIN_MARKS = {"quarter": 3, "trimester": 3, "half_year": 5, "semester": 5}
NA_ABSENCE_SHARE = 1 / 3
PADDING_EARLY_FACTOR = 0.3
PADDING_SECOND_MARK = 0.6
PLANTED_PER_1000 = 3  # pupils with too few marks, and pupils without a control work, per 1,000 pupils
PRESENT_CODES = (0, 4)
ABSENT_CODES = (1, 2, 3)

KEY = ["pupil_idx", "unit_key", "period_id"]


def graded_lessons(lessons: pl.DataFrame, units: pl.DataFrame) -> pl.DataFrame:
    """Lessons of attested subjects (grade 2 and up)."""
    attested = units.filter(pl.col("is_attested")).select("class_id", "subject_id").unique()
    return lessons.join(attested, on=["class_id", "subject_id"], how="semi").sort("lesson_idx")


def plan_lessons(rng: np.random.Generator, graded: pl.DataFrame, roles: dict[str, list[str]]) -> pl.DataFrame:
    """Add the lesson's mark probability, main work type and the padding flags."""
    n = graded.height
    main_type = np.empty(n, dtype=object)
    mix_of = graded["subject_id"].replace_strict({s: i.work_mix for s, i in SUBJECTS_BY_ID.items()}).to_numpy()
    for mix in sorted(WORK_MIX):
        where = np.flatnonzero(mix_of == mix)
        kinds, probs = zip(*WORK_MIX[mix].items(), strict=True)
        main_type[where] = rng.choice(np.array(kinds, dtype=object), size=len(where), p=np.array(probs))
    teachers = sorted(graded["entered_by"].unique())
    factor = dict(zip(teachers, rng.uniform(1.05, 1.4, len(teachers)), strict=True))
    base = graded["subject_id"].replace_strict(
        {s: i.mark_prob for s, i in SUBJECTS_BY_ID.items()}, return_dtype=pl.Float64
    )
    graded = graded.with_columns(
        pl.Series("main_type", main_type.astype(str), dtype=pl.String),
        # (cast: with no graded lesson, a school of grade 1 alone, the mapping is empty and keeps the text type)
        (base * graded["entered_by"].replace_strict(factor, return_dtype=pl.Float64).cast(pl.Float64)).alias("p_mark"),
    )
    padded = _padding_unit_periods(rng, graded, roles["padding"])
    last_week = pl.col("lesson_date") > pl.col("period_end") - pl.duration(days=7)
    graded = graded.join(padded.with_columns(pl.lit(True).alias("_pad")), on=["unit_key", "period_id"], how="left")
    return (
        graded.with_columns(
            (pl.col("_pad").fill_null(False) & ~last_week).alias("pad_early"),
            (pl.col("_pad").fill_null(False) & last_week).alias("pad_last"),
        )
        .drop("_pad")
        .sort("lesson_idx")
    )


def _padding_unit_periods(rng: np.random.Generator, graded: pl.DataFrame, padders: list[str]) -> pl.DataFrame:
    """One unit-period (2+ lessons a week, not the last period) for each padding teacher."""
    candidates = (
        graded.filter(
            pl.col("teacher_id").is_in(padders)
            & ~pl.col("period_id").str.ends_with("4")
            & ~pl.col("period_id").str.ends_with("h2")
        )
        .group_by("teacher_id", "unit_key", "period_id")
        .len()
        .filter(pl.col("len") >= 14)
        .sort("teacher_id", "unit_key", "period_id")
    )
    picks = []
    for (_,), part in candidates.group_by("teacher_id", maintain_order=True):
        picks.append(part.row(int(rng.integers(0, part.height)), named=True))
    return pl.DataFrame(
        picks, schema={"teacher_id": pl.String, "unit_key": pl.String, "period_id": pl.String, "len": pl.UInt32}
    ).select("unit_key", "period_id")


def draw_marks(rng: np.random.Generator, graded: pl.DataFrame, attendance: pl.DataFrame) -> pl.DataFrame:
    """pupil_idx, lesson_idx, work_type_id, source for the marks of the year (before values)."""
    lesson_cols = graded.select(
        "lesson_idx",
        "unit_key",
        "period_id",
        "period_kind",
        "control_type",
        "p_mark",
        "main_type",
        "pad_early",
        "pad_last",
    )
    rows = attendance.join(lesson_cols, on="lesson_idx").sort("lesson_idx", "pupil_idx")
    present = rows.filter(pl.col("code").is_in(PRESENT_CODES))
    u = rng.random((present.height, 3))
    p = present["p_mark"].to_numpy() * np.where(present["pad_early"].to_numpy(), PADDING_EARLY_FACTOR, 1.0)
    p = np.where(present["pad_last"].to_numpy(), 1.0, p)
    is_control = present["control_type"].is_not_null().to_numpy()
    oral_instead = u[:, 1] < 0.3
    ordinary = present.filter(pl.Series(~is_control & (u[:, 0] < p))).with_columns(
        pl.when(pl.Series(oral_instead[~is_control & (u[:, 0] < p)]))
        .then(pl.lit("oral"))
        .otherwise(pl.col("main_type"))
        .alias("work_type_id"),
        pl.lit("ordinary").alias("source"),
    )
    control = present.filter(pl.Series(is_control)).with_columns(
        pl.col("control_type").alias("work_type_id"), pl.lit("control").alias("source")
    )
    second = present.filter(
        pl.Series(~is_control) & pl.col("pad_last") & pl.Series(u[:, 2] < PADDING_SECOND_MARK)
    ).with_columns(
        pl.when(pl.col("main_type") == "oral").then(pl.lit("test")).otherwise(pl.lit("oral")).alias("work_type_id"),
        pl.lit("padding").alias("source"),
    )
    makeup = _makeups(rows, present)
    cols = ["pupil_idx", "lesson_idx", "work_type_id", "source"]
    marks = pl.concat([m.select(cols) for m in (ordinary, control, second, makeup)])
    marks = pl.concat([marks, _top_up(rng, rows, present, marks).select(cols)])
    return marks.sort("lesson_idx", "pupil_idx", "source", "work_type_id")


def _makeups(rows: pl.DataFrame, present: pl.DataFrame) -> pl.DataFrame:
    """Pupils absent from a control work write it at their next present lesson of the period."""
    missed = (
        rows.filter(pl.col("control_type").is_not_null() & pl.col("code").is_in(ABSENT_CODES))
        .select("pupil_idx", "unit_key", "period_id", "lesson_idx", "control_type")
        .sort("lesson_idx")
    )
    later = present.select(
        "pupil_idx",
        "unit_key",
        pl.col("period_id").alias("later_period"),
        "lesson_idx",
        pl.col("lesson_idx").alias("makeup_idx"),
    ).sort("lesson_idx")
    matched = missed.join_asof(
        later,
        on="lesson_idx",
        by=["pupil_idx", "unit_key"],
        strategy="forward",
        allow_exact_matches=False,
        check_sortedness=False,
    )
    return matched.filter(pl.col("later_period") == pl.col("period_id")).select(
        "pupil_idx",
        pl.col("makeup_idx").alias("lesson_idx"),
        pl.col("control_type").alias("work_type_id"),
        pl.lit("makeup").alias("source"),
    )


def unit_period_stats(rows: pl.DataFrame) -> pl.DataFrame:
    """Per pupil, unit and period: lessons enrolled and lessons missed."""
    return rows.group_by(KEY).agg(
        pl.len().alias("n_rows"),
        pl.col("code").is_in(ABSENT_CODES).sum().alias("n_absent"),
        pl.col("period_kind").first(),
    )


def _top_up(rng: np.random.Generator, rows: pl.DataFrame, present: pl.DataFrame, marks: pl.DataFrame) -> pl.DataFrame:
    """Extra marks on unmarked present lessons up to the period minimum for pupils who mostly attended."""
    counts = (
        marks.join(present.select("pupil_idx", "lesson_idx", "unit_key", "period_id"), on=["pupil_idx", "lesson_idx"])
        .group_by(KEY)
        .len("n_marks")
    )
    deficit = (
        unit_period_stats(rows)
        .join(counts, on=KEY, how="left")
        .with_columns(
            pl.col("n_marks").fill_null(0),
            pl.col("period_kind").replace_strict(MIN_MARKS, return_dtype=pl.Int64).alias("min_marks"),
        )
        .filter((pl.col("n_absent") < NA_ABSENCE_SHARE * pl.col("n_rows")) & (pl.col("n_marks") < pl.col("min_marks")))
        .select(*KEY, (pl.col("min_marks") - pl.col("n_marks")).alias("deficit"))
    )
    free = (
        present.filter(pl.col("control_type").is_null())
        .join(marks.select("pupil_idx", "lesson_idx"), on=["pupil_idx", "lesson_idx"], how="anti")
        .join(deficit, on=KEY)
        .sort("pupil_idx", "lesson_idx")
    )
    free = free.with_columns(pl.Series("_r", rng.random(free.height)))
    return free.filter(pl.col("_r").rank("ordinal").over(KEY) <= pl.col("deficit")).with_columns(
        pl.col("main_type").alias("work_type_id"), pl.lit("topup").alias("source")
    )


def plant_gaps(
    rng: np.random.Generator, marks: pl.DataFrame, graded: pl.DataFrame, attendance: pl.DataFrame, n_pupils: int
) -> pl.DataFrame:
    """Remove marks: a few pupils keep a single mark in a period (below any minimum, even if it
    later turns out double), a few lose their control marks."""
    n_cases = max(1, round(PLANTED_PER_1000 * n_pupils / 1000))
    lesson_cols = graded.select("lesson_idx", "unit_key", "period_id", "period_kind")
    rows = attendance.join(lesson_cols, on="lesson_idx")
    full = rows.join(graded.group_by("unit_key", "period_id").len("n_lessons"), on=["unit_key", "period_id"])
    stats = full.group_by(KEY).agg(
        pl.len().alias("n_rows"),
        pl.col("n_lessons").first(),
        pl.col("code").is_in(ABSENT_CODES).sum().alias("n_absent"),
    )
    marked = marks.join(lesson_cols, on="lesson_idx").with_columns(
        pl.col("work_type_id").is_in(["control", "dictation"]).alias("_control")
    )
    per = marked.group_by(KEY).agg(pl.len().alias("n_marks"), pl.col("_control").sum().alias("n_control"))
    eligible = (
        stats.join(per, on=KEY)
        .filter(
            (pl.col("n_rows") == pl.col("n_lessons"))
            & (pl.col("n_absent") * 5 < pl.col("n_rows"))
            & (pl.col("n_control") >= 1)
            & (pl.col("n_marks") - pl.col("n_control") >= 4)
        )
        .sort(KEY)
    )
    picked = eligible[rng.choice(eligible.height, size=min(2 * n_cases, eligible.height), replace=False).tolist()]
    few, no_control = picked.head(n_cases).select(KEY), picked.slice(n_cases).select(KEY)
    marked = marked.sort("lesson_idx", "pupil_idx", "source", "work_type_id").with_columns(
        pl.int_range(pl.len()).over(KEY, order_by=[pl.col("_control").not_(), "lesson_idx"]).alias("_order")
    )
    drop_few = marked.join(few, on=KEY).filter(pl.col("_order") >= 1)
    drop_control = marked.join(no_control, on=KEY).filter(pl.col("_control"))
    dropped = pl.concat([drop_few, drop_control]).select("pupil_idx", "lesson_idx", "work_type_id", "source")
    return marks.join(dropped, on=["pupil_idx", "lesson_idx", "work_type_id", "source"], how="anti").sort(
        "lesson_idx", "pupil_idx", "source", "work_type_id"
    )
