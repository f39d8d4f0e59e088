"""Small groups: the one rule that hides a figure describing fewer than 5 pupils, and the rule that
keeps a total shown beside hidden parts from giving them away by subtraction.

Every figure shown to the director, the parent council and the education authority carries the
number of DISTINCT pupils behind it (never of marks, works or results: 4 pupils with 3 ВПР each
are 4, not 12), and only :func:`too_few` decides whether that number is too small.

Complementary suppression (:func:`complete`): the parts of one total (the grades of the school, the
classes of a grade, the subjects of the school) are hidden so that the hidden parts together
describe no pupils or at least 5 — if the total is shown, «total − parts shown» is the sum of the
hidden parts, so one hidden part of 1–4 pupils drags the smallest part still shown with it. A
hidden total keeps at least one hidden part, or the parts shown would add up to it.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from ejournal.access.viewer import MIN_GROUP_SIZE, Viewer

SUPPRESSED = "< 5"


def too_few(n_pupils: int | None) -> bool:
    """The rule: a figure about fewer than 5 distinct pupils (or an unknown number) singles children out."""
    return n_pupils is None or n_pupils < MIN_GROUP_SIZE


def hidden(viewer: Viewer, n_pupils: int | None) -> bool:
    """Whether a figure about `n_pupils` distinct pupils is hidden from this viewer."""
    return viewer.suppresses_small_groups and too_few(n_pupils)


def too_few_expr(n_pupils: str) -> pl.Expr:
    """:func:`too_few` over a column of distinct-pupil counts (the same rule, vectorised)."""
    return pl.col(n_pupils).is_null() | (pl.col(n_pupils) < MIN_GROUP_SIZE)


def hidden_expr(viewer: Viewer, n_pupils: str) -> pl.Expr:
    """:func:`hidden` over a column of distinct-pupil counts."""
    return too_few_expr(n_pupils) & pl.lit(viewer.suppresses_small_groups)


def complete(sizes: Sequence[int], hide: Sequence[bool], *, total_hidden: bool = False) -> list[bool]:
    """The parts of one total to hide: `hide` plus the smallest parts shown, until the hidden parts
    hold 0 or at least 5 pupils (total shown), or at least one part is hidden (total hidden)."""
    result = list(hide)

    def unsafe() -> bool:
        if total_hidden:
            return not any(result) and len(result) > 0
        return 0 < sum(size for size, h in zip(sizes, result, strict=True) if h) < MIN_GROUP_SIZE

    while unsafe() and not all(result):
        smallest = min((i for i, h in enumerate(result) if not h), key=lambda i: sizes[i])
        result[smallest] = True
    return result


def completed(
    frame: pl.DataFrame, *, n_pupils: str, hide: str, within: Sequence[str] = (), total_hidden: str | None = None
) -> pl.DataFrame:
    """`frame` with the column `hide` completed by :func:`complete` in each group of rows `within`
    (the parts of one total); `total_hidden`, a column constant within a group, says the total is hidden."""
    if frame.is_empty():
        return frame
    indexed = frame.with_row_index("_row")
    flags = [False] * frame.height
    groups = indexed.group_by(list(within), maintain_order=True) if within else [((), indexed)]
    for _, part in groups:
        whole_hidden = bool(part[total_hidden][0]) if total_hidden else False
        done = complete(part[n_pupils].fill_null(0).to_list(), part[hide].to_list(), total_hidden=whole_hidden)
        for row, flag in zip(part["_row"].to_list(), done, strict=True):
            flags[row] = flag
    return frame.with_columns(pl.Series(hide, flags, dtype=pl.Boolean))


def total_hidden_by_parts(values: Sequence[int], hide: Sequence[bool]) -> bool:
    """A column's total is hidden when its hidden cells add up to 1–4 (the total minus the cells shown)."""
    return 0 < sum(v for v, h in zip(values, hide, strict=True) if h and v) < MIN_GROUP_SIZE
