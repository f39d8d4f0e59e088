"""The mark change log (журнал изменений отметок).

Ordinary corrections: about 2.5 % of single marks are edited a few hours to two days after
entry, and some twos are corrected after a retake within a week. Planted: teachers with the
`backdating` role change marks after the period was closed (after the period-mark window),
the `late_editing` teacher changes marks 9-20 days after the lesson. marks.csv carries the
value after the change; the log holds the old and the new value.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from .calendar import Calendar

EDIT_SHARE = 0.025
RETAKE_SHARE = 0.008
PLANTED_CHANGES = 12  # per role teacher


def _other_value(rng: np.random.Generator, value: np.ndarray) -> np.ndarray:
    step = rng.choice([-1, 1], len(value))
    other = value + step
    return np.where((other < 2) | (other > 5), value - step, other)


def build_changes(
    rng: np.random.Generator,
    marks: pl.DataFrame,
    lessons: pl.DataFrame,
    calendar: Calendar,
    roles: dict[str, list[str]],
    school_index: int,
) -> pl.DataFrame:
    """mark_idx, old_value, new_value, changed_at, changed_by (new_value = the mark's value)."""
    single = marks.filter(~pl.col("mark_value").str.contains("/")).join(
        lessons.select("lesson_idx", "lesson_date", "period_end", "period_id", "teacher_id"), on="lesson_idx"
    )
    single = single.sort("mark_idx")
    u = rng.random(single.height)
    value = single["mark_value"].cast(pl.Int64).to_numpy()
    retake = np.isin(value, [3, 4]) & (u < RETAKE_SHARE)  # an old «2» corrected after a retake
    edit = ~retake & (u > 1 - EDIT_SHARE)
    old = np.where(retake, 2, _other_value(rng, value)).astype(str)
    hours = np.where(retake, rng.uniform(48, 140, single.height), rng.uniform(2, 44, single.height))
    ordinary = single.with_columns(
        pl.Series("old_value", old),
        (pl.col("entered_at") + pl.duration(minutes=pl.Series((hours * 60).astype(np.int64)))).alias("changed_at"),
    ).filter(pl.Series(edit | retake))
    planted = [
        _planted(rng, single, roles["backdating"], "closed"),
        _planted(rng, single, roles["late_editing"], "late"),
    ]
    changes = pl.concat([ordinary.select(_COLS), *[p.select(_COLS) for p in planted]])
    changes = changes.unique("mark_idx", keep="last", maintain_order=True)
    changes = changes.with_columns(pl.col("changed_at").clip(upper_bound=calendar.exported_at).dt.truncate("1m"))
    changes = changes.sort("changed_at", "mark_idx").with_row_index("_n")
    return changes.select(
        pl.format(
            "C-{}-{}-{}",
            pl.lit(f"{school_index:04d}"),
            pl.lit(str(calendar.year_start)),
            (pl.col("_n") + 1).cast(pl.String).str.zfill(6),
        ).alias("change_id"),
        "mark_idx",
        "old_value",
        pl.col("mark_value").alias("new_value"),
        "changed_at",
        pl.col("entered_by").alias("changed_by"),
    )


_COLS = ["mark_idx", "mark_value", "old_value", "changed_at", "entered_by"]


def _planted(rng: np.random.Generator, single: pl.DataFrame, teachers: list[str], kind: str) -> pl.DataFrame:
    """Back-dated changes: after the period closed (`closed`) or weeks after the lesson (`late`)."""
    if kind == "closed":
        # Marks from the last two weeks of periods that close (end + 7 days) well before the export.
        pool = single.filter(pl.col("period_end") - pl.col("lesson_date") <= pl.duration(days=14)).filter(
            ~pl.col("period_id").str.ends_with("4") & ~pl.col("period_id").str.ends_with("h2")
        )
        days = rng.integers(9, 26, PLANTED_CHANGES * len(teachers))
        base = "period_end"
    else:
        pool = single.filter(pl.col("period_end") - pl.col("lesson_date") >= pl.duration(days=30))
        days = rng.integers(9, 21, PLANTED_CHANGES * len(teachers))
        base = "lesson_date"
    picks = []
    for teacher in teachers:
        own = pool.filter(pl.col("entered_by") == teacher)
        if own.height:
            picks.append(own[np.sort(rng.choice(own.height, size=min(PLANTED_CHANGES, own.height), replace=False))])
    if not picks:
        return single.head(0).with_columns(pl.lit("").alias("old_value"), pl.col("entered_at").alias("changed_at"))
    chosen = pl.concat(picks)
    value = chosen["mark_value"].cast(pl.Int64).to_numpy()
    minutes = rng.integers(20 * 60, 23 * 60 + 30, chosen.height)
    return chosen.with_columns(
        pl.Series("old_value", _other_value(rng, value).astype(str)),
        (
            pl.col(base).cast(pl.Datetime("us"))
            + pl.duration(days=pl.Series(days[: chosen.height]), minutes=pl.Series(minutes))
        ).alias("changed_at"),
    )
