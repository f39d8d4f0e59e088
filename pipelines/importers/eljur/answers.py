"""The apiv3 envelope and the shapes its PHP server gives the same thing in.

An answer is ``{"response": {"state": 200, "error": null, "result": {...}}}`` (or a bare
``result``). ЭлЖур writes an empty object as ``[]`` (an empty PHP array), an object keyed by
id («students», «days», «items», «homework») sometimes as a list, and numbers as text or as
numbers; the helpers here read each of these the same way, keeping the JSON path of every value.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from pipelines.importers.api_payload import Payload, PayloadNotes
from pipelines.importers.eljur import fields
from pipelines.issues import ExportRefused


def result_of(node: Payload, notes: PayloadNotes) -> Payload:
    """The ``result`` of an apiv3 answer as an object (``[]`` is an empty one); an error refuses."""
    response = node.child("response", required=False) if isinstance(node.value, dict) else None
    if response is None:
        inner = node.value.get("result") if isinstance(node.value, dict) and "result" in node.value else None
        return _as_object(Payload(inner, node.file_name, "result") if inner is not None else node)
    notes.unknown(node, fields.ENVELOPE)
    notes.unknown(response, fields.RESPONSE)
    state = response.get("state", "int", required=False)
    error = response.value.get("error")
    if state not in (None, 200) or (error not in (None, "") and error != []):
        raise ExportRefused(node.file_name, response.path, "error", f"ЭлЖур вернул ошибку (state {state}): {error}")
    if response.value.get("result") is None:
        return Payload({}, node.file_name, f"{response.path}.result")
    return _as_object(Payload(response.value["result"], node.file_name, f"{response.path}.result"))


def _as_object(node: Payload) -> Payload:
    if node.value == []:
        return Payload({}, node.file_name, node.path)
    return node.expect("object")


def keyed(node: Payload, name: str, *, required: bool = False) -> list[tuple[str, Payload]]:
    """(key, value) of a field that is an object keyed by id, ``[]`` (empty) or a list (keys 0, 1, …).

    A missing or null field is empty unless ``required``."""
    node.expect("object")
    value: Any = node.value.get(name)
    if value is None:
        if required:
            raise ExportRefused(node.file_name, node.path or "корень файла", name, "нет обязательного поля")
        return []
    path = f"{node.path}.{name}" if node.path else name
    if isinstance(value, list):
        return [(str(i), Payload(v, node.file_name, f"{path}[{i}]").expect("object")) for i, v in enumerate(value)]
    if not isinstance(value, dict):
        raise ExportRefused(
            node.file_name, node.path or "корень файла", name, "ожидается объект { … } или список [ … ]"
        )
    return [(str(k), Payload(v, node.file_name, f"{path}.{k}").expect("object")) for k, v in value.items()]


def listed(node: Payload, name: str) -> list[Payload]:
    """The objects of a list field; a missing, null or empty (``{}``) one is empty. A PHP list with
    gaps in its keys comes as an object keyed by number (``{"0": …, "2": …}``): read in its order."""
    node.expect("object")
    value = node.value.get(name)
    if value is None or value == {}:
        return []
    if isinstance(value, dict) and all(re.fullmatch(r"\d+", key) for key in value):
        return [item for _, item in keyed(node, name)]
    return [item.expect("object") for item in node.items(name)]


def students(result: Payload) -> list[tuple[str, Payload]]:
    """(pupil id, answer part) of ``result.students``: an object keyed by id or a list.

    The pupil's id is the student's ``name`` (ЭлЖур's user id), else the key."""
    found = []
    for key, student in keyed(result, "students"):
        pupil = student.get("name", "id", required=False) if student.has("name") else None
        found.append((pupil or key, student))
    return found


def text(node: Payload, name: str, *, required: bool = True) -> str | None:
    """A text field that ЭлЖур may also give as a number («5» or 5)."""
    value = node.value.get(name) if isinstance(node.value, dict) else None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return f"{value:g}" if isinstance(value, float) else str(value)
    return node.get(name, "str", required=required)


def day_of(node: Payload, name: str) -> dt.date:
    """A day «20250901» (or «2025-09-01»), which a server writing numbers as numbers gives as 20250901."""
    value = node.value.get(name) if isinstance(node.value, dict) else None
    if isinstance(value, int) and not isinstance(value, bool):
        return Payload({name: str(value)}, node.file_name, node.path).get(name, "date")
    return node.get(name, "date")
