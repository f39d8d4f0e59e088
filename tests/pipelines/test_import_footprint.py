"""A loading process does not carry pandas: pandera is used in its polars-only form.

pandera's package imports pandas when it is installed (here it is: the dashboard and the bench
need it) and asks for it again at its first validation. Each time the ingest's memory grew by
about 60 MB (pipelines/__init__.py). Nor hypothesis, which pandera imports for data synthesis. These run in a new interpreter: the test process itself has
long imported pandas."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SMALL = ROOT / "data_samples" / "small"

INGEST_CHILD = """
import json, sys
from pathlib import Path
from pipelines.ingest import ingest_path

results = ingest_path(Path(sys.argv[1]), Path(sys.argv[2]))
print(json.dumps({
    "pandas": sorted(m for m in sys.modules if m.partition(".")[0] in ("pandas", "pyspark")),
    "hypothesis": sorted(m for m in sys.modules if m.partition(".")[0] == "hypothesis"),
    "statuses": [r.status for r in results],
    "issues": sum(len(r.issues) for r in results),
}))
"""


def _run(code: str, *args: str, first: str = "") -> dict:
    done = subprocess.run(
        [sys.executable, "-c", first + code, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=120,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_an_ingest_validates_without_importing_pandas(tmp_path):
    found = _run(INGEST_CHILD, str(SMALL), str(tmp_path / "w.duckdb"))
    assert found["statuses"] and all(status.startswith("loaded") for status in found["statuses"])
    assert found["pandas"] == []
    # pandera's polars checks import its data-synthesis strategies, and those hypothesis when it
    # is installed (it is, for the tests): 0.05 s and 6 MB of every loading process
    assert found["hypothesis"] == []


def test_a_process_that_imported_pandas_first_loads_the_same(tmp_path):
    alone = _run(INGEST_CHILD, str(SMALL), str(tmp_path / "a.duckdb"))
    after_pandas = _run(INGEST_CHILD, str(SMALL), str(tmp_path / "b.duckdb"), first="import pandas\n")
    assert "pandas" in after_pandas["pandas"]
    assert (after_pandas["statuses"], after_pandas["issues"]) == (alone["statuses"], alone["issues"])


def test_pandas_still_serves_polars_after_a_load(tmp_path):
    """polars looks for pandas once, when it is imported; imported inside the window where pandas is
    unseen, it took pandas for missing in that process for good, and a dashboard table of no
    columns (``to_pandas`` through polars' own handle of pandas) failed after an upload."""
    after = """
import polars as pl
frame = pl.DataFrame().to_pandas()
print(json.dumps({"shape": list(frame.shape)}))
"""
    found = _run(INGEST_CHILD + after, str(SMALL), str(tmp_path / "w.duckdb"))
    assert found["shape"] == [0, 0]
