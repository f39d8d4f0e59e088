"""Reading a journal system's files: text in UTF-8 or Windows-1251, JSON (with the line and column
of a fault, in Russian), and typed fields of a JSON object. What cannot be read refuses the import
(``ExportRefused``) naming the file, the place, the field and the problem."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pipelines.issues import ExportRefused


def read_text_file(path: Path) -> str:
    """A file's text (UTF-8 with or without BOM, else Windows-1251); an empty file is refused."""
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


def strip_json_comments(text: str) -> str:
    """Remove ``//`` line comments outside strings (СГО documentation samples carry them)."""
    out, i, in_string = [], 0, False
    while i < len(text):
        ch = text[i]
        if in_string:
            out.append(ch)
            if ch == "\\" and i + 1 < len(text):
                out.append(text[i + 1])
                i += 1
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
            out.append(ch)
        elif text.startswith("//", i):
            while i < len(text) and text[i] != "\n":
                i += 1
            continue
        else:
            out.append(ch)
        i += 1
    return "".join(out)


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
    text = read_text_file(path)
    if allow_comments:
        text = strip_json_comments(text)
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise ExportRefused(
            path.name,
            f"строка {error.lineno}, позиция {error.colno}",
            None,
            f"повреждённый JSON: {_JSON_ERRORS.get(error.msg.split(':')[0], 'синтаксическая ошибка')}",
        ) from None


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
