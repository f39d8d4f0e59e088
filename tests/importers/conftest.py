from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest


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
