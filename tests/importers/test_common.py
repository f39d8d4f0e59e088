"""The shared helpers: JSON with comments, typed fields, the subject catalogue, work-type weights
from the school's norms, absence codes, and the [importers] norms."""

from __future__ import annotations

import pytest

from ejournal.settings import ImporterNorms, Norms, load_norms
from pipelines.importers.absences import map_absence_code
from pipelines.importers.notes import Notes
from pipelines.importers.reading import field_of, read_json_file, strip_json_comments
from pipelines.importers.subjects import load_subject_catalogue
from pipelines.importers.work_types import WorkTypes
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


def test_catalogue_maps_aliases_and_reports_unknown_subjects():
    catalogue = load_subject_catalogue()
    notes = Notes()
    assert catalogue.resolve("Информатика и ИКТ", notes, "f", "x") == "informatics"
    assert catalogue.resolve("  АНГЛИЙСКИЙ   язык ", notes, "f", "x") == "english"
    assert notes == []
    unknown = catalogue.resolve("Алхимия", notes, "f", "x")
    assert unknown == "s:алхимия" and len(notes) == 1
    assert {row["subject_id"] for row in catalogue.table()} == {"informatics", "english", "s:алхимия"}


def test_catalogue_with_one_name_for_two_subjects_is_refused(tmp_path):
    path = tmp_path / "subjects.toml"
    path.write_text('[a]\nname = "Алгебра"\n[b]\nname = "Математика"\naliases = ["алгебра"]\n', encoding="utf-8")
    with pytest.raises(ExportRefused, match="уже означает предмет"):
        load_subject_catalogue(path)


def test_work_type_weight_comes_from_source_then_school_then_default():
    notes = Notes()
    types = WorkTypes(Norms(importers=ImporterNorms(1.5, {"Контрольная работа": 3})), notes)
    types.resolve("Тест", "f", "x", weight=2)
    types.resolve("контрольная  работа", "f", "y")
    types.resolve("Проект", "f", "z")
    weights = {row["work_type_name"]: (row["weight"], row["is_control"]) for row in types.table()}
    assert weights == {"Тест": ("2", "нет"), "контрольная  работа": ("3", "да"), "Проект": ("1.5", "нет")}
    assert [n.value for n in notes] == ["Проект"]


def test_absence_codes_known_and_unknown():
    notes = Notes()
    got = [map_absence_code(c, notes, "f", "x", "a") for c in ("Н", "УП", "Ill", "ОП.", "", None, "Attend", "Ж")]
    assert got == ["н", "у", "б", "оп", None, None, None, "н"]
    assert len(notes) == 1 and "«Ж»" in notes[0].message


def test_importer_norms_are_checked(tmp_path):
    path = tmp_path / "norms.toml"
    path.write_text("[importers]\ndefault_work_weight = 0\n", encoding="utf-8")
    with pytest.raises(ValueError, match="default_work_weight"):
        load_norms(path)
    path.write_text("[importers]\ndefault_weight = 1\n", encoding="utf-8")
    with pytest.raises(ValueError, match="default_weight"):
        load_norms(path)
    path.write_text('[importers]\nwork_type_weights = { "Тест" = 2 }\n', encoding="utf-8")
    assert load_norms(path).importers == ImporterNorms(1.0, {"Тест": 2.0})


def test_unknown_fields_are_noted_once_per_file_and_field_and_known_ones_never():
    notes = Notes()
    lessons = [{"id": 1, "room": "12", "colour": "red"}, {"id": 2, "colour": "blue", "relay": 1}]
    for i, lesson in enumerate(lessons):
        notes.unknown_fields(lesson, {"id", "room"}, "a.json", f"lessons[{i}]")
    notes.unknown_fields(lessons[0], {"id", "room"}, "b.json", "lessons[0]")  # another file: noted again
    notes.unknown_fields({"extra": 1}, {"id"}, "a.json", "")
    notes.unknown_fields(["not", "an", "object"], {"id"}, "a.json", "x")  # wrong shapes are field_of's business
    assert [(n.file_name, n.location, n.field) for n in notes] == [
        ("a.json", "lessons[0]", "colour"),
        ("a.json", "lessons[1]", "relay"),
        ("b.json", "lessons[0]", "colour"),
        ("a.json", "корень файла", "extra"),
    ]
    assert all(n.message.startswith("неизвестное поле") for n in notes)
