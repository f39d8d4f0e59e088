"""The dates a «Период» choice covers (warehouse/periods.py), on hand-written dimensions: quarters
for grades 1–9, halves for 10–11, autumn holidays between the quarters, and a previous year."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from warehouse.periods import CURRENT, YEAR, Period, period_names, spans

D = dt.date
QUARTERS = [("1 четверть", D(2025, 9, 1), D(2025, 10, 24)), ("2 четверть", D(2025, 11, 5), D(2025, 12, 30)),
            ("3 четверть", D(2026, 1, 12), D(2026, 3, 27)), ("4 четверть", D(2026, 4, 6), D(2026, 5, 26))]  # fmt: skip
HALVES = [("1 полугодие", D(2025, 9, 1), D(2025, 12, 30)), ("2 полугодие", D(2026, 1, 12), D(2026, 5, 26))]
YEAR_END = D(2026, 5, 31)


@pytest.fixture(scope="module")
def con():
    con = duckdb.connect()
    con.execute(
        "create table dim_academic_year (school_id varchar, academic_year_id varchar, start_date date, end_date date)"
    )
    con.execute(
        "create table dim_class (school_id varchar, class_id varchar, class_name varchar, grade integer, academic_year_id varchar)"
    )
    con.execute("create table dim_period (school_id varchar, academic_year_id varchar, period_id varchar, period_name varchar, start_date date, end_date date, grades varchar)")  # fmt: skip
    con.executemany(
        "insert into dim_academic_year values ('s', ?, ?, ?)",
        [("2024/2025", D(2024, 9, 1), D(2025, 5, 31)), ("2025/2026", D(2025, 9, 1), YEAR_END)],
    )
    con.executemany(
        "insert into dim_class values ('s', ?, ?, ?, ?)",
        [("old-7", "7А", 7, "2024/2025"), ("7", "7А", 7, "2025/2026"), ("10", "10А", 10, "2025/2026")],
    )
    rows = [("2024/2025", "old-q4", "4 четверть", D(2025, 4, 1), D(2025, 5, 25), None)]
    rows += [("2025/2026", f"q{i}", *q, "1,2,3,4,5,6,7,8,9") for i, q in enumerate(QUARTERS, 1)]
    rows += [("2025/2026", f"h{i}", *h, "10, 11") for i, h in enumerate(HALVES, 1)]
    con.executemany("insert into dim_period values ('s', ?, ?, ?, ?, ?, replace(?, ' ', ''))", rows)
    return con


def covered(con, choice: str, as_of: dt.date) -> dict[str, tuple]:
    frame = spans(con, Period(choice, as_of), school_id="s")
    return {
        row["class_name"]: (row["period_name"], row["start_date"], row["end_date"])
        for row in frame.iter_rows(named=True)
    }


def test_current_is_the_period_containing_the_date_for_each_grade(con):
    assert covered(con, CURRENT, D(2025, 11, 20)) == {
        "7А": ("2 четверть", D(2025, 11, 5), D(2025, 11, 20)),
        "10А": ("1 полугодие", D(2025, 9, 1), D(2025, 11, 20)),
    }


def test_current_in_the_holidays_is_the_period_just_ended_up_to_the_date(con):
    assert covered(con, CURRENT, D(2025, 10, 27))["7А"] == ("1 четверть", D(2025, 9, 1), D(2025, 10, 27))


def test_a_named_period_covers_its_holidays_never_past_the_date_and_only_its_grades(con):
    assert covered(con, "1 четверть", D(2025, 11, 20)) == {"7А": ("1 четверть", D(2025, 9, 1), D(2025, 11, 4))}
    assert covered(con, "2 четверть", D(2025, 10, 27)) == {}  # not begun yet
    assert covered(con, "4 четверть", D(2026, 6, 15))["7А"] == ("4 четверть", D(2026, 4, 6), YEAR_END)


def test_year_is_the_latest_year_begun_up_to_the_date(con):
    assert covered(con, YEAR, D(2025, 11, 20)) == {
        "7А": (None, D(2025, 9, 1), D(2025, 11, 20)),
        "10А": (None, D(2025, 9, 1), D(2025, 11, 20)),
    }
    assert covered(con, YEAR, D(2025, 6, 10)) == {"7А": (None, D(2024, 9, 1), D(2025, 5, 31))}


def test_period_names_in_calendar_order(con):
    assert period_names(con, "s", "2025/2026") == [
        "1 четверть", "1 полугодие", "2 четверть", "3 четверть", "2 полугодие", "4 четверть"
    ]  # fmt: skip
