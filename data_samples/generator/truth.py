"""The truth about the generated journal: every case that meets a rule, computed from the data.

Rules use the default norms of shared/DOMAIN.md. Dates are compared as calendar days; «N days
after» means the entry date minus the lesson date is more than N.

- mark_late: a current mark entered more than 2 days after its lesson, or more than 10 days for
  written work (work types control, dictation, essay, independent, test, practical, lab).
- lesson_late: a lesson (topic) entered more than 2 days after it was held, or never.
- topic_missing: a lesson without a topic.
- topic_not_a_topic: the topic is only «Урок», «Тема», «Контрольная работа» or «Контрольная
  работа № N» (no subject matter), or a dash.
- homework_missing: no homework on a lesson of grade 2-11 in a subject that sets homework
  (all but ОДНКНР, ОРКСЭ, PE, music, art, technology, ОБЗР, individual project and the
  extracurricular «Разговоры о важном», «Россия — мои горизонты»).
- homework_late: homework entered after 18:00 of the lesson day (or later, or never).
- period_mark_outside_window: a period mark entered before period end − 2 days or after
  period end + 7 days.
- change_after_period_closed: a mark changed after the period of its lesson was closed, that
  is after period end + 7 days (the end of the period-mark window).
- change_after_edit_window: a mark changed more than 7 days (edit window: one week) after its lesson.
- marks_padding_before_period_end: for a teacher, class (subgroup), subject and period: in the
  last 7 days of the period at least 10 non-control marks and at least twice as many
  non-control marks per present pupil-lesson as before.
- final_mark_raised / final_mark_lowered: a numeric period mark above / below the rounding rule
  (weighted average of the pupil's marks in the subject in the period; «4/5» counts as two
  marks; ≥ 4.65 → 5, ≥ 3.65 → 4, ≥ 2.65 → 3, else 2). Pupils without marks are not judged.
- final_without_control_work: a numeric period mark while a control work (a lesson with at least
  one mark of a control work type) was held in the subject during the period at a lesson the
  pupil was enrolled for, and the pupil has no control-type mark in the subject in the period.
- too_few_marks: a pupil on the roll of the class (and subgroup, where split) for the whole
  period has fewer than 3 marks in an attested subject in a quarter (5 in a half-year); «4/5» = 2.
- chronic_absence: a pupil missed (н, у or б) 10 % or more of their lessons in a period.
"""

from __future__ import annotations

import polars as pl

from .truth_common import days_between, fmt_date, fmt_time, lesson_context, rows
from .truth_periods import period_rules

RULES = (
    "mark_late",
    "lesson_late",
    "topic_missing",
    "topic_not_a_topic",
    "homework_missing",
    "homework_late",
    "period_mark_outside_window",
    "change_after_period_closed",
    "change_after_edit_window",
    "marks_padding_before_period_end",
    "final_mark_raised",
    "final_mark_lowered",
    "final_without_control_work",
    "too_few_marks",
    "chronic_absence",
)
WRITTEN_WORK_TYPES = ("control", "dictation", "essay", "independent", "test", "practical", "lab")
NO_HOMEWORK_SUBJECTS = ("odnknr", "orkse", "pe", "music", "art", "tech", "obzr", "project", "talks", "horizons")
NON_TOPIC = r"(?i)^\s*(урок|тема|контрольная работа(\s*№\s*\d+)?|[-—.]+)\s*\.?\s*$"
ORDINARY_DAYS, WRITTEN_DAYS, LESSON_DAYS, EDIT_WINDOW_DAYS, CLOSE_DAYS = 2, 10, 2, 7, 7


def lesson_rules(lessons: pl.DataFrame, frames: dict[str, pl.DataFrame]) -> list[pl.DataFrame]:
    """lesson_late, topic_missing, topic_not_a_topic, homework_missing, homework_late."""
    lessons = lessons.with_columns(pl.coalesce("replacing_teacher_id", "teacher_id").alias("_teacher"))
    delay = days_between(pl.col("lesson_entered_at"), pl.col("lesson_date"))
    late = lessons.filter(pl.col("lesson_entered_at").is_null() | (delay > LESSON_DAYS)).with_columns(delay.alias("_d"))
    missing = lessons.filter(pl.col("topic").is_null() | (pl.col("topic").str.strip_chars() == ""))
    non_topic = lessons.filter(pl.col("topic").str.contains(NON_TOPIC))
    no_homework = lessons.filter(
        pl.col("homework").is_null() & (pl.col("grade") >= 2) & ~pl.col("subject_id").is_in(NO_HOMEWORK_SUBJECTS)
    )
    deadline = pl.col("lesson_date").cast(pl.Datetime("us")) + pl.duration(hours=18)
    hw_late = lessons.filter(
        pl.col("homework").is_not_null()
        & (pl.col("homework_entered_at").is_null() | (pl.col("homework_entered_at") > deadline))
    )
    teacher = {"teacher_id": "_teacher"}
    return [
        rows(
            late,
            "lesson_late",
            pl.format(
                "Урок {} записан {} — через {} дн. (норма {} дн.)",
                fmt_date("lesson_date"),
                fmt_time("lesson_entered_at"),
                "_d",
                pl.lit(LESSON_DAYS),
            ),
            **teacher,
        ),
        rows(missing, "topic_missing", pl.format("Урок {}: тема не записана", fmt_date("lesson_date")), **teacher),
        rows(
            non_topic,
            "topic_not_a_topic",
            pl.format("Урок {}: вместо темы «{}»", fmt_date("lesson_date"), "topic"),
            **teacher,
        ),
        rows(
            no_homework,
            "homework_missing",
            pl.format("Урок {}: домашнее задание не записано", fmt_date("lesson_date")),
            **teacher,
        ),
        rows(
            hw_late,
            "homework_late",
            pl.format(
                "Урок {}: домашнее задание записано {} (норма — до 18:00 дня урока)",
                fmt_date("lesson_date"),
                pl.coalesce(fmt_time("homework_entered_at"), pl.lit("—")),
            ),
            **teacher,
        ),
    ]


def mark_rules(lessons: pl.DataFrame, frames: dict[str, pl.DataFrame]) -> list[pl.DataFrame]:
    """mark_late, change_after_period_closed, change_after_edit_window."""
    ctx = lessons.select("lesson_id", "lesson_date", "class_id", "subject_id", "period_id", "period_end")
    marks = frames["marks"].join(ctx, on="lesson_id")
    written = pl.col("work_type_id").is_in(WRITTEN_WORK_TYPES)
    delay = days_between(pl.col("entered_at"), pl.col("lesson_date"))
    norm = pl.when(written).then(WRITTEN_DAYS).otherwise(ORDINARY_DAYS)
    late = marks.filter(delay > norm).with_columns(delay.alias("_d"), norm.alias("_n"))
    changes = frames["mark_changes"].join(ctx, on="lesson_id")
    closed = changes.filter(days_between(pl.col("changed_at"), pl.col("period_end")) > CLOSE_DAYS)
    after = days_between(pl.col("changed_at"), pl.col("lesson_date"))
    edited = changes.filter(after > EDIT_WINDOW_DAYS).with_columns(after.alias("_d"))
    change_detail = "Отметка за урок {} изменена {} ({} → {})"
    return [
        rows(
            late,
            "mark_late",
            pl.format(
                "Отметка {} ({}) за урок {} выставлена {} — через {} дн. (норма {} дн.)",
                "mark_value",
                "work_type_id",
                fmt_date("lesson_date"),
                fmt_time("entered_at"),
                "_d",
                "_n",
            ),
            teacher_id="entered_by",
        ),
        rows(
            closed,
            "change_after_period_closed",
            pl.format(
                change_detail + " после закрытия периода (окончание {} + 7 дн.)",
                fmt_date("lesson_date"),
                fmt_time("changed_at"),
                pl.coalesce("old_value", pl.lit("")),
                pl.coalesce("new_value", pl.lit("")),
                fmt_date("period_end"),
            ),
            teacher_id="changed_by",
        ),
        rows(
            edited,
            "change_after_edit_window",
            pl.format(
                change_detail + " через {} дн. после урока (окно {} дн.)",
                fmt_date("lesson_date"),
                fmt_time("changed_at"),
                pl.coalesce("old_value", pl.lit("")),
                pl.coalesce("new_value", pl.lit("")),
                "_d",
                pl.lit(EDIT_WINDOW_DAYS),
            ),
            teacher_id="changed_by",
        ),
    ]


def compute_truth(frames: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """Every case of every rule in the canonical frames, sorted by rule and keys."""
    lessons = lesson_context(frames)
    parts = lesson_rules(lessons, frames) + mark_rules(lessons, frames) + period_rules(lessons, frames)
    order = {rule: i for i, rule in enumerate(RULES)}
    truth = pl.concat(parts, how="vertical")
    return (
        truth.with_columns(pl.col("rule").replace_strict(order, return_dtype=pl.Int64).alias("_o"))
        .sort(
            "_o",
            "teacher_id",
            "class_id",
            "subject_id",
            "period_id",
            "pupil_id",
            "lesson_id",
            "mark_id",
            "detail",
            nulls_last=False,
        )
        .drop("_o")
    )
