"""JSON payloads of journal-system APIs, read with every value located for error messages.

A bundle is a folder or a ``.zip`` holding one JSON file per API request. Each value read from
it knows its file and its JSON path («students.1042.lessons[0].marks[3]»), so a missing field,
a wrong type or broken JSON refuses the import with a message naming the file, the place, the
field and the problem, in Russian (``ImportRefused``). Fields the importer does not know are
reported once per file and field as notes, never silently ignored.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipelines.importers.base import ImportNote, ImportRefused

_KIND_TEXT = {
    "str": "текст",
    "id": "идентификатор (число или текст)",
    "int": "целое число",
    "number": "число",
    "bool": "да/нет (true/false)",
    "date": "дату",
    "datetime": "дату и время",
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
    """Lower-case base names of the files in a folder or zip; empty when unreadable (for detect)."""
    try:
        if path.is_dir():
            return {p.name.lower() for p in path.iterdir() if p.is_file()}
        if path.suffix.lower() == ".zip" and zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                return {Path(n).name.lower() for n in archive.namelist() if not n.endswith("/")}
    except OSError:
        return set()
    return set()


def read_bundle(path: Path, required: tuple[str, ...], optional: tuple[str, ...] = ()) -> dict[str, Payload]:
    """Parse the named JSON files of a folder or zip; a missing required file refuses."""
    raw: dict[str, bytes] = {}
    wanted = {n.lower(): n for n in (*required, *optional)}
    if path.is_dir():
        for item in path.iterdir():
            if item.is_file() and item.name.lower() in wanted:
                raw[wanted[item.name.lower()]] = item.read_bytes()
    elif path.is_file() and zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                name = Path(info.filename).name.lower()
                if name in wanted and not info.is_dir():
                    raw[wanted[name]] = archive.read(info)
    else:
        raise ImportRefused(path.name, None, None, "ожидается папка или архив .zip с файлами JSON")
    for name in required:
        if name not in raw:
            raise ImportRefused(name, None, None, f"нет обязательного файла «{name}» в «{path.name}»")
    return {name: parse_json(name, data) for name, data in raw.items()}


def parse_json(file_name: str, data: bytes) -> Payload:
    """Decode and parse one JSON file; empty, non-UTF-8 or broken JSON refuses with its place."""
    if not data.strip():
        raise ImportRefused(file_name, None, None, "файл пуст")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ImportRefused(file_name, f"байт {error.start + 1}", None, "файл не в кодировке UTF-8") from None
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        place = f"строка {error.lineno}, столбец {error.colno}"
        raise ImportRefused(file_name, place, None, f"испорченный JSON ({_json_error_ru(error.msg)})") from None
    return Payload(value, file_name, "")


def _json_error_ru(message: str) -> str:
    known = {
        "Expecting value": "ожидалось значение",
        "Expecting ',' delimiter": "ожидалась запятая",
        "Expecting ':' delimiter": "ожидалось двоеточие",
        "Expecting property name enclosed in double quotes": "ожидалось имя поля в двойных кавычках",
        "Unterminated string starting at": "незакрытая строка",
        "Extra data": "лишние данные после конца JSON",
        "Invalid control character at": "недопустимый управляющий символ",
    }
    for english, russian in known.items():
        if message.startswith(english):
            return russian
    return message


@dataclass
class Payload:
    """A JSON value with its file and JSON path."""

    value: Any
    file_name: str
    path: str

    def _refuse(self, field_name: str | None, problem: str) -> ImportRefused:
        return ImportRefused(self.file_name, self.path or "корень файла", field_name, problem)

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
        return Payload(self.value[name], self.file_name, _join(self.path, name)).expect(kind)

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
        return converted

    def unknown_fields(self, known: set[str]) -> list[str]:
        return sorted(k for k in self.value if k not in known) if isinstance(self.value, dict) else []


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


_DATE_RE = re.compile(r"^(\d{4})-?(\d{2})-?(\d{2})")
_DMY_RE = re.compile(r"^(\d{2})\.(\d{2})\.(\d{4})")


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
        return _parse_datetime(value)
    raise ValueError(kind)


def _parse_date(value: Any) -> dt.date | None:
    if not isinstance(value, str):
        return None
    text = value.strip()
    match = _DATE_RE.match(text)
    parts = (match.group(1), match.group(2), match.group(3)) if match else None
    if parts is None and (m := _DMY_RE.match(text)):
        parts = (m.group(3), m.group(2), m.group(1))
    if parts is None:
        return None
    try:
        return dt.date(int(parts[0]), int(parts[1]), int(parts[2]))
    except ValueError:
        return None


def _parse_datetime(value: Any) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    text = value.strip()
    try:
        parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        if (m := re.fullmatch(r"(\d{2})\.(\d{2})\.(\d{4})[ T](\d{2}):(\d{2})(?::(\d{2}))?", text)) is None:
            return None
        try:
            day, month, year, hour, minute = (int(m.group(i)) for i in range(1, 6))
            return dt.datetime(year, month, day, hour, minute, int(m.group(6) or 0))
        except ValueError:
            return None
    # Journal systems give local school time; an explicit offset is dropped, not converted.
    return parsed.replace(tzinfo=None)


@dataclass
class Notes:
    """Notes of one conversion; unknown fields are reported once per file and field."""

    items: list[ImportNote] = field(default_factory=list)
    _seen: set[tuple[str, str, str]] = field(default_factory=set)

    def add(self, node: Payload, field_name: str, value: str | None, message: str, *, once: str | None = None) -> None:
        key = (node.file_name, field_name, once) if once is not None else None
        if key is not None:
            if key in self._seen:
                return
            self._seen.add(key)
        self.items.append(ImportNote(node.file_name, node.path or "корень файла", field_name, value, message))

    def unknown(self, node: Payload, known: set[str]) -> None:
        for name in node.unknown_fields(known):
            self.add(node, name, None, "Неизвестное поле: не загружено (проверьте версию выгрузки)", once="unknown")
