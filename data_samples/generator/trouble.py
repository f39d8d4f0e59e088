"""Realistic trouble for the demo school (`generate_school(..., trouble=True)`), so that every
control page has something to find.

- teachers behind on marks: in the last period of the year (the «current» one at export time)
  only about a fifth of their marks are in the journal, so many pupils end the period
  with too few marks (rule `too_few_marks`);
- more teachers who enter lessons days late (`lesson_late`) and homework in the evening
  (`homework_late`): extra teachers in the `behaviour.ROLES` roles;
- a teacher who raises period marks above the rounding rule (`final_mark_raised`);
- a class with chronic absence: a few pupils miss `CHRONIC_DAY_SHARE` of their study days in
  every period (`chronic_absence`).

The plan is written to `_truth/planted.csv` as rows of the `trouble_*` rules (one per teacher, or
per pupil of the absent class), each naming in `detail` the control rule that finds it; the
cases themselves are in the complete lists of those rules.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import polars as pl

from .attendance import TRUANT

BEHIND_KEEP_SHARE = 0.2
RAISE_SHARE = 0.35
CHRONIC_DAY_SHARE = 0.45
CHRONIC_PUPILS = 6
CHRONIC_GRADES = (7, 8, 6, 9, 5)
LAST_PERIODS = ("q4", "h2")
# trouble rule -> (control rule that finds it, teachers in a school of about 60 teachers)
TEACHER_TROUBLE: dict[str, tuple[str, int]] = {
    "trouble_marks_behind": ("too_few_marks", 2),
    "trouble_lessons_late": ("lesson_late", 2),
    "trouble_homework_late": ("homework_late", 1),
    "trouble_finals_raised": ("final_mark_raised", 1),
}
TROUBLE_TEXT = {
    "trouble_marks_behind": "В последнем периоде года в журнале около пятой части его обычных отметок",
    "trouble_lessons_late": "Заполняет уроки (тему) на несколько дней позже",
    "trouble_homework_late": "Задаёт домашнее задание вечером",
    "trouble_finals_raised": "Завышает часть отметок за период против правила округления",
}
TROUBLE_RULES = (*TEACHER_TROUBLE, "trouble_chronic_class")
ROLE_OF_TROUBLE = {"trouble_lessons_late": "late_lessons", "trouble_homework_late": "evening_homework"}


@dataclass
class Trouble:
    """Who is in trouble in one year of the school; filled by `plan_trouble` and `absent_class`."""

    rng: np.random.Generator
    teachers: dict[str, list[str]] = field(default_factory=dict)
    chronic_class: str | None = None
    chronic_pupils: list[int] = field(default_factory=list)


def plan_trouble(rng: np.random.Generator, marking: list[str], roles: dict[str, list[str]], n_teachers: int) -> Trouble:
    """Teachers for each trouble, taken first from the marking teachers without a role."""
    busy = {t for members in roles.values() for t in members}
    free = [t for t in marking if t not in busy]
    order = [free[i] for i in rng.permutation(len(free))] + [marking[i] for i in rng.permutation(len(marking))]
    plan = Trouble(rng)
    cursor = 0
    for rule, (_, count) in TEACHER_TROUBLE.items():
        scaled = max(1, round(count * n_teachers / 60))
        plan.teachers[rule] = sorted({order[(cursor + k) % len(order)] for k in range(scaled)})
        cursor += scaled
    return plan


def with_roles(plan: Trouble, roles: dict[str, list[str]]) -> dict[str, list[str]]:
    """The behaviour roles with the late-entering trouble teachers added."""
    extra = {role: plan.teachers[rule] for rule, role in ROLE_OF_TROUBLE.items()}
    return {role: sorted(set(members) | set(extra.get(role, []))) for role, members in roles.items()}


def _chronic_class(classes: pl.DataFrame) -> str:
    for grade in CHRONIC_GRADES:
        found = classes.filter(pl.col("grade") == grade)["class_id"].sort()
        if len(found):
            return found[-1]
    return classes["class_id"].sort()[-1]


def absent_class(
    plan: Trouble,
    attendance: pl.DataFrame,
    lessons: pl.DataFrame,
    enrolments: pl.DataFrame,
    classes: pl.DataFrame,
) -> pl.DataFrame:
    """Attendance with a few pupils of one class (on its roll all year) truant on CHRONIC_DAY_SHARE of
    their study days in every period."""
    class_id = _chronic_class(classes)
    stays = enrolments.group_by("pupil_idx").agg(
        pl.len().alias("_n"), pl.col("class_id").first(), pl.col("end_date").first(), pl.col("arrival_reason").first()
    )
    whole_year = stays.filter(
        (pl.col("_n") == 1)
        & (pl.col("class_id") == class_id)
        & pl.col("end_date").is_null()
        & (pl.col("arrival_reason") == "начало года")
    )
    candidates = whole_year["pupil_idx"].sort().to_numpy()
    pupils = sorted(int(p) for p in plan.rng.choice(candidates, min(CHRONIC_PUPILS, len(candidates)), replace=False))
    plan.chronic_class, plan.chronic_pupils = class_id, pupils
    days = (
        attendance.filter(pl.col("pupil_idx").is_in(pupils))
        .join(lessons.select("lesson_idx", "lesson_date", "period_id"), on="lesson_idx")
        .select("pupil_idx", "period_id", "lesson_date")
        .unique()
        .sort("pupil_idx", "period_id", "lesson_date")
    )
    draws = pl.Series(plan.rng.random(days.height))
    missed = (
        days.with_columns(draws.alias("_u"))
        .with_columns(pl.col("_u").rank("ordinal").over("pupil_idx", "period_id").alias("_rank"))
        .filter(pl.col("_rank") <= (pl.len().over("pupil_idx", "period_id") * CHRONIC_DAY_SHARE).ceil())
        .select("pupil_idx", "lesson_date")
    )
    hit = (
        attendance.join(lessons.select("lesson_idx", "lesson_date"), on="lesson_idx")
        .join(missed.with_columns(pl.lit(True).alias("_missed")), on=["pupil_idx", "lesson_date"], how="left")
        .sort("lesson_idx", "pupil_idx")
    )
    code = pl.when(hit["_missed"].fill_null(False)).then(pl.lit(TRUANT, dtype=pl.Int8)).otherwise(hit["code"])
    return hit.select("pupil_idx", "lesson_idx", code.alias("code"))


def drop_behind_marks(plan: Trouble, marks: pl.DataFrame, graded: pl.DataFrame) -> pl.DataFrame:
    """Marks without about four fifths of the marks the behind teachers would give in the last period
    of the year (control works too: they are not marked yet)."""
    behind = plan.teachers["trouble_marks_behind"]
    last = pl.any_horizontal(pl.col("period_id").str.ends_with(p) for p in LAST_PERIODS)
    lessons = graded.filter(pl.col("entered_by").is_in(behind) & last).select("lesson_idx")
    candidates = marks.join(lessons, on="lesson_idx", how="semi")
    keep = plan.rng.random(candidates.height) < BEHIND_KEEP_SHARE
    dropped = candidates.filter(pl.Series(~keep)).select("pupil_idx", "lesson_idx", "work_type_id", "source")
    return marks.join(dropped, on=["pupil_idx", "lesson_idx", "work_type_id", "source"], how="anti")


def raise_finals(plan: Trouble, period: pl.DataFrame) -> pl.DataFrame:
    """Period marks with a share of the raising teacher's numeric marks below 5 raised by one."""
    raising = plan.teachers["trouble_finals_raised"]
    value = period["mark_value"]
    can = (period["teacher_id"].is_in(raising) & value.is_in(["2", "3", "4"])).to_numpy()
    raised = can & (plan.rng.random(period.height) < RAISE_SHARE)
    higher = pl.Series(np.where(raised, value.replace({"2": "3", "3": "4", "4": "5"}), value), dtype=pl.String)
    return period.with_columns(higher.alias("mark_value"))


def trouble_rows(
    plan: Trouble, pupils: pl.DataFrame, class_teachers: dict[str, str], columns: list[str]
) -> pl.DataFrame:
    """The plan as rows of `_truth/planted.csv` (columns of the truth frame)."""
    rows = [
        {
            "rule": rule,
            "teacher_id": teacher,
            "detail": f"{TROUBLE_TEXT[rule]}; найдёт правило {TEACHER_TROUBLE[rule][0]}",
        }
        for rule in TEACHER_TROUBLE
        for teacher in plan.teachers[rule]
    ]
    pupil_ids = dict(pupils.select("pupil_idx", "pupil_id").iter_rows())
    rows += [
        {
            "rule": "trouble_chronic_class",
            "teacher_id": class_teachers.get(plan.chronic_class),
            "class_id": plan.chronic_class,
            "pupil_id": pupil_ids[idx],
            "detail": f"Пропускает около {round(CHRONIC_DAY_SHARE * 100)} % учебных дней каждого периода; "
            "найдёт правило chronic_absence",
        }
        for idx in plan.chronic_pupils
    ]
    return pl.DataFrame(rows, schema=dict.fromkeys(columns, pl.String))
