"""An error's words as a message quotes them."""

from __future__ import annotations


def first_line(error: BaseException, limit: int = 200) -> str:
    """The first line of the error's text that is not blank, stripped and cut to ``limit``
    characters (a database's or a reader's error goes on for lines); the error's type when it has
    no text at all (``OSError()``, ``ValueError()``), which a message can still name."""
    for line in str(error).splitlines():
        if line.strip():
            return line.strip()[:limit]
    return type(error).__name__


def named(error: BaseException) -> str:
    """``Тип: первая строка``, or the type alone when the error has no text."""
    text = first_line(error)
    kind = type(error).__name__
    return kind if text == kind else f"{kind}: {text}"
