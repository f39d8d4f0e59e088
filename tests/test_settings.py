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
