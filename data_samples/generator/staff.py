"""Classes, the curriculum of each class and the teachers who teach it.

A unit is one subject in one class, or one subgroup of it where the subject is split; every
unit has exactly one teacher. Grades 1-4 have their own primary teacher (who is the class
teacher) for the core subjects; specialists are hired to cover the remaining hours, about
`TEACHER_LOAD_HOURS` each, and given units greedily by load.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import polars as pl

from .catalog import (
    CLASSES_PER_GRADE,
    CURRICULUM_HOURS,
    EXTRACURRICULAR,
    NEVER_ATTESTED,
    NOT_ATTESTED,
    PRIMARY_SUBJECTS,
    PUPILS_PER_CLASS,
    SPLIT_SUBJECTS,
    SUBJECTS_BY_ID,
    TEACHER_LOAD_HOURS,
)
from .names import draw_names

LETTERS = "АБВГДЕЖИКЛМН"
# Share of men among teachers of a specialty (the rest are women).
MALE_SHARE = {"primary": 0.03, "pe": 0.5, "obzr": 0.9, "tech_m": 1.0, "tech_f": 0.0, "phys": 0.4, "inf": 0.4}
CLASS_TEACHER_PREFERENCE = ("philology", "math", "history", "eng", "bio", "geo", "chem", "phys", "inf")


def classes_per_grade(grades: Sequence[int], n_pupils: int) -> dict[int, int]:
    """Spread about n_pupils / 26 classes over the grades in the default proportions, at least one each."""
    total = max(len(grades), round(n_pupils / PUPILS_PER_CLASS))
    base = {g: CLASSES_PER_GRADE[g] for g in grades}
    weight = sum(base.values())
    counts = {g: 1 for g in grades}
    while sum(counts.values()) < total:
        grade = max(grades, key=lambda g: (base[g] * total / weight - counts[g], -g))
        counts[grade] += 1
    return counts


def build_classes(grades: Sequence[int], n_pupils: int, year_start: int) -> pl.DataFrame:
    """class_id, class_name, grade, in grade and letter order."""
    rows = []
    for grade, count in sorted(classes_per_grade(grades, n_pupils).items()):
        for k in range(count):
            name = f"{grade}{LETTERS[k]}"
            rows.append((f"{year_start}-{name}", name, grade))
    return pl.DataFrame(rows, schema={"class_id": pl.String, "class_name": pl.String, "grade": pl.Int64}, orient="row")


def build_units(classes: pl.DataFrame, subject_ids: Sequence[str] | None) -> pl.DataFrame:
    """One row per class, subject and group number (0 = whole class, 1/2 = subgroups)."""
    rows = []
    for class_id, grade in classes.select("class_id", "grade").iter_rows():
        extra = {s: 1 for s, (grades, _) in EXTRACURRICULAR.items() if grade in grades}
        for subject_id, hours in (CURRICULUM_HOURS[grade] | extra).items():
            if subject_ids is not None and subject_id not in subject_ids:
                continue
            attested = grade >= 2 and (grade, subject_id) not in NOT_ATTESTED and subject_id not in NEVER_ATTESTED
            split = SPLIT_SUBJECTS.get(subject_id)
            group_numbers = (1, 2) if split and grade in split[0] else (0,)
            for group_no in group_numbers:
                rows.append(
                    (
                        class_id,
                        grade,
                        subject_id,
                        group_no,
                        float(hours),
                        attested,
                        _specialty(grade, subject_id, group_no),
                    )
                )
    schema = {
        "class_id": pl.String,
        "grade": pl.Int64,
        "subject_id": pl.String,
        "group_no": pl.Int64,
        "weekly_hours": pl.Float64,
        "is_attested": pl.Boolean,
        "specialty": pl.String,
    }
    return pl.DataFrame(rows, schema=schema, orient="row")


def _specialty(grade: int, subject_id: str, group_no: int) -> str:
    if grade <= 4 and subject_id in PRIMARY_SUBJECTS:
        return "primary"
    if subject_id == "tech":
        return "tech_m" if group_no == 1 else "tech_f"
    return SUBJECTS_BY_ID[subject_id].specialty


def hire_teachers(
    rng: np.random.Generator, units: pl.DataFrame, school_index: int
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Teachers (teacher_id, names, gender, specialty) and units with teacher_id."""
    slots = (
        units.group_by("class_id", "grade", "specialty", "group_no", maintain_order=True)
        .agg(pl.col("weekly_hours").sum().alias("hours"))
        .sort("grade", "class_id", "specialty", "group_no")
    )
    staff: list[tuple[str, str]] = []  # (specialty, key) in hiring order before shuffling
    primary_classes = slots.filter(pl.col("specialty") == "primary")["class_id"].unique(maintain_order=True)
    staff += [("primary", c) for c in primary_classes]
    specialist = slots.filter(~pl.col("specialty").is_in(["primary", "class_teacher"]))
    for specialty in sorted(specialist["specialty"].unique()):
        rows = specialist.filter(pl.col("specialty") == specialty)
        n = max(1, math.ceil(rows["hours"].sum() / TEACHER_LOAD_HOURS))
        if (rows["group_no"] == 2).any() and not specialty.startswith("tech"):
            n = max(n, 2)
        staff += [(specialty, str(k)) for k in range(n)]
    order = rng.permutation(len(staff))
    ids = {staff[j]: f"t-{school_index:04d}-{rank + 1:03d}" for rank, j in enumerate(order)}
    is_male = np.array([rng.random() < MALE_SHARE.get(s, 0.15) for s, _ in staff])
    last, first, middle = draw_names(rng, is_male, adult=True)
    teachers = pl.DataFrame(
        {
            "teacher_id": [ids[key] for key in staff],
            "last_name": last,
            "first_name": first,
            "middle_name": middle,
            "gender_code": ["м" if m else "ж" for m in is_male],
            "specialty": [s for s, _ in staff],
            "primary_class_id": [key if s == "primary" else None for s, key in staff],
        }
    ).sort("teacher_id")
    assigned = _assign_slots(slots, teachers, ids)
    units = units.join(assigned, on=["class_id", "specialty", "group_no"], how="left").sort(
        "grade", "class_id", "subject_id", "group_no"
    )
    return teachers, units


def _assign_slots(slots: pl.DataFrame, teachers: pl.DataFrame, ids: dict[tuple[str, str], str]) -> pl.DataFrame:
    """Give every slot the least-loaded teacher of its specialty (subgroups of a class differ)."""
    load: dict[str, float] = {t: 0.0 for t in teachers["teacher_id"]}
    by_specialty: dict[str, list[str]] = {}
    for tid, specialty in teachers.select("teacher_id", "specialty").iter_rows():
        by_specialty.setdefault(specialty, []).append(tid)
    chosen: dict[tuple[str, str, int], str] = {}
    rows = []
    for class_id, _, specialty, group_no, hours in slots.iter_rows():
        if specialty == "class_teacher":
            continue  # given once the class teachers are chosen
        if specialty == "primary":
            tid = ids[("primary", class_id)]
        else:
            pool = by_specialty[specialty]
            other = chosen.get((class_id, specialty, 1)) if group_no == 2 else None
            pool = [t for t in pool if t != other] or pool
            tid = min(pool, key=lambda t: (load[t], t))
        load[tid] += hours
        chosen[(class_id, specialty, group_no)] = tid
        rows.append((class_id, specialty, group_no, tid))
    schema = {"class_id": pl.String, "specialty": pl.String, "group_no": pl.Int64, "teacher_id": pl.String}
    return pl.DataFrame(rows, schema=schema, orient="row")


def choose_class_teachers(classes: pl.DataFrame, units: pl.DataFrame, teachers: pl.DataFrame) -> pl.DataFrame:
    """classes with class_teacher_id: the primary teacher, else a subject teacher of the class."""
    primary = dict(
        teachers.filter(pl.col("primary_class_id").is_not_null()).select("primary_class_id", "teacher_id").iter_rows()
    )
    specialty = dict(teachers.select("teacher_id", "specialty").iter_rows())
    taken: set[str] = set(primary.values())
    result = []
    for class_id in classes["class_id"]:
        if class_id in primary:
            result.append(primary[class_id])
            continue
        hours = (
            units.filter((pl.col("class_id") == class_id) & pl.col("teacher_id").is_not_null())
            .group_by("teacher_id")
            .agg(pl.col("weekly_hours").sum())
            .sort("teacher_id")
        )
        candidates = [
            (CLASS_TEACHER_PREFERENCE.index(specialty[t]) if specialty[t] in CLASS_TEACHER_PREFERENCE else 99, -h, t)
            for t, h in hours.iter_rows()
            if t not in taken
        ]
        if not candidates:
            free = [t for t in teachers["teacher_id"] if t not in taken and specialty[t] != "primary"]
            candidates = [(0, 0.0, t) for t in free]
        tid = min(candidates)[2] if candidates else None
        if tid is not None:
            taken.add(tid)
        result.append(tid)
    return classes.with_columns(pl.Series("class_teacher_id", result, dtype=pl.String))


def give_class_lessons(units: pl.DataFrame, classes: pl.DataFrame) -> pl.DataFrame:
    """Extracurricular units go to the class teacher."""
    leaders = classes.select("class_id", pl.col("class_teacher_id").alias("_leader"))
    return (
        units.join(leaders, on="class_id", how="left")
        .with_columns(
            pl.when(pl.col("specialty") == "class_teacher")
            .then(pl.col("_leader"))
            .otherwise(pl.col("teacher_id"))
            .alias("teacher_id")
        )
        .drop("_leader")
    )


def assign_positions(teachers: pl.DataFrame, classes: pl.DataFrame) -> pl.DataFrame:
    """Two deputy directors (one in a small school) among subject teachers without a class."""
    leaders = set(classes["class_teacher_id"].drop_nulls())
    n_deputies = 2 if teachers.height >= 20 else 1
    pool = [t for t, s in teachers.select("teacher_id", "specialty").iter_rows() if s != "primary"]
    free = [t for t in pool if t not in leaders] or pool
    deputies = set(free[:n_deputies])
    return teachers.with_columns(
        pl.when(pl.col("teacher_id").is_in(list(deputies)))
        .then(pl.lit("заместитель директора по УВР"))
        .otherwise(pl.lit("учитель"))
        .alias("position")
    )
