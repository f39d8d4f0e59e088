"""Run one contender in its own child process and measure its wall time and peak memory.

The child (``python -m bench.step``) starts from a fresh interpreter, so its peak resident memory
is the step's own and nothing a previous step left behind. The parent polls the child's RSS (and
that of any process it starts) every 50 ms with psutil, kills it past the memory limit, and takes
the larger of the polled peak and the child's own high-water mark (VmHWM, see bench/step.py).
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from bench.data import PROJECT_DIR

POLL_SECONDS = 0.05
MIB = 1024 * 1024


@dataclass
class StepResult:
    """What one contender did on one scale."""

    contender: str
    status: str  # "ok", "memory_limit" or "failed"
    wall_seconds: float | None = None
    process_seconds: float = 0.0
    peak_rss_bytes: int = 0
    polled_peak_bytes: int = 0
    child_hwm_bytes: int | None = None
    db_bytes: int = 0
    details: dict = field(default_factory=dict)
    error: str = ""

    @property
    def peak_mb(self) -> float:
        return self.peak_rss_bytes / MIB


def _tree_rss(process: psutil.Process) -> int:
    total = 0
    try:
        members = [process, *process.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0
    for member in members:
        with contextlib.suppress(psutil.NoSuchProcess):
            total += member.memory_info().rss
    return total


def _kill_tree(process: psutil.Process) -> None:
    try:
        members = [*process.children(recursive=True), process]
    except psutil.NoSuchProcess:
        return
    for member in members:
        with contextlib.suppress(psutil.NoSuchProcess):
            member.kill()


def _remove_db(db_path: Path) -> None:
    for path in (db_path, db_path.with_name(db_path.name + ".wal")):
        path.unlink(missing_ok=True)


def _tail(path: Path, lines: int = 15) -> str:
    text = path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""
    return "\n".join(text.splitlines()[-lines:])


def run_step(contender: str, export_path: Path, work_dir: Path, log_path: Path, memory_limit_bytes: int) -> StepResult:
    """Load ``export_path`` with ``contender`` into a fresh DuckDB file under ``work_dir``, measured."""
    work_dir.mkdir(parents=True, exist_ok=True)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    db_path = work_dir / f"{contender}.duckdb"
    result_path = work_dir / f"{contender}.json"
    _remove_db(db_path)
    result_path.unlink(missing_ok=True)
    command = [sys.executable, "-m", "bench.step", contender, str(export_path), str(db_path), str(result_path)]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(PROJECT_DIR), os.environ.get("PYTHONPATH")]))}
    peak, killed = 0, False
    clock = time.perf_counter()
    with log_path.open("w", encoding="utf-8") as log:
        child = psutil.Popen(command, cwd=PROJECT_DIR, env=env, stdout=log, stderr=subprocess.STDOUT)
        while child.poll() is None:
            rss = _tree_rss(child)
            peak = max(peak, rss)
            if rss > memory_limit_bytes:
                killed = True
                _kill_tree(child)
                child.wait()
                break
            time.sleep(POLL_SECONDS)
        returncode = child.wait()
    result = StepResult(
        contender, "ok", process_seconds=time.perf_counter() - clock, peak_rss_bytes=peak, polled_peak_bytes=peak
    )
    if db_path.exists():
        result.db_bytes = db_path.stat().st_size
    _remove_db(db_path)
    if killed:
        result.status = "memory_limit"
        return result
    if returncode != 0 or not result_path.exists():
        result.status = "failed"
        result.error = _tail(log_path) or f"код выхода {returncode}"
        return result
    payload = json.loads(result_path.read_text(encoding="utf-8"))
    result_path.unlink()
    result.wall_seconds = payload["wall_seconds"]
    result.child_hwm_bytes = payload["hwm_bytes"]
    result.peak_rss_bytes = max(peak, payload["hwm_bytes"] or 0)
    result.details = payload["details"]
    return result


def best_of(runs: list[StepResult]) -> StepResult:
    """Repeated runs of one step as one: the fastest run's time, the largest peak of all runs.

    The minimum is the run least disturbed by whatever else the machine was doing; memory does not
    get lucky the same way, so the worst peak is kept. A crash or a memory stop in any run wins.
    """
    for status in ("failed", "memory_limit"):
        bad = [r for r in runs if r.status == status]
        if bad:
            return bad[0]
    best = min(runs, key=lambda r: r.wall_seconds)
    best.peak_rss_bytes = max(r.peak_rss_bytes for r in runs)
    best.polled_peak_bytes = max(r.polled_peak_bytes for r in runs)
    if len(runs) > 1:
        best.details = {**best.details, "wall_seconds_runs": [round(r.wall_seconds, 3) for r in runs]}
    return best
