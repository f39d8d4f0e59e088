"""Every setting is documented, and the norms file is read strictly."""

from __future__ import annotations

import tomllib
from dataclasses import fields
from pathlib import Path

import pytest

from ejournal.settings import DEFAULT_NORMS_FILE, Environment, load_norms
from pipelines.canonical.docs import DOC_PATH, render

DOCS = Path(__file__).resolve().parent.parent / "docs"


def test_every_norm_in_the_toml_is_documented():
    text = (DOCS / "settings.md").read_text(encoding="utf-8")
    data = tomllib.loads(DEFAULT_NORMS_FILE.read_text(encoding="utf-8"))
    keys = [f"{section}.{key}" for section, values in data.items() for key in values]
    assert keys
    assert [k for k in keys if f"`{k}`" not in text] == []


def test_every_environment_variable_is_documented():
    text = (DOCS / "settings.md").read_text(encoding="utf-8")
    names = [f.metadata["env"] for f in fields(Environment)]
    assert [n for n in names if f"`{n}`" not in text] == []


def test_unknown_validation_setting_is_refused(tmp_path):
    path = tmp_path / "norms.toml"
    path.write_text("[validation]\nallow_lesons_on_holidays = true\n", encoding="utf-8")
    with pytest.raises(ValueError, match="allow_lesons_on_holidays"):
        load_norms(path)


def test_norms_are_read_from_the_file(tmp_path):
    path = tmp_path / "norms.toml"
    path.write_text("[validation]\nallow_lessons_on_holidays = true\nbatch_rows = 10\n", encoding="utf-8")
    norms = load_norms(path)
    assert norms.validation.allow_lessons_on_holidays is True
    assert norms.validation.batch_rows == 10


def test_canonical_export_doc_matches_the_models():
    assert DOC_PATH.read_text(encoding="utf-8") == render(), "run: python -m pipelines.canonical.docs"


def test_default_norms_file_is_generated_from_the_descriptions():
    from ejournal.settings import Norms, norms_toml

    assert DEFAULT_NORMS_FILE.read_text(encoding="utf-8") == norms_toml(Norms())


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("[timeliness]\nmark_entry_days = 'два'\n", "mark_entry_days: ожидается целое число"),
        ("[timeliness]\nmark_edit_window_days = 10\n", "допустимо одно из 0, 7, 14, 21, 30"),
        ("[attendance]\nchronic_absence_share = -0.1\n", "не может быть отрицательным"),
        ("[attestation]\nnot_a_topic_pattern = '(('\n", "неверное регулярное выражение"),
        ("[timeliness]\nwritten_work_types = [1, 2]\n", "ожидается список строк"),
        ("[timelines]\nmark_entry_days = 2\n", "неизвестные разделы: timelines"),
    ],
)
def test_bad_norm_values_are_named(tmp_path, text, needle):
    path = tmp_path / "norms.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match=needle):
        load_norms(path)


def test_saved_norms_round_trip_and_are_preferred(tmp_path, monkeypatch):
    from dataclasses import replace

    from ejournal.settings import Norms, editable_norms_file, environment, save_norms

    monkeypatch.delenv("EJOURNAL_NORMS", raising=False)
    monkeypatch.setenv("EJOURNAL_HOME", str(tmp_path))
    assert environment().norms_file == DEFAULT_NORMS_FILE
    norms = Norms()
    changed = replace(norms, timeliness=replace(norms.timeliness, mark_entry_days=3, written_work_types=("Диктант",)))
    save_norms(changed, editable_norms_file())
    assert environment().norms_file == tmp_path / "norms.toml"
    again = load_norms()
    assert again.timeliness.mark_entry_days == 3
    assert again.timeliness.written_work_types == ("Диктант",)
    assert again.attestation == norms.attestation
