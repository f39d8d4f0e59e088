"""Pupils, their stays in classes (движение учащихся) and subgroup membership.

`n_pupils` is the number of pupil records: about 97 % are on the roll from the first day
(«начало года»), about 3 % arrive during the year («прибыл»), about 3 % leave («выбыл»), and
about one pupil in 500 moves to a parallel class («перевод»: out one day, in the next).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from .calendar import Calendar
from .catalog import SPLIT_SUBJECTS
from .names import draw_names

ARRIVAL_SHARE = 0.03
LEAVER_SHARE = 0.03
TRANSFERS_PER_PUPIL = 1 / 500
CONSENT_SHARE = 0.98


def _class_sizes(rng: np.random.Generator, n_classes: int, n_pupils: int) -> np.ndarray:
    weights = np.clip(1 + rng.normal(0, 0.08, n_classes), 0.75, 1.25)
    quota = weights / weights.sum() * n_pupils
    sizes = np.floor(quota).astype(int)
    remainder = np.argsort(-(quota - sizes), kind="stable")[: n_pupils - sizes.sum()]
    sizes[remainder] += 1
    return sizes


def _birth_dates(rng: np.random.Generator, grades: np.ndarray, year_start: int) -> list[dt.date]:
    """Age 6.5-7.5 on 1 September of grade 1; one pupil in 20 a year older."""
    older = rng.random(len(grades)) < 0.05
    back_days = rng.integers(0, 366, len(grades)) + np.where(older, 365, 0)
    return [
        dt.date(year_start - int(g) - 5, 3, 1) - dt.timedelta(days=int(b))
        for g, b in zip(grades, back_days, strict=True)
    ]


def _pick_day(rng: np.random.Generator, days: list[dt.date], first: dt.date, last: dt.date) -> dt.date:
    window = [d for d in days if first <= d <= last]
    return window[int(rng.integers(0, len(window)))]


def enrol_pupils(
    rng: np.random.Generator, classes: pl.DataFrame, calendar: Calendar, n_pupils: int, school_index: int
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """pupils (pupil_idx, pupil_id, names, birth_date, gender_code, has_consent, grade) and enrolments."""
    n_arrivals = round(n_pupils * ARRIVAL_SHARE)
    n_initial = n_pupils - n_arrivals
    class_ids = classes["class_id"].to_list()
    class_grade = dict(classes.select("class_id", "grade").iter_rows())
    sizes = _class_sizes(rng, len(class_ids), n_initial)
    arrival_class = rng.integers(0, len(class_ids), n_arrivals)
    home = np.concatenate([np.repeat(np.arange(len(class_ids)), sizes), arrival_class])
    grades = np.array([class_grade[class_ids[i]] for i in home], dtype=np.int64)
    is_male = rng.random(n_pupils) < 0.5
    last, first, middle = draw_names(rng, is_male, adult=False)
    pupils = pl.DataFrame(
        {
            "home_class": [class_ids[i] for i in home],
            "is_arrival": np.arange(n_pupils) >= n_initial,
            "last_name": last,
            "first_name": first,
            "middle_name": middle,
            "birth_date": _birth_dates(rng, grades, calendar.year_start),
            "gender_code": np.where(is_male, "м", "ж"),
            "has_consent": rng.random(n_pupils) < CONSENT_SHARE,
            "grade": grades,
        }
    )
    # Initial roll in class and alphabetical order, arrivals after them: ids follow that order.
    pupils = pupils.with_columns(
        pl.col("home_class")
        .replace_strict({c: i for i, c in enumerate(class_ids)}, return_dtype=pl.Int64)
        .alias("_class_pos")
    )
    pupils = (
        pupils.with_row_index("_drawn")
        .sort("is_arrival", "_class_pos", "last_name", "first_name", "middle_name", "birth_date", "_drawn")
        .drop("_drawn")
    )
    pupils = (
        pupils.with_row_index("pupil_idx")
        .with_columns(
            pl.col("pupil_idx").cast(pl.Int64),
            pl.format(
                "p-{}-{}", pl.lit(f"{school_index:04d}"), (pl.col("pupil_idx") + 1).cast(pl.String).str.zfill(5)
            ).alias("pupil_id"),
        )
        .drop("_class_pos")
    )
    enrolments = _movements(rng, pupils, classes, calendar)
    return pupils, enrolments


def _movements(
    rng: np.random.Generator, pupils: pl.DataFrame, classes: pl.DataFrame, calendar: Calendar
) -> pl.DataFrame:
    y0, y1 = calendar.year_start, calendar.year_start + 1
    days = {g: calendar.study_days(g) for g in classes["grade"].unique()}
    rows: dict[int, list[list]] = {}
    for idx, class_id, grade, arrival in pupils.select("pupil_idx", "home_class", "grade", "is_arrival").iter_rows():
        if arrival:
            start = _pick_day(rng, days[grade], dt.date(y0, 9, 15), dt.date(y1, 5, 15))
            rows[idx] = [[class_id, start, None, "прибыл", None]]
        else:
            rows[idx] = [[class_id, calendar.start_date, None, "начало года", None]]
    initial = pupils.filter(~pl.col("is_arrival"))
    n_leavers = round(pupils.height * LEAVER_SHARE)
    leavers = rng.choice(initial["pupil_idx"].to_numpy(), size=min(n_leavers, initial.height), replace=False)
    grade_of = dict(pupils.select("pupil_idx", "grade").iter_rows())
    for idx in sorted(int(i) for i in leavers):
        rows[idx][0][2] = _pick_day(rng, days[grade_of[idx]], dt.date(y0, 9, 15), dt.date(y1, 5, 20))
        rows[idx][0][4] = "выбыл"
    parallels = classes.group_by("grade").agg(pl.col("class_id").sort()).filter(pl.col("class_id").list.len() >= 2)
    n_transfers = round(pupils.height * TRANSFERS_PER_PUPIL)
    stayers = initial.filter(
        ~pl.col("pupil_idx").is_in(leavers.tolist()) & pl.col("grade").is_in(parallels["grade"].to_list())
    )
    if n_transfers and stayers.height:
        parallel_of = dict(parallels.iter_rows())
        movers = rng.choice(stayers["pupil_idx"].to_numpy(), size=min(n_transfers, stayers.height), replace=False)
        for idx in sorted(int(i) for i in movers):
            grade = grade_of[idx]
            first = rows[idx][0]
            day = _pick_day(rng, [d for d in days[grade] if d.weekday() < 4], dt.date(y0, 10, 1), dt.date(y1, 4, 30))
            targets = [c for c in parallel_of[grade] if c != first[0]]
            target = targets[int(rng.integers(0, len(targets)))]
            first[2], first[4] = day, "перевод"
            rows[idx].append([target, day + dt.timedelta(days=1), None, "перевод", None])
    flat = [(pupils["pupil_id"][idx], idx, *row) for idx in sorted(rows) for row in rows[idx]]
    schema = {
        "pupil_id": pl.String,
        "pupil_idx": pl.Int64,
        "class_id": pl.String,
        "start_date": pl.Date,
        "end_date": pl.Date,
        "arrival_reason": pl.String,
        "departure_reason": pl.String,
    }
    return pl.DataFrame(flat, schema=schema, orient="row").sort("pupil_idx", "start_date")


def build_groups(units: pl.DataFrame) -> pl.DataFrame:
    """groups: group_id, class_id, subject_id, group_no, group_name, teacher_id."""
    return (
        units.filter(pl.col("group_no") > 0)
        .select(
            pl.format("{}-{}-{}", "class_id", "subject_id", "group_no").alias("group_id"),
            "class_id",
            "subject_id",
            "group_no",
            pl.format("{} подгруппа", "group_no").alias("group_name"),
            "teacher_id",
        )
        .sort("group_id")
    )


def build_group_members(groups: pl.DataFrame, pupils: pl.DataFrame, enrolments: pl.DataFrame) -> pl.DataFrame:
    """Members of each subgroup for the time of each stay in the class: halves of the class list, or
    boys and girls for technology."""
    stays = enrolments.join(pupils.select("pupil_idx", "last_name", "first_name", "gender_code"), on="pupil_idx")
    stays = stays.sort("class_id", "last_name", "first_name", "pupil_idx").with_columns(
        pl.int_range(pl.len()).over("class_id").alias("_rank"), pl.len().over("class_id").alias("_size")
    )
    alpha_group = pl.when(pl.col("_rank") < (pl.col("_size") + 1) // 2).then(1).otherwise(2)
    gender_group = pl.when(pl.col("gender_code") == "м").then(1).otherwise(2)
    split_kind = {s: kind for s, (_, kind) in SPLIT_SUBJECTS.items()}
    class_subjects = (
        groups.select("class_id", "subject_id")
        .unique()
        .with_columns(pl.col("subject_id").replace_strict(split_kind, return_dtype=pl.String).alias("_kind"))
    )
    members = stays.join(class_subjects, on="class_id").with_columns(
        pl.when(pl.col("_kind") == "gender").then(gender_group).otherwise(alpha_group).alias("group_no")
    )
    members = members.join(
        groups.select("group_id", "class_id", "subject_id", "group_no"), on=["class_id", "subject_id", "group_no"]
    )
    return members.select("pupil_id", "pupil_idx", "group_id", "class_id", "subject_id", "start_date", "end_date").sort(
        "group_id", "pupil_idx", "start_date"
    )
