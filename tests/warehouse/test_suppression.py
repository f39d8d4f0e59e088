"""The one «< 5» rule and complementary suppression (warehouse/suppression.py), on hand-made counts:
a hidden part of 1–4 pupils beside a shown total drags the smallest part shown with it."""

from __future__ import annotations

import polars as pl
import pytest

from ejournal.access.accounts import Role
from ejournal.access.viewer import Viewer
from warehouse.suppression import complete, completed, hidden, too_few, too_few_expr, total_hidden_by_parts

DIRECTOR = Viewer("director", Role.DIRECTOR, "s1")
DEPUTY = Viewer("zavuch", Role.DEPUTY, "s1")


def test_the_rule_counts_pupils_under_5_and_an_unknown_count_as_too_few():
    counts = [None, 0, 1, 4, 5, 6, 120]
    assert [too_few(n) for n in counts] == [True, True, True, True, False, False, False]
    frame = pl.DataFrame({"n": counts}, schema={"n": pl.Int64})
    assert frame.select(too_few_expr("n"))["n"].to_list() == [too_few(n) for n in counts]
    assert hidden(DIRECTOR, 4) and not hidden(DEPUTY, 4) and not hidden(DIRECTOR, 5)


@pytest.mark.parametrize(
    ("sizes", "hide", "expected"),
    [
        ([4, 30, 40], [True, False, False], [True, True, False]),  # 70 − 40 would give the 4 away
        ([4, 3, 40], [True, True, False], [True, True, False]),  # 7 hidden together: nobody singled out
        ([2, 1, 6, 9], [True, True, False, False], [True, True, True, False]),
        ([30, 40], [False, False], [False, False]),
        ([4], [True], [True]),  # nothing left to hide with it: the total describes 4 too and is hidden itself
    ],
)
def test_a_shown_total_never_gives_a_hidden_part_away(sizes, hide, expected):
    done = complete(sizes, hide)
    assert done == expected
    hidden_sum = sum(s for s, h in zip(sizes, done, strict=True) if h)
    assert hidden_sum == 0 or hidden_sum >= 5 or all(done)


def test_a_hidden_total_keeps_a_hidden_part():
    """Parts all shown would add up to the hidden total."""
    assert complete([12, 7, 30], [False, False, False], total_hidden=True) == [False, True, False]
    assert complete([12, 7], [False, True], total_hidden=True) == [False, True]


def test_completion_runs_within_each_total():
    frame = pl.DataFrame(
        {
            "subject": ["алгебра", "алгебра", "алгебра", "история", "история"],
            "n": [3, 20, 25, 20, 25],
            "hide": [True, False, False, False, False],
            "total_hidden": [False, False, False, True, True],
        }
    )
    done = completed(frame, n_pupils="n", hide="hide", within=["subject"], total_hidden="total_hidden")
    assert done["hide"].to_list() == [True, True, False, True, False]


def test_a_column_total_is_hidden_when_its_hidden_cells_hold_1_to_4():
    assert total_hidden_by_parts([2, 10, 12], [True, False, False])
    assert not total_hidden_by_parts([2, 3, 12], [True, True, False])
    assert not total_hidden_by_parts([0, 10], [True, False])
