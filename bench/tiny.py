"""The tiny-export case: the committed small export (data_samples/small, a class-year) ingested
into a new empty warehouse, warm in this process and cold in a fresh one, against the target of
the issue «Ingest at the engine's speed»: in-process ingest < 0.5 s.

    .venv/bin/python -m bench.tiny [--repeat 5] [--cold 3]

Figures are printed, never asserted. «Тепло» is the best of ``--repeat`` calls after a first call
in the same process (imports done, pandera and DuckDB warmed up); «первый вызов» is that first
call. «Холодно» is a new interpreter: the whole process (start, imports, ingest, publish) and,
inside it, the imports and the ingest on their own (best of ``--cold``). Processor time is printed
beside wall time: on a shared machine wall time grows with the load, processor time hardly does.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

SAMPLE = Path(__file__).resolve().parent.parent / "data_samples" / "small"
PROJECT_DIR = SAMPLE.parent.parent
TARGET_SECONDS = 0.5

_COLD = """
import json, sys, time
from pathlib import Path
started = time.perf_counter()
from pipelines.ingest import ingest_path
imported = time.perf_counter()
(result,) = ingest_path(Path(sys.argv[1]), Path(sys.argv[2]), run_by="bench")
done = time.perf_counter()
print(json.dumps({"status": result.status, "imports": imported - started, "ingest": done - imported}))
"""


def _timed(step: Callable[[], object]) -> tuple[float, float]:
    """(wall seconds, processor seconds of this process, all threads) of one call."""
    wall, cpu = time.perf_counter(), time.process_time()
    step()
    return time.perf_counter() - wall, time.process_time() - cpu


def warm(repeat: int, work: Path) -> dict:
    from pipelines.ingest import ingest_path

    counter = iter(range(10**6))
    parts: dict[str, float] = {}

    def ingest() -> None:
        (result,) = ingest_path(SAMPLE, work / f"warm{next(counter)}.duckdb", run_by="bench")
        assert result.status == "loaded", result.issues[:3]
        parts.update(validate=result.seconds_validate, load=result.seconds_load)

    first = _timed(ingest)
    runs = [(*_timed(ingest), parts["validate"], parts["load"]) for _ in range(repeat)]
    best = min(runs)
    return {"first": first[0], "wall": best[0], "cpu": best[1], "validate": best[2], "load": best[3]}


def cold(repeat: int, work: Path) -> dict | None:
    """Best of ``repeat`` new processes; None when none is asked for (``--cold 0``)."""
    if repeat < 1:
        return None
    env = {**os.environ, "PYTHONPATH": str(PROJECT_DIR), "EJOURNAL_HOME": str(work / "home")}
    env["EJOURNAL_ACCESS_DB"] = str(work / "home" / "access.sqlite")
    runs = []
    for n in range(repeat):
        started = time.perf_counter()
        out = subprocess.run(
            [sys.executable, "-c", _COLD, str(SAMPLE), str(work / f"cold{n}.duckdb")],
            env=env,
            capture_output=True,
            text=True,
            check=True,
            cwd=PROJECT_DIR,
        )
        figures = json.loads(out.stdout.strip().splitlines()[-1])
        assert figures["status"] == "loaded", figures
        runs.append((time.perf_counter() - started, figures["imports"], figures["ingest"]))
    best = min(runs)
    return {"process": best[0], "imports": best[1], "ingest": best[2]}


def text_report(n_rows: int, w: dict, c: dict | None) -> str:
    load = os.getloadavg()[0]
    lines = [
        f"Малая выгрузка {SAMPLE.relative_to(PROJECT_DIR)}: {n_rows} строк; load average {load:.1f}",
        f"{'замер':<34} {'с':>6} {'цель, с':>8} {'× цели':>7}",
        f"{'в процессе, тепло (лучшее)':<34} {w['wall']:>6.3f} {TARGET_SECONDS:>8.2f} {w['wall'] / TARGET_SECONDS:>7.2f}",
        f"{'  процессорное время':<34} {w['cpu']:>6.3f} {TARGET_SECONDS:>8.2f} {w['cpu'] / TARGET_SECONDS:>7.2f}",
        f"{'  проверка / загрузка':<34} {w['validate']:>6.3f} / {w['load']:.3f}",
        f"{'в процессе, первый вызов':<34} {w['first']:>6.3f}",
    ]
    if c is not None:
        lines += [
            f"{'холодно: весь процесс':<34} {c['process']:>6.3f}",
            f"{'  импорт pipelines.ingest':<34} {c['imports']:>6.3f}",
            f"{'  загрузка (первый вызов)':<34} {c['ingest']:>6.3f}",
        ]
    return "\n".join(lines)


def _at_least(low: int) -> Callable[[str], int]:
    def count(text: str) -> int:
        if not text.strip().isdigit() or int(text) < low:
            raise argparse.ArgumentTypeError(f"ожидается целое число не меньше {low}, а не «{text}»")
        return int(text)

    return count


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=_at_least(1), default=5, help="тёплых прогонов, берётся лучший (5)")
    parser.add_argument(
        "--cold", type=_at_least(0), default=3, help="холодных процессов, берётся лучший (3; 0 — не мерить)"
    )
    args = parser.parse_args(argv)
    n_rows = sum(max(len(p.read_text(encoding="utf-8").splitlines()) - 1, 0) for p in SAMPLE.glob("*.csv"))
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        os.environ.setdefault("EJOURNAL_HOME", str(work / "home"))
        os.environ.setdefault("EJOURNAL_ACCESS_DB", str(work / "home" / "access.sqlite"))
        cold_figures = cold(args.cold, work)  # before this process imports anything heavy
        warm_figures = warm(args.repeat, work)
    print(text_report(n_rows, warm_figures, cold_figures), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
