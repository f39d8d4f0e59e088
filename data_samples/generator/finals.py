"""Period, year, exam and final marks (итоговые отметки).

The period mark of a pupil in a subject is the weighted average of the pupil's current marks
with lesson dates in the period (a double mark «4/5» counts as two marks of the work's weight),
rounded by the rule ≥ 4.65 → 5, ≥ 3.65 → 4, ≥ 2.65 → 3, else 2. A pupil with fewer than the
minimum number of marks who missed a third or more of the lessons is not attested («н/а»,
with the commonest absence code as the reason). Pupils on the roll at the end of the period get
the mark, from the teacher of their class (or subgroup). Year mark: the mean of the period
marks by the same rule. Grades 9 and 11: exam marks in Russian and algebra, final marks in
every attested subject (exam subjects: the mean of year and exam mark, halves rounded up).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from .calendar import Calendar
from .catalog import WORK_TYPES
from .marks import ABSENT_CODES, MIN_MARKS, NA_ABSENCE_SHARE

EXAM_SUBJECTS = ("rus", "alg")
EXAM_GRADES = (9, 11)
DEVIATIONS_PER_1000 = {"raised": 2, "lowered": 1}
CODE_LETTER = {1: "н", 2: "у", 3: "б"}


def rule_mark(average: pl.Expr) -> pl.Expr:
    """The rounding rule (with a 1e-9 tolerance for floating point)."""
    a = average + 1e-9
    return pl.when(a >= 4.65).then(5).when(a >= 3.65).then(4).when(a >= 2.65).then(3).otherwise(2)


def mark_components(marks: pl.DataFrame) -> pl.DataFrame:
    """One row per mark component («4/5» → 4 and 5) with its weight."""
    weights = {w.work_type_id: w.weight for w in WORK_TYPES}
    return (
        marks.with_columns(
            pl.coalesce(
                pl.col("weight"), pl.col("work_type_id").replace_strict(weights, return_dtype=pl.Float64)
            ).alias("_w"),
            pl.col("mark_value").str.split("/").alias("_parts"),
        )
        .explode("_parts")
        .with_columns(pl.col("_parts").cast(pl.Int64).alias("_v"))
    )


def on_roll_at(day: pl.Expr) -> pl.Expr:
    """The stay (start_date .. end_date, open end) covers `day`."""
    return (pl.col("start_date") <= day) & (pl.col("end_date").is_null() | (pl.col("end_date") >= day))


def period_rosters(
    enrolments: pl.DataFrame,
    members: pl.DataFrame,
    units: pl.DataFrame,
    grade_periods: pl.DataFrame,
    classes: pl.DataFrame,
) -> pl.DataFrame:
    """pupil_idx, class_id, grade, subject_id, period_id, period_kind, period_end, teacher_id (attested subjects)."""
    at_end = (
        enrolments.join(classes.select("class_id", "grade"), on="class_id")
        .join(grade_periods, on="grade")
        .filter(on_roll_at(pl.col("period_end")))
    )
    whole = at_end.join(
        units.filter(pl.col("is_attested") & (pl.col("group_no") == 0)).select("class_id", "subject_id", "teacher_id"),
        on="class_id",
    )
    split = at_end.join(
        units.filter(pl.col("is_attested") & (pl.col("group_no") > 0)).select("class_id", "subject_id").unique(),
        on="class_id",
    )
    period_ends = grade_periods.select("period_id", "period_end").unique()
    in_group = members.join(period_ends, how="cross").filter(on_roll_at(pl.col("period_end")))
    split = split.join(
        in_group.select("pupil_idx", "subject_id", "period_id", "group_id"), on=["pupil_idx", "subject_id", "period_id"]
    ).join(
        units.filter(pl.col("group_no") > 0).select(
            pl.format("{}-{}-{}", "class_id", "subject_id", "group_no").alias("group_id"), "teacher_id"
        ),
        on="group_id",
    )
    cols = ["pupil_idx", "class_id", "grade", "subject_id", "period_id", "period_kind", "period_end", "teacher_id"]
    return pl.concat([whole.select(cols), split.select(cols)]).sort("pupil_idx", "subject_id", "period_id")


def period_marks(
    rng: np.random.Generator,
    rosters: pl.DataFrame,
    marks: pl.DataFrame,
    rows: pl.DataFrame,
    roles: dict[str, list[str]],
    calendar: Calendar,
    n_pupils: int,
) -> pl.DataFrame:
    """Period marks with mark_value, na_reason_code, entered_at, entered_by, planted deviation flag."""
    key = ["pupil_idx", "subject_id", "period_id"]
    averages = (
        mark_components(marks)
        .group_by(key)
        .agg(((pl.col("_v") * pl.col("_w")).sum() / pl.col("_w").sum()).alias("average"), pl.len().alias("n_marks"))
    )
    absences = rows.group_by(key).agg(
        pl.len().alias("n_rows"),
        pl.col("code").is_in(ABSENT_CODES).sum().alias("n_absent"),
        pl.col("code").filter(pl.col("code").is_in(ABSENT_CODES)).mode().sort().last().alias("main_code"),
    )
    frame = (
        rosters.join(averages, on=key, how="left")
        .join(absences, on=key, how="left")
        .with_columns(
            pl.col("n_marks").fill_null(0),
            pl.col("n_rows").fill_null(0),
            pl.col("n_absent").fill_null(0),
            pl.col("period_kind").replace_strict(MIN_MARKS, return_dtype=pl.Int64).alias("_min"),
        )
    )
    not_attested = (pl.col("n_marks") == 0) | (
        (pl.col("n_marks") < pl.col("_min")) & (pl.col("n_absent") >= NA_ABSENCE_SHARE * pl.col("n_rows"))
    )
    frame = frame.with_columns(
        pl.when(not_attested)
        .then(pl.lit("н/а"))
        .otherwise(rule_mark(pl.col("average")).cast(pl.String))
        .alias("mark_value"),
        pl.when(not_attested)
        .then(pl.col("main_code").replace_strict(CODE_LETTER, default="у", return_dtype=pl.String))
        .alias("na_reason_code"),
    ).sort(key)
    frame = _plant_deviations(rng, frame, n_pupils)
    return _period_entry(rng, frame, roles["late_period_marks"], calendar)


def _plant_deviations(rng: np.random.Generator, frame: pl.DataFrame, n_pupils: int) -> pl.DataFrame:
    values = frame["mark_value"].to_numpy()
    numeric = np.flatnonzero(values != "н/а")
    shift = np.zeros(frame.height, dtype=np.int64)
    chosen = rng.permutation(numeric)
    cursor = 0
    for kind, per_1000 in DEVIATIONS_PER_1000.items():
        step = 1 if kind == "raised" else -1
        wanted = max(1, round(per_1000 * n_pupils / 1000))
        while wanted and cursor < len(chosen):
            i = chosen[cursor]
            cursor += 1
            if 2 <= int(values[i]) + step <= 5:
                shift[i], wanted = step, wanted - 1
    new = np.where(shift != 0, (np.where(values == "н/а", "0", values).astype(np.int64) + shift).astype(str), values)
    return frame.with_columns(pl.Series("mark_value", new, dtype=pl.String))


def _period_entry(
    rng: np.random.Generator, frame: pl.DataFrame, late_teachers: list[str], calendar: Calendar
) -> pl.DataFrame:
    """A teacher enters a class's marks in one sitting inside the window; late teachers once outside it."""
    blocks = (
        frame.select("teacher_id", "class_id", "subject_id", "period_id", "period_end")
        .unique()
        .sort("teacher_id", "class_id", "subject_id", "period_id")
    )
    n = blocks.height
    offset = rng.integers(-2, 6, n)
    late = np.zeros(n, dtype=bool)
    for teacher in late_teachers:
        own = np.flatnonzero(blocks["teacher_id"].to_numpy() == teacher)
        if len(own):
            late[rng.choice(own)] = True
    is_last = blocks["period_end"].to_numpy() >= np.datetime64(calendar.end_date - dt.timedelta(days=10))
    offset = np.where(late, np.where(is_last, -rng.integers(4, 9, n), rng.integers(9, 15, n)), offset)
    blocks = blocks.with_columns(
        (
            pl.col("period_end").cast(pl.Datetime("us"))
            + pl.duration(days=pl.Series(offset), minutes=pl.Series(rng.integers(10 * 60, 20 * 60, n)))
        ).alias("_at")
    )
    frame = frame.join(blocks, on=["teacher_id", "class_id", "subject_id", "period_id", "period_end"]).sort(
        "pupil_idx", "subject_id", "period_id"
    )
    jitter = pl.Series(rng.integers(0, 8, frame.height))
    return frame.with_columns(
        (pl.col("_at") + pl.duration(minutes=jitter))
        .clip(upper_bound=calendar.exported_at)
        .dt.truncate("1m")
        .alias("entered_at"),
        pl.col("teacher_id").alias("entered_by"),
    ).drop("_at")


def year_marks(rng: np.random.Generator, periods: pl.DataFrame, calendar: Calendar) -> pl.DataFrame:
    """Year marks for pupils with a mark for the last period of their grade; exams and finals for 9 and 11."""
    last = periods.filter(pl.col("period_end") == pl.col("period_end").max().over("grade"))
    numeric = (
        periods.filter(pl.col("mark_value") != "н/а")
        .group_by("pupil_idx", "subject_id")
        .agg(pl.col("mark_value").cast(pl.Int64).mean().alias("_mean"))
    )
    year = (
        last.join(numeric, on=["pupil_idx", "subject_id"], how="left")
        .with_columns(
            pl.when(pl.col("_mean").is_null())
            .then(pl.lit("н/а"))
            .otherwise(rule_mark(pl.col("_mean")).cast(pl.String))
            .alias("mark_value"),
            pl.when(pl.col("_mean").is_null()).then(pl.coalesce("na_reason_code", pl.lit("у"))).alias("na_reason_code"),
        )
        .sort("pupil_idx", "subject_id")
    )
    days = rng.integers(0, 4, year.height)
    year = year.with_columns(
        (pl.col("period_end").cast(pl.Datetime("us")) + pl.duration(days=pl.Series(days), hours=15))
        .clip(upper_bound=calendar.exported_at)
        .alias("entered_at"),
        pl.lit("year").alias("mark_kind_code"),
    )
    graded = year.filter((pl.col("mark_value") != "н/а") & pl.col("grade").is_in(EXAM_GRADES))
    exam = graded.filter(pl.col("subject_id").is_in(EXAM_SUBJECTS))
    exam_value = np.clip(exam["mark_value"].cast(pl.Int64).to_numpy() + rng.choice([-1, 0, 0, 0, 1], exam.height), 2, 5)
    exam = exam.with_columns(
        pl.Series("mark_value", exam_value.astype(str)),
        pl.lit("exam").alias("mark_kind_code"),
        pl.lit(dt.datetime.combine(calendar.end_date - dt.timedelta(days=2), dt.time(12, 0))).alias("entered_at"),
    )
    final = graded.join(
        exam.select("pupil_idx", "subject_id", pl.col("mark_value").alias("_exam")),
        on=["pupil_idx", "subject_id"],
        how="left",
    ).with_columns(
        pl.when(pl.col("_exam").is_null())
        .then(pl.col("mark_value"))
        .otherwise(((pl.col("mark_value").cast(pl.Int64) + pl.col("_exam").cast(pl.Int64) + 1) // 2).cast(pl.String))
        .alias("mark_value"),
        pl.lit("final").alias("mark_kind_code"),
        pl.lit(dt.datetime.combine(calendar.end_date, dt.time(11, 0))).alias("entered_at"),
    )
    cols = ["pupil_idx", "subject_id", "mark_kind_code", "mark_value", "na_reason_code", "entered_at", "entered_by"]
    return pl.concat([year.select(cols), exam.select(cols), final.select(cols)]).with_columns(
        pl.col("entered_at").dt.truncate("1m")
    )
