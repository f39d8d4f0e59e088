"""Notes of a conversion (pipelines/importers/notes.py)."""

from __future__ import annotations

from pipelines.importers.notes import Notes


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
