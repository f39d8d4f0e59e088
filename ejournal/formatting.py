"""Numbers and months as Russian documents and screens write them.

Every figure rounded for people goes through :func:`half_up` (school rule, shared/DOMAIN.md:
3,625 → 3,63, never to even): documents, their XLSX cells and the pages print the same digits.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import polars as pl

Exact = Fraction | Decimal | int | float

# number formats of XLSX cells by decimals: Excel shows the decimal comma by the reader's locale
XLSX_NUMBER_FORMATS = {0: "0", 1: "0.0", 2: "0.00"}


def xlsx_number_format(digits: int) -> str:
    """The XLSX number format of `digits` decimals ("0.0" for one): the cell shows what is printed."""
    return XLSX_NUMBER_FORMATS.get(digits) or "0." + "0" * digits


def _exact(value: Exact) -> Decimal | Fraction:
    """The value as an exact number. A float is taken at its shortest decimal form (repr): a
    quotient of two counts, such as 2.675 = 107/40, is stored a hair below or above its decimal
    value, and its repr is that decimal value again."""
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, Decimal | Fraction):
        return value
    return Decimal(value)


def half_up(value: Exact | None, digits: int = 1) -> Decimal | None:
    """The value rounded half up to `digits` decimals (3,625 → 3,63; 88,25 → 88,3; away from zero
    for negatives, as Decimal's ROUND_HALF_UP); None (and a float that is not a number) is None."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return None
    exact = _exact(value)
    if isinstance(exact, Fraction):
        return _fraction_half_up(exact, digits)
    return exact.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)


def _fraction_half_up(value: Fraction, digits: int) -> Decimal:
    """A fraction half up to `digits` decimals in integer arithmetic (no approximation at all)."""
    scaled = abs(value) * 10**digits
    whole = (2 * scaled.numerator + scaled.denominator) // (2 * scaled.denominator)  # floor(x + 1/2)
    return Decimal(-whole if value < 0 else whole).scaleb(-digits)


def rounded(value: Exact | None, digits: int = 1) -> float | None:
    """The value as a document prints it (:func:`half_up`), as a number for a spreadsheet cell."""
    exact_figure = half_up(value, digits)
    return None if exact_figure is None else float(exact_figure)


def figure(value: Exact | None, digits: int = 1) -> Decimal | str:
    """A document's cell for a figure: :func:`half_up` (printed with the comma, written to XLSX as a
    number with its decimals), or «—» for no value."""
    rounded_figure = half_up(value, digits)
    return "—" if rounded_figure is None else rounded_figure


def figure_text(value: Decimal) -> str:
    """«88,3»: a figure rounded by :func:`half_up` with the decimal comma, as many decimals as it has."""
    return f"{value:f}".replace(".", ",")


def share(part: int, whole: int, digits: int = 1) -> float | None:
    """part / whole × 100 rounded half up on the exact ratio; None when whole is 0."""
    return rounded(Fraction(100 * part, whole), digits) if whole else None


def decimal_texts(column: pl.Expr, digits: int = 1) -> pl.Expr:
    """:func:`decimal` of each value of a column, as a page's table prints it; null stays null."""
    return column.map_elements(lambda value: decimal(value, digits), return_dtype=pl.String)


def rounded_numbers(column: pl.Expr, digits: int = 1) -> pl.Expr:
    """:func:`rounded` of each value of a column, numbers a page's table can still sort."""
    return column.map_elements(lambda value: rounded(value, digits), return_dtype=pl.Float64)


def thousands(value: int) -> str:
    """1 660 240 — thousands split by a no-break space."""
    return f"{value:,}".replace(",", "\u00a0")


def decimal(value: Exact | None, digits: int = 1) -> str:
    """3,7 — decimal comma, fixed digits, rounded half up (:func:`half_up`); a dash for no value."""
    exact_figure = half_up(value, digits)
    if exact_figure is None:
        return "—"
    return f"{exact_figure:.{digits}f}".replace(".", ",")


# Month names in the nominative, January first («сентябрь 2025» in tables by month).
MONTHS = (
    "январь",
    "февраль",
    "март",
    "апрель",
    "май",
    "июнь",
    "июль",
    "август",
    "сентябрь",
    "октябрь",
    "ноябрь",
    "декабрь",
)
