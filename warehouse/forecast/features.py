"""What the forecast knows about a pupil in a subject on day D of a period (the model's inputs).

Read once from the warehouse (`read_history`), then cut at any day (`features_at`): only marks of
lessons held on or before D and entered on or before D, and only lessons held on or before D,
count. Every input is documented in docs/forecast.md.

| input | meaning |
|---|---|
| `wavg` | weighted average of the pupil's current marks so far (Σ part·weight / Σ weight) |
| `n_parts` | numeric mark parts so far («4/5» = 2) |
| `weight_sum` | Σ weight of the numeric mark parts so far |
| `n_control` | control-work marks so far |
| `control_avg` | mean of the control-work marks so far |
| `n_lessons`, `absent_share` | lessons the pupil was expected at so far, share missed (н, у, б) |
| `prev_mark` | the pupil's mark in the subject for the previous period (2–5, «н/а», none) |
| `elapsed` | share of the period's days gone by on day D |
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cached_property

import duckdb
import polars as pl

from warehouse import query

KEY = ["school_id", "pupil_id", "subject_id", "period_id"]
CLASSES = ("2", "3", "4", "5", "н/а")


@dataclass(frozen=True)
class History:
    """The warehouse facts the forecast reads, for the schools asked for."""

    periods: pl.DataFrame  # school_id, period_id, period_name, start_date, end_date
    marks: pl.DataFrame  # KEY, class_id, lesson_date, entered_date, sum_w, n_w, n_parts, is_control, control_sum
    lessons: pl.DataFrame  # KEY, class_id, lesson_date, is_absent
    outcomes: pl.DataFrame  # KEY, class_id, outcome (2–5 or н/а), period start and end

    @cached_property
    def previous(self) -> pl.DataFrame:
        return previous_marks(self)

    @cached_property
    def marks_by_period(self) -> dict[str, pl.DataFrame]:
        return {k[0]: v for k, v in self.marks.partition_by("period_id", as_dict=True).items()}

    @cached_property
    def lessons_by_period(self) -> dict[str, pl.DataFrame]:
        return {k[0]: v for k, v in self.lessons.partition_by("period_id", as_dict=True).items()}


def read_history(con: duckdb.DuckDBPyConnection, school_id: str | None = None) -> History:
    """Marks, attendance and period results of one school (or all) from the warehouse."""
    params = {"school_id": school_id}
    where = "($school_id is null or school_id = $school_id)"
    periods = query.frame(
        con,
        f"select school_id, period_id, period_name, start_date, end_date from dim_period where {where} "
        "and is_year_part",
        params,
    )
    marks = query.frame(
        con,
        f"""select school_id, pupil_id, subject_id, period_id, class_id, lesson_date,
                cast(entered_at as date) as entered_date, sum_numeric * weight as sum_w,
                n_numeric * weight as n_w, n_numeric as n_parts, is_control,
                case when is_control then sum_numeric else 0 end as control_sum
            from fct_mark where {where} and period_id is not null and n_numeric > 0""",
        params,
    )
    lessons = query.frame(
        con,
        f"""select school_id, pupil_id, subject_id, period_id, class_id, lesson_date, is_absent
            from fct_attendance where {where} and period_id is not null""",
        params,
    )
    outcomes = query.frame(
        con,
        f"""select school_id, pupil_id, subject_id, period_id, class_id,
                case when is_na then 'н/а' when mark_numeric <= 2 then '2' else cast(mark_numeric as varchar) end
                    as outcome
            from fct_period_mark
            where {where} and mark_kind_code = 'period' and period_id is not null
                and (mark_numeric is not null or is_na)""",
        params,
    )
    outcomes = outcomes.join(periods.select("school_id", "period_id", "start_date", "end_date"), on=KEY[:1] + KEY[3:])
    return History(periods, marks, lessons, outcomes)


def previous_marks(history: History) -> pl.DataFrame:
    """KEY and prev_mark: the outcome of the latest period of the same subject that ended before this one began."""
    out = history.outcomes.select("school_id", "pupil_id", "subject_id", "period_id", "start_date")
    earlier = history.outcomes.select(
        "school_id",
        "pupil_id",
        "subject_id",
        pl.col("end_date").alias("_prev_end"),
        pl.col("outcome").alias("prev_mark"),
    )
    return (
        out.join(earlier, on=["school_id", "pupil_id", "subject_id"])
        .filter(pl.col("_prev_end") < pl.col("start_date"))
        .sort("_prev_end")
        .group_by(KEY)
        .agg(pl.col("prev_mark").last())
    )


def features_at(history: History, period_id: str, day: dt.date, school_id: str | None = None) -> pl.DataFrame:
    """One row per pupil and subject expected at a lesson of the period by `day`, with the inputs known then."""
    period = history.periods.filter(pl.col("period_id") == period_id)
    if school_id is not None:
        period = period.filter(pl.col("school_id") == school_id)
    if period.is_empty():
        return pl.DataFrame()
    start, end = period["start_date"][0], period["end_date"][0]
    in_period = pl.col("lesson_date") <= day
    if school_id is not None:
        in_period = in_period & (pl.col("school_id") == school_id)
    empty_marks, empty_lessons = history.marks.clear(), history.lessons.clear()
    lessons = (
        history.lessons_by_period.get(period_id, empty_lessons)
        .filter(in_period)
        .sort("lesson_date")
        .group_by(KEY)
        .agg(
            pl.col("class_id").last(),
            pl.len().alias("n_lessons"),
            pl.col("is_absent").mean().alias("absent_share"),
        )
    )
    marks = (
        history.marks_by_period.get(period_id, empty_marks)
        .filter(in_period & (pl.col("entered_date") <= day))
        .group_by(KEY)
        .agg(
            (pl.col("sum_w").sum() / pl.col("n_w").sum()).alias("wavg"),
            pl.col("n_w").sum().alias("weight_sum"),
            pl.col("n_parts").sum().alias("n_parts"),
            pl.col("n_parts").filter(pl.col("is_control")).sum().alias("n_control"),
            pl.col("control_sum").sum().alias("_control_sum"),
        )
        .with_columns(
            (pl.col("_control_sum") / pl.col("n_control")).fill_nan(None).alias("control_avg"),
        )
        .drop("_control_sum")
    )
    prev = history.previous.filter(pl.col("period_id") == period_id)
    span = max((end - start).days + 1, 1)
    elapsed = min(max((day - start).days + 1, 0), span) / span
    return (
        lessons.join(marks, on=KEY, how="left")
        .join(prev, on=KEY, how="left")
        .with_columns(
            pl.col("n_parts").fill_null(0),
            pl.col("n_control").fill_null(0),
            pl.col("weight_sum").fill_null(0.0),
            pl.lit(elapsed).alias("elapsed"),
            pl.lit(day).alias("day"),
        )
        .sort(KEY)
    )
