"""Turning the generator's working frames (integer keys) into the canonical export frames."""

from __future__ import annotations

import numpy as np
import polars as pl

from .calendar import Calendar
from .catalog import SUBJECTS, WORK_TYPES
from .names import SURNAMES, feminine_surname

REGION_ID = "50"
MUNICIPALITIES = (
    "г. Сергиев Посад",
    "г. Подольск",
    "г. Коломна",
    "г. Дмитров",
    "г. Клин",
    "г. Серпухов",
    "г. Ногинск",
    "г. Истра",
    "г. Чехов",
    "г. Дубна",
)
SOURCE_SYSTEM = "Сетевой город"
CODE_TEXT = {1: "н", 2: "у", 3: "б", 4: "оп"}


def school_frames(rng: np.random.Generator, calendar: Calendar, school_index: int) -> dict[str, pl.DataFrame]:
    """export, school, academic_years, periods, holidays."""
    school_id = f"sch-{school_index:04d}"
    surname = feminine_surname(SURNAMES[int(rng.integers(0, len(SURNAMES)))])
    initials = "".join(f"{c}. " for c in rng.choice(list("АВГЕИЛМНОСТ"), 2)).strip()
    number = school_index
    export = pl.DataFrame(
        {
            "school_id": [school_id],
            "source_system": [SOURCE_SYSTEM],
            "export_kind_code": ["full"],
            "exported_at": [calendar.exported_at],
            "covers_from_date": [calendar.start_date],
            "covers_to_date": [calendar.end_date],
        }
    )
    school = pl.DataFrame(
        {
            "school_id": [school_id],
            "school_name": [f"МБОУ «СОШ № {number}»"],
            "short_name": [f"СОШ № {number}"],
            "region_id": [REGION_ID],
            "municipality": [MUNICIPALITIES[(school_index - 1) % len(MUNICIPALITIES)]],
            "director_name": [f"{surname} {initials}"],
        }
    )
    years = pl.DataFrame(
        {
            "academic_year_id": [calendar.academic_year_id],
            "start_date": [calendar.start_date],
            "end_date": [calendar.end_date],
        }
    )
    periods = pl.DataFrame(
        [
            (
                p.period_id,
                calendar.academic_year_id,
                p.kind,
                p.number,
                p.name,
                p.start,
                p.end,
                ",".join(str(g) for g in p.grades),
            )
            for p in calendar.periods
        ],
        schema=[
            "period_id",
            "academic_year_id",
            "period_kind_code",
            "period_number",
            "period_name",
            "start_date",
            "end_date",
            "grades",
        ],
        orient="row",
    )
    holidays = pl.DataFrame(
        [
            (
                calendar.academic_year_id,
                h.name,
                h.start,
                h.end,
                ",".join(str(g) for g in h.grades) if h.grades else None,
            )
            for h in calendar.holidays
        ],
        schema={
            "academic_year_id": pl.String,
            "holiday_name": pl.String,
            "start_date": pl.Date,
            "end_date": pl.Date,
            "grades": pl.String,
        },
        orient="row",
    )
    return {"export": export, "school": school, "academic_years": years, "periods": periods, "holidays": holidays}


def reference_frames(
    calendar: Calendar, teachers: pl.DataFrame, classes: pl.DataFrame, units: pl.DataFrame, groups: pl.DataFrame
) -> dict[str, pl.DataFrame]:
    """teachers, subjects, classes, groups, curriculum, work_types."""
    taught = set(units["subject_id"])
    subjects = pl.DataFrame(
        [(s.subject_id, s.name, s.short_name, s.fipi_code) for s in SUBJECTS if s.subject_id in taught],
        schema={"subject_id": pl.String, "subject_name": pl.String, "short_name": pl.String, "fipi_code": pl.String},
        orient="row",
    )
    curriculum = (
        units.filter(pl.col("group_no") <= 1)
        .sort("class_id", "subject_id", "group_no")
        .select("class_id", "subject_id", "weekly_hours", "is_attested", "teacher_id")
    )
    work_types = pl.DataFrame(
        [(w.work_type_id, w.name, w.weight, w.is_control) for w in WORK_TYPES],
        schema=["work_type_id", "work_type_name", "weight", "is_control"],
        orient="row",
    )
    return {
        "teachers": teachers.sort("teacher_id"),
        "subjects": subjects,
        "classes": classes.with_columns(pl.lit(calendar.academic_year_id).alias("academic_year_id")),
        "groups": groups,
        "curriculum": curriculum,
        "work_types": work_types,
    }


def people_frames(pupils: pl.DataFrame, enrolments: pl.DataFrame, members: pl.DataFrame) -> dict[str, pl.DataFrame]:
    return {
        "pupils": pupils.sort("pupil_idx"),
        "enrolments": enrolments.sort("pupil_idx", "start_date"),
        "group_members": members.sort("group_id", "pupil_idx", "start_date"),
    }


def journal_frames(
    lessons: pl.DataFrame,
    planned: pl.DataFrame,
    pupils: pl.DataFrame,
    attendance: pl.DataFrame,
    marks: pl.DataFrame,
    changes: pl.DataFrame,
    school_index: int,
    year_start: int,
) -> dict[str, pl.DataFrame]:
    """lessons, planned_topics, marks, attendance, mark_changes with string keys."""
    pupil_ids = pupils.sort("pupil_idx")["pupil_id"]
    lessons = lessons.sort("lesson_idx")
    if not (lessons["lesson_idx"].to_numpy() == np.arange(lessons.height)).all():
        raise AssertionError("lesson_idx must be the row position")
    lesson_ids = lessons["lesson_id"]
    marks = marks.sort("mark_idx").with_columns(
        pl.format(
            "M-{}-{}-{}",
            pl.lit(f"{school_index:04d}"),
            pl.lit(str(year_start)),
            (pl.col("mark_idx") + 1).cast(pl.String).str.zfill(7),
        ).alias("mark_id"),
        pupil_ids.gather(marks.sort("mark_idx")["pupil_idx"]).alias("pupil_id"),
        lesson_ids.gather(marks.sort("mark_idx")["lesson_idx"]).alias("lesson_id"),
        pl.lit(None, dtype=pl.Float64).alias("weight"),
    )
    entered = lessons["lesson_entered_at"].gather(attendance["lesson_idx"])
    attendance = attendance.select(
        pupil_ids.gather(attendance["pupil_idx"]).alias("pupil_id"),
        lesson_ids.gather(attendance["lesson_idx"]).alias("lesson_id"),
        pl.col("code").replace_strict(CODE_TEXT, default=None, return_dtype=pl.String).alias("absence_code"),
        pl.when(pl.col("code").is_in([1, 2, 3, 4])).then(entered).alias("entered_at"),
    )
    by_idx = marks.select("mark_idx", "mark_id", "pupil_id", "lesson_id")
    changes = changes.join(by_idx, on="mark_idx").sort("change_id")
    return {
        "lessons": lessons,
        "planned_topics": planned,
        "marks": marks,
        "attendance": attendance,
        "mark_changes": changes,
    }


def final_frames(
    period_marks: pl.DataFrame,
    year_marks: pl.DataFrame,
    external: pl.DataFrame,
    pupils: pl.DataFrame,
    calendar: Calendar,
) -> dict[str, pl.DataFrame]:
    pupil_ids = pupils.sort("pupil_idx")["pupil_id"]
    kinds = {"period": 0, "year": 1, "exam": 2, "final": 3}
    cols = [
        "pupil_idx",
        "subject_id",
        "mark_kind_code",
        "period_id",
        "mark_value",
        "na_reason_code",
        "entered_at",
        "entered_by",
    ]
    finals = (
        pl.concat(
            [
                period_marks.with_columns(pl.lit("period").alias("mark_kind_code")).select(cols),
                year_marks.with_columns(pl.lit(None, dtype=pl.String).alias("period_id")).select(cols),
            ]
        )
        .with_columns(pl.col("mark_kind_code").replace_strict(kinds, return_dtype=pl.Int64).alias("_k"))
        .sort("pupil_idx", "subject_id", "_k", "period_id")
    )
    finals = finals.with_columns(
        pupil_ids.gather(finals["pupil_idx"]).alias("pupil_id"),
        pl.lit(calendar.academic_year_id).alias("academic_year_id"),
    )
    external = external.sort("grade", "assessment_date", "subject_id", "pupil_idx")
    external = external.with_columns(pupil_ids.gather(external["pupil_idx"]).alias("pupil_id"))
    return {"period_marks": finals, "external_results": external}
