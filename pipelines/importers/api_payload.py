"""JSON payloads of journal-system APIs, read with every value located for error messages.

A bundle is a folder (a zip is unpacked by the registry first) holding one JSON file per API
request. Each value read from it knows its file and its JSON path
(«result.students.1042.lessons[0].marks[3]»), so a missing field, a wrong type or broken JSON
refuses the import with a message naming the file, the place, the field and the problem, in
Russian (``ExportRefused``). Fields the importer does not know are reported once per file and
field as notes, never silently ignored. Reading, date parsing and notes come from reading.py, dates.py and notes.py.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipelines.importers.dates import is_plausible, read_datetime, year_problem
from pipelines.importers.notes import Notes
from pipelines.importers.reading import read_json_file
from pipelines.issues import ExportRefused

_KIND_TEXT = {
    "str": "текст",
    "id": "идентификатор (число или текст)",
    "int": "целое число",
    "number": "число",
    "bool": "да/нет (true/false)",
    "date": "дата",
    "datetime": "дата и время",
    "object": "объект { … }",
    "list": "список [ … ]",
}


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return f"число {value}"
    if isinstance(value, str):
        return f"текст «{value[:40]}»"
    if isinstance(value, list):
        return "список"
    return "объект"


def bundle_names(path: Path) -> set[str]:
    """Lower-case names of the files in a folder; empty when it is not one (for detect)."""
    try:
        return {p.name.lower() for p in path.iterdir() if p.is_file()} if path.is_dir() else set()
    except OSError:
        return set()


def read_bundle(path: Path, required: tuple[str, ...], optional: tuple[str, ...] = ()) -> dict[str, Payload]:
    """Parse the named JSON files of a folder; a missing required file refuses."""
    if not path.is_dir():
        raise ExportRefused(path.name, None, None, "ожидается папка (или архив .zip) с файлами JSON")
    wanted = {n.lower(): n for n in (*required, *optional)}
    found = {wanted[p.name.lower()]: p for p in path.iterdir() if p.is_file() and p.name.lower() in wanted}
    for name in required:
        if name not in found:
            raise ExportRefused(name, None, None, f"нет обязательного файла «{name}» в «{path.name}»")
    return {name: Payload(read_json_file(file, allow_comments=False), name, "") for name, file in found.items()}


def bundle_moment(paths: list[Path]) -> dt.datetime:
    """The newest modification time among the bundle's files: when the export was taken."""
    return dt.datetime.fromtimestamp(int(max(p.stat().st_mtime for p in paths)))


@dataclass
class Payload:
    """A JSON value with its file and JSON path."""

    value: Any
    file_name: str
    path: str

    def _refuse(self, field_name: str | None, problem: str) -> ExportRefused:
        return ExportRefused(self.file_name, self.path or "корень файла", field_name, problem)

    def expect(self, kind: str) -> Payload:
        """This value itself must be an object or a list."""
        ok = isinstance(self.value, dict) if kind == "object" else isinstance(self.value, list)
        if not ok:
            raise self._refuse(None, f"ожидается {_KIND_TEXT[kind]}, а не {_json_type(self.value)}")
        return self

    def has(self, name: str) -> bool:
        return isinstance(self.value, dict) and self.value.get(name) is not None

    def child(self, name: str, kind: str = "object", *, required: bool = True) -> Payload | None:
        """A nested object or list; None only when not required and absent or null."""
        self.expect("object")
        if self.value.get(name) is None:
            if required:
                raise self._refuse(name, "нет обязательного поля")
            return None
        value = self.value[name]
        if not isinstance(value, dict if kind == "object" else list):
            raise self._refuse(name, f"ожидается {_KIND_TEXT[kind]}, а не {_json_type(value)}")
        return Payload(value, self.file_name, _join(self.path, name))

    def items(self, name: str | None = None, *, required: bool = True) -> list[Payload]:
        """The elements of a list (this value, or its field ``name``)."""
        node = self.expect("list") if name is None else self.child(name, "list", required=required)
        if node is None:
            return []
        return [Payload(v, self.file_name, f"{node.path}[{i}]") for i, v in enumerate(node.value)]

    def entries(self, name: str | None = None, *, required: bool = True) -> list[tuple[str, Payload]]:
        """(key, value) pairs of an object keyed by ids (this value, or its field ``name``)."""
        node = self.expect("object") if name is None else self.child(name, "object", required=required)
        if node is None:
            return []
        return [(k, Payload(v, self.file_name, _join(node.path, k))) for k, v in node.value.items()]

    def get(self, name: str, kind: str, *, required: bool = True) -> Any:
        """A scalar field converted to ``kind``; refuses when missing (if required) or of a wrong type."""
        self.expect("object")
        value = self.value.get(name)
        if value is None or (isinstance(value, str) and not value.strip() and kind != "str"):
            if required:
                raise self._refuse(name, "нет обязательного поля" if value is None else "пустое значение")
            return None
        converted = _convert(value, kind)
        if converted is None:
            raise self._refuse(name, f"ожидается {_KIND_TEXT[kind]}, а не {_json_type(value)}")
        if kind in ("date", "datetime") and not is_plausible(converted):
            raise self._refuse(name, year_problem(value, converted))
        return converted


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _convert(value: Any, kind: str) -> Any:
    if kind == "str":
        return value.strip() if isinstance(value, str) else None
    if kind == "id":
        if isinstance(value, bool):
            return None
        if isinstance(value, int):
            return str(value)
        return value.strip() if isinstance(value, str) and value.strip() else None
    if kind == "int":
        if isinstance(value, bool):
            return None
        if isinstance(value, int):
            return value
        return int(value) if isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()) else None
    if kind == "number":
        if isinstance(value, bool):
            return None
        if isinstance(value, int | float):
            return float(value)
        if isinstance(value, str) and re.fullmatch(r"-?\d+([.,]\d+)?", value.strip()):
            return float(value.strip().replace(",", "."))
        return None
    if kind == "bool":
        if isinstance(value, bool):
            return value
        if isinstance(value, int) and value in (0, 1):
            return bool(value)
        if isinstance(value, str) and value.strip().lower() in ("true", "false", "1", "0"):
            return value.strip().lower() in ("true", "1")
        return None
    if kind == "date":
        return _parse_date(value)
    if kind == "datetime":
        return read_datetime(value)
    raise ValueError(kind)


def _parse_date(value: Any) -> dt.date | None:
    """ЭлЖур writes «20250901»; the others ISO or ДД.ММ.ГГГГ (dates.read_datetime)."""
    if not isinstance(value, str):
        return None
    if re.fullmatch(r"\d{8}", value.strip()):
        text = value.strip()
        try:
            return dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))
        except ValueError:
            return None
    moment = read_datetime(value)
    return moment.date() if moment else None


class PayloadNotes(Notes):
    """notes.Notes addressed by a ``Payload`` (its file and JSON path)."""

    def at(self, node: Payload, field_name: str, value: object, message: str, *, once: str | None = None) -> None:
        location = node.path or "корень файла"
        if once is None:
            self.add(node.file_name, location, field_name, value, message)
        else:
            self.add_once(once, node.file_name, location, field_name, value, message)

    def unknown(self, node: Payload, known: set[str]) -> None:
        """Fields of ``node`` the importer does not know: one note per file and field (notes.Notes)."""
        self.unknown_fields(node.value, known, node.file_name, node.path)
