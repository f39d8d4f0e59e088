"""Marks in canonical form: current marks («5», «4/5», «зач», «К»), period marks, and marks with a
plus or minus (kept as the digit, with a note)."""

from __future__ import annotations

import re
from typing import Any

from pipelines.importers.names import normalise_name
from pipelines.importers.notes import Notes
from pipelines.importers.reading import short_text

_MARK = re.compile(r"^\s*([1-5])\s*(?:/\s*([1-5]))?\s*$")
_MARK_WORDS = {"зач": "зач", "зачет": "зач", "зачтено": "зач", "незач": "незач", "незачет": "незач", "к": "К"}


def canonical_mark(raw: Any) -> str | None:
    """A current mark in canonical form («5», «4/5», «зач», «незач», «К»), or None if it is not one."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int | float) and float(raw).is_integer() and 1 <= raw <= 5:
        return str(int(raw))
    if not isinstance(raw, str):
        return None
    match = _MARK.match(raw)
    if match:
        return match.group(1) + (f"/{match.group(2)}" if match.group(2) else "")
    return _MARK_WORDS.get(normalise_name(raw).rstrip("."))


_PERIOD_MARKS = {"1", "2", "3", "4", "5", "зач", "незач", "н/а", "осв", "неосв"}


def canonical_period_mark(raw: Any) -> str | None:
    """A period mark in canonical form (1–5, «зач», «незач», «н/а», «осв», «неосв»), or None."""
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        raw = str(int(raw)) if float(raw).is_integer() else str(raw)
    if not isinstance(raw, str):
        return None
    text = normalise_name(raw).rstrip(".").replace("зачет", "зач").replace("зачтено", "зач")
    text = {"на": "н/а", "н/a": "н/а", "незачтено": "незач"}.get(text, text)
    return text if text in _PERIOD_MARKS else None


_MARK_SIGN = re.compile(r"^\s*([1-5])\s*[+\-−]\s*$")


def resolve_mark(raw: Any, notes: Notes, file_name: str, where: str, field_name: str) -> str | None:
    """``canonical_mark`` that notes what it changes: «5+»/«4-» keep the digit (with a note);
    a value that is not a mark at all is noted and gives None (the caller skips that mark)."""
    mark = canonical_mark(raw)
    if mark is not None:
        return mark
    match = _MARK_SIGN.match(raw) if isinstance(raw, str) else None
    if match:
        notes.add(
            file_name, where, field_name, raw, f"отметка «{raw}» загружена как «{match.group(1)}» (без плюса/минуса)"
        )
        return match.group(1)
    notes.add(file_name, where, field_name, raw, f"«{short_text(raw)}» — не отметка: не загружена")
    return None
