"""Reading a journal system's files: text in UTF-8 or Windows-1251, JSON (with the line and column
of a fault, in Russian), and typed fields of a JSON object. What cannot be read refuses the import
(``ExportRefused``) naming the file, the place, the field and the problem.

Hostile files end here too (bounds in ``pipelines.limits``): a text over ``MAX_TEXT_BYTES``, an
HTML page nested deeper than ``MAX_NESTING_DEPTH`` (checked for every text read by ``read_text_file``),
JSON nested that deep or with a number longer than ``MAX_NUMBER_CHARS``."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from pipelines import guards, limits
from pipelines.issues import ExportRefused

# A page saved from a browser: as HTML, or as one file (MHTML, unpacked by ``saved_pages`` before
# any importer reads it, under its own name)
PAGE_SUFFIXES = (".html", ".htm", ".mhtml", ".mht")


def read_text_file(path: Path) -> str:
    """A file's text (UTF-8 with or without BOM, else Windows-1251); an empty file is refused.

    The texts read here are saved pages: markup nested deeper than ``MAX_NESTING_DEPTH`` is refused
    before an HTML parser sees it (JSON goes through :func:`read_json_file`)."""
    text = _decoded_text(path)
    guards.check_html_depth(text, path.name)
    return text


def _decoded_text(path: Path) -> str:
    if path.stat().st_size > limits.MAX_TEXT_BYTES:
        raise ExportRefused(
            path.name, None, None, f"файл больше {guards.megabytes(limits.MAX_TEXT_BYTES)}", rule="file_too_large"
        )
    data = path.read_bytes()
    if not data.strip():
        raise ExportRefused(path.name, None, None, "файл пуст")
    if b"\x00" in data[:4096]:
        raise ExportRefused(path.name, None, None, "файл двоичный, а ожидается текст (JSON или HTML)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        utf8_error = error
    try:
        return data.decode("cp1251")
    except UnicodeDecodeError:
        raise ExportRefused(
            path.name, f"байт {utf8_error.start + 1}", None, "текст не в UTF-8 и не в Windows-1251: файл повреждён"
        ) from None


# The first bytes of an OLE2 compound file: a workbook of Excel 97–2003 (.xls), and also a .xlsx
# encrypted with a password (its package is stored inside one).
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_SAVE_AS = "откройте её в Excel или LibreOffice и сохраните как «Книга Excel (*.xlsx)»"
_OTHER_BOOKS = {
    ".ods": f"таблица LibreOffice (.ods): {_SAVE_AS}",
    ".xlsb": f"двоичная книга Excel (.xlsb): {_SAVE_AS}",
    ".numbers": "таблица Numbers: экспортируйте её в Excel (.xlsx)",
}


def unreadable_file(path: Path) -> str | None:
    """Why a file a school saved cannot be read, in words it can act on: a workbook of Excel
    97–2003, one protected by a password, a LibreOffice or binary workbook, a text saved in UTF-16;
    None for any other file."""
    suffix = path.suffix.lower()
    if suffix in _OTHER_BOOKS:
        return _OTHER_BOOKS[suffix]
    try:
        with path.open("rb") as file:
            head = file.read(len(_OLE2))
    except OSError:
        return None
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) and suffix in (".json", *PAGE_SUFFIXES, ".csv", ".txt"):
        return "файл в кодировке UTF-16 (в Блокноте — «Юникод»): сохраните его в кодировке UTF-8"
    if suffix not in (".xls", ".xlsx", ".xlsm") or head != _OLE2:
        return None
    return (
        "книга Excel 97–2003 (.xls) или книга, защищённая паролем, не читается: откройте её в Excel или "
        "LibreOffice, снимите пароль, если он есть, и сохраните как «Книга Excel (*.xlsx)»"
    )


_STRING_OR_COMMENT = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|//[^\n]*')


def strip_json_comments(text: str) -> str:
    """Remove ``//`` line comments outside strings (СГО documentation samples carry them)."""
    if "//" not in text:
        return text
    return _STRING_OR_COMMENT.sub(lambda match: match.group(0) if match.group(0)[0] == '"' else "", text)


# json's messages are English; the user reads Russian.
_JSON_ERRORS = {
    "Expecting value": "ожидалось значение",
    "Expecting property name enclosed in double quotes": "ожидалось имя поля в двойных кавычках",
    "Expecting ',' delimiter": "ожидалась запятая",
    "Expecting ':' delimiter": "ожидалось двоеточие",
    "Unterminated string starting at": "незакрытая строка",
    "Extra data": "лишние данные после конца JSON",
    "Invalid control character at": "недопустимый управляющий символ",
    "Invalid \\escape": "неверная escape-последовательность",
}


def read_json_file(path: Path, *, allow_comments: bool = True) -> Any:
    """Parse a JSON file; broken JSON is refused with the line and column of the fault."""
    text = _decoded_text(path)
    if allow_comments:
        text = strip_json_comments(text)
    guards.check_json_depth(text, path.name)
    try:
        return json.loads(text, parse_int=_bounded(int), parse_float=_bounded(float))
    except _LongNumber as long_number:
        raise _number_refused(path.name, text, long_number.text) from None
    except RecursionError:
        raise guards.refuse(path.name, "json_too_deep", "JSON вложен слишком глубоко") from None
    except json.JSONDecodeError as error:
        raise ExportRefused(
            path.name,
            f"строка {error.lineno}, позиция {error.colno}",
            None,
            f"повреждённый JSON: {_JSON_ERRORS.get(error.msg.split(':')[0], 'синтаксическая ошибка')}",
        ) from None


class _LongNumber(ValueError):
    def __init__(self, text: str):
        super().__init__(text[:40])
        self.text = text


def _bounded(parse: type) -> Any:
    def parse_number(text: str) -> Any:
        if len(text) > limits.MAX_NUMBER_CHARS:
            raise _LongNumber(text)
        return parse(text)

    return parse_number


def _number_refused(file_name: str, text: str, number: str) -> ExportRefused:
    at = text.find(number)
    line = text.count("\n", 0, at) + 1
    column = at - text.rfind("\n", 0, at)
    return ExportRefused(
        file_name,
        f"строка {line}, позиция {column}",
        None,
        f"число из {len(number)} знаков, допустимо не больше {limits.MAX_NUMBER_CHARS}: это не значение журнала",
        rule="json_number_too_long",
    )


_KINDS = {
    "text": (str,),
    "number": (int, float),
    "integer": (int,),
    "object": (dict,),
    "list": (list,),
    "bool": (bool,),
}
_KIND_RU = {
    "text": "текст",
    "number": "число",
    "integer": "целое число",
    "object": "объект",
    "list": "список",
    "bool": "да/нет",
}


def field_of(obj: Any, key: str, kind: str, file_name: str, where: str, *, required: bool = True) -> Any:
    """``obj[key]`` checked against ``kind`` (text, number, integer, object, list, bool).

    A missing or null value is refused when ``required`` (else None); a value of another type is
    always refused. ``where`` is the JSON path of ``obj``, e.g. «weekDays[2].lessons[0]».
    """
    if not isinstance(obj, dict):
        raise ExportRefused(file_name, where or "корень", None, f"ожидается объект, а не {_type_ru(obj)}")
    value = obj.get(key)
    if value is None:
        if required:
            raise ExportRefused(file_name, where or "корень", key, "обязательное поле отсутствует или пусто")
        return None
    types = _KINDS[kind]
    if (isinstance(value, bool) and kind != "bool") or not isinstance(value, types):
        raise ExportRefused(
            file_name,
            where or "корень",
            key,
            f"ожидается {_KIND_RU[kind]}, а не {_type_ru(value)} ({short_text(value)})",
        )
    return value


def _type_ru(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "да/нет"
    for kind, types in _KINDS.items():
        if kind not in ("integer", "bool") and isinstance(value, types):
            return _KIND_RU[kind]
    return type(value).__name__


def short_text(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value
    return text if len(text) <= 40 else text[:37] + "..."
