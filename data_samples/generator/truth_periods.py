"""Truth rules judged per period: period marks, control works, number of marks, padding, absence.

The definitions are in the docstring of `truth.py` and in data_samples/README.md.
"""

from __future__ import annotations

import polars as pl

from .truth_common import days_between, fmt_time, grade_periods, rows

MIN_MARKS = {"quarter": 3, "trimester": 3, "half_year": 5, "semester": 5}
WINDOW_BEFORE, WINDOW_AFTER = 2, 7
PADDING_LAST_DAYS, PADDING_MIN_MARKS, PADDING_RATIO = 7, 10, 2.0
CHRONIC_PER_LESSONS = 10  # one lesson missed in ten (10 %) or more
ABSENT = ("н", "у", "б")


def rule_mark(average: pl.Expr) -> pl.Expr:
    a = average + 1e-9
    return pl.when(a >= 4.65).then(5).when(a >= 3.65).then(4).when(a >= 2.65).then(3).otherwise(2)


def mark_components(marks: pl.DataFrame, work_types: pl.DataFrame) -> pl.DataFrame:
    """One row per mark component («4/5» → 4 and 5) with weight (_w) and value (_v)."""
    return (
        marks.join(
            work_types.select("work_type_id", pl.col("weight").alias("_type_w"), "is_control"), on="work_type_id"
        )
        .with_columns(pl.coalesce("weight", "_type_w").alias("_w"), pl.col("mark_value").str.split("/").alias("_v"))
        .explode("_v")
        .with_columns(pl.col("_v").cast(pl.Int64))
    )


def _on_roll(start: str, end: str, first: pl.Expr, last: pl.Expr) -> pl.Expr:
    return (pl.col(start) <= first) & (pl.col(end).is_null() | (pl.col(end) >= last))


def period_rules(lessons: pl.DataFrame, frames: dict[str, pl.DataFrame]) -> list[pl.DataFrame]:
    periods = grade_periods(frames["periods"])
    ctx = lessons.select(
        "lesson_id",
        "lesson_date",
        "class_id",
        "group_id",
        "subject_id",
        "teacher_id",
        "period_id",
        "period_kind_code",
        "period_end",
    )
    marks = mark_components(frames["marks"], frames["work_types"]).join(ctx, on="lesson_id")
    stays = (
        frames["enrolments"]
        .join(frames["classes"].select("class_id", "grade", "class_teacher_id"), on="class_id")
        .join(periods, on="grade")
    )
    at_end = stays.filter(_on_roll("start_date", "end_date", pl.col("period_end"), pl.col("period_end"))).select(
        "pupil_id", "period_id", "class_id", "class_teacher_id"
    )
    return [
        *_period_marks(frames, marks, periods, at_end),
        _too_few(frames, marks, stays),
        _padding(frames, marks, ctx),
        _chronic(frames, ctx),
    ]


def _period_marks(
    frames: dict[str, pl.DataFrame], marks: pl.DataFrame, periods: pl.DataFrame, at_end: pl.DataFrame
) -> list[pl.DataFrame]:
    """period_mark_outside_window, final_mark_raised/lowered, final_without_control_work."""
    key = ["pupil_id", "subject_id", "period_id"]
    pm = (
        frames["period_marks"]
        .filter(pl.col("mark_kind_code") == "period")
        .join(periods.select("period_id", "period_end").unique(), on="period_id")
        .join(at_end.select("pupil_id", "period_id", "class_id"), on=["pupil_id", "period_id"], how="left")
    )
    offset = days_between(pl.col("entered_at"), pl.col("period_end"))
    outside = pm.filter((offset < -WINDOW_BEFORE) | (offset > WINDOW_AFTER))
    numeric = pm.filter(pl.col("mark_value").is_in(["1", "2", "3", "4", "5"])).with_columns(
        pl.col("mark_value").cast(pl.Int64).alias("_value")
    )
    averages = marks.group_by(key).agg(((pl.col("_v") * pl.col("_w")).sum() / pl.col("_w").sum()).alias("_avg"))
    judged = numeric.join(averages, on=key).with_columns(rule_mark(pl.col("_avg")).alias("_rule"))
    detail = pl.format(
        "Отметка за период {}, средневзвешенный балл {} — по правилу {}", "mark_value", pl.col("_avg").round(2), "_rule"
    )
    control_lessons = marks.filter(pl.col("is_control")).select("lesson_id").unique()
    held = (
        frames["attendance"]
        .select("pupil_id", "lesson_id")
        .join(control_lessons, on="lesson_id")
        .join(marks.select("lesson_id", "subject_id", "period_id").unique(), on="lesson_id")
        .select(key)
        .unique()
    )
    wrote = marks.filter(pl.col("is_control")).select(key).unique()
    no_control = numeric.join(held, on=key).join(wrote, on=key, how="anti")
    teacher = {"teacher_id": "entered_by"}
    return [
        rows(
            outside,
            "period_mark_outside_window",
            pl.format(
                "Отметка за период «{}» выставлена {}; окно — с {} по {}",
                "mark_value",
                fmt_time("entered_at"),
                (pl.col("period_end") - pl.duration(days=WINDOW_BEFORE)).dt.strftime("%d.%m.%Y"),
                (pl.col("period_end") + pl.duration(days=WINDOW_AFTER)).dt.strftime("%d.%m.%Y"),
            ),
            **teacher,
        ),
        rows(judged.filter(pl.col("_value") > pl.col("_rule")), "final_mark_raised", detail, **teacher),
        rows(judged.filter(pl.col("_value") < pl.col("_rule")), "final_mark_lowered", detail, **teacher),
        rows(
            no_control,
            "final_without_control_work",
            pl.format(
                "Отметка за период {} без отметки за контрольную работу, хотя контрольная проводилась", "mark_value"
            ),
            **teacher,
        ),
    ]


def _too_few(frames: dict[str, pl.DataFrame], marks: pl.DataFrame, stays: pl.DataFrame) -> pl.DataFrame:
    """too_few_marks for pupils on the roll (and in the subgroup) for the whole period."""
    key = ["pupil_id", "subject_id", "period_id"]
    whole = stays.filter(_on_roll("start_date", "end_date", pl.col("period_start"), pl.col("period_end")))
    subjects = frames["curriculum"].filter(pl.col("is_attested")).select("class_id", "subject_id", "teacher_id")
    roster = whole.join(subjects, on="class_id")
    groups = frames["groups"]
    split = groups.select("class_id", "subject_id").unique()
    members = frames["group_members"].join(
        groups.select("group_id", "class_id", "subject_id", pl.col("teacher_id").alias("_group_teacher")), on="group_id"
    )
    in_group = (
        roster.join(split, on=["class_id", "subject_id"], how="semi")
        .join(
            members.select(
                "pupil_id",
                "class_id",
                "subject_id",
                "_group_teacher",
                pl.col("start_date").alias("_gs"),
                pl.col("end_date").alias("_ge"),
            ),
            on=["pupil_id", "class_id", "subject_id"],
        )
        .filter(_on_roll("_gs", "_ge", pl.col("period_start"), pl.col("period_end")))
        .with_columns(pl.col("_group_teacher").alias("teacher_id"))
    )
    roster = pl.concat(
        [
            roster.join(split, on=["class_id", "subject_id"], how="anti").select(
                *key, "class_id", "teacher_id", "period_kind_code"
            ),
            in_group.select(*key, "class_id", "teacher_id", "period_kind_code"),
        ]
    )
    counts = marks.group_by(key).len("n_marks")
    few = (
        roster.join(counts, on=key, how="left")
        .with_columns(
            pl.col("n_marks").fill_null(0),
            pl.col("period_kind_code").replace_strict(MIN_MARKS, return_dtype=pl.Int64).alias("_min"),
        )
        .filter(pl.col("n_marks") < pl.col("_min"))
    )
    return rows(few, "too_few_marks", pl.format("Отметок за период: {} (минимум {})", "n_marks", "_min"))


def _padding(frames: dict[str, pl.DataFrame], marks: pl.DataFrame, ctx: pl.DataFrame) -> pl.DataFrame:
    """marks_padding_before_period_end per teacher, class (subgroup), subject and period."""
    unit = ["teacher_id", "class_id", "group_id", "subject_id", "period_id"]
    is_last = (pl.col("period_end") - pl.col("lesson_date")).dt.total_days() < PADDING_LAST_DAYS
    present = (
        frames["attendance"]
        .filter(pl.col("absence_code").is_null() | (pl.col("absence_code") == "оп"))
        .group_by("lesson_id")
        .len("n_present")
    )
    given = (
        frames["marks"]
        .join(frames["work_types"].select("work_type_id", "is_control"), on="work_type_id")
        .filter(~pl.col("is_control"))
        .group_by("lesson_id")
        .len("n_marks")
    )
    per_lesson = (
        ctx.join(present, on="lesson_id", how="left")
        .join(given, on="lesson_id", how="left")
        .with_columns(pl.col("n_present").fill_null(0), pl.col("n_marks").fill_null(0), is_last.alias("_last"))
    )
    sums = per_lesson.group_by(unit).agg(
        pl.col("n_marks").filter(pl.col("_last")).sum().alias("m_last"),
        pl.col("n_present").filter(pl.col("_last")).sum().alias("p_last"),
        pl.col("n_marks").filter(~pl.col("_last")).sum().alias("m_rest"),
        pl.col("n_present").filter(~pl.col("_last")).sum().alias("p_rest"),
    )
    rate_last = pl.col("m_last") / pl.col("p_last")
    rate_rest = pl.col("m_rest") / pl.col("p_rest")
    padded = sums.filter(
        (pl.col("m_last") >= PADDING_MIN_MARKS) & (pl.col("p_rest") > 0) & (rate_last >= PADDING_RATIO * rate_rest)
    )
    return rows(
        padded,
        "marks_padding_before_period_end",
        pl.format(
            "Последние 7 дней периода: {} отметок, {} на ученика за урок; ранее {}",
            "m_last",
            rate_last.round(2),
            rate_rest.round(2),
        ),
    )


def _chronic(frames: dict[str, pl.DataFrame], ctx: pl.DataFrame) -> pl.DataFrame:
    """chronic_absence: 10 % or more of a pupil's lessons in a period missed for any reason."""
    att = frames["attendance"].join(ctx.select("lesson_id", "lesson_date", "class_id", "period_id"), on="lesson_id")
    per = (
        att.sort("lesson_date", "lesson_id")
        .group_by("pupil_id", "period_id")
        .agg(pl.len().alias("n"), pl.col("absence_code").is_in(ABSENT).sum().alias("n_abs"), pl.col("class_id").last())
    )
    chronic = per.filter(pl.col("n_abs") * CHRONIC_PER_LESSONS >= pl.col("n")).join(
        frames["classes"].select("class_id", pl.col("class_teacher_id").alias("teacher_id")), on="class_id"
    )
    return rows(
        chronic,
        "chronic_absence",
        pl.format("Пропущено {} из {} уроков ({} %)", "n_abs", "n", (pl.col("n_abs") * 100 / pl.col("n")).round(1)),
    )
