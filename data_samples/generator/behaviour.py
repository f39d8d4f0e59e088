"""How teachers keep the journal: roles, substitutions, topics, homework and entry times.

Most teachers are punctual. A few carry a role that breaks a norm on part of their lessons;
`_truth/planted.csv` is computed afterwards from the data, so these shares need not be exact.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from .catalog import HOMEWORK_TEMPLATES, SUBJECTS_BY_ID

# Role -> number of teachers in a school of about 60 teachers (scaled, at least one).
ROLES: dict[str, int] = {
    "late_marks": 2,  # marks 3-10 days after the lesson on a share of lessons
    "late_lessons": 1,  # lessons (topic, homework) entered days later
    "skip_homework": 2,  # no homework on a share of lessons
    "skip_topic": 2,  # no topic on a share of lessons
    "non_topic": 2,  # «Урок» or «Контрольная работа № 1» instead of a topic
    "evening_homework": 1,  # journal filled in the evening: homework after 18:00
    "backdating": 2,  # marks changed after the period was closed
    "late_editing": 1,  # marks changed weeks after the lesson
    "padding": 1,  # many marks in the last week of a period
    "late_period_marks": 2,  # period marks entered outside the window
}
SKIP_HOMEWORK_SHARE = 0.25
SKIP_TOPIC_SHARE = 0.12
NON_TOPIC_SHARE = 0.08
LATE_LESSON_SHARE = 0.2
EVENING_SHARE = 0.45
SUBSTITUTION_SPELL_PROB = 0.95  # chance a teacher is off for a few days once in the year
NON_TOPICS = ("Урок", "Контрольная работа № 1")


def assign_roles(rng: np.random.Generator, marking_teachers: list[str], n_teachers: int) -> dict[str, list[str]]:
    """Teachers for each role, distinct while there are enough of them."""
    order = [marking_teachers[i] for i in rng.permutation(len(marking_teachers))]
    roles: dict[str, list[str]] = {}
    cursor = 0
    for role, count in ROLES.items():
        scaled = max(1, round(count * n_teachers / 60))
        roles[role] = sorted({order[(cursor + k) % len(order)] for k in range(scaled)})
        cursor += scaled
    return roles


def _minutes(rng: np.random.Generator, n: int, low: float, high: float) -> np.ndarray:
    return rng.uniform(low, high, n).round().astype(np.int64)


def substitutions(rng: np.random.Generator, lessons: pl.DataFrame, teachers: pl.DataFrame) -> pl.Series:
    """replacing_teacher_id: a colleague of the same specialty while the teacher is off for 3-8 days."""
    days = np.array(sorted(lessons["lesson_date"].unique()))
    specialty = dict(teachers.select("teacher_id", "specialty").iter_rows())
    pools: dict[str, list[str]] = {}
    for tid, spec in specialty.items():
        pools.setdefault(spec, []).append(tid)
    off: list[tuple[str, dt.date, dt.date]] = []
    for tid in teachers["teacher_id"]:
        if rng.random() < SUBSTITUTION_SPELL_PROB:
            start = int(rng.integers(0, len(days) - 8))
            off.append((tid, days[start], days[start + int(rng.integers(2, 8))]))
    spells = pl.DataFrame(off, schema={"teacher_id": pl.String, "off_from": pl.Date, "off_to": pl.Date}, orient="row")
    hit = (
        lessons.select("lesson_idx", "teacher_id", "lesson_date")
        .join(spells, on="teacher_id")
        .filter(pl.col("lesson_date").is_between("off_from", "off_to"))
        .sort("lesson_idx")
    )
    replacing: list[str | None] = [None] * lessons.height
    everyone = sorted(specialty)
    for lesson_idx, tid in hit.select("lesson_idx", "teacher_id").iter_rows():
        pool = [t for t in pools[specialty[tid]] if t != tid] or [t for t in everyone if t != tid]
        if pool:  # a school of one teacher has nobody to replace him: his lessons are not held by another
            replacing[lesson_idx] = pool[int(rng.integers(0, len(pool)))]
    return pl.Series("replacing_teacher_id", replacing, dtype=pl.String)


def _homework_texts(rng: np.random.Generator, lessons: pl.DataFrame) -> list[str | None]:
    n = lessons.height
    numbers = rng.integers(1, 60, (n, 5))
    pick = rng.integers(0, 100, n)
    texts: list[str | None] = []
    for i, (subject_id, grade) in enumerate(lessons.select("subject_id", "grade").iter_rows()):
        info = SUBJECTS_BY_ID[subject_id]
        if not info.has_homework or grade < 2:
            texts.append(None)
            continue
        templates = HOMEWORK_TEMPLATES.get(subject_id) or HOMEWORK_TEMPLATES[info.work_mix]
        a, b, c, p, q = (int(x) for x in numbers[i])
        first, paragraph = a * 3 + 100, p % 40 + 1
        texts.append(
            templates[pick[i] % len(templates)].format(
                a=first, b=first + b % 5 + 1, c=first + 6 + c % 5, p=paragraph, p2=paragraph + 1 + q % 3, q=3 + q % 5
            )
        )
    return texts


def keep_lessons(
    rng: np.random.Generator,
    lessons: pl.DataFrame,
    teachers: pl.DataFrame,
    roles: dict[str, list[str]],
    exported_at: dt.datetime,
) -> pl.DataFrame:
    """Lessons with replacing_teacher_id, entered_by, topic, homework and the entry times."""
    n = lessons.height
    lessons = lessons.with_columns(substitutions(rng, lessons, teachers))
    lessons = lessons.with_columns(pl.coalesce("replacing_teacher_id", "teacher_id").alias("entered_by"))
    who = lessons["entered_by"]

    def has(role: str) -> np.ndarray:
        return who.is_in(roles[role]).to_numpy()

    u = rng.random((n, 6))
    topic_gone = (has("skip_topic") & (u[:, 0] < SKIP_TOPIC_SHARE)) | (u[:, 0] > 0.998)
    non_topic = has("non_topic") & (u[:, 1] < NON_TOPIC_SHARE)
    non_topic_text = np.array(NON_TOPICS)[rng.integers(0, 2, n)]
    homework = pl.Series("homework", _homework_texts(rng, lessons), dtype=pl.String)
    homework_gone = (has("skip_homework") & (u[:, 2] < SKIP_HOMEWORK_SHARE)) | (u[:, 2] > 0.997)
    # Minutes after midnight of the lesson day when the lesson is written up.
    start = lessons["lesson_start"]
    start_min = start.dt.hour().cast(pl.Int64).to_numpy() * 60 + start.dt.minute().cast(pl.Int64).to_numpy()
    during = start_min + _minutes(rng, n, 5, 45)
    after = np.maximum(_minutes(rng, n, 14 * 60 + 30, 17 * 60 + 45), start_min + 45)
    evening = _minutes(rng, n, 18 * 60 + 5, 21 * 60 + 30)
    next_day = 24 * 60 + _minutes(rng, n, 8 * 60, 17 * 60)
    minute = np.select([u[:, 3] < 0.6, u[:, 3] < 0.95, u[:, 3] < 0.99], [during, after, evening], next_day)
    minute = np.where(
        has("evening_homework") & (u[:, 4] < EVENING_SHARE), _minutes(rng, n, 18 * 60 + 30, 22 * 60 + 30), minute
    )
    late_days = rng.integers(3, 9, n)
    minute = np.where(
        has("late_lessons") & (u[:, 5] < LATE_LESSON_SHARE),
        late_days * 24 * 60 + _minutes(rng, n, 15 * 60, 21 * 60),
        minute,
    )
    hw_delay = _minutes(rng, n, 0, 8)
    lessons = lessons.with_columns(
        pl.when(pl.Series(non_topic))
        .then(pl.Series(non_topic_text))
        .when(pl.Series(topic_gone))
        .then(None)
        .otherwise(pl.col("planned_topic"))
        .alias("topic"),
        pl.when(pl.Series(homework_gone)).then(None).otherwise(homework).alias("homework"),
        (pl.col("lesson_date").cast(pl.Datetime("us")) + pl.duration(minutes=pl.Series(minute)))
        .clip(upper_bound=exported_at)
        .alias("lesson_entered_at"),
    )
    return lessons.with_columns(
        pl.when(pl.col("homework").is_not_null())
        .then((pl.col("lesson_entered_at") + pl.duration(minutes=pl.Series(hw_delay))).clip(upper_bound=exported_at))
        .alias("homework_entered_at")
    )
