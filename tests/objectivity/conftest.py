"""A generated school (4 parallels, 8 subjects, 200 pupils) with the generator's planted cases,
loaded into a warehouse once per session; raw CSV read back independently for expectations."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl
import pytest

from data_samples.generator import generate_school
from pipelines.canonical.schemas import FILES
from pipelines.ingest import ingest_path
from tests.data_samples.generated_csv import read_text_csv, read_typed

SCHOOL_ARGS = {
    "seed": 3,
    "n_pupils": 200,
    "grades": [5, 6, 7, 8],
    "subject_ids": ["rus", "math", "alg", "eng", "hist", "bio", "geo", "soc"],
}


@dataclass(frozen=True)
class School:
    folder: Path
    db: Path
    frames: dict[str, pl.DataFrame]
    planted: pl.DataFrame


@pytest.fixture(scope="session")
def school(tmp_path_factory) -> School:
    folder = tmp_path_factory.mktemp("objectivity") / "export"
    generate_school(folder, **SCHOOL_ARGS)
    db = folder.parent / "school.duckdb"
    (result,) = ingest_path(folder, db)
    assert result.status == "loaded"
    frames = {f.name: read_typed(folder / f"{f.name}.csv", f.model) for f in FILES}
    planted = read_text_csv(folder / "_truth" / "planted.csv")
    return School(folder, db, frames, planted)
