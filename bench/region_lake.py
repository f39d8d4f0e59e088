"""A generated region written into one Parquet lake the way a region fills it: school by school.

Each school is generated, ingested into a warehouse file of its own (the school's installation)
and exported into the shared lake with ``warehouse.lake.export_warehouse``; its files are then
deleted, so the disk holds the lake and one school at a time per worker. Schools run in
``workers`` processes; the lake's lock serialises their exports.

School sizes are those of a real region unless ``pupils`` fixes them: log-normal with a median
of 350 pupils (σ = 0.75), 40–2 000 pupils, so a few large city schools and many small rural
ones, about 470 on average, as in Russian day schools (≈ 18 M pupils in ≈ 40 000 schools).

Progress is kept beside the lake (``progress.json``, rewritten after each school): an interrupted
run resumes with the next school, and a school exported twice replaces its own rows. A change
of the generator or the schema starts the lake afresh; :func:`existing_lake` reads a lake as it
is (``python -m bench.spark --lake``).
"""

from __future__ import annotations

import json
import math
import multiprocessing
import random
import shutil
import sys
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path

from bench.data import _FINGERPRINTED, _fingerprint, _single_threaded_polars

MEDIAN_PUPILS = 350
SIGMA = 0.75
MIN_PUPILS, MAX_PUPILS = 40, 2000
PROGRESS = "progress.json"
FINGERPRINTED = (*_FINGERPRINTED, "warehouse/migrations/*.sql")


@dataclass(frozen=True)
class RegionLake:
    path: Path
    n_schools: int
    n_pupils: int
    rows: dict[str, int]  # src_* rows per table, summed over the schools
    seconds: dict[str, float]  # generate, ingest, export: summed over the schools (CPU of the workers)
    wall_seconds: float  # of this run's preparation (0 when everything was cached)


def school_sizes(n_schools: int, seed: int, pupils: int | None = None) -> list[int]:
    """Pupils of each school: all ``pupils``, or a seeded log-normal draw clipped to 40–2 000."""
    if pupils:
        return [pupils] * n_schools
    draw = random.Random(seed)
    return [
        min(MAX_PUPILS, max(MIN_PUPILS, round(draw.lognormvariate(math.log(MEDIAN_PUPILS), SIGMA))))
        for _ in range(n_schools)
    ]


def school_into_lake(work: str, lake_path: str, index: int, n_pupils: int, seed: int) -> dict:
    """In a worker: one school generated, ingested into its own warehouse and exported to the lake."""
    from data_samples.generator import generate_school
    from pipelines.ingest import ingest_path
    from warehouse import lake
    from warehouse.db import connect

    folder = Path(work) / f"school-{index:04d}"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    try:
        started = time.perf_counter()
        generate_school(folder / "export", seed=seed + index, n_pupils=n_pupils, school_index=index)
        generated = time.perf_counter()
        (result,) = ingest_path(folder / "export", folder / "school.duckdb", run_by="bench")
        if result.status not in ("loaded", "loaded_with_rejections"):
            raise RuntimeError(f"школа {index}: загрузка не удалась ({result.status})")
        ingested = time.perf_counter()
        with connect(folder / "school.duckdb", read_only=True) as con:
            rows = lake.export_warehouse(con, Path(lake_path), schools=[result.school_id])
        exported = time.perf_counter()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return {
        "school_id": result.school_id,
        "pupils": n_pupils,
        "rows": rows,
        "seconds": {
            "generate": generated - started,
            "ingest": ingested - generated,
            "export": exported - ingested,
        },
    }


def region_lake(
    data_dir: Path, *, n_schools: int, seed: int = 42, pupils: int | None = None, workers: int = 2
) -> RegionLake:
    """The lake of a region of ``n_schools`` schools (built on first use, resumed if interrupted)."""
    sizes = school_sizes(n_schools, seed, pupils)
    key = f"region-lake-{n_schools}x{pupils or 'real'}-seed{seed}"
    root = Path(data_dir) / key
    lake_path, progress_path = root / "lake", root / PROGRESS
    params = {"n_schools": n_schools, "seed": seed, "pupils": pupils, "fingerprint": _fingerprint(FINGERPRINTED)}
    done: dict[str, dict] = {}
    if progress_path.exists():
        saved = json.loads(progress_path.read_text(encoding="utf-8"))
        if saved.get("params") == params:
            done = saved["schools"]
    if not done:
        shutil.rmtree(root, ignore_errors=True)
        root.mkdir(parents=True)
    todo = [(i, sizes[i - 1]) for i in range(1, n_schools + 1) if str(i) not in done]
    started = time.perf_counter()
    if todo:
        _say(f"озеро региона {root}: {len(todo)} школ из {n_schools} осталось, {workers} процесса")
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(workers, context, _single_threaded_polars) as pool:
            pending = {
                pool.submit(school_into_lake, str(root / "work"), str(lake_path), i, n, seed): i for i, n in todo
            }
            while pending:
                finished, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in finished:
                    index = pending.pop(future)
                    done[str(index)] = future.result()
                    _save(progress_path, params, done)
                    if len(done) % 25 == 0 or len(done) == n_schools:
                        _say(f"школ в озере: {len(done)} из {n_schools} ({time.perf_counter() - started:,.0f} с)")
        shutil.rmtree(root / "work", ignore_errors=True)
    rows: dict[str, int] = {}
    seconds: dict[str, float] = {}
    for school in done.values():
        for table, n in school["rows"].items():
            rows[table] = rows.get(table, 0) + n
        for step, s in school["seconds"].items():
            seconds[step] = seconds.get(step, 0.0) + s
    return RegionLake(
        lake_path,
        n_schools,
        sum(s["pupils"] for s in done.values()),
        rows,
        seconds,
        time.perf_counter() - started if todo else 0.0,
    )


def existing_lake(lake_path: Path) -> RegionLake:
    """A lake as it is: its rows counted, the preparation's figures from progress.json beside it."""
    import duckdb

    from warehouse import lake

    with duckdb.connect() as con:
        layouts = lake.attach_lake(con, lake_path)
        rows = {name: con.execute(f"select count(*) from {name}").fetchone()[0] for name in layouts}
        n_schools = con.execute("select count(distinct school_id) from src_school").fetchone()[0]
    progress = Path(lake_path).parent / PROGRESS
    seconds: dict[str, float] = {}
    if progress.exists():
        for school in json.loads(progress.read_text(encoding="utf-8"))["schools"].values():
            for step, s in school["seconds"].items():
                seconds[step] = seconds.get(step, 0.0) + s
    return RegionLake(Path(lake_path), n_schools, rows.get("src_pupils", 0), rows, seconds, 0.0)


def _save(path: Path, params: dict, done: dict) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"params": params, "schools": done}, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(path)


def _say(message: str) -> None:
    print(f"  · {message}", file=sys.stderr, flush=True)
