"""Killing the ingest process mid-load (SIGKILL) leaves the warehouse as it was; a rerun succeeds."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.factories import copy_warehouse, tiny_export, write_export
from tests.pipelines.test_ingest_acceptance import loaded_once, snapshot  # noqa: F401

ROOT = Path(__file__).resolve().parents[2]

# The child ingests with a progress callback that announces each stage on stdout, so the test can
# kill it while it is inside the load transaction (after "Загрузка в хранилище" is announced).
CHILD = """
import sys
from pathlib import Path
from pipelines.ingest import ingest_path

def progress(text, done, total):
    print(text, flush=True)

ingest_path(Path(sys.argv[1]), Path(sys.argv[2]), progress=progress)
print("ГОТОВО", flush=True)
"""


def _bigger_export(folder: Path) -> Path:
    """The tiny export with many more marks, so the load phase lasts long enough to be hit."""
    data = tiny_export()
    data["export"][0]["exported_at"] = "03.06.2026 10:00"
    base = data["marks"][0]
    data["marks"] += [{**base, "mark_id": f"X{i}", "mark_value": str(2 + i % 4)} for i in range(150_000)]
    return write_export(data, folder)


@pytest.fixture(scope="module")
def big_export(tmp_path_factory) -> Path:
    """The bigger export, written once: every case only reads it."""
    return _bigger_export(tmp_path_factory.mktemp("crash") / "big")


@pytest.mark.slow
@pytest.mark.parametrize("delay", [0.0, 0.05, 0.15])
def test_sigkill_during_load_leaves_the_warehouse_unchanged(tmp_path, loaded_once, delay, big_export):  # noqa: F811
    db = copy_warehouse(loaded_once, tmp_path / "w.duckdb")  # the tiny export, loaded once per module
    before = snapshot(db)
    folder = big_export
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(folder), str(db)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert child.stdout is not None
    for line in child.stdout:
        if line.startswith("Загрузка в хранилище"):
            break
        assert not line.startswith("ГОТОВО")
    time.sleep(delay)
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL
    assert snapshot(db) == before
    rerun = subprocess.run(
        [sys.executable, "-c", CHILD, str(folder), str(db)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=300,
        check=True,
    )
    assert "ГОТОВО" in rerun.stdout
    after = snapshot(db)
    assert after["src_marks"].startswith("150005:")
