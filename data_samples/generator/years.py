"""Several academic years of one school: who comes back next September, into which class, and the
new pupils who join.

Pupils on the roll on the last day of a year move up a grade; 11th-graders leave, so do about
`SUMMER_LEAVER_SHARE` of the rest and about 40 % after grade 9. A grade's pupils keep the order
of their former classes and are spread evenly over the new grade's classes. New pupils (first
graders and newcomers) fill the smallest classes first; arrivals and leavers during the year are
drawn as in the first year (`pupils._movements`).
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence

import numpy as np
import polars as pl

from .calendar import Calendar
from .names import draw_names
from .pupils import ARRIVAL_SHARE, CONSENT_SHARE, _birth_dates, _movements

SUMMER_LEAVER_SHARE = 0.03
STAY_AFTER_NINTH_SHARE = 0.6
PERSON_COLUMNS = ("pupil_id", "last_name", "first_name", "middle_name", "birth_date", "gender_code", "has_consent")


def pupil_number(pupil_id: str) -> int:
    """The running number of a pupil id (p-0001-00123 → 123)."""
    return int(pupil_id.rsplit("-", 1)[1])


def returning_pupils(
    rng: np.random.Generator,
    pupils: pl.DataFrame,
    enrolments: pl.DataFrame,
    classes: pl.DataFrame,
    grades: Sequence[int],
) -> pl.DataFrame:
    """Pupils of next year from this year's roll on its last day: PERSON_COLUMNS, grade (next year's),
    former_class."""
    last_stays = enrolments.filter(pl.col("end_date").is_null()).join(
        classes.select("class_id", "grade"), on="class_id"
    )
    on_roll = (
        pupils.select(*PERSON_COLUMNS, "pupil_idx")
        .join(last_stays.select("pupil_idx", pl.col("class_id").alias("former_class"), "grade"), on="pupil_idx")
        .sort("pupil_idx")
    )
    grade = on_roll["grade"].to_numpy()
    stays = rng.random(on_roll.height) >= SUMMER_LEAVER_SHARE
    stays &= (grade != 9) | (rng.random(on_roll.height) < STAY_AFTER_NINTH_SHARE)
    stays &= np.isin(grade + 1, list(grades))
    return on_roll.filter(pl.Series(stays)).select(*PERSON_COLUMNS, pl.col("grade") + 1, "former_class")


def _spread_over_classes(returning: pl.DataFrame, classes: pl.DataFrame) -> pl.DataFrame:
    """returning with home_class: each grade's pupils, in former-class and name order, cut into
    equal runs, one per class of the grade."""
    class_lists = classes.group_by("grade").agg(pl.col("class_id").sort().alias("_classes"))
    ordered = returning.sort("grade", "former_class", "last_name", "first_name", "middle_name", "pupil_id")
    ordered = ordered.join(class_lists, on="grade").with_columns(
        pl.int_range(pl.len()).over("grade").alias("_rank"), pl.len().over("grade").alias("_size")
    )
    position = pl.col("_rank") * pl.col("_classes").list.len() // pl.col("_size")
    return ordered.with_columns(pl.col("_classes").list.get(position).alias("home_class")).drop(
        "_classes", "_rank", "_size", "former_class"
    )


def _fill_smallest(class_ids: list[str], sizes: dict[str, int], n_new: int) -> list[str]:
    """The class of each of n_new pupils, each one joining the smallest class (first in order on ties)."""
    heap = [(sizes.get(c, 0), k, c) for k, c in enumerate(class_ids)]
    heapq.heapify(heap)
    chosen = []
    for _ in range(n_new):
        size, k, class_id = heapq.heappop(heap)
        chosen.append(class_id)
        heapq.heappush(heap, (size + 1, k, class_id))
    return chosen


def _new_pupils(
    rng: np.random.Generator, home: list[str], is_arrival: np.ndarray, classes: pl.DataFrame, year_start: int
) -> pl.DataFrame:
    class_grade = dict(classes.select("class_id", "grade").iter_rows())
    grades = np.array([class_grade[c] for c in home], dtype=np.int64)
    is_male = rng.random(len(home)) < 0.5
    last, first, middle = draw_names(rng, is_male, adult=False)
    return pl.DataFrame(
        {
            "pupil_id": pl.Series([None] * len(home), dtype=pl.String),
            "last_name": last,
            "first_name": first,
            "middle_name": middle,
            "birth_date": _birth_dates(rng, grades, year_start),
            "gender_code": np.where(is_male, "м", "ж"),
            "has_consent": rng.random(len(home)) < CONSENT_SHARE,
            "grade": grades,
            "home_class": home,
            "is_arrival": is_arrival,
        }
    )


def enrol_next_year(
    rng: np.random.Generator,
    classes: pl.DataFrame,
    calendar: Calendar,
    returning: pl.DataFrame,
    n_pupils: int,
    school_index: int,
    first_number: int,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """pupils and enrolments of a later year, as `pupils.enrol_pupils` returns them; returning pupils
    keep their ids, new ones are numbered from first_number."""
    class_ids = classes["class_id"].to_list()
    placed = _spread_over_classes(returning, classes).with_columns(pl.lit(False).alias("is_arrival"))
    sizes = dict(placed.group_by("home_class").len().iter_rows())
    n_arrivals = round(n_pupils * ARRIVAL_SHARE)
    n_new = max(0, n_pupils - n_arrivals - placed.height)
    home = _fill_smallest(class_ids, sizes, n_new)
    home += [class_ids[i] for i in rng.integers(0, len(class_ids), n_arrivals)]
    fresh = _new_pupils(rng, home, np.arange(len(home)) >= n_new, classes, calendar.year_start)
    pupils = pl.concat([placed.cast(fresh.schema), fresh.select(placed.columns)])
    positions = {c: i for i, c in enumerate(class_ids)}
    pupils = (
        pupils.with_columns(pl.col("home_class").replace_strict(positions, return_dtype=pl.Int64).alias("_class_pos"))
        .with_row_index("_drawn")
        .sort("is_arrival", "_class_pos", "last_name", "first_name", "middle_name", "birth_date", "_drawn")
        .drop("_drawn", "_class_pos")
        .with_row_index("pupil_idx")
        .with_columns(pl.col("pupil_idx").cast(pl.Int64))
    )
    new_number = pl.col("pupil_id").is_null().cum_sum() + first_number - 1
    pupils = pupils.with_columns(
        pl.coalesce(
            "pupil_id",
            pl.format("p-{}-{}", pl.lit(f"{school_index:04d}"), new_number.cast(pl.String).str.zfill(5)),
        ).alias("pupil_id")
    )
    return pupils, _movements(rng, pupils, classes, calendar)
