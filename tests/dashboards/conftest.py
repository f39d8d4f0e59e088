from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.ingest import ingest_path

SAMPLE = Path(__file__).resolve().parents[2] / "data_samples" / "small"


@pytest.fixture(scope="session")
def sample_db(tmp_path_factory) -> Path:
    """The committed sample school loaded into a warehouse the dashboard reads."""
    db = tmp_path_factory.mktemp("dash") / "sample.duckdb"
    (result,) = ingest_path(SAMPLE, db)
    assert result.status == "loaded"
    return db
