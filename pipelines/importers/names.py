"""Names: the form names are compared in, a full name split into its parts, the grade of a class
name."""

from __future__ import annotations

import re

_SPACES = re.compile(r"\s+")


def normalise_name(text: str) -> str:
    """Lower case, «ё» as «е», single spaces: the form names are compared in."""
    return _SPACES.sub(" ", text.replace("ё", "е").replace("Ё", "Е")).strip().lower()


def split_full_name(full_name: str) -> dict[str, str]:
    """«Фамилия Имя Отчество» → last_name, first_name, middle_name (a single word is a surname)."""
    parts = full_name.split()
    last = parts[0] if parts else ""
    first = parts[1] if len(parts) > 1 else "—"
    middle = " ".join(parts[2:])
    return {"last_name": last, "first_name": first, "middle_name": middle}


_CLASS = re.compile(r"^\s*(\d{1,2})\s*[-\s«\"]?\s*([А-ЯЁа-яёA-Za-z]?)[»\"]?\s*$")


def class_grade(class_name: str) -> int | None:
    """The grade of a class name like «7А», «10-Б», «11»; None if it is not one."""
    match = _CLASS.match(class_name)
    if not match or not 1 <= int(match.group(1)) <= 11:
        return None
    return int(match.group(1))
