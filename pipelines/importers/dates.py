"""Dates as journals write them (ISO, ДД.ММ.ГГГГ [ЧЧ:ММ]) and as the canonical export writes them;
the academic year of a day; when a source file was saved."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from pipelines.importers.reading import short_text
from pipelines.issues import ExportRefused

_DATE_FORMATS = ("%d.%m.%Y", "%Y-%m-%d", "%d.%m.%y")
# Years a journal's date may have: outside them it is damaged data (the year «0025» of a broken
# record), not a date to load; the canonical checks judge the dates inside (date_implausible).
YEARS = (1900, 2100)
_DATETIME_FORMATS = ("%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M")


def parse_datetime(text: Any, file_name: str, where: str, field_name: str) -> dt.datetime:
    """A date or date-time in the forms journals use (ISO with or without «T», ДД.ММ.ГГГГ [ЧЧ:ММ])."""
    parsed = read_datetime(text)
    if parsed is None:
        raise ExportRefused(
            file_name, where, field_name, f"не дата: «{short_text(text)}» (ожидается ДД.ММ.ГГГГ или ISO)"
        )
    if not is_plausible(parsed):
        raise ExportRefused(file_name, where, field_name, year_problem(text, parsed))
    return parsed


def read_datetime(text: Any) -> dt.datetime | None:
    """``text`` read as a date or date-time of any year, or None."""
    if not isinstance(text, str):
        return None
    value = text.strip()
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        return parsed.replace(tzinfo=None) if parsed.tzinfo else parsed
    except ValueError:
        pass
    for fmt in _DATETIME_FORMATS + _DATE_FORMATS:
        try:
            return dt.datetime.strptime(value, fmt)
        except ValueError:
            continue
    return None


def is_plausible(day: dt.date) -> bool:
    """Whether a journal's date has a year in ``YEARS``."""
    return YEARS[0] <= day.year <= YEARS[1]


def year_problem(text: Any, day: dt.date) -> str:
    """What is wrong with a date (``text`` read as ``day``) whose year is not plausible."""
    return f"дата «{short_text(text)}»: год {day.year} вне {YEARS[0]}–{YEARS[1]}"


def parse_date(text: Any, file_name: str, where: str, field_name: str) -> dt.date:
    return parse_datetime(text, file_name, where, field_name).date()


def fmt_date(value: dt.date) -> str:
    return f"{value.day:02d}.{value.month:02d}.{value.year:04d}"  # strftime writes the year 25 as «25»


def fmt_datetime(value: dt.datetime) -> str:
    return f"{fmt_date(value)} {value.hour:02d}:{value.minute:02d}"


def academic_year_of(day: dt.date) -> str:
    """«2025/2026» for any date from 1 September 2025 to 31 August 2026."""
    start = day.year if day.month >= 9 else day.year - 1
    return f"{start}/{start + 1}"


def academic_year_row(year_id: str, start: dt.date | None = None, end: dt.date | None = None) -> dict[str, str]:
    """An academic_years row; without dates, 1 September to 31 August."""
    first = int(year_id[:4])
    return {
        "academic_year_id": year_id,
        "start_date": fmt_date(start or dt.date(first, 9, 1)),
        "end_date": fmt_date(end or dt.date(first + 1, 8, 31)),
    }


def file_timestamp(path: Path) -> dt.datetime:
    """When the source file was saved: the export moment of data that does not state one."""
    return dt.datetime.fromtimestamp(int(path.stat().st_mtime))
