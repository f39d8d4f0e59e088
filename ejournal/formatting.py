"""Numbers and months as Russian documents and screens write them."""

from __future__ import annotations


def thousands(value: int) -> str:
    """1 660 240 — thousands split by a no-break space."""
    return f"{value:,}".replace(",", "\u00a0")


def decimal(value: float | None, digits: int = 1) -> str:
    """3,7 — decimal comma, fixed digits; a dash for no value."""
    if value is None:
        return "—"
    return f"{value:.{digits}f}".replace(".", ",")


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
