"""Generated exports for the benchmark, cached on disk keyed by their parameters.

A scale's export is written once into ``DATA/<key>/`` by data_samples.generator and reused by later
runs. Each school folder gets a ``bench-data.json`` once it is finished: the parameters, the
generator's summary (rows per file) and a fingerprint of the generator and schema sources, so a
half-written folder or one written by an older generator is regenerated rather than trusted.

Only the standard library is imported at module level: the measured child processes import this
module to find the export folders, and must not pay for the generator's imports. Generation runs
in a child process of its own.
"""

from __future__ import annotations

import hashlib
import json
import math
import multiprocessing
import os
import shutil
import sys
import time
import traceback
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
MARKER = "bench-data.json"
SEED = 42
PUPILS_PER_SCHOOL = 1000
GENERATION_ATTEMPTS = 3
_FINGERPRINTED = ("data_samples/generator/*.py", "pipelines/canonical/schemas.py")


@dataclass(frozen=True)
class Dataset:
    """One generated export (a school folder, or a folder of school folders) and its row counts."""

    scale: str
    path: Path
    n_schools: int
    files: dict[str, int]

    @property
    def n_rows(self) -> int:
        return sum(self.files.values())


def export_folders(path: Path) -> list[Path]:
    """The export folders under ``path``: itself if it holds export.csv, else its sub-folders that do."""
    if (path / "export.csv").exists():
        return [path]
    return sorted(
        p for p in path.iterdir() if p.is_dir() and not p.name.startswith(("_", ".")) and (p / "export.csv").exists()
    )


def csv_files(path: Path) -> list[Path]:
    """Every canonical CSV file of every export folder under ``path``."""
    return sorted(f for folder in export_folders(path) for f in folder.glob("*.csv"))


def warm_page_cache(path: Path) -> int:
    """Read every CSV once so that no contender pays for cold disk reads the others do not; returns bytes."""
    total = 0
    for file in csv_files(path):
        with file.open("rb") as handle:
            while chunk := handle.read(16 * 1024 * 1024):
                total += len(chunk)
    return total


def _fingerprint(patterns: tuple[str, ...] = _FINGERPRINTED) -> str:
    """A digest of the sources the cached data depends on: a change regenerates it."""
    digest = hashlib.sha256()
    for pattern in patterns:
        for file in sorted(PROJECT_DIR.glob(pattern)):
            digest.update(file.name.encode())
            digest.update(file.read_bytes())
    return digest.hexdigest()[:16]


def _cached(marker: Path, params: dict) -> dict | None:
    if not marker.exists():
        return None
    saved = json.loads(marker.read_text(encoding="utf-8"))
    if saved.get("params") != params or saved.get("fingerprint") != _fingerprint():
        return None
    return saved


def _single_threaded_polars() -> None:
    """Initializer of the generation child, run before polars is imported there."""
    os.environ["POLARS_MAX_THREADS"] = "1"


def _generate_school_child(folder: str, seed: int, n_pupils: int, school_index: int) -> dict:
    """In the generation child: one school's export; any failure comes back as a picklable error."""
    try:
        from data_samples.generator import generate_school

        return generate_school(Path(folder), seed=seed, n_pupils=n_pupils, school_index=school_index)
    except BaseException:  # a polars panic is a BaseException that does not pickle back to the parent
        raise RuntimeError(traceback.format_exc(limit=-6)) from None


def _generate_school(folder: Path, label: str, *, seed: int, n_pupils: int, school_index: int) -> dict:
    """One school into a clean ``folder`` (in a child process), retried on failure; returns the marker.

    A child keeps the generator's memory out of this process, which starts the measured steps.
    The generator sometimes dies of a panic inside polars («assertion failed: i < self.len()» in a
    string kernel) on data it writes fine on the next attempt; with one polars thread it has not
    been seen, so the child runs polars single-threaded (about as fast here) and failures are retried.
    """
    params = {"kind": "school", "seed": seed, "n_pupils": n_pupils, "school_index": school_index}
    saved = _cached(folder / MARKER, params)
    if saved is not None:
        return saved
    _say(f"генерация: {label} → {folder}")
    fingerprint = _fingerprint()  # before: the generator may be edited while it runs
    for attempt in range(1, GENERATION_ATTEMPTS + 1):
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
        clock = time.perf_counter()
        try:
            with ProcessPoolExecutor(1, multiprocessing.get_context("spawn"), _single_threaded_polars) as pool:
                summary = pool.submit(_generate_school_child, str(folder), seed, n_pupils, school_index).result()
            break
        except RuntimeError as error:
            if attempt == GENERATION_ATTEMPTS:
                raise
            _say(f"генератор упал (попытка {attempt} из {GENERATION_ATTEMPTS}), ещё раз: {str(error).splitlines()[-1]}")
    saved = {
        "params": params,
        "fingerprint": fingerprint,
        "files": summary["files"],
        "seconds_generate": round(time.perf_counter() - clock, 1),
    }
    (folder / MARKER).write_text(json.dumps(saved, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return saved


def _say(message: str) -> None:
    print(f"  · {message}", file=sys.stderr, flush=True)


def school_dataset(data_dir: Path, *, seed: int = SEED, n_pupils: int = PUPILS_PER_SCHOOL) -> Dataset:
    """One school of ``n_pupils`` pupils (generated on first use)."""
    folder = data_dir / f"school-p{n_pupils}-seed{seed}"
    saved = _generate_school(folder, f"школа на {n_pupils} учеников", seed=seed, n_pupils=n_pupils, school_index=1)
    return Dataset("school", folder, 1, saved["files"])


def schools_for_marks(region_marks: int, marks_per_school: int) -> int:
    """How many schools make at least ``region_marks`` marks (at least one)."""
    return max(1, math.ceil(region_marks / max(marks_per_school, 1)))


def region_dataset(data_dir: Path, *, n_schools: int, seed: int = SEED, n_pupils: int = PUPILS_PER_SCHOOL) -> Dataset:
    """``n_schools`` schools of ``n_pupils`` pupils, one export folder each (generated on first use).

    The same files as ``generate_region(folder, n_schools=…, pupils_per_school=…, seed=…)``, which
    is ``generate_school(folder / "sch-NNNN", seed=seed, school_index=NNNN)`` for each school; here
    each school is generated and marked on its own, so a failed school is retried and an
    interrupted generation resumes where it stopped.
    """
    folder = data_dir / f"region-{n_schools}x{n_pupils}-seed{seed}"
    totals: dict[str, int] = {}
    for index in range(1, n_schools + 1):
        school = folder / f"sch-{index:04d}"
        label = f"регион, школа {index} из {n_schools}"
        saved = _generate_school(school, label, seed=seed, n_pupils=n_pupils, school_index=index)
        for name, count in saved["files"].items():
            totals[name] = totals.get(name, 0) + count
    return Dataset("region", folder, n_schools, totals)
