"""Study periods: names like «1 четверть» read, rows derived from lesson dates when a source names
periods without dates, and one period id for every importer."""

from __future__ import annotations

import datetime as dt
import re

from pipelines.importers.dates import fmt_date

PERIOD_KINDS = {"четверть": "quarter", "триместр": "trimester", "полугодие": "half_year", "семестр": "semester"}
# A period's number as schools write it: «1», or in Roman numerals, «II четверть», «I полугодие»
# (school documents and ЭлЖур's full names), in any case.
PERIOD_NUMBER = r"(?<!\w)(\d|iv|i{1,3})"
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}
_PERIOD_NAME = re.compile(
    rf"^\s*{PERIOD_NUMBER}\s*(?:-?я\s*)?(четверт|чет|триместр|полугоди|семестр)\w*\.?\s*$", re.IGNORECASE
)
_PERIOD_STEMS = {"четверт": "четверть", "чет": "четверть", "триместр": "триместр", "полугоди": "полугодие"}


def period_number(token: str) -> int:
    """«2» or «II» (any case) → 2."""
    return int(token) if token.isdigit() else _ROMAN[token.lower()]


def parse_period_name(text: str) -> tuple[int, str] | None:
    """«1 четверть», «2 чет.», «1 полугодие», «II четверть» → (number, kind code); None if it is
    not a period."""
    match = _PERIOD_NAME.match(text)
    if not match:
        return None
    kind = PERIOD_KINDS[_PERIOD_STEMS.get(match.group(2).lower(), "семестр")]
    number = period_number(match.group(1))
    return (number, kind) if 1 <= number <= 4 else None


_PERIOD_RU = {"quarter": "четверть", "trimester": "триместр", "half_year": "полугодие", "semester": "семестр"}


def periods_from_dates(
    year_id: str, kind: str, dates_by_number: dict[int, list[dt.date]], year_start: dt.date, year_end: dt.date
) -> list[dict[str, str]]:
    """Period rows when the source names periods but not their dates: each period runs from its
    first lesson date (the first from the year's start) to the day before the next one's first
    lesson (the last to the year's end). Periods without any date are left out."""
    numbers = sorted(n for n, dates in dates_by_number.items() if dates)
    starts = {n: min(dates_by_number[n]) for n in numbers}
    rows = []
    for i, number in enumerate(numbers):
        start = year_start if i == 0 else starts[number]
        end = starts[numbers[i + 1]] - dt.timedelta(days=1) if i + 1 < len(numbers) else year_end
        rows.append(
            {
                "period_id": period_id(year_id, kind, number),
                "academic_year_id": year_id,
                "period_kind_code": kind,
                "period_number": str(number),
                "period_name": f"{number} {_PERIOD_RU[kind]}",
                "start_date": fmt_date(start),
                "end_date": fmt_date(end),
                "grades": "",
            }
        )
    return rows


def period_id(year_id: str, kind: str, number: int) -> str:
    """«2025-2026-quarter-1»: the same period gets the same id from every importer."""
    return f"{year_id.replace('/', '-')}-{kind}-{number}"
