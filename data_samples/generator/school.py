"""Generating one school's export, or a region of schools: the stages in order.

Every random draw comes from one `numpy.random.default_rng([seed, school_index])` consumed in a
fixed order on frames sorted by their keys, so the same arguments give byte-identical files.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import polars as pl

from .assemble import final_frames, journal_frames, people_frames, reference_frames, school_frames
from .attendance import LATE, PRESENT, enrolled_lessons, simulate_attendance
from .behaviour import assign_roles, keep_lessons
from .calendar import build_calendar, grade_days_frame, grade_periods_frame
from .changes import build_changes
from .external import vpr_results
from .finals import period_marks, period_rosters, year_marks
from .ktp import plan_topics, with_periods
from .mark_values import abilities, entry_times, mark_values
from .marks import draw_marks, graded_lessons, plan_lessons, plant_gaps
from .pupils import build_group_members, build_groups, enrol_pupils
from .staff import (
    assign_positions,
    build_classes,
    build_units,
    choose_class_teachers,
    give_class_lessons,
    hire_teachers,
)
from .timetable import build_timetable, expand_lessons
from .trouble import (
    TROUBLE_RULES,
    absent_class,
    drop_behind_marks,
    plan_trouble,
    raise_finals,
    trouble_rows,
    with_roles,
)
from .truth import RULES, compute_truth
from .writer import canonical_frames, write_export, write_truth
from .years import enrol_next_year, pupil_number, returning_pupils

Progress = Callable[[str], None] | None
Carried = tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]


def generate_school(
    out_dir: Path,
    *,
    seed: int = 42,
    n_pupils: int = 1000,
    school_index: int = 1,
    academic_year_start: int = 2025,
    grades: Sequence[int] | None = None,
    subject_ids: Sequence[str] | None = None,
    progress: Progress = None,
    years: int = 1,
    trouble: bool = False,
) -> dict:
    """Write a full-year canonical export of one school into out_dir; return the summary.

    years > 1: one export per academic year, the last one starting in academic_year_start, into
    out_dir/<yyyy-yyyy>/ (the loader takes a folder of exports in name order, oldest first); the
    same pupils move up a grade each year (data_samples/generator/years.py). trouble: plant the
    demo's trouble in every year (data_samples/generator/trouble.py)."""
    grades = sorted(set(grades or range(1, 12)))
    if years == 1:
        return _generate_year(
            Path(out_dir), seed, n_pupils, school_index, academic_year_start, grades, subject_ids, progress, trouble
        )[0]
    summaries, carried = {}, None
    for year in range(academic_year_start - years + 1, academic_year_start + 1):
        if progress:
            progress(f"Учебный год {year}/{year + 1}")
        folder = Path(out_dir) / f"{year}-{year + 1}"
        summary, carried = _generate_year(
            folder, seed, n_pupils, school_index, year, grades, subject_ids, progress, trouble, carried
        )
        summaries[summary["academic_year_id"]] = summary
    return {"school_id": f"sch-{school_index:04d}", "seed": seed, "n_pupils": n_pupils, "years": summaries}


def _generate_year(
    out_dir: Path,
    seed: int,
    n_pupils: int,
    school_index: int,
    year: int,
    grades: list[int],
    subject_ids: Sequence[str] | None,
    progress: Progress,
    trouble: bool,
    carried: Carried | None = None,
) -> tuple[dict, Carried]:
    """One academic year's export; `carried` is the previous year's (pupils, enrolments, classes)."""
    step = progress or (lambda _message: None)
    rng = np.random.default_rng([seed, school_index])
    calendar = build_calendar(year, grades)

    step("Классы, учебный план и учителя")
    classes = build_classes(grades, n_pupils, year)
    units = build_units(classes, subject_ids)
    teachers, units = hire_teachers(rng, units, school_index)
    classes = choose_class_teachers(classes, units, teachers)
    units = give_class_lessons(units, classes)
    teachers = assign_positions(teachers, classes)

    step("Ученики и движение")
    if carried is None:
        pupils, enrolments = enrol_pupils(rng, classes, calendar, n_pupils, school_index)
    else:
        returning = returning_pupils(rng, *carried, grades)
        first_number = max(pupil_number(p) for p in carried[0]["pupil_id"]) + 1
        pupils, enrolments = enrol_next_year(rng, classes, calendar, returning, n_pupils, school_index, first_number)
    groups = build_groups(units)
    members = build_group_members(groups, pupils, enrolments)

    step("Расписание, уроки и КТП")
    periods_of_grades = grade_periods_frame(calendar, grades)
    timetable = build_timetable(rng, units)
    lessons = expand_lessons(timetable, units, grade_days_frame(calendar, grades), groups, school_index, year)
    lessons, planned = plan_topics(with_periods(lessons, periods_of_grades), units)
    marking = sorted(units.filter(pl.col("is_attested"))["teacher_id"].unique())
    roles = assign_roles(rng, marking or sorted(teachers["teacher_id"]), teachers.height)
    trouble_rng = np.random.default_rng([seed, school_index, year])
    plan = (
        plan_trouble(trouble_rng, marking or sorted(teachers["teacher_id"]), roles, teachers.height)
        if trouble
        else None
    )
    if plan:
        roles = with_roles(plan, roles)
    lessons = keep_lessons(rng, lessons, teachers, roles, calendar.exported_at)

    step("Посещаемость")
    attendance = simulate_attendance(rng, lessons, enrolled_lessons(lessons, enrolments, members), pupils.height)
    if plan:
        attendance = absent_class(plan, attendance, lessons, enrolments, classes)

    step("Текущие отметки")
    graded = plan_lessons(rng, graded_lessons(lessons, units), roles)
    marks = plant_gaps(rng, draw_marks(rng, graded, attendance), graded, attendance, n_pupils)
    if plan:
        marks = drop_behind_marks(plan, marks, graded)
    marks = marks.with_row_index("mark_seq")  # a total order for every later step
    ability = abilities(rng, pupils.height)
    marks = mark_values(rng, marks, graded, ability)
    marks = entry_times(rng, marks, graded, roles["late_marks"], calendar.exported_at)
    marks = marks.sort("mark_seq").with_row_index("mark_idx").with_columns(pl.col("mark_idx").cast(pl.Int64))
    changes = build_changes(rng, marks, lessons, calendar, roles, school_index)
    marks = (
        marks.join(changes.select("mark_idx", "new_value"), on="mark_idx", how="left")
        .with_columns(pl.coalesce("new_value", "mark_value").alias("mark_value"))
        .drop("new_value")
        .sort("mark_idx")
    )

    step("Итоговые отметки и ВПР")
    lesson_keys = graded.select("lesson_idx", "subject_id", "period_id")
    rosters = period_rosters(enrolments, members, units, periods_of_grades, classes)
    period = period_marks(
        rng,
        rosters,
        marks.join(lesson_keys, on="lesson_idx").with_columns(pl.lit(None, dtype=pl.Float64).alias("weight")),
        attendance.join(lesson_keys, on="lesson_idx"),
        roles,
        calendar,
        n_pupils,
    )
    if plan:
        period = raise_finals(plan, period)
    year_rows = year_marks(rng, period, calendar)
    present_days = (
        attendance.filter(pl.col("code").is_in([PRESENT, LATE]))
        .join(lessons.select("lesson_idx", "lesson_date"), on="lesson_idx")
        .select("pupil_idx", "lesson_date")
        .unique()
    )
    external = vpr_results(rng, calendar, enrolments, classes, units, present_days, ability)

    step("Запись файлов")
    frames = school_frames(rng, calendar, school_index)
    frames |= reference_frames(calendar, teachers, classes, units, groups)
    frames |= people_frames(pupils, enrolments, members)
    frames |= journal_frames(lessons, planned, pupils, attendance, marks, changes, school_index, year)
    frames |= final_frames(period, year_rows, external, pupils, calendar)
    frames = canonical_frames(frames)
    counts = write_export(frames, out_dir)

    step("Проверочные данные (_truth)")
    truth = compute_truth(frames)
    if plan:
        class_teachers = dict(classes.select("class_id", "class_teacher_id").iter_rows())
        truth = pl.concat([truth, trouble_rows(plan, pupils, class_teachers, truth.columns)])
    rules = (*RULES, *TROUBLE_RULES) if plan else RULES
    planted = {rule: truth.filter(pl.col("rule") == rule).height for rule in rules}
    summary = {
        "school_id": f"sch-{school_index:04d}",
        "academic_year_id": calendar.academic_year_id,
        "seed": seed,
        "n_pupils": n_pupils,
        "files": counts,
        "planted": planted,
    }
    write_truth(truth, summary, out_dir)
    return summary, (pupils, enrolments, classes)


def generate_region(
    out_dir: Path, *, n_schools: int, pupils_per_school: int, seed: int, progress: Progress = None
) -> dict:
    """Write out_dir/sch-0001/ … one full export per school of one region; return the summaries."""
    out_dir = Path(out_dir)
    schools = {}
    for index in range(1, n_schools + 1):
        school_id = f"sch-{index:04d}"
        if progress:
            progress(f"Школа {school_id} ({index} из {n_schools})")
        schools[school_id] = generate_school(
            out_dir / school_id, seed=seed, n_pupils=pupils_per_school, school_index=index, progress=progress
        )
    totals: dict[str, int] = {}
    for summary in schools.values():
        for name, count in summary["files"].items():
            totals[name] = totals.get(name, 0) + count
    return {"schools": schools, "files": totals}
