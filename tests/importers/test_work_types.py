"""Work-type weights from the source, the school's norms or the default, and the [importers] norms
(pipelines/importers/work_types.py)."""

from __future__ import annotations

import pytest

from ejournal.settings import ImporterNorms, Norms, load_norms
from pipelines.importers.notes import Notes
from pipelines.importers.work_types import WorkTypes


def test_work_type_weight_comes_from_source_then_school_then_default():
    notes = Notes()
    types = WorkTypes(Norms(importers=ImporterNorms(1.5, {"Контрольная работа": 3})), notes)
    types.resolve("Тест", "f", "x", weight=2)
    types.resolve("контрольная  работа", "f", "y")
    types.resolve("Проект", "f", "z")
    weights = {row["work_type_name"]: (row["weight"], row["is_control"]) for row in types.table()}
    assert weights == {"Тест": ("2", "нет"), "контрольная  работа": ("3", "да"), "Проект": ("1.5", "нет")}
    assert [n.value for n in notes] == ["Проект"]


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
