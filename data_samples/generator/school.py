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
from .truth import RULES, compute_truth
from .writer import canonical_frames, write_export, write_truth

Progress = Callable[[str], None] | None


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
) -> dict:
    """Write a full-year canonical export of one school into out_dir; return the summary."""
    step = progress or (lambda _message: None)
    out_dir = Path(out_dir)
    rng = np.random.default_rng([seed, school_index])
    grades = sorted(set(grades or range(1, 12)))
    year = academic_year_start
    calendar = build_calendar(year, grades)

    step("Классы, учебный план и учителя")
    classes = build_classes(grades, n_pupils, year)
    units = build_units(classes, subject_ids)
    teachers, units = hire_teachers(rng, units, school_index)
    classes = choose_class_teachers(classes, units, teachers)
    units = give_class_lessons(units, classes)
    teachers = assign_positions(teachers, classes)

    step("Ученики и движение")
    pupils, enrolments = enrol_pupils(rng, classes, calendar, n_pupils, school_index)
    groups = build_groups(units)
    members = build_group_members(groups, pupils, enrolments)

    step("Расписание, уроки и КТП")
    periods_of_grades = grade_periods_frame(calendar, grades)
    timetable = build_timetable(rng, units)
    lessons = expand_lessons(timetable, units, grade_days_frame(calendar, grades), groups, school_index, year)
    lessons, planned = plan_topics(with_periods(lessons, periods_of_grades), units)
    marking = sorted(units.filter(pl.col("is_attested"))["teacher_id"].unique())
    roles = assign_roles(rng, marking or sorted(teachers["teacher_id"]), teachers.height)
    lessons = keep_lessons(rng, lessons, teachers, roles, calendar.exported_at)

    step("Посещаемость")
    attendance = simulate_attendance(rng, lessons, enrolled_lessons(lessons, enrolments, members), pupils.height)

    step("Текущие отметки")
    graded = plan_lessons(rng, graded_lessons(lessons, units), roles)
    marks = plant_gaps(rng, draw_marks(rng, graded, attendance), graded, attendance, n_pupils)
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
    planted = {rule: truth.filter(pl.col("rule") == rule).height for rule in RULES}
    summary = {
        "school_id": f"sch-{school_index:04d}",
        "academic_year_id": calendar.academic_year_id,
        "seed": seed,
        "n_pupils": n_pupils,
        "files": counts,
        "planted": planted,
    }
    write_truth(truth, summary, out_dir)
    return summary


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
