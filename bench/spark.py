"""The models of a generated region built on DuckDB and on Spark local[2] over the same lake.

    .venv/bin/python -m bench.spark [--schools 8] [--pupils 1000] [--warehouse ПУТЬ] [--data var/bench-data]

Without ``--warehouse`` a region of ``--schools`` schools is generated (cached in ``--data``,
like ``make bench``) and ingested into a DuckDB warehouse; its ``src_*`` tables are exported to
a Parquet lake. Each engine then builds every model from that lake and writes the marts back,
in its own child process (Spark: the Python driver and its JVM), whose wall time and peak
memory of the whole process tree are measured. Figures are printed, never asserted; the last
lines reason from the measured per-row costs about the size at which Spark pays off.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil

from bench.data import PROJECT_DIR, region_dataset
from bench.measure import MIB, POLL_SECONDS, _tree_rss


def child(engine: str, lake_path: Path) -> dict:
    """In the child: build every model on one engine; returns its timings."""
    from warehouse import spark_build

    started = time.perf_counter()
    if engine == "duckdb":
        counts = spark_build.build_on_duckdb(lake_path)
        return {"build_seconds": time.perf_counter() - started, "start_seconds": 0.0, "rows": counts}
    # more shuffle partitions than cores keep each aggregation within the executor's memory
    spark = spark_build.spark_session("local[2]", shuffle_partitions=16, memory="4g")
    spark.sql("select 1").collect()
    session_ready = time.perf_counter()
    try:
        counts = spark_build.build_on_spark(spark, lake_path)
    finally:
        spark.stop()
    return {
        "build_seconds": time.perf_counter() - session_ready,
        "start_seconds": session_ready - started,
        "rows": counts,
    }


def run_child(engine: str, lake_path: Path) -> dict:
    command = [sys.executable, "-m", "bench.spark", "--child", engine, "--lake", str(lake_path)]
    log = lake_path.parent / f"{engine}.log"
    started = time.perf_counter()
    with log.open("w") as errors:
        process = subprocess.Popen(command, cwd=PROJECT_DIR, stdout=subprocess.PIPE, stderr=errors, text=True)
        peak, out = _watch(process)
    if process.returncode != 0:
        raise RuntimeError(f"{engine}: сборка упала (код {process.returncode}), журнал: {log}")
    result = json.loads(out.strip().splitlines()[-1])
    result.update(wall_seconds=time.perf_counter() - started, peak_rss_mib=peak / MIB)
    print(
        f"{engine}: старт {result['start_seconds']:.1f} с, сборка {result['build_seconds']:.1f} с, "
        f"пик памяти {result['peak_rss_mib']:,.0f} МиБ",
        flush=True,
    )
    return result


def _watch(process: subprocess.Popen) -> tuple[int, str]:
    """Wait for the child, polling the RSS of its whole tree; returns the peak in bytes and its output."""
    peak = 0
    done = threading.Event()

    def poll() -> None:
        nonlocal peak
        handle = psutil.Process(process.pid)
        while not done.is_set():
            peak = max(peak, _tree_rss(handle))
            time.sleep(POLL_SECONDS)

    watcher = threading.Thread(target=poll, daemon=True)
    watcher.start()
    out, _ = process.communicate()
    done.set()
    watcher.join()
    return peak, out


def prepare(args) -> tuple[Path, dict[str, int]]:
    """A warehouse (given or generated and ingested) exported to a fresh lake; source rows per table."""
    import duckdb

    from pipelines.ingest import ingest_path
    from warehouse import lake

    work = Path(args.data) / "spark-bench"
    work.mkdir(parents=True, exist_ok=True)
    warehouse = Path(args.warehouse) if args.warehouse else work / f"region-{args.schools}x{args.pupils}.duckdb"
    if not args.warehouse and not warehouse.exists():
        dataset = region_dataset(Path(args.data), n_schools=args.schools, n_pupils=args.pupils)
        for folder in sorted(p for p in dataset.path.iterdir() if p.is_dir()):
            ingest_path(folder, warehouse, run_by="bench")
    lake_path = work / "lake"
    shutil.rmtree(lake_path, ignore_errors=True)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        started = time.perf_counter()
        counts = lake.export_warehouse(con, lake_path)
        print(
            f"озеро: {sum(counts.values()):,} строк src_* за {time.perf_counter() - started:.1f} с, "
            f"{sum(f.stat().st_size for f in lake_path.rglob('*.parquet')) / MIB:,.0f} МиБ Parquet"
        )
        schools = con.execute("select count(*) from src_school").fetchone()[0]
    return lake_path, {"schools": schools, **counts}


def report(sources: dict[str, int], results: dict[str, dict]) -> None:
    rows_in = sum(v for k, v in sources.items() if k.startswith("src_"))
    print(f"\nшкол: {sources['schools']}, строк на входе (src_*): {rows_in:,}")
    print(
        f"{'движок':<8} {'старт, с':>9} {'сборка, с':>10} {'всего, с':>9} {'пик памяти, МиБ':>16} {'мкс на строку':>14}"
    )
    for engine, r in results.items():
        per_row = r["build_seconds"] / rows_in * 1e6
        print(
            f"{engine:<8} {r['start_seconds']:>9.1f} {r['build_seconds']:>10.1f} {r['wall_seconds']:>9.1f} "
            f"{r['peak_rss_mib']:>16,.0f} {per_row:>14.2f}"
        )
    duck, spark = results["duckdb"], results["spark"]
    ratio = spark["build_seconds"] / max(duck["build_seconds"], 1e-9)
    print(f"\nSpark local[2] тратит на строку в {ratio:.1f} раза больше DuckDB на тех же двух ядрах.")
    per_row_duck = duck["build_seconds"] / rows_in  # seconds per source row on 2 cores
    for server_cores in (16, 64):
        needed = ratio * server_cores
        print(
            f"Против DuckDB на сервере в {server_cores} ядер Spark выигрывает по времени, когда у кластера больше "
            f"~{needed:,.0f} ядер (масштабирование линейное — оптимистично для Spark)."
        )
    bytes_per_row = duck["peak_rss_mib"] * MIB / rows_in
    print(
        f"Пик памяти DuckDB — {bytes_per_row:,.0f} байт на строку входа: при 1 млрд строк это ~"
        f"{bytes_per_row * 1e9 / 1024**3:,.0f} ГиБ, больше памяти одного сервера; DuckDB тогда пишет на диск "
        "(memory_limit), а кластер Spark держит раздел в памяти каждого узла."
    )
    for rows in (1e9, 1e10):
        hours = per_row_duck * rows * 2 / 16 / 3600
        print(f"{rows:,.0f} строк: DuckDB на 16 ядрах ≈ {hours:,.1f} ч (по измеренной цене строки).")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--schools", type=int, default=8)
    parser.add_argument("--pupils", type=int, default=1000)
    parser.add_argument("--warehouse", help="готовое хранилище DuckDB вместо генерации (открывается только на чтение)")
    parser.add_argument("--data", default=str(PROJECT_DIR / "var" / "bench-data"))
    parser.add_argument("--child", choices=["duckdb", "spark"], help=argparse.SUPPRESS)
    parser.add_argument("--lake", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child, Path(args.lake)), default=str))
        return 0
    lake_path, sources = prepare(args)
    results = {engine: run_child(engine, lake_path) for engine in ("duckdb", "spark")}
    for engine in results:
        mismatched = {m: n for m, n in results[engine]["rows"].items() if n != results["duckdb"]["rows"][m]}
        if mismatched:
            print(f"ВНИМАНИЕ: {engine} дал другое число строк: {mismatched}")
    report(sources, results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
