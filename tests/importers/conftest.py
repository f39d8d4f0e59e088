from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from ejournal.settings import Norms, ValidationNorms
from pipelines.importers.contract import ImportContext
from pipelines.ingest import ingest_path


@pytest.fixture(scope="session")
def _warehouses(tmp_path_factory) -> dict:
    return {"dir": tmp_path_factory.mktemp("warehouses"), "built": set()}


@pytest.fixture
def preloaded(_warehouses, tmp_path) -> Callable[[str, Callable[[Path], object]], Path]:
    """A warehouse already holding a good load: built once per session, copied for each test."""

    def make(key: str, load: Callable[[Path], object]) -> Path:
        source = _warehouses["dir"] / f"{key}.duckdb"
        if key not in _warehouses["built"]:
            load(source)
            _warehouses["built"].add(key)
        db = tmp_path / "w.duckdb"
        for suffix in ("", ".wal"):
            if Path(f"{source}{suffix}").exists():
                shutil.copy(f"{source}{suffix}", f"{db}{suffix}")
        return db

    return make


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
