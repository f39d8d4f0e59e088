"""Shared pieces of the truth rules: the row shape, dates and the period of each lesson."""

from __future__ import annotations

import polars as pl

COLUMNS = ["rule", "teacher_id", "class_id", "subject_id", "pupil_id", "lesson_id", "mark_id", "period_id", "detail"]


def days_between(later: pl.Expr, earlier: pl.Expr) -> pl.Expr:
    return (later.dt.date() - earlier).dt.total_days()


def lesson_context(frames: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """Lessons with grade and the period of the lesson (period_id, period_start, period_end)."""
    periods = grade_periods(frames["periods"])
    return (
        frames["lessons"]
        .join(frames["classes"].select("class_id", "grade"), on="class_id")
        .join(periods, on="grade")
        .filter(pl.col("lesson_date").is_between("period_start", "period_end"))
    )


def grade_periods(periods: pl.DataFrame) -> pl.DataFrame:
    """grade, period_id, period_kind_code, period_start, period_end."""
    return periods.select(
        pl.col("grades").str.split(",").cast(pl.List(pl.Int64)).alias("grade"),
        "period_id",
        "period_kind_code",
        pl.col("start_date").alias("period_start"),
        pl.col("end_date").alias("period_end"),
    ).explode("grade")


def rows(frame: pl.DataFrame, rule: str, detail: pl.Expr, **columns: pl.Expr | str) -> pl.DataFrame:
    """Truth rows of `rule` from `frame`: key columns taken by name unless given (a column name or an expression)."""
    exprs = []
    for name in COLUMNS[1:-1]:
        value = columns.get(name, pl.col(name) if name in frame.columns else pl.lit(None, dtype=pl.String))
        exprs.append((pl.col(value) if isinstance(value, str) else value).cast(pl.String).alias(name))
    # rechunk: polars 2.1 can panic ("i < self.len()") selecting from a freshly filtered multi-chunk
    # frame under thread contention; one contiguous chunk avoids that code path.
    return frame.rechunk().select(pl.lit(rule).alias("rule"), *exprs, detail.alias("detail"))


def fmt_date(col: str) -> pl.Expr:
    return pl.col(col).dt.strftime("%d.%m.%Y")


def fmt_time(col: str) -> pl.Expr:
    return pl.col(col).dt.strftime("%d.%m.%Y %H:%M")
