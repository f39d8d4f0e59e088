"""Canonical ids: from a source system's own id, from a name, or a stable hash of parts (the same
parts always give the same id)."""

from __future__ import annotations

import hashlib
import re

from pipelines.importers.names import normalise_name

ID_PATTERN = re.compile(r"^[0-9A-Za-zА-Яа-яЁё_.:\-]{1,64}$")
_ID_BAD_CHARS = re.compile(r"[^0-9A-Za-zА-Яа-яЁё_.:\-]+")


def short_hash(*parts: object) -> str:
    return hashlib.sha1("\x1f".join(str(p) for p in parts).encode("utf-8")).hexdigest()[:12]


def stable_id(prefix: str, *parts: object) -> str:
    """A stable id from the parts (the same parts always give the same id): «prefix-<hash>»."""
    return f"{prefix}-{short_hash(*parts)}"


def source_id(prefix: str, value: object) -> str:
    """An id built from a source system's own id, kept readable when it fits the canonical pattern."""
    text = f"{prefix}-{value}"
    return text if ID_PATTERN.match(text) else stable_id(prefix, value)


def slug_id(text: str, prefix: str = "") -> str:
    """A readable id from a name («Контрольная работа» → «Контрольная_работа»), hashed if too long."""
    slug = _ID_BAD_CHARS.sub("_", normalise_name(text)).strip("_")
    candidate = f"{prefix}{slug}"
    if not slug or len(candidate) > 64:
        return stable_id(prefix.rstrip("-_:") or "id", text)
    return candidate
