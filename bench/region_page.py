"""`python -m bench.region_page`: «Муниципалитет / регион» over a region's lake, from the parts
pre-aggregated per school (warehouse/region_parts.py) against the old path over the marts, in the
same run, cold and warm, with the ratio to the 2 s target.

    .venv/bin/python -m bench.region_page [--schools 500] [--pupils N] [--lake ОЗЕРО] [--data var/bench-data]
                                          [--replicate K]

The lake is the one bench/region_lake.py fills school by school (cached), or ``--lake`` as it is.
When it has no marts they are built with DuckDB (the old path reads them); when its schools
exported with a version that wrote no parts, the parts are written here from the lake's marts by
the same SQL a school's export runs, school files as an export writes them.

«Cold» is opening the page's connection to the lake (views over its files) and the first view
on it (DuckDB's buffers empty; the operating system's file cache warm, as on a dashboard that has
served the lake before), «warm» the best of the next three views on it. Both paths are asked the page's first view (period «текущий» on the last lesson
day) for the education authority of the region and for a director; then both paths' views are
compared for every period choice on several dates. Figures are printed, never asserted.

A 500-school lake takes over an hour to fill; ``--replicate K`` also times the parts path over a
copy of the lake holding each school K times under other ids (the tables the page reads from the
parts, school files as exports write them, then compacted as a build compacts them): K × the
schools and rows.

The page's tables other than the marts are read from their compacted files (``_compact/``,
warehouse/lake.py) while these match the school files. Printed for each lake: the files the
page's connection opens and those the parts path reads, and the seconds compaction takes, of
the whole lake (a build) and of one school (what its export adds).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from pathlib import Path

from bench.data import PROJECT_DIR
from bench.region_lake import existing_lake, region_lake

TARGET_SECONDS = 2.0
WARM_RUNS = 3


def ensure_marts(lake_path: Path) -> float:
    """Build the marts with DuckDB when the lake has none; seconds spent (0 when they were there)."""
    from warehouse import lake, spark_build

    if any(name.startswith("mart_") for name in lake.read_manifest(lake_path)):
        return 0.0
    started = time.perf_counter()
    spark_build.build_on_duckdb(lake_path)
    return time.perf_counter() - started


def ensure_parts(lake_path: Path) -> float:
    """Write every school's parts from the lake's marts when the lake has none; seconds spent."""
    import duckdb

    from warehouse import lake, region_parts
    from warehouse.periods import SPAN_DIMENSIONS

    if region_parts.PARTS_TABLE in lake.read_manifest(lake_path):
        return 0.0
    started = time.perf_counter()
    with duckdb.connect() as con:
        lake.attach_lake(con, lake_path, ("src_", "mart_"))
        for name, sql in SPAN_DIMENSIONS.items():
            con.execute(f"create view {name} as {sql}")
        schools = [s for (s,) in con.execute("select distinct school_id from src_school order by 1").fetchall()]
        region_parts.create_parts(con, schools)
        lake.export_tables(con, lake_path, [region_parts.PARTS_TABLE], schools=schools)
    return time.perf_counter() - started


def compact_seconds(lake_path: Path) -> tuple[float, float]:
    """Seconds to rewrite the compacted files of the page's tables: from every school file (a
    build, or an export after another version's), and for one school (what its export adds)."""
    from warehouse import lake, region_parts

    started = time.perf_counter()
    tables = lake.compact(lake_path)
    whole = time.perf_counter() - started
    manifest = lake.read_manifest(lake_path)
    school = _viewers(lake_path)["директор"].school_id
    started = time.perf_counter()
    with lake.locked(lake_path):
        for table in tables:
            lake.update_compact(lake_path, manifest[table], [school])
    assert set(lake.fresh_compacts(lake_path, region_parts.PAGE_TABLES)) == set(tables)
    return whole, time.perf_counter() - started


def _say_compact(lake_path: Path) -> None:
    whole, one = compact_seconds(lake_path)
    print(f"сжатие таблиц страницы {lake_path.name}: всё озеро {whole:.2f} с, выгрузка одной школы {one:.2f} с")


def page_files(lake_path: Path) -> tuple[int, int]:
    """Files behind the page's views: all of them (DuckDB reads the footers of a view's files when
    the view is made, on opening the lake) and those of the tables the parts path reads."""
    from warehouse import lake, region_parts
    from warehouse.region import LAKE_TABLES

    manifest = lake.read_manifest(lake_path)

    def files(table: str) -> int:
        if lake.fresh_compact(lake_path, manifest[table]) is not None:
            return 1
        return len(list((lake_path / table).glob("*/*/*.parquet")))

    opened = sum(files(t) for t in manifest if t.startswith(LAKE_TABLES))
    return opened, sum(files(t) for t in region_parts.PAGE_TABLES if t in manifest)


def _say_files(lake_path: Path) -> None:
    opened, read = page_files(lake_path)
    print(f"файлов {lake_path.name}: открытие озера — {opened}, вид по частям читает {read}")


def _viewers(lake_path: Path) -> dict:
    from ejournal.access.accounts import Role
    from ejournal.access.viewer import Viewer
    from warehouse.region import open_lake_marts

    con = open_lake_marts(lake_path)
    region_id, school_id = con.execute(
        "select region_id, min(school_id) from src_school group by 1 order by count(*) desc limit 1"
    ).fetchone()
    con.close()
    return {
        "орган управления": Viewer("region", Role.REGION, region_id=region_id),
        "директор": Viewer("director", Role.DIRECTOR, school_id),
    }


def page_seconds(lake_path: Path, viewer, use_parts: bool | None) -> tuple[float, float, float]:
    """(cold, cold CPU, warm) seconds of the page's first view on a fresh connection (``use_parts``
    None: as the page chooses). CPU is of every thread of the process: on a machine shared with
    other work it is steadier than the wall clock."""
    from warehouse.periods import CURRENT, Period
    from warehouse.region import last_lesson_day, open_lake_marts, region_view

    started, started_cpu = time.perf_counter(), time.process_time()
    con = open_lake_marts(lake_path)
    try:

        def view() -> None:
            period = Period(CURRENT, last_lesson_day(con))
            region_view(con, viewer, lesson_entry_days=2, vpr_min_participants=10, period=period, use_parts=use_parts)

        view()
        cold = time.perf_counter() - started  # the connection opened (views over the files) and the view
        cold_cpu = time.process_time() - started_cpu
        warm = min(_timed(view) for _ in range(WARM_RUNS))
    finally:
        con.close()
    return cold, cold_cpu, warm


def same_figures(lake_path: Path, viewer) -> tuple[int, list[str]]:
    """Both paths' views for every period choice on dates through the year: (compared, different)."""
    from warehouse.periods import CURRENT, YEAR, Period, period_names
    from warehouse.region import last_lesson_day, open_lake_marts, region_view

    con = open_lake_marts(lake_path)
    last = last_lesson_day(con)
    first = con.execute("select min(start_date) from dim_academic_year").fetchone()[0]
    dates = [first + (last - first) * i // 11 for i in range(12)] + [last + dt.timedelta(days=40)]
    choices = [CURRENT, YEAR, *period_names(con, None)]
    compared, different = 0, []
    for choice in choices:
        for as_of in dates:
            views = [
                region_view(
                    con,
                    viewer,
                    lesson_entry_days=2,
                    vpr_min_participants=10,
                    period=Period(choice, as_of),
                    use_parts=use,
                )
                for use in (True, False)
            ]
            compared += 1
            frames = [(v.schools, v.municipalities, v.distribution) for v in views]
            if not all(a.equals(b) for a, b in zip(*frames, strict=True)):
                different.append(f"{choice} на {as_of:%d.%m.%Y}")
    con.close()
    return compared, different


PAGE_TABLES = ("src_school", "src_academic_years", "src_classes", "src_periods")


def replicated_lake(lake_path: Path, copies: int) -> Path:
    """A lake beside ``lake_path`` whose page tables hold every school ``copies`` times (ids
    suffixed «-rN»), each copy in its own school file; built once."""
    import shutil

    import duckdb

    from ejournal.files import sql_path
    from warehouse import lake, region_parts

    target = lake_path.with_name(f"{lake_path.name}-x{copies}")
    if (target / lake.MANIFEST).exists():
        return target
    shutil.rmtree(target, ignore_errors=True)
    with duckdb.connect() as con:
        for table in (*PAGE_TABLES, region_parts.PARTS_TABLE):
            for file in sorted((lake_path / table).glob("*/*/*.parquet")):
                read = f"read_parquet('{sql_path(file)}', hive_partitioning = false)"
                for n in range(copies):
                    (school,) = con.execute(f"select any_value(school_id) || '-r{n}' from {read}").fetchone()
                    out = target / table / file.parent.relative_to(lake_path / table)
                    out.mkdir(parents=True, exist_ok=True)
                    name = out / f"school-{lake.school_token(school)}.parquet"
                    con.execute(
                        f"copy (select * replace (school_id || '-r{n}' as school_id) from {read}) "
                        f"to '{sql_path(name)}' (format parquet, compression zstd)"
                    )
    manifest = lake.read_manifest(lake_path)
    kept = [manifest[t] for t in (*PAGE_TABLES, region_parts.PARTS_TABLE)]
    (target / lake.MANIFEST).write_text(lake.render_manifest({}, kept, "bench.region_page"), encoding="utf-8")
    return target


def _timed(action) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.region_page", description=__doc__.splitlines()[0])
    parser.add_argument("--schools", type=int, default=500, help="школ в регионе (500)")
    parser.add_argument("--pupils", type=int, help="учеников в каждой школе (без него — размеры реального региона)")
    parser.add_argument("--workers", type=int, default=2, help="процессов подготовки озера (2)")
    parser.add_argument("--lake", type=Path, help="готовое озеро как есть")
    parser.add_argument("--data", type=Path, default=PROJECT_DIR / "var" / "bench-data")
    parser.add_argument("--no-compare", action="store_true", help="не сравнивать цифры двух путей")
    parser.add_argument("--replicate", type=int, default=0, help="и над копией озера, где каждая школа K раз")
    args = parser.parse_args(argv)
    if args.lake:
        region = existing_lake(args.lake)
    else:
        region = region_lake(args.data, n_schools=args.schools, pupils=args.pupils, workers=args.workers)
    build = ensure_marts(region.path)
    parts = ensure_parts(region.path)
    _say_path(region.path)
    print(f"озеро {region.path}: школ {region.n_schools}, учеников {_n(region.n_pupils)}")
    if build or parts:
        print(f"подготовка: витрины DuckDB {build:.0f} с, части страницы из витрин {parts:.1f} с")
    _say_compact(region.path)
    _describe_parts(region.path)
    _say_files(region.path)
    print(f"нагрузка машины (load average за 1 мин): {os.getloadavg()[0]:.1f} на {os.cpu_count()} ядра")
    print(
        f"{'зритель':18s} {'путь':10s} {'холодно, с':>11s} {'ЦП, с':>6s} {'тепло, с':>9s} {'× цели 2 с (холодно)':>21s}"
    )
    for name, viewer in _viewers(region.path).items():
        for use_parts, path in ((None, "части"), (False, "витрины")):
            cold, cpu, warm = page_seconds(region.path, viewer, use_parts)
            print(f"{name:18s} {path:10s} {cold:11.2f} {cpu:6.2f} {warm:9.2f} {cold / TARGET_SECONDS:21.2f}")
    if args.replicate > 1:
        copied = replicated_lake(region.path, args.replicate)
        _say_compact(copied)
        _describe_parts(copied)
        _say_files(copied)
        for name, viewer in _viewers(copied).items():
            cold, cpu, warm = page_seconds(copied, viewer, None)
            print(
                f"{name:18s} {'части':10s} {cold:11.2f} {cpu:6.2f} {warm:9.2f} {cold / TARGET_SECONDS:21.2f}"
                f"  (школ {region.n_schools * args.replicate}: каждая {args.replicate} раз)"
            )
    if not args.no_compare:
        for name, viewer in _viewers(region.path).items():
            compared, different = same_figures(region.path, viewer)
            verdict = "все совпали" if not different else "различаются: " + "; ".join(different[:5])
            print(f"{name}: видов «Период × дата» сравнено {compared}, {verdict}")
    return 0


def _say_path(lake_path: Path) -> None:
    """Warn when the page would not read the parts (a school of the lake has none)."""
    from warehouse import region_figures
    from warehouse.region import open_lake_marts

    con = open_lake_marts(lake_path)
    params = {"region_id": None, "municipality": None, "lesson_entry_days": 2, "f_span": None, "f_as_of": None}
    every = f"select bool_and(has_parts) from ({region_figures.AGGREGATED_PARTS_SQL})"
    if not con.execute(every, params).fetchone()[0]:
        print("ВНИМАНИЕ: не у всех школ озера есть части — «части» ниже читают витрины")
    con.close()


def _describe_parts(lake_path: Path) -> None:
    import duckdb

    from warehouse import lake, region_parts

    files = list((lake_path / region_parts.PARTS_TABLE).rglob("*.parquet"))
    with duckdb.connect() as con:
        lake.attach_lake(con, lake_path, (region_parts.PARTS_TABLE,))
        rows = con.execute(f"select count(*) from {region_parts.PARTS_TABLE}").fetchone()[0]
    size = sum(f.stat().st_size for f in files) / 2**20
    print(f"части страницы {lake_path.name}: {_n(rows)} строк, {size:.1f} МиБ Parquet в {len(files)} файлах")


def _n(value: int) -> str:
    return f"{value:,}".replace(",", " ")


if __name__ == "__main__":
    sys.exit(main())
