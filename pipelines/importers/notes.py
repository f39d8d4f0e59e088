"""The notes of a conversion: what an importer mapped with a default or left out, never dropped
silently; shown to the user as warnings. A repeated note (the same unknown field in every lesson)
is kept to one per file, field and kind."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pipelines.importers.contract import ImportNote

UNKNOWN_FIELD = "неизвестное поле: не загружено (проверьте версию выгрузки)"
UNKNOWN_COLUMN = "столбец не распознан: не загружен (проверьте версию страницы)"


class Notes(list[ImportNote]):
    """The notes of one conversion, in order; ``add`` is the short way to record one.

    ``add_once`` and ``unknown_fields`` keep a repeated note (the same unknown field in every
    lesson of a diary) to one per file, field and kind, so warnings stay readable.
    """

    def __init__(self) -> None:
        super().__init__()
        self._seen: set[tuple[str, str, str]] = set()

    def add(self, file_name: str, location: str, field_name: str, value: object, message: str) -> None:
        self.append(ImportNote(file_name, location, field_name, None if value is None else str(value), message))

    def add_once(self, kind: str, file_name: str, location: str, field_name: str, value: object, message: str) -> None:
        """Record the note only the first time this file, field and ``kind`` come up."""
        key = (file_name, field_name, kind)
        if key not in self._seen:
            self._seen.add(key)
            self.add(file_name, location, field_name, value, message)

    def unknown_fields(self, obj: Any, known: Iterable[str], file_name: str, location: str) -> None:
        """Each field of the JSON object ``obj`` that is not in ``known``: one note per file and field.

        ``location`` is the JSON path of ``obj`` («weekDays[0].lessons[2]»; empty for the root).
        The data still loads: the note says what was left out, nothing is refused.
        """
        if not isinstance(obj, dict):
            return
        known = set(known)
        for name in sorted(str(k) for k in obj if k not in known):
            self.add_once("unknown field", file_name, location or "корень файла", name, None, UNKNOWN_FIELD)

    def unknown_column(self, file_name: str, location: str, header: str) -> None:
        """A table column of an HTML page the importer does not read: one note per file and header."""
        self.add_once("unknown column", file_name, location, header, None, UNKNOWN_COLUMN)
