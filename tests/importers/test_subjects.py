"""The subject catalogue (pipelines/importers/subjects.py)."""

from __future__ import annotations

import pytest

from pipelines.importers.notes import Notes
from pipelines.importers.subjects import load_subject_catalogue
from pipelines.issues import ExportRefused


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
