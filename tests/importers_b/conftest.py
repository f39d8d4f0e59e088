from __future__ import annotations

import json
from pathlib import Path

import pytest

from ejournal.settings import Norms, ValidationNorms
from pipelines.importers.contract import ImportContext
from pipelines.ingest import ingest_path


@pytest.fixture
def context() -> ImportContext:
    return ImportContext(norms=Norms(validation=ValidationNorms()))


@pytest.fixture
def load(tmp_path):
    """Ingest a canonical folder into a fresh warehouse; returns (result, warehouse path)."""
    counter = {"n": 0}

    def run(folder: Path):
        counter["n"] += 1
        db = tmp_path / f"w{counter['n']}.duckdb"
        (result,) = ingest_path(folder, db, norms=Norms(validation=ValidationNorms()), run_by="test")
        return result, db

    return run


def write_json(folder: Path, files: dict[str, object]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, payload in files.items():
        (folder / name).write_text(json.dumps(payload, ensure_ascii=False, indent=1), encoding="utf-8")
    return folder
