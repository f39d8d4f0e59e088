"""The calendar-thematic plan (КТП) of each class (or subgroup) and subject.

The plan has weekly hours × 34 topics of one hour each. Held lessons take the topics in order;
topics beyond the last held lesson stay unheld (no planned date), as in a real plan that runs
ahead of the calendar. Subjects with control works get about one control work in 8 lessons,
and at least one in every period, placed evenly and never on the first lesson of a period.
"""

from __future__ import annotations

import polars as pl

from .catalog import SUBJECTS_BY_ID
from .topics import control_title, lesson_kinds, units_for

WEEKS = 34
LESSONS_PER_CONTROL = 8


def control_positions(n_lessons: int) -> set[int]:
    """0-based positions of the control works among a period's n lessons."""
    if n_lessons < 2:
        return set()
    n_control = max(1, round(n_lessons / LESSONS_PER_CONTROL))
    return {int((i + 1) * n_lessons / (n_control + 0.5)) for i in range(n_control)}


def _titles(subject_id: str, grade: int, n_planned: int) -> list[tuple[str, str]]:
    """(title, unit) of every planned topic, ignoring control works."""
    units = units_for(subject_id, grade)
    kinds = lesson_kinds(subject_id)
    result = []
    first_of_unit = -1
    previous = None
    for k in range(n_planned):
        unit = units[k * len(units) // n_planned]
        if unit != previous:
            first_of_unit, previous = k, unit
        step = k - first_of_unit
        result.append((unit if step == 0 else f"{unit}. {kinds[(step - 1) % len(kinds)]}", unit))
    return result


def with_periods(lessons: pl.DataFrame, grade_periods: pl.DataFrame) -> pl.DataFrame:
    """Add period_id, period_kind, period_start and period_end of each lesson's grade, and unit_key."""
    return (
        lessons.join(
            grade_periods.select("grade", "period_id", "period_kind", "period_start", "period_end"), on="grade"
        )
        .filter(pl.col("lesson_date").is_between(pl.col("period_start"), pl.col("period_end")))
        .sort("lesson_idx")
        .with_columns(pl.format("{}|{}|{}", "class_id", "group_no", "subject_id").alias("unit_key"))
    )


def plan_topics(lessons: pl.DataFrame, units: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Lessons with topic_number, planned_topic, control_type; and the planned_topics frame."""
    hours = {
        (c, g, s): h for c, g, s, h in units.select("class_id", "group_no", "subject_id", "weekly_hours").iter_rows()
    }
    idx_out: list[int] = []
    number_out: list[int | None] = []
    title_out: list[str] = []
    control_out: list[str | None] = []
    planned: list[tuple] = []
    parts = lessons.sort("lesson_idx").partition_by("class_id", "group_no", "subject_id", maintain_order=True)
    for part in parts:
        first = part.row(0, named=True)
        class_id, group_no, subject_id = first["class_id"], first["group_no"], first["subject_id"]
        group_id, grade = first["group_id"], first["grade"]
        n_planned = int(hours[(class_id, group_no, subject_id)] * WEEKS)
        titles = _titles(subject_id, grade, n_planned)
        controls: set[int] = set()
        if SUBJECTS_BY_ID[subject_id].has_control:
            offset = 0
            for count in part.group_by("period_id", maintain_order=True).len()["len"]:
                controls |= {offset + p for p in control_positions(count)}
                offset += count
        dates = part["lesson_date"].to_list()
        n_control = 0
        for k, lesson_idx in enumerate(part["lesson_idx"]):
            idx_out.append(lesson_idx)
            if k >= n_planned:
                number_out.append(None)
                title_out.append("Повторение изученного")
                control_out.append(None)
                continue
            title, unit = titles[k]
            kind = None
            if k in controls:
                n_control += 1
                title, kind = control_title(subject_id, n_control, unit)
                titles[k] = (title, unit)
            number_out.append(k + 1)
            title_out.append(title)
            control_out.append(kind)
        for k in range(n_planned):
            planned.append(
                (class_id, group_id, subject_id, k + 1, titles[k][0], dates[k] if k < len(dates) else None, 1.0)
            )
    topics = pl.DataFrame(
        {"lesson_idx": idx_out, "topic_number": number_out, "planned_topic": title_out, "control_type": control_out},
        schema={
            "lesson_idx": pl.Int64,
            "topic_number": pl.Int64,
            "planned_topic": pl.String,
            "control_type": pl.String,
        },
    )
    schema = {
        "class_id": pl.String,
        "group_id": pl.String,
        "subject_id": pl.String,
        "topic_number": pl.Int64,
        "topic": pl.String,
        "planned_date": pl.Date,
        "hours": pl.Float64,
    }
    planned_topics = pl.DataFrame(planned, schema=schema, orient="row").sort(
        "class_id", "subject_id", "group_id", "topic_number", nulls_last=False
    )
    return lessons.join(topics, on="lesson_idx").sort("lesson_idx"), planned_topics
