"""Dates as journals write them (ISO, ДД.ММ.ГГГГ [ЧЧ:ММ]) and as the canonical export writes them;
the academic year of a day; when a source file was saved."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from pipelines.importers.reading import short_text
from pipelines.issues import ExportRefused

_DATE_FORMATS = ("%d.%m.%Y", "%Y-%m-%d", "%d.%m.%y")
_DATETIME_FORMATS = ("%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M")


def parse_datetime(text: Any, file_name: str, where: str, field_name: str) -> dt.datetime:
    """A date or date-time in the forms journals use (ISO with or without «T», ДД.ММ.ГГГГ [ЧЧ:ММ])."""
    if isinstance(text, str):
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
    raise ExportRefused(file_name, where, field_name, f"не дата: «{short_text(text)}» (ожидается ДД.ММ.ГГГГ или ISO)")


def parse_date(text: Any, file_name: str, where: str, field_name: str) -> dt.date:
    return parse_datetime(text, file_name, where, field_name).date()


def fmt_date(value: dt.date) -> str:
    return value.strftime("%d.%m.%Y")


def fmt_datetime(value: dt.datetime) -> str:
    return value.strftime("%d.%m.%Y %H:%M")


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
