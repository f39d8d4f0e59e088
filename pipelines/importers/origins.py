"""Where each row of a converted export came from in the journal system's own files.

An importer writes canonical CSV files that the school never sees; a check that refuses one of
their rows («lessons.csv, строка 2») would point into them. Rows that an importer made from one
place of a file (a JSON path, a sheet's cell) carry it under ``ORIGIN``; the canonical writer
records it for the row's number while :func:`recording` is on (``registry.convert_source``), and
the ingest then names the file the school sent and that place instead (:func:`placed`).
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator
from dataclasses import replace

from pipelines.issues import Issue

# (file the school sent, the place in it: «weekDays[0].lessons[2]», «лист «5А», строка 8, столбец D»)
Origin = tuple[str, str]
Origins = dict[tuple[str, int], Origin]
ORIGIN = "_origin"  # the key of a row's origin (the canonical writer writes the model's columns only)

_RECORDING: contextvars.ContextVar[Origins | None] = contextvars.ContextVar("origins", default=None)


@contextlib.contextmanager
def recording() -> Iterator[Origins]:
    """The origins of the rows the canonical writer writes meanwhile, by (file name, row number)."""
    found: Origins = {}
    token = _RECORDING.set(found)
    try:
        yield found
    finally:
        _RECORDING.reset(token)


def record(file_name: str, row_number: int, origin: Origin | None) -> None:
    found = _RECORDING.get()
    if found is not None and origin is not None:
        found[(file_name, row_number)] = origin


def placed(issue: Issue, origins: Origins) -> Issue:
    """The issue of a converted row at its origin: the school's file and the place in it (the row
    number of a file the school never saw is dropped; the row itself stays in ``raw_row``)."""
    origin = origins.get((issue.file_name, issue.row_number)) if issue.row_number is not None else None
    if origin is None:
        return issue
    file_name, place = origin
    return replace(issue, file_name=file_name, row_number=None, message=f"{place}: {issue.message}")
