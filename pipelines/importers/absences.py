"""Absence codes of the journal systems mapped onto the canonical н, у, б, оп; an unknown code
counts as «н», with a note."""

from __future__ import annotations

from typing import Any

from pipelines.importers.names import normalise_name
from pipelines.importers.notes import Notes

# Absence codes of the journal systems → canonical н (unexcused), у (excused), б (illness),
# оп (late). Keys are compared after normalise_name. None = present.
ABSENCE_CODES: dict[str, str | None] = {
    "": None,
    "attend": None,
    "present": None,
    "н": "н",
    "нб": "н",
    "нп": "н",
    "absent": "н",
    "неуважительная": "н",
    "у": "у",
    "уп": "у",
    "п": "у",
    "pass": "у",
    "уважительная": "у",
    "б": "б",
    "бл": "б",
    "бол": "б",
    "ill": "б",
    "болезнь": "б",
    "оп": "оп",
    "о": "оп",
    "late": "оп",
    "опоздание": "оп",
}


def map_absence_code(
    raw: Any, notes: Notes, file_name: str, where: str, field_name: str, *, extra: dict[str, str | None] | None = None
) -> str | None:
    """A source absence code in canonical form; None means present.

    An unknown code is not dropped: it is taken as an absence without a good reason («н») and
    recorded as a note, so the administrator sees it and can ask the system's meaning.
    """
    text = normalise_name(str(raw)).rstrip(".") if raw is not None else ""
    table = {**ABSENCE_CODES, **{normalise_name(k): v for k, v in (extra or {}).items()}}
    if text in table:
        return table[text]
    notes.add(file_name, where, field_name, raw, f"неизвестный код посещаемости «{raw}»: учтён как пропуск «н»")
    return "н"
