"""Reading a system's files: JSON with comments, broken JSON located by line and column, typed
fields (pipelines/importers/reading.py)."""

from __future__ import annotations

import pytest

from pipelines.importers.reading import field_of, read_json_file, strip_json_comments
from pipelines.issues import ExportRefused


def test_comments_are_stripped_but_not_inside_strings(tmp_path):
    path = tmp_path / "c.json"
    path.write_text('{\n  // comment\n  "url": "https://sgo.example/x", // tail\n  "n": 1\n}', encoding="utf-8")
    assert read_json_file(path) == {"url": "https://sgo.example/x", "n": 1}
    assert strip_json_comments('"a\\"//b"') == '"a\\"//b"'


def test_broken_json_names_line_and_column(tmp_path):
    path = tmp_path / "b.json"
    path.write_text('{"a": 1,\n "b": }', encoding="utf-8")
    with pytest.raises(ExportRefused) as caught:
        read_json_file(path)
    assert caught.value.location == "строка 2, позиция 7"
    assert "повреждённый JSON" in caught.value.problem


@pytest.mark.parametrize(
    ("obj", "kind", "problem"),
    [
        ({}, "text", "обязательное поле отсутствует или пусто"),
        ({"x": None}, "text", "обязательное поле отсутствует или пусто"),
        ({"x": 5}, "text", "ожидается текст, а не число (5)"),
        ({"x": True}, "integer", "ожидается целое число, а не да/нет (true)"),
        ({"x": 1.5}, "integer", "ожидается целое число, а не число (1.5)"),
        ({"x": "1"}, "number", "ожидается число, а не текст (1)"),
    ],
)
def test_field_of_refuses_missing_and_wrong_types(obj, kind, problem):
    with pytest.raises(ExportRefused) as caught:
        field_of(obj, "x", kind, "f.json", "weekDays[1]")
    assert (caught.value.location, caught.value.field, caught.value.problem) == ("weekDays[1]", "x", problem)
