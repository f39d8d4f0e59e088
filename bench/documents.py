"""`python -m bench --scale documents`: the whole school's set of class documents (issue 9,
documents 1–4: report all's kinds) for one period of the generated school, rendered to PDF/A the
way `ejournal report all` does it (worker processes, each with a read-only connection), against a
baseline measured in the same run: one naive one-page 30 × 16 table through WeasyPrint with the
same font and PDF/A variant.

Printed, never asserted: seconds in all, seconds per page (wall clock and in the workers), the
ratio to the baseline page, peak memory of the workers, and whether the target (the set under 60 s
on 2 cores) is met.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import threading
import time
from collections import defaultdict
from pathlib import Path

import psutil

TARGET_SECONDS = 60.0


def _say(message: str) -> None:
    print(message, flush=True)


def naive_page_seconds(work: Path) -> tuple[float, float, int]:
    """The baseline: a plain 30 × 16 table (DejaVu Sans, PDF/A-3b), best of 3 renders: wall and CPU
    seconds and its pages."""
    from report_templates.render import TEMPLATES_DIR, write_pdf

    cells = "".join("<tr>" + "".join(f"<td>{r * 16 + c}</td>" for c in range(16)) + "</tr>" for r in range(30))
    html = (
        f"<html lang='ru'><head><meta charset='utf-8'><title>База</title><style>"
        f"@font-face {{ font-family: 'Doc Sans'; src: url('{(TEMPLATES_DIR / 'fonts' / 'DejaVuSans.ttf').as_uri()}'); }}"
        "@page { size: A4 landscape; margin: 15mm; } html { font: 9pt 'Doc Sans'; }"
        "table { border-collapse: collapse; width: 100%; } td { border: 0.5pt solid #000; padding: 1mm; }"
        f"</style></head><body><h1>Таблица</h1><table>{cells}</table></body></html>"
    )
    best, best_cpu = float("inf"), float("inf")
    for _ in range(3):
        started, cpu_started = time.perf_counter(), time.process_time()
        path = write_pdf(html, work / "naive.pdf", title="База")
        best, best_cpu = min(best, time.perf_counter() - started), min(best_cpu, time.process_time() - cpu_started)
    return best, best_cpu, page_count(path)


def page_count(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


class PeakMemory:
    """Peak summed resident memory of this process's children (the render workers), polled."""

    def __init__(self) -> None:
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)

    def _poll(self) -> None:
        me = psutil.Process()
        while not self._stop.wait(0.1):
            total = 0
            for child in me.children(recursive=True):
                try:
                    total += child.memory_info().rss
                except psutil.Error:
                    continue
            self.peak = max(self.peak, total)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def warehouse_for(data_dir: Path) -> Path:
    """The generated school (bench/data.py cache) loaded into a DuckDB file, once per export."""
    from bench.data import school_dataset

    dataset = school_dataset(data_dir)
    db = data_dir / "work" / "documents" / f"{dataset.path.name}.duckdb"
    marker = dataset.path / "bench-data.json"
    if not db.exists() or db.stat().st_mtime < marker.stat().st_mtime:
        from pipelines.ingest import ingest_path

        db.parent.mkdir(parents=True, exist_ok=True)
        db.unlink(missing_ok=True)
        _say(f"[documents] загрузка {dataset.path} в {db}")
        ingest_path(dataset.path, db)
    return db


def run(data_dir: Path, out_dir: Path, period: str, workers: int, limit_classes: int | None = None) -> dict:
    import duckdb

    from ejournal.access.accounts import Role
    from ejournal.access.viewer import Viewer
    from report_templates.catalogue import CATALOGUE as KINDS
    from report_templates.catalogue import SCHOOL_SET
    from report_templates.school_set import Failure, render_many
    from warehouse.class_period import classes_with_period
    from warehouse.queries import first_school_id

    db = warehouse_for(data_dir)
    with duckdb.connect(str(db), read_only=True) as con:
        school_id = first_school_id(con)
        classes = classes_with_period(con, school_id, period)
    classes = classes[:limit_classes] if limit_classes else classes
    targets = [(kind, c, period) for c in classes for kind in SCHOOL_SET]
    work = data_dir / "work" / "documents" / "pdf"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    baseline_seconds, baseline_cpu, baseline_pages = naive_page_seconds(work)
    _say(f"[documents] база: наивная страница 30 × 16 — {baseline_seconds:.2f} с")
    _say(f"[documents] {len(classes)} классов × {len(SCHOOL_SET)} документов = {len(targets)}, период «{period}»")
    viewer = Viewer("bench", Role.DEPUTY, school_id)
    started = time.perf_counter()
    results, failures = [], []
    with PeakMemory() as memory:
        for result in render_many(db, viewer, targets, work, ["pdf"], workers=workers):
            (failures if isinstance(result, Failure) else results).append(result)
    total = time.perf_counter() - started
    by_kind: dict[str, dict[str, float]] = defaultdict(lambda: {"documents": 0, "pages": 0, "seconds": 0.0, "cpu": 0.0})
    for r in results:
        entry = by_kind[r.kind]
        entry["documents"] += 1
        entry["pages"] += page_count(r.paths[0])
        entry["seconds"] += r.seconds
        entry["cpu"] += r.cpu_seconds
    pages = int(sum(e["pages"] for e in by_kind.values()))
    worker_seconds = sum(e["seconds"] for e in by_kind.values())
    cpu_seconds = sum(e["cpu"] for e in by_kind.values())
    return {
        "started_at": dt.datetime.now().strftime("%Y-%m-%d %H:%M:%S"),
        "cpu_count": os.cpu_count(),
        "load_average_at_start": ", ".join(f"{x:.2f}" for x in os.getloadavg()),
        "period": period,
        "classes": len(classes),
        "documents": len(results),
        "failed": [f"{f.kind} {f.class_name}: {f.message}" for f in failures],
        "workers": workers,
        "pages": pages,
        "total_seconds": round(total, 2),
        "wall_seconds_per_page": round(total / pages, 3) if pages else None,
        "worker_seconds_per_page": round(worker_seconds / pages, 3) if pages else None,
        "baseline_seconds_per_page": round(baseline_seconds / baseline_pages, 3),
        "ratio_to_baseline_page": round(cpu_seconds / pages / (baseline_cpu / baseline_pages), 2) if pages else None,
        "worker_cpu_seconds": round(cpu_seconds, 1),
        # on an otherwise idle machine the workers' CPU time spreads over the workers (one core each)
        "idle_estimate_seconds": round(cpu_seconds / workers, 1),
        "cpu_seconds_per_page": round(cpu_seconds / pages, 3) if pages else None,
        "baseline_cpu_seconds_per_page": round(baseline_cpu / baseline_pages, 3),
        "peak_workers_mb": round(memory.peak / 1024**2),
        "target_seconds": TARGET_SECONDS,
        "target_met": total < TARGET_SECONDS and not failures,
        "by_kind": {
            KINDS[k].title: {
                "documents": int(v["documents"]),
                "pages": int(v["pages"]),
                "seconds_per_page": round(v["seconds"] / v["pages"], 3) if v["pages"] else None,
                "cpu_seconds_per_page": round(v["cpu"] / v["pages"], 3) if v["pages"] else None,
            }
            for k, v in by_kind.items()
        },
    }


def text_report(figures: dict) -> str:
    f = figures
    lines = [
        f"Документы 1–4 по всей школе: {f['classes']} классов, период «{f['period']}», процессов: {f['workers']}",
        f"  документов: {f['documents']}, страниц: {f['pages']}, не сформировано: {len(f['failed'])}",
        f"  всего: {f['total_seconds']:.1f} с (цель < {f['target_seconds']:.0f} с): {'да' if f['target_met'] else 'нет'}",
        f"  на страницу: {f['wall_seconds_per_page']} с по часам, {f['worker_seconds_per_page']} с в процессе отрисовки",
        f"  процессорное время на страницу: {f['cpu_seconds_per_page']} с; база (наивная таблица 30 × 16 в этом "
        f"же прогоне): {f['baseline_cpu_seconds_per_page']} с ({f['baseline_seconds_per_page']} с по часам); "
        f"наша страница / база: {f['ratio_to_baseline_page']}",
        f"  процессорное время всех документов: {f['worker_cpu_seconds']} с; на свободной машине с {f['workers']} "
        f"ядрами это ≈ {f['idle_estimate_seconds']} с (цель < {f['target_seconds']:.0f} с): "
        f"{'да' if f['idle_estimate_seconds'] < f['target_seconds'] else 'нет'}",
        f"  нагрузка машины при старте (load average): {f['load_average_at_start']}",
        f"  пик памяти процессов отрисовки (сумма): {f['peak_workers_mb']} МБ",
        "  по документам (страниц, с на страницу в процессе):",
    ]
    for title, v in f["by_kind"].items():
        lines.append(
            f"    {title}: {v['documents']} док., {v['pages']} стр., {v['seconds_per_page']} с/стр. "
            f"({v['cpu_seconds_per_page']} с процессора)"
        )
    for failure in f["failed"][:10]:
        lines.append(f"  не сформирован: {failure}")
    return "\n".join(lines)


def main(data_dir: Path, out_dir: Path, period: str, workers: int) -> int:
    figures = run(data_dir, out_dir, period, workers)
    text = text_report(figures)
    print(text, flush=True)
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    for name in (f"documents-{stamp}", "documents-latest"):
        (out_dir / f"{name}.json").write_text(json.dumps(figures, ensure_ascii=False, indent=2), encoding="utf-8")
        (out_dir / f"{name}.md").write_text(f"```\n{text}\n```\n", encoding="utf-8")
    print(f"\nЗаписано: {out_dir / f'documents-{stamp}.json'}")
    return 1 if figures["failed"] and not figures["documents"] else 0
