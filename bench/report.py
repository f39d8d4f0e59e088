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


HEADERS = ("Масштаб", "Участник", "Строк", "Время, с", "Строк/с", "Пик, МБ", "× duckdb_alone", "Примечание")


def rows_of(runs: list[ScaleRun]) -> list[tuple[str, ...]]:
    """One table row per scale and contender."""
    rows = []
    for run in runs:
        n = run.dataset.n_rows
        for step in run.steps:
            if step.status == "ok":
                ratio = ratio_to_baseline(run, step)
                cells = (
                    _num(step.wall_seconds, 2),
                    _num(n / step.wall_seconds) if step.wall_seconds else "—",
                    _num(step.peak_mb),
                    _num(ratio, 2) if ratio is not None else "—",
                )
            else:
                text = MEMORY_LIMIT_TEXT if step.status == "memory_limit" else FAILED_TEXT
                cells = (text, "—", "—", "—")
            rows.append((run.dataset.scale, step.contender, _num(n), *cells, _note(step, n)))
    return rows


def targets(runs: list[ScaleRun]) -> list[Target]:
    """The issue's targets, each with the measured value and whether it is met."""
    found = []
    for run in runs:
        ours = run.step("ours")
        if ours is None:
            continue
        done = ours.status == "ok"
        peak = (
            f"{_num(ours.peak_mb)} МБ" if done else MEMORY_LIMIT_TEXT if ours.status == "memory_limit" else FAILED_TEXT
        )
        if run.dataset.scale == "school":
            seconds = ours.details.get("seconds_validate", 0) + ours.details.get("seconds_load", 0) if done else None
            found.append(
                Target(
                    "school",
                    "проверка + загрузка школы < 5 с",
                    f"{_num(seconds, 2)} с" if done else peak,
                    seconds < 5 if done else False,
                )
            )
            found.append(
                Target("school", "пик памяти школы < 1 ГБ", peak, ours.peak_rss_bytes < 1024 * MIB if done else False)
            )
        else:
            ratio = ratio_to_baseline(run, ours)
            marks = run.dataset.files.get("marks", 0)
            scope = "" if marks >= TARGET_REGION_MARKS else f" (замер на {_num(marks)} отметок, цель — на 20 млн)"
            met = (ratio <= 1.5) if ratio is not None else (False if not done else None)
            value = f"{_num(ratio, 2)} ×" if ratio is not None else (peak if not done else "база не измерена")
            found.append(Target("region", f"время региона ≤ 1,5 × duckdb_alone{scope}", value, met))
            found.append(
                Target(
                    "region",
                    f"пик памяти региона < 3 ГБ{scope}",
                    peak,
                    ours.peak_rss_bytes < 3072 * MIB if done else False,
                )
            )
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


def text_table(runs: list[ScaleRun]) -> str:
    """The figures and the targets as aligned plain text."""
    rows = [HEADERS, *rows_of(runs)]
    widths = [max(len(r[i]) for r in rows) for i in range(len(HEADERS) - 1)]
    numeric = {2, 3, 4, 5, 6}
    lines = ["Данные:", *(f"  {_dataset_line(r)}" for r in runs), ""]
    for k, row in enumerate(rows):
        cells = [c.rjust(w) if i in numeric else c.ljust(w) for i, (c, w) in enumerate(zip(row, widths, strict=False))]
        lines.append("  ".join([*cells, row[-1]]).rstrip())
        if k == 0:
            lines.append("  ".join("-" * w for w in widths) + "  " + "-" * 10)
    found = targets(runs)
    if found:
        lines += ["", "Цели (ours):"]
        width = max(len(t.label) for t in found)
        lines += [f"  {t.label.ljust(width)}  {t.value:>22}  выполнена: {_met_text(t.met)}" for t in found]
    return "\n".join(lines)


def markdown(runs: list[ScaleRun], environment: dict) -> str:
    """The same figures as a Markdown document."""
    lines = [f"# Замер загрузки {environment['started_at']}", "", "## Данные", ""]
    lines += [f"- {_dataset_line(r)}" for r in runs]
    lines += ["", "## Результаты", "", "| " + " | ".join(HEADERS) + " |", "|" + "---|" * len(HEADERS)]
    lines += ["| " + " | ".join(row) + " |" for row in rows_of(runs)]
    found = targets(runs)
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


def write_results(out_dir: Path, runs: list[ScaleRun], environment: dict, started: dt.datetime) -> tuple[Path, Path]:
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
                    }
                    for s in r.steps
                ],
            }
            for r in runs
        ],
        "targets": [asdict(t) for t in targets(runs)],
    }
    text = json.dumps(payload, ensure_ascii=False, indent=2, default=str) + "\n"
    md = markdown(runs, environment)
    json_path, md_path = out_dir / f"bench-{stamp}.json", out_dir / f"bench-{stamp}.md"
    for path, content in (
        (json_path, text),
        (md_path, md),
        (out_dir / "latest.json", text),
        (out_dir / "latest.md", md),
    ):
        path.write_text(content, encoding="utf-8")
    return json_path, md_path
