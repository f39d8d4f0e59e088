"""The models of a generated region built on DuckDB and on Spark local[2] over the same lake.

    .venv/bin/python -m bench.spark [--schools 500] [--pupils N] [--workers 2] [--engines duckdb,spark]
                                    [--warehouse ПУТЬ | --lake ОЗЕРО] [--data var/bench-data]

Without ``--warehouse`` a region of ``--schools`` schools (sizes of a real region, or ``--pupils``
each) is written into a Parquet lake school by school, as a region fills it (bench/region_lake.py:
generated, ingested into the school's own warehouse, exported; cached and resumable). With
``--warehouse`` that warehouse's schools are exported into a fresh lake instead; ``--lake`` takes
a lake as it is.

Each engine then builds every model from the lake and writes the marts back, in its own child
process (Spark: the Python driver and its JVM), whose wall time and peak memory of the whole
process tree are measured. The baseline, measured in the same child on the same lake, is one
plain aggregation over the largest source table (attendance per school and pupil), warm: the
build is reported as so many baselines. Figures are printed, never asserted; the last lines
reason from the measured per-row costs about the size at which Spark pays off on a cluster.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil

from bench.data import PROJECT_DIR
from bench.measure import MIB, POLL_SECONDS, _tree_rss
from bench.region_lake import RegionLake, existing_lake, region_lake

BASELINE_SQL = "select school_id, pupil_id, count(*) as n from src_attendance group by school_id, pupil_id"
RESULTS = PROJECT_DIR / "bench" / "results"


def _baseline_duckdb(lake_path: Path) -> float:
    import duckdb

    from warehouse import lake

    with duckdb.connect() as con:
        lake.attach_lake(con, lake_path)
        con.execute(f"select count(*) from ({BASELINE_SQL})").fetchone()  # cold: files into the page cache
        started = time.perf_counter()
        con.execute(f"select count(*) from ({BASELINE_SQL})").fetchone()
        return time.perf_counter() - started


def _baseline_spark(spark, lake_path: Path) -> float:
    from warehouse import spark_build

    spark_build.register_lake(spark, lake_path)
    spark.sql(f"select count(*) from ({BASELINE_SQL})").collect()
    started = time.perf_counter()
    spark.sql(f"select count(*) from ({BASELINE_SQL})").collect()
    return time.perf_counter() - started


def child(engine: str, lake_path: Path, memory: str | None, shuffle_partitions: int) -> dict:
    """In the child: the baseline, then every model built on one engine; returns its timings."""
    from warehouse import spark_build

    started = time.perf_counter()
    if engine == "duckdb":
        baseline = _baseline_duckdb(lake_path)
        build_started = time.perf_counter()
        counts = spark_build.build_on_duckdb(lake_path, memory_limit=memory)
        return {
            "build_seconds": time.perf_counter() - build_started,
            "start_seconds": 0.0,
            "baseline_seconds": baseline,
            "rows": counts,
        }
    # more shuffle partitions than cores keep each aggregation within the executor's memory
    spark = spark_build.spark_session("local[2]", shuffle_partitions=shuffle_partitions, memory=memory or "4g")
    spark.sql("select 1").collect()
    session_ready = time.perf_counter()
    try:
        baseline = _baseline_spark(spark, lake_path)
        build_started = time.perf_counter()
        counts = spark_build.build_on_spark(spark, lake_path)
        build_seconds = time.perf_counter() - build_started
    finally:
        spark.stop()
    return {
        "build_seconds": build_seconds,
        "start_seconds": session_ready - started,
        "baseline_seconds": baseline,
        "rows": counts,
    }


def run_child(engine: str, lake_path: Path, memory: str | None, shuffle_partitions: int) -> dict:
    command = [sys.executable, "-m", "bench.spark", "--child", engine, "--child-lake", str(lake_path)]
    command += ["--shuffle-partitions", str(shuffle_partitions)]
    if memory:
        command += ["--memory", memory]
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
        f"{engine}: старт {result['start_seconds']:.1f} с, база {result['baseline_seconds']:.2f} с, "
        f"сборка {result['build_seconds']:.1f} с, пик памяти {result['peak_rss_mib']:,.0f} МиБ",
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


def from_warehouse(warehouse: Path, work: Path) -> RegionLake:
    """A fresh lake exported from an existing warehouse (opened read-only)."""
    import duckdb

    from warehouse import lake

    lake_path = work / "lake-from-warehouse"
    shutil.rmtree(lake_path, ignore_errors=True)
    started = time.perf_counter()
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = lake.export_warehouse(con, lake_path)
        pupils = con.execute("select count(*) from src_pupils").fetchone()[0]
        schools = con.execute("select count(*) from src_school").fetchone()[0]
    seconds = time.perf_counter() - started
    return RegionLake(lake_path, schools, pupils, rows, {"export": seconds}, seconds)


def describe_lake(region: RegionLake) -> dict:
    files = list(region.path.rglob("*.parquet"))
    facts = {
        "schools": region.n_schools,
        "pupils": region.n_pupils,
        "source_rows": sum(region.rows.values()),
        "parquet_mib": sum(f.stat().st_size for f in files) / MIB,
        "parquet_files": len(files),
        "prepare_seconds": region.seconds,
        "prepare_wall_seconds": region.wall_seconds,
    }
    print(
        f"озеро {region.path}: школ {facts['schools']}, учеников {facts['pupils']:,}, строк src_* "
        f"{facts['source_rows']:,}, {facts['parquet_mib']:,.0f} МиБ Parquet в {facts['parquet_files']:,} файлах"
    )
    if region.seconds:
        steps = ", ".join(f"{step} {s:,.0f} с" for step, s in region.seconds.items())
        wall = f"; собрано за {region.wall_seconds:,.0f} с" if region.wall_seconds else " (из кэша)"
        print(f"подготовка (сумма по школам): {steps}{wall}")
    return facts


def page_timings(lake_path: Path) -> dict[str, float]:
    """«Муниципалитет / регион» over the lake (its schools' pre-aggregated parts, or the marts just
    written when the schools exported without parts): the authority's view of the whole region and
    a director's view of one school against the region, first and second time
    (``python -m bench.region_page`` compares the two paths)."""
    from ejournal.access.accounts import Role
    from ejournal.access.viewer import Viewer
    from warehouse.region import open_lake_marts, region_view

    con = open_lake_marts(lake_path)
    region_id, school_id = con.execute("select region_id, min(school_id) from src_school group by 1 limit 1").fetchone()
    viewers = {
        "authority": Viewer("region", Role.REGION, region_id=region_id),
        "director": Viewer("director", Role.DIRECTOR, school_id),
    }
    timings = {}
    for name, viewer in viewers.items():
        for attempt in ("cold", "warm"):
            started = time.perf_counter()
            region_view(con, viewer, lesson_entry_days=2, vpr_min_participants=10)
            timings[f"{name}_{attempt}"] = time.perf_counter() - started
    con.close()
    print(
        "страница «Муниципалитет / регион» над озером: "
        + ", ".join(f"{k} {v:.2f} с" for k, v in timings.items())
        + " (на панели — один раз на состояние озера, дальше из кэша)"
    )
    return timings


def report(facts: dict, results: dict[str, dict]) -> list[str]:
    """The figures and what follows from them, as printed lines."""
    rows_in = facts["source_rows"]
    lines = [
        f"школ: {facts['schools']}, учеников: {facts['pupils']:,}, строк на входе (src_*): {rows_in:,}",
        f"{'движок':<8} {'старт, с':>9} {'база, с':>8} {'сборка, с':>10} {'× базы':>7} {'всего, с':>9} "
        f"{'пик памяти, МиБ':>16} {'мкс на строку':>14}",
    ]
    for engine, r in results.items():
        per_row = r["build_seconds"] / rows_in * 1e6
        lines.append(
            f"{engine:<8} {r['start_seconds']:>9.1f} {r['baseline_seconds']:>8.2f} {r['build_seconds']:>10.1f} "
            f"{r['build_seconds'] / max(r['baseline_seconds'], 1e-9):>7.0f} {r['wall_seconds']:>9.1f} "
            f"{r['peak_rss_mib']:>16,.0f} {per_row:>14.2f}"
        )
    if "duckdb" in results and "spark" in results:
        lines += _reasoning(rows_in, results["duckdb"], results["spark"])
    return lines


def _reasoning(rows_in: int, duck: dict, spark: dict) -> list[str]:
    """When Spark on a cluster beats DuckDB on one server, from the per-row costs just measured."""
    ratio = spark["build_seconds"] / max(duck["build_seconds"], 1e-9)
    lines = [
        "",
        f"Spark local[2] тратит на строку в {ratio:.1f} раза больше DuckDB на тех же двух ядрах "
        f"(на базовом запросе — в {spark['baseline_seconds'] / max(duck['baseline_seconds'], 1e-9):.1f} раза).",
    ]
    for server_cores in (16, 64):
        lines.append(
            f"Против DuckDB на сервере в {server_cores} ядер Spark выигрывает по времени, когда у кластера больше "
            f"~{ratio * server_cores:,.0f} ядер (масштабирование линейное — оптимистично для Spark)."
        )
    per_row_duck = duck["build_seconds"] / rows_in  # seconds per source row on 2 cores
    bytes_per_row = duck["peak_rss_mib"] * MIB / rows_in
    lines.append(
        f"Пик памяти DuckDB — {bytes_per_row:,.0f} байт на строку входа (модели — в файле на диске, сверх "
        "предела памяти DuckDB пишет на диск), так что память одного сервера не предел; предел — время."
    )
    for rows in (1e9, 1e10):
        hours = per_row_duck * rows * 2 / 16 / 3600
        spark_hours = spark["build_seconds"] / rows_in * rows * 2 / 128 / 3600
        lines.append(
            f"{rows:,.0f} строк: DuckDB на 16 ядрах ≈ {hours:,.1f} ч, Spark на 128 ядрах ≈ {spark_hours:,.1f} ч "
            "(по измеренной цене строки, линейно)."
        )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--schools", type=int, default=500, help="школ в регионе (500)")
    parser.add_argument("--pupils", type=int, help="учеников в каждой школе (без него — размеры реального региона)")
    parser.add_argument("--workers", type=int, default=2, help="процессов подготовки озера (2)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--engines", default="duckdb,spark", help="через запятую: duckdb, spark")
    parser.add_argument("--duckdb-memory", help="предел памяти DuckDB, например 4GB (по умолчанию — DuckDB: 80 %%)")
    parser.add_argument("--spark-memory", default="4g", help="память драйвера Spark local (4g)")
    parser.add_argument("--shuffle-partitions", type=int, default=16, help="Spark: разделов при перемешивании (16)")
    parser.add_argument("--warehouse", help="готовое хранилище DuckDB вместо генерации (открывается только на чтение)")
    parser.add_argument("--data", default=str(PROJECT_DIR / "var" / "bench-data"))
    parser.add_argument("--child", choices=["duckdb", "spark"], help=argparse.SUPPRESS)
    parser.add_argument("--lake", help="готовое озеро как есть (например, собранное прежним запуском)")
    parser.add_argument("--child-lake", help=argparse.SUPPRESS)
    parser.add_argument("--memory", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        result = child(args.child, Path(args.child_lake), args.memory, args.shuffle_partitions)
        print(json.dumps(result, default=str))
        return 0
    engines = [e for e in args.engines.split(",") if e]
    if unknown := set(engines) - {"duckdb", "spark"}:
        parser.error(f"неизвестные движки: {', '.join(sorted(unknown))}")
    work = Path(args.data) / "spark-bench"
    work.mkdir(parents=True, exist_ok=True)
    if args.lake:
        region = existing_lake(Path(args.lake))
    elif args.warehouse:
        region = from_warehouse(Path(args.warehouse), work)
    else:
        region = region_lake(
            Path(args.data), n_schools=args.schools, seed=args.seed, pupils=args.pupils, workers=args.workers
        )
    facts = describe_lake(region)
    if not engines:  # only the lake (prepared ahead of a quiet machine for the builds)
        return 0
    memory = {"duckdb": args.duckdb_memory, "spark": args.spark_memory}
    results = {e: run_child(e, region.path, memory[e], args.shuffle_partitions) for e in engines}
    first = next(iter(results.values()))["rows"]
    for engine, result in results.items():
        mismatched = {m: n for m, n in result["rows"].items() if n != first[m]}
        if mismatched:
            print(f"ВНИМАНИЕ: {engine} дал другое число строк: {mismatched}")
    lines = report(facts, results)
    print("\n".join(lines))
    facts["page_seconds"] = page_timings(region.path)
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"spark-{region.path.parent.name}-{dt.date.today():%Y%m%d}.json"
    settings = {"memory": memory, "shuffle_partitions": args.shuffle_partitions}
    out.write_text(
        json.dumps({"lake": facts, "engines": results, "settings": settings, "report": lines}, ensure_ascii=False)
        + "\n",
        encoding="utf-8",
    )
    print(f"\nрезультаты: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
