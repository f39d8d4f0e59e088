"""The figures as a table (stdout and Markdown), the targets and whether each is met, and the JSON.

Nothing here asserts: a missed target is printed as «нет», never raised.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path

import psutil

from bench.contenders import BASELINE
from bench.data import Dataset
from bench.measure import MIB, StepResult

MEMORY_LIMIT_TEXT = "превышен лимит памяти"
FAILED_TEXT = "сбой"
TARGET_REGION_MARKS = 20_000_000


@dataclass
class ScaleRun:
    """One scale: its dataset and the contenders' results, baseline first."""

    dataset: Dataset
    steps: list[StepResult] = field(default_factory=list)
    csv_bytes: int = 0

    def step(self, name: str) -> StepResult | None:
        return next((s for s in self.steps if s.contender == name), None)


@dataclass(frozen=True)
class Target:
    scale: str
    label: str
    value: str
    met: bool | None  # None: cannot be judged (a step it needs did not finish)


def _num(value: float, digits: int = 0) -> str:
    text = f"{value:,.{digits}f}".replace(",", " ").replace(".", ",")
    return text


def ratio_to_baseline(run: ScaleRun, step: StepResult) -> float | None:
    base = run.step(BASELINE)
    if step.wall_seconds is None or base is None or not base.wall_seconds:
        return None
    return step.wall_seconds / base.wall_seconds


def _note(step: StepResult, n_rows: int) -> str:
    if step.status == "memory_limit":
        return f"остановлен на {_num(step.peak_mb)} МБ"
    if step.status == "failed":
        return (step.error.splitlines() or ["?"])[-1][:80]
    d = step.details
    parts = []
    if "seconds_validate" in d:
        parts.append(f"проверка {_num(d['seconds_validate'], 1)} с + загрузка {_num(d['seconds_load'], 1)} с")
    if "statuses" in d:
        parts.append(", ".join(f"{k}: {v}" for k, v in d["statuses"].items()))
    if "n_rows_accepted" in d:
        parts.append(f"принято {_num(d['n_rows_accepted'])} из {_num(d['n_rows_in'])}")
    elif d.get("n_rows_in") not in (None, n_rows):
        parts.append(f"прочитано {_num(d['n_rows_in'])}")
    return "; ".join(parts)


HEADERS = ("Масштаб", "Участник", "Строк", "Время, с", "Строк/с", "Пик, МБ", "× duckdb_alone")
HEADERS += ("Файл, МБ", "файл × duckdb_alone", "Примечание")


def rows_of(runs: list[ScaleRun]) -> list[tuple[str, ...]]:
    """One table row per scale and contender."""
    rows = []
    for run in runs:
        n = run.dataset.n_rows
        for step in run.steps:
            if step.status == "ok":
                ratio, size = ratio_to_baseline(run, step), size_ratio(run, step)
                cells = (
                    _num(step.wall_seconds, 2),
                    _num(n / step.wall_seconds) if step.wall_seconds else "—",
                    _num(step.peak_mb),
                    _num(ratio, 2) if ratio is not None else "—",
                    _num(step.db_bytes / MIB, 1) if step.db_bytes else "—",
                    _num(size, 2) if size is not None else "—",
                )
            else:
                text = MEMORY_LIMIT_TEXT if step.status == "memory_limit" else FAILED_TEXT
                cells = (text, "—", "—", "—", "—", "—")
            rows.append((run.dataset.scale, step.contender, _num(n), *cells, _note(step, n)))
    return rows


# The targets of the issue «Ingest at the engine's speed» (ratios against duckdb_alone in the same run)
TIME_RATIO = {"school": 2.0, "region": 2.0}
REGION_AIM_RATIO = 1.5
PEAK_MB = {"school": 700, "region": 3072}
FILE_RATIO = 2.0
TINY_SECONDS = 0.5


def size_ratio(run: ScaleRun, step: StepResult) -> float | None:
    """The warehouse file against the plain tables duckdb_alone made of the same rows."""
    base = run.step(BASELINE)
    if not step.db_bytes or base is None or not base.db_bytes:
        return None
    return step.db_bytes / base.db_bytes


def _ratio_target(scale: str, label: str, ratio: float | None, limit: float, figure: str) -> Target:
    if ratio is None:
        return Target(scale, label, figure or "база не измерена", None)
    return Target(scale, label, f"{figure} = {_num(ratio, 2)} ×", ratio <= limit)


def _scale_targets(run: ScaleRun, ours: StepResult) -> list[Target]:
    scale = run.dataset.scale
    marks = run.dataset.files.get("marks", 0)
    scope = ""
    if scale == "region" and marks < TARGET_REGION_MARKS:
        scope = f" (замер на {_num(marks)} отметок, цель — на 20 млн)"
    if ours.status != "ok":
        failed = MEMORY_LIMIT_TEXT if ours.status == "memory_limit" else FAILED_TEXT
        return [Target(scale, f"загрузка{scope}", failed, False)]
    time_ratio = ratio_to_baseline(run, ours)
    seconds = f"{_num(ours.wall_seconds, 2)} с"
    found = [
        _ratio_target(
            scale, f"время ≤ {_num(TIME_RATIO[scale], 1)} × duckdb_alone{scope}", time_ratio, TIME_RATIO[scale], seconds
        )
    ]
    if scale == "region":
        found.append(
            _ratio_target(
                scale, f"цель-мечта: время ≤ 1,5 × duckdb_alone{scope}", time_ratio, REGION_AIM_RATIO, seconds
            )
        )
    peak_limit = PEAK_MB[scale]
    found.append(
        Target(
            scale,
            f"пик памяти < {_num(peak_limit)} МБ{scope}",
            f"{_num(ours.peak_mb)} МБ = {_num(ours.peak_mb / peak_limit, 2)} × предела",
            ours.peak_rss_bytes < peak_limit * MIB,
        )
    )
    size = f"{_num(ours.db_bytes / MIB, 1)} МБ" if ours.db_bytes else ""
    found.append(
        _ratio_target(
            scale, "файл хранилища ≤ 2 × простые таблицы тех же строк", size_ratio(run, ours), FILE_RATIO, size
        )
    )
    return found


def targets(runs: list[ScaleRun], tiny_seconds: float | None = None) -> list[Target]:
    """The issue's targets, each with the measured value, its ratio and whether it is met."""
    found = []
    if tiny_seconds is not None:
        found.append(
            Target(
                "tiny",
                f"малая выгрузка в процессе < {_num(TINY_SECONDS, 1)} с",
                f"{_num(tiny_seconds, 3)} с = {_num(tiny_seconds / TINY_SECONDS, 2)} × цели",
                tiny_seconds < TINY_SECONDS,
            )
        )
    for run in runs:
        ours = run.step("ours")
        if ours is not None:
            found += _scale_targets(run, ours)
    return found


def _met_text(met: bool | None) -> str:
    return {True: "да", False: "нет", None: "не оценить"}[met]


def _dataset_line(run: ScaleRun) -> str:
    d = run.dataset
    f = d.files
    return (
        f"{d.scale}: {d.n_schools} шк., {_num(d.n_rows)} строк (отметки {_num(f.get('marks', 0))}, "
        f"посещаемость {_num(f.get('attendance', 0))}, уроки {_num(f.get('lessons', 0))}), "
        f"{_num(run.csv_bytes / MIB)} МБ CSV — {d.path}"
    )


def text_table(runs: list[ScaleRun], tiny_seconds: float | None = None) -> str:
    """The figures and the targets as aligned plain text."""
    rows = [HEADERS, *rows_of(runs)]
    widths = [max(len(r[i]) for r in rows) for i in range(len(HEADERS) - 1)]
    numeric = {2, 3, 4, 5, 6, 7, 8}
    lines = ["Данные:", *(f"  {_dataset_line(r)}" for r in runs), ""]
    for k, row in enumerate(rows):
        cells = [c.rjust(w) if i in numeric else c.ljust(w) for i, (c, w) in enumerate(zip(row, widths, strict=False))]
        lines.append("  ".join([*cells, row[-1]]).rstrip())
        if k == 0:
            lines.append("  ".join("-" * w for w in widths) + "  " + "-" * 10)
    found = targets(runs, tiny_seconds)
    if found:
        lines += ["", "Цели (ours):"]
        width = max(len(t.label) for t in found)
        lines += [f"  {t.label.ljust(width)}  {t.value:>22}  выполнена: {_met_text(t.met)}" for t in found]
    return "\n".join(lines)


def markdown(runs: list[ScaleRun], environment: dict, tiny_seconds: float | None = None) -> str:
    """The same figures as a Markdown document."""
    lines = [f"# Замер загрузки {environment['started_at']}", "", "## Данные", ""]
    lines += [f"- {_dataset_line(r)}" for r in runs]
    lines += ["", "## Результаты", "", "| " + " | ".join(HEADERS) + " |", "|" + "---|" * len(HEADERS)]
    lines += ["| " + " | ".join(row) + " |" for row in rows_of(runs)]
    found = targets(runs, tiny_seconds)
    if found:
        lines += ["", "## Цели", "", "| цель | значение | выполнена |", "|---|---|---|"]
        lines += [f"| {t.label} | {t.value} | {_met_text(t.met)} |" for t in found]
    lines += ["", "## Машина", ""]
    lines += [f"- {k}: {v}" for k, v in environment.items() if k != "started_at"]
    return "\n".join(lines) + "\n"


def environment_facts(started: dt.datetime) -> dict:
    """Where the figures were taken: they mean little without it."""
    versions = {}
    for package in ("duckdb", "polars", "pandas", "pandera", "pyarrow", "numpy"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = "—"
    return {
        "started_at": started.strftime("%Y-%m-%d %H:%M:%S"),
        "cpu_count": os.cpu_count(),
        "memory_gb": round(psutil.virtual_memory().total / 1024**3, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "load_average_at_start": ", ".join(f"{x:.2f}" for x in os.getloadavg()),
        "versions": ", ".join(f"{k} {v}" for k, v in versions.items()),
    }


def write_results(
    out_dir: Path, runs: list[ScaleRun], environment: dict, started: dt.datetime, tiny_seconds: float | None = None
) -> tuple[Path, Path]:
    """bench-<time>.json and .md in out_dir, plus copies as latest.json / latest.md."""
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = started.strftime("%Y%m%d-%H%M%S")
    payload = {
        "environment": environment,
        "scales": [
            {
                "scale": r.dataset.scale,
                "export_path": str(r.dataset.path),
                "n_schools": r.dataset.n_schools,
                "n_rows": r.dataset.n_rows,
                "csv_bytes": r.csv_bytes,
                "files": r.dataset.files,
                "steps": [
                    {
                        **asdict(s),
                        "rows_per_second": r.dataset.n_rows / s.wall_seconds if s.wall_seconds else None,
                        "ratio_to_baseline": ratio_to_baseline(r, s),
                        "file_ratio_to_baseline": size_ratio(r, s),
                    }
                    for s in r.steps
                ],
            }
            for r in runs
        ],
        "tiny_seconds": tiny_seconds,
        "targets": [asdict(t) for t in targets(runs, tiny_seconds)],
    }
    text = json.dumps(payload, ensure_ascii=False, indent=2, default=str) + "\n"
    md = markdown(runs, environment, tiny_seconds)
    json_path, md_path = out_dir / f"bench-{stamp}.json", out_dir / f"bench-{stamp}.md"
    for path, content in (
        (json_path, text),
        (md_path, md),
        (out_dir / "latest.json", text),
        (out_dir / "latest.md", md),
    ):
        path.write_text(content, encoding="utf-8")
    return json_path, md_path
