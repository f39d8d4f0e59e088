"""Rounding for people (shared/DOMAIN.md): half up on the exact value, never to even, whether the
figure arrives as a Fraction, a Decimal or the float a division of two counts gave (in Python or
in DuckDB). Expectations come from integer arithmetic written here."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import duckdb

from ejournal.formatting import decimal, figure, half_up, share


def half_up_text(numerator: int, denominator: int, digits: int) -> str:
    """numerator / denominator rounded half up in integers, with the decimal comma."""
    units = (2 * numerator * 10**digits + denominator) // (2 * denominator)
    whole, part = divmod(units, 10**digits)
    return f"{whole},{part:0{digits}d}" if digits else str(whole)


def test_ties_go_up_not_to_even():
    assert decimal(3.625, 2) == "3,63"  # exact in binary: to even would give 3,62
    assert decimal(2.675, 2) == "2,68"  # stored as 2.67499…: the binary value would give 2,67
    assert decimal(88.25) == "88,3"
    assert decimal(Fraction(353, 4)) == "88,3"
    assert decimal(Decimal("0.125"), 2) == "0,13"
    assert decimal(None) == "—" and figure(None) == "—"
    assert figure(Fraction(29, 8), 2) == Decimal("3.63")
    assert share(13, 16) == 81.3 and share(1, 0) is None


def test_every_share_of_a_class_and_every_mean_is_rounded_half_up():
    # all k/n for n up to 120 (a class, a parallel): as a Fraction, as Python's float and DuckDB's double
    pairs = [(k, n) for n in range(1, 121) for k in range(n + 1)]
    doubles = duckdb.sql(
        "select 100.0 * k / n, 1.0 * (2 * n + k) / n from (select unnest(?) as k, unnest(?) as n)",
        params=[[k for k, _ in pairs], [n for _, n in pairs]],
    ).fetchall()
    for (k, n), (pct, mean) in zip(pairs, doubles, strict=True):
        expected_pct = half_up_text(100 * k, n, 1)
        assert decimal(Fraction(100 * k, n)) == expected_pct
        assert decimal(100 * k / n) == expected_pct, (k, n)
        assert decimal(pct) == expected_pct, (k, n)
        assert decimal(mean, 2) == half_up_text(2 * n + k, n, 2), (k, n)
        assert half_up(100 * k / n, 1) == Decimal(expected_pct.replace(",", "."))
