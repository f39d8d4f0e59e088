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


# An OLE2 compound file's header and a little of its directory: what Excel 97–2003 writes, and
# what Excel writes for a .xlsx protected by a password (the package encrypted inside one).
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)


@pytest.mark.parametrize(
    ("name", "data", "words"),
    [
        ("журнал 7А.xls", OLE2, "книга Excel 97–2003 (.xls) или книга, защищённая паролем"),
        ("журнал 7А.xlsx", OLE2, "книга Excel 97–2003 (.xls) или книга, защищённая паролем"),
        ("журнал 7А.ods", b"PK\x03\x04mimetypeapplication/vnd.oasis.opendocument.spreadsheet", "таблица LibreOffice"),
        ("табель.html", "<html><body>Табель</body></html>".encode("utf-16"), "файл в кодировке UTF-16"),
        ("diary.json", '{"weekDays": []}'.encode("utf-16"), "файл в кодировке UTF-16"),
    ],
)
def test_a_book_saved_in_another_format_is_refused_with_what_to_do(tmp_path, name, data, words):
    """A deputy's .xls, a workbook with a password, a LibreOffice table, a page or an answer saved
    in UTF-16: refused naming the file and saying how to save it (an .xls or a UTF-16 page was
    «формат не распознан», a protected .xlsx «файл повреждён»)."""
    from pipelines.ingest import ingest_source

    folder = tmp_path / "data"
    folder.mkdir()
    (folder / name).write_bytes(data)
    for given in (folder / name, folder):
        (result,) = ingest_source(given, tmp_path / "w.duckdb", run_by="test").results
        assert result.status == "refused"
        (issue,) = result.issues
        assert issue.file_name == name
        assert words in issue.message and "сохраните" in issue.message
    assert not (tmp_path / "w.duckdb").exists()
