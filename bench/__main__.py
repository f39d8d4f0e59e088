"""`python -m bench` (what `make bench` runs): generate or reuse the exports, measure, report.

Exit code 0 whatever the figures are (timings are printed, never asserted); 1 when a step or the
data generation crashed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import sys
from pathlib import Path

from bench.contenders import CONTENDERS, CONTENDERS_BY_NAME, Contender
from bench.data import PROJECT_DIR, Dataset, region_dataset, school_dataset, schools_for_marks, warm_page_cache
from bench.measure import MIB, StepResult, best_of, run_step
from bench.report import ScaleRun, environment_facts, text_table, write_results


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench", description="Замер скорости и памяти загрузки выгрузки против DuckDB и pandas+pandera."
    )
    parser.add_argument(
        "--scale",
        choices=("school", "region", "all", "documents"),
        default="all",
        help="что мерить (по умолчанию all — школа и регион; documents — официальные документы 1–4 по всей школе)",
    )
    parser.add_argument(
        "--region-marks",
        type=int,
        default=20_000_000,
        help="сколько отметок в регионе: школ на 1000 учеников берётся столько, чтобы набрать это число (20 000 000)",
    )
    parser.add_argument(
        "--data", type=Path, default=PROJECT_DIR / "var" / "bench-data", help="кэш выгрузок (var/bench-data)"
    )
    parser.add_argument(
        "--out", type=Path, default=PROJECT_DIR / "bench" / "results", help="куда писать JSON и Markdown"
    )
    parser.add_argument(
        "--contenders",
        default=",".join(c.name for c in CONTENDERS),
        help="через запятую, из: " + ", ".join(c.name for c in CONTENDERS),
    )
    parser.add_argument(
        "--repeat", type=int, default=1, help="прогонов каждого шага: берётся лучшее время и худший пик (1)"
    )
    parser.add_argument(
        "--memory-limit-gb", type=float, default=16.0, help="шаг, превысивший столько ГБ, останавливается (16)"
    )
    parser.add_argument("--no-tiny", action="store_true", help="не мерить малую выгрузку (data_samples/small)")
    parser.add_argument("--period", default="2 четверть", help="период для --scale documents («2 четверть»)")
    parser.add_argument("--workers", type=int, default=2, help="процессов отрисовки для --scale documents (2)")
    args = parser.parse_args(argv)
    unknown = [c for c in args.contenders.split(",") if c not in CONTENDERS_BY_NAME]
    if unknown:
        parser.error(f"неизвестные участники: {', '.join(unknown)}")
    return args


def _tiny_seconds(data: Path) -> float:
    """The committed small export ingested in this process, warm (bench/tiny.py: best of 5)."""
    from bench.tiny import SAMPLE, warm

    _say(f"[tiny] {SAMPLE.name}: загрузка в процессе, лучшая из 5 после первой")
    work = data / "work" / "tiny"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    os.environ.setdefault("EJOURNAL_HOME", str(work / "home"))  # the access store and logs, not the user's
    try:
        return warm(5, work)["wall"]
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _datasets(args: argparse.Namespace) -> list[Dataset]:
    scales = ("school", "region") if args.scale == "all" else (args.scale,)
    school = school_dataset(args.data)
    found = []
    if "school" in scales:
        found.append(school)
    if "region" in scales:
        n_schools = schools_for_marks(args.region_marks, school.files["marks"])
        found.append(region_dataset(args.data, n_schools=n_schools))
    return found


def measure_scale(dataset: Dataset, chosen: list[Contender], args: argparse.Namespace) -> tuple[ScaleRun, bool]:
    """Every chosen contender on one dataset, ``--repeat`` times round-robin; (the run, whether a step crashed)."""
    run = ScaleRun(dataset, csv_bytes=warm_page_cache(dataset.path))
    _say(f"[{dataset.scale}] {dataset.n_schools} шк., {dataset.n_rows:,} строк".replace(",", " "))
    limit = int(args.memory_limit_gb * 1024 * MIB)
    attempts: dict[str, list[StepResult]] = {c.name: [] for c in chosen}
    crashed = False
    for attempt in range(1, max(args.repeat, 1) + 1):
        for contender in chosen:
            if attempts[contender.name] and attempts[contender.name][-1].status != "ok":
                continue  # a crash or a memory stop is not retried
            _say(f"[{dataset.scale}] {contender.name} (прогон {attempt}): {contender.description}")
            step = run_step(
                contender.name,
                dataset.path,
                work_dir=args.data / "work" / dataset.scale,
                log_path=args.out / "logs" / f"{dataset.scale}-{contender.name}.log",
                memory_limit_bytes=limit,
            )
            seconds = f"{step.wall_seconds:.2f} с" if step.wall_seconds is not None else "—"
            _say(f"[{dataset.scale}] {contender.name}: {step.status}, {seconds}, пик {step.peak_mb:.0f} МБ")
            if step.status == "failed":
                crashed = True
                _say(step.error)
            attempts[contender.name].append(step)
    run.steps = [best_of(attempts[c.name]) for c in chosen]
    return run, crashed


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.scale == "documents":
        from bench.documents import main as documents_main

        return documents_main(args.data, args.out, args.period, args.workers)
    started = dt.datetime.now()
    chosen = [c for c in CONTENDERS if c.name in args.contenders.split(",")]
    _say("Подготовка данных")
    try:
        datasets = _datasets(args)
    except Exception as error:
        _say(f"Не удалось получить выгрузки (генератор data_samples.generator):\n{error}")
        return 1
    tiny_seconds = None if args.no_tiny else _tiny_seconds(args.data)
    runs, crashed = [], False
    for dataset in datasets:
        run, step_crashed = measure_scale(dataset, chosen, args)
        runs.append(run)
        crashed |= step_crashed
    print(text_table(runs, tiny_seconds), flush=True)
    json_path, md_path = write_results(args.out, runs, environment_facts(started), started, tiny_seconds)
    print(f"\nЗаписано: {json_path}, {md_path}")
    return 1 if crashed else 0


if __name__ == "__main__":
    sys.exit(main())
