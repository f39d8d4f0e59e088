"""`python -m bench.pages`: how long each journal-control page's queries take, cold and warm.

A page's time is the sum of the query-layer calls the page makes (warehouse/control_rules.py and
warehouse/control_pages.py) for the deputy director, with no filters, as of the last lesson day.
«Cold» is the first run on a freshly opened read-only connection (DuckDB's buffers empty; the
operating system's file cache is warm); «warm» is the best of the next runs. The baseline,
measured in the same run on the same file, is a plain DuckDB completeness group-by (marks per
pupil and subject) — the reference the dashboard issue gives (about 20 ms warm over 0.6 M marks).
Targets: school scale under 200 ms warm and 1 s cold; region scale under 2 s.

Figures are printed, never asserted; exit code 0 unless a step crashed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import duckdb

from ejournal.access.accounts import Role
from ejournal.access.viewer import Viewer
from ejournal.settings import Norms
from warehouse import control_pages as views
from warehouse.control_rules import RULES, Filters, violations

PROJECT_DIR = Path(__file__).resolve().parent.parent
BASELINE_SQL = (
    "select m.school_id, m.class_id, m.subject_id, count(distinct m.pupil_id) as pupils, count(*) as marks "
    "from fct_mark as m group by all"
)

Call = Callable[[duckdb.DuckDBPyConnection, Viewer, Norms, dt.date, Filters], object]

PAGES: dict[str, list[Call]] = {
    "Обзор": [views.overview],
    "Наполняемость": [views.completeness, views.pupils_at_risk, views.control_works],
    "Своевременность": [
        lambda con, v, n, d, f: violations(
            con, v, n, f, rules=tuple(r for r in RULES if r != "too_few_marks" and r != "chronic_absence")
        )
    ],
    "Активность учителей": [
        views.teacher_activity,
        views.teacher_weeks,
        lambda con, v, n, d, f: views.teacher_remarks(
            con, v, n, d, Filters(date_from=views.week_bounds(d)[0], date_to=d)
        ),
    ],
    "Выполнение программы": [views.program, views.uncovered_topics],
    "Посещаемость": [
        lambda con, v, n, d, f: views.absences_on(con, v, n, [d, d - dt.timedelta(days=1)], f),
        views.attendance_by_month,
        views.attendance_by_pupil,
        lambda con, v, n, d, f: violations(con, v, n, f, rules=("chronic_absence",)),
    ],
}


def _timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def measure(db: Path, warm_runs: int) -> list[tuple[str, float, float]]:
    """(page, cold seconds, warm seconds) for the baseline and every page."""
    norms = Norms()
    rows = []
    with duckdb.connect(str(db), read_only=True) as con:
        (school,) = con.execute("select min(school_id) from dim_school").fetchone()
    # a deputy director belongs to one school: in a region's warehouse, to the first of them, whose
    # pages read its rows among every school's
    viewer = Viewer("bench", Role.DEPUTY, school_id=school)

    def page_runner(calls: list[Call], con, as_of) -> Callable[[], None]:
        return lambda: [call(con, viewer, norms, as_of, Filters()) for call in calls]

    named: list[tuple[str, Callable]] = [("базовый group-by DuckDB", None), *PAGES.items()]
    for name, calls in named:
        with duckdb.connect(str(db), read_only=True) as con:
            as_of = views.latest_date(con)
            run = (lambda: con.execute(BASELINE_SQL).fetchall()) if calls is None else page_runner(calls, con, as_of)
            cold = _timed(run)
            warm = min(_timed(run) for _ in range(warm_runs))
        rows.append((name, cold, warm))
    return rows


def _ensure_warehouse(scale: str, data_dir: Path, schools: int) -> Path:
    """A loaded warehouse of the generated school (or `schools` schools), built once and cached."""
    from data_samples.generator.school import generate_region, generate_school
    from pipelines.ingest import ingest_path

    folder = data_dir / ("pages-school" if scale == "school" else f"pages-region-{schools}")
    db = folder / "warehouse.duckdb"
    if db.exists():
        return db
    export = folder / "export"
    print(f"генерация и загрузка ({scale}) в {folder} …", file=sys.stderr, flush=True)
    if scale == "school":
        generate_school(export, seed=42, n_pupils=1000)
    else:
        generate_region(export, seed=42, n_schools=schools, pupils_per_school=1000)
    results = ingest_path(export, db)
    if any(r.status == "refused" for r in results):
        raise SystemExit("загрузка отклонена: " + "; ".join(str(r.issues[:1]) for r in results))
    return db


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.pages", description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=("school", "region"), default="school")
    parser.add_argument("--schools", type=int, default=8, help="школ в регионе (8)")
    parser.add_argument("--db", type=Path, help="готовое хранилище вместо сгенерированного")
    parser.add_argument("--data", type=Path, default=PROJECT_DIR / "var" / "bench-data")
    parser.add_argument("--warm-runs", type=int, default=5)
    args = parser.parse_args(argv)
    db = args.db or _ensure_warehouse(args.scale, args.data, args.schools)
    with duckdb.connect(str(db), read_only=True) as con:
        n_marks = con.execute("select count(*) from fct_mark").fetchone()[0]
        n_schools = con.execute("select count(*) from dim_school").fetchone()[0]
    rows = measure(db, args.warm_runs)
    base_cold, base_warm = rows[0][1], rows[0][2]
    limit_warm, limit_cold = (0.2, 1.0) if args.scale == "school" else (2.0, 2.0)
    print(f"\nСтраницы контроля журнала: {n_schools} шк., {n_marks:,} отметок, {db}".replace(",", " "))
    print(f"{'страница':26s} {'холодно, мс':>12s} {'тепло, мс':>10s} {'× базы (тепло)':>15s}  цель")
    for name, cold, warm in rows:
        ratio = warm / base_warm if base_warm else float("nan")
        target = "" if name.startswith("базовый") else ("да" if warm <= limit_warm and cold <= limit_cold else "нет")
        print(f"{name:26s} {cold * 1000:12.0f} {warm * 1000:10.0f} {ratio:15.1f}  {target}")
    print(
        f"цель: тепло ≤ {limit_warm * 1000:.0f} мс, холодно ≤ {limit_cold * 1000:.0f} мс; "
        f"медиана страниц тепло {statistics.median(w for _, _, w in rows[1:]) * 1000:.0f} мс; "
        f"база: холодно {base_cold * 1000:.0f} мс, тепло {base_warm * 1000:.0f} мс"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
