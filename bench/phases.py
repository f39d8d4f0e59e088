"""Where one ingest spends its time: every DuckDB statement of ``pipelines.ingest.ingest_path``
timed (wall and processor seconds), summed by phase, with the slowest statements.

    .venv/bin/python -m bench.phases [EXPORT_PATH] [--top 15]

Without a path, the bench's generated school (``var/bench-data/school-*``, made by
``python -m bench --scale school``) if there is one, else the committed small export. The export
is loaded into a new warehouse in a temporary folder, in this process. Figures are printed,
never asserted. «Вне запросов» is the time the process spent outside DuckDB's statements (reading
bytes, pandera on small files, Python between statements); processor time counts every thread, so
processor seconds over wall seconds is how many cores a phase kept busy.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
SAMPLE = PROJECT_DIR / "data_samples" / "small"
BENCH_DATA = PROJECT_DIR / "var" / "bench-data"

# Phases in the order they run, and the rules that put a statement in one: (phase, what the
# statement begins with, what it names); the first rule that matches wins.
PHASES = (
    "чтение и типы CSV",
    "правила файла",
    "постановка",
    "перекрёстные проверки",
    "применение к src_",
    "модели",
    "фиксация",
)
OTHER = "прочее"
_RULES = (
    ("чтение и типы CSV", ("create or replace temp table dck_typed_", "create or replace temp table dck_raw_"), ()),
    ("постановка", ("insert into stg_",), ()),
    ("правила файла", (), ("dck_",)),
    ("фиксация", ("commit",), ()),
    ("применение к src_", (), ("stg_diff", "stg_gone", "meta_supersession")),
    (
        "модели",  # a kept model's columns go into its source table with the rows (fct_mark__…)
        (
            *(f"{verb} {kind}_" for verb in ("insert into", "delete from") for kind in ("mart", "fct", "int", "dim")),
            "create or replace table ",
            "create or replace view ",
        ),
        ("meta_model", "fct_mark__"),
    ),
    ("применение к src_", ("insert into src_",), ()),
    ("перекрёстные проверки", (), ("stg_",)),
)


def phase_of(sql: str) -> str:
    text = " ".join(sql.split())
    for name, starts, names in _RULES:
        if text.startswith(starts) or any(mark in text for mark in names):
            return name
    return OTHER


@dataclass
class Statement:
    sql: str
    wall: float
    cpu: float


@dataclass
class Recorder:
    statements: list[Statement] = field(default_factory=list)

    def by_phase(self) -> dict[str, tuple[float, float, int]]:
        phases: dict[str, tuple[float, float, int]] = {}
        for s in self.statements:
            wall, cpu, n = phases.get(phase_of(s.sql), (0.0, 0.0, 0))
            phases[phase_of(s.sql)] = (wall + s.wall, cpu + s.cpu, n + 1)
        return phases


class _Timed:
    """A DuckDB connection whose ``execute`` is timed (its cursors too)."""

    def __init__(self, con, recorder: Recorder):
        self._con, self._recorder = con, recorder

    def __getattr__(self, name):
        return getattr(self._con, name)

    def execute(self, sql, *args):
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            return self._con.execute(sql, *args)
        finally:
            self._recorder.statements.append(Statement(str(sql), time.perf_counter() - wall, time.process_time() - cpu))

    def cursor(self):
        return _Timed(self._con.cursor(), self._recorder)


@contextlib.contextmanager
def recording(recorder: Recorder) -> Iterator[None]:
    """Time the statements of every batch an ingest runs in this process (its own connection)."""
    from pipelines import ingest

    opened = ingest._opened

    @contextlib.contextmanager
    def timed(db_path, keep_open):
        with opened(db_path, keep_open) as con:
            # DuckDB finds a frame registered by name in the caller's frame; through the proxy
            # that is one frame further
            con.execute("set python_scan_all_frames = true")
            yield _Timed(con, recorder)

    ingest._opened = timed
    try:
        yield
    finally:
        ingest._opened = opened


def measure(export: Path, db: Path) -> tuple[Recorder, float, float, list]:
    """Ingest ``export`` into ``db`` with every statement timed: the recorder, the whole call's
    wall and processor seconds, and the results."""
    from pipelines.ingest import ingest_path

    recorder = Recorder()
    with recording(recorder):
        wall, cpu = time.perf_counter(), time.process_time()
        results = ingest_path(export, db, run_by="bench")
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return recorder, wall, cpu, results


def default_export() -> Path:
    schools = sorted(BENCH_DATA.glob("school-*")) if BENCH_DATA.is_dir() else []
    return schools[0] if schools else SAMPLE


def report(recorder: Recorder, wall: float, cpu: float, top: int) -> str:
    lines = [f"{'фаза':24s} {'с':>6s} {'ЦП, с':>6s} {'ядер':>5s} {'запросов':>8s}"]
    phases = recorder.by_phase()
    for name in (*PHASES, OTHER):
        if name in phases:
            w, c, n = phases[name]
            lines.append(f"{name:24s} {w:6.2f} {c:6.2f} {c / w if w else 0:5.2f} {n:8d}")
    in_sql = sum(s.wall for s in recorder.statements), sum(s.cpu for s in recorder.statements)
    lines.append(f"{'вне запросов':24s} {wall - in_sql[0]:6.2f} {cpu - in_sql[1]:6.2f}")
    lines.append(f"{'всего':24s} {wall:6.2f} {cpu:6.2f} {cpu / wall if wall else 0:5.2f} {len(recorder.statements):8d}")
    lines.append("")
    lines.append(f"Самые долгие запросы ({top}):")
    for s in sorted(recorder.statements, key=lambda s: -s.wall)[:top]:
        lines.append(
            f"  {s.wall:6.3f} с  {s.cpu / s.wall if s.wall else 0:4.2f} ядра  {phase_of(s.sql):22s} {' '.join(s.sql.split())[:90]}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.phases", description=__doc__.splitlines()[0])
    parser.add_argument("export", nargs="?", type=Path, help="папка выгрузки (по умолчанию — школа бенчмарка)")
    parser.add_argument("--top", type=int, default=15, help="сколько самых долгих запросов показать")
    args = parser.parse_args(argv)
    export = args.export or default_export()
    with tempfile.TemporaryDirectory(prefix="bench-phases-") as tmp:
        recorder, wall, cpu, results = measure(export, Path(tmp) / "warehouse.duckdb")
    statuses = ", ".join(sorted({r.status for r in results}))
    print(f"Выгрузка {export}: {len(results)} парт., {statuses}")
    print(report(recorder, wall, cpu, args.top))
    return 0


if __name__ == "__main__":
    sys.exit(main())
