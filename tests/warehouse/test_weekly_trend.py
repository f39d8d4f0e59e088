"""The weekly chart of «Активность учителей» stays readable with many teachers: the school as a
whole (lessons pooled) and the five teachers with the lowest share, or the chosen teacher."""

from __future__ import annotations

import datetime as dt

import polars as pl

from warehouse.control_pages import SCHOOL_LINE, weekly_trend

MONDAYS = [dt.date(2025, 9, 1), dt.date(2025, 9, 8)]


def _weeks(n_teachers: int) -> pl.DataFrame:
    """Teacher k fills k of 20 lessons the same day in the first week and 20 - k in the second,
    so that over both weeks everyone has 20 of 40 — except teacher 0, who has 10 of 40."""
    rows = []
    for k in range(n_teachers):
        for week, filled in zip(MONDAYS, (k, 20 - k), strict=True):
            filled = filled // 2 if k == 0 else filled
            rows.append(
                {
                    "teacher_id": f"t-{k:02d}",
                    "teacher_name": f"Учитель {k:02d}",
                    "week_start": week,
                    "n_lessons_held": 20,
                    "n_lessons_filled_same_day": filled,
                    "share_same_day": 100.0 * filled / 20,
                }
            )
    return pl.DataFrame(rows)


def test_fifty_nine_teachers_give_six_lines_the_school_pooled():
    weeks = _weeks(59)
    trend = weekly_trend(weeks)
    lines = trend["line"].unique(maintain_order=True).to_list()
    # teacher 0 lowest (10 of 40), then equal shares (20 of 40) taken by name
    assert lines == [SCHOOL_LINE, "Учитель 00", "Учитель 01", "Учитель 02", "Учитель 03", "Учитель 04"]
    school = trend.filter(pl.col("line") == SCHOOL_LINE)
    first = sum(k for k in range(1, 59)) + 0  # teacher 0 fills 0 // 2 = 0 in week one
    second = sum(20 - k for k in range(1, 59)) + 10
    assert school["share_same_day"].to_list() == [100.0 * first / (59 * 20), 100.0 * second / (59 * 20)]
    assert trend.filter(pl.col("line") == "Учитель 03")["share_same_day"].to_list() == [15.0, 85.0]


def test_a_chosen_teacher_is_drawn_beside_the_school():
    trend = weekly_trend(_weeks(59), teacher_id="t-42")
    assert trend["line"].unique(maintain_order=True).to_list() == [SCHOOL_LINE, "Учитель 42"]
    assert weekly_trend(pl.DataFrame()).is_empty()
