"""`python -m bench.presentation`: the parent-council deck (issue 8) for a period of the generated
school (1 000 pupils, seed 42), built and rendered the way `ejournal presentation` does it, against
a baseline measured in the same run: one naive one-page 30 × 16 table through WeasyPrint with the
same font and PDF/A variant (bench/documents.py).

Printed, never asserted: seconds for the queries (the deck's context), the SVG charts, the PDF and
the XLSX, slides, the ratio of the deck's CPU time to the baseline page, and whether the target (the
deck under 15 s on 2 cores) is met. Written to bench/results/presentation-latest.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import time
from pathlib import Path

from bench.data import PROJECT_DIR
from bench.documents import naive_page_seconds, page_count, warehouse_for

TARGET_SECONDS = 15.0


def _timed(step):
    started, cpu = time.perf_counter(), time.process_time()
    value = step()
    return value, time.perf_counter() - started, time.process_time() - cpu


def run(data_dir: Path, period: str) -> dict:
    from ejournal.access.accounts import Role
    from ejournal.access.viewer import Viewer
    from ejournal.settings import load_norms
    from report_templates.presentation import context, render
    from report_templates.presentation.charts import to_svg
    from warehouse.db import connect
    from warehouse.queries import first_school_id

    db = warehouse_for(data_dir)
    work = data_dir / "work" / "presentation"
    work.mkdir(parents=True, exist_ok=True)
    baseline, baseline_cpu, baseline_pages = naive_page_seconds(work)
    norms = load_norms()
    started, cpu_started = time.perf_counter(), time.process_time()
    with connect(db, read_only=True) as con:
        viewer = Viewer("bench", Role.DIRECTOR, first_school_id(con))
        deck, build_s, _ = _timed(lambda: context.build(con, viewer, period, norms))
    charts = [s.chart for s in deck.slides if s.chart is not None]
    _, svg_s, _ = _timed(lambda: [to_svg(c) for c in charts])
    pdf, pdf_s, pdf_cpu = _timed(lambda: render.pdf(deck, work / "deck.pdf"))
    _, xlsx_s, _ = _timed(lambda: render.xlsx(deck, work / "deck.xlsx"))
    total, total_cpu = time.perf_counter() - started, time.process_time() - cpu_started
    pages = page_count(pdf)
    return {
        "started_at": dt.datetime.now().strftime("%Y-%m-%d %H:%M:%S"),
        "cpu_count": os.cpu_count(),
        "load_average_at_start": ", ".join(f"{x:.2f}" for x in os.getloadavg()),
        "period": period,
        "slides": pages,
        "one_page_per_slide": pages == len(render.pages(deck)) + 1,  # a slide that overflowed would add a page
        "charts": len(charts),
        "query_seconds": round(build_s, 2),
        "svg_seconds": round(svg_s, 3),
        "pdf_seconds": round(pdf_s, 2),
        "xlsx_seconds": round(xlsx_s, 3),
        "total_seconds": round(total, 2),
        "cpu_seconds": round(total_cpu, 2),
        "baseline_seconds_per_page": round(baseline / baseline_pages, 3),
        "baseline_cpu_seconds_per_page": round(baseline_cpu / baseline_pages, 3),
        "ratio_cpu_per_slide_to_baseline_page": round((pdf_cpu / pages) / (baseline_cpu / baseline_pages), 2),
        "target_seconds": TARGET_SECONDS,
        "target_met": total < TARGET_SECONDS,
    }


def text_report(f: dict) -> str:
    return "\n".join(
        [
            f"Презентация для родительского совета: школа на 1 000 учеников, период «{f['period']}»",
            f"  слайдов: {f['slides']}, диаграмм: {f['charts']}, каждый слайд на одной странице: "
            f"{'да' if f['one_page_per_slide'] else 'нет'}",
            f"  всего: {f['total_seconds']:.2f} с (цель < {f['target_seconds']:.0f} с): {'да' if f['target_met'] else 'нет'}; "
            f"процессорное время {f['cpu_seconds']:.2f} с",
            f"  запросы (контекст): {f['query_seconds']} с; SVG: {f['svg_seconds']} с; PDF/A: {f['pdf_seconds']} с; "
            f"XLSX: {f['xlsx_seconds']} с",
            f"  база (наивная таблица 30 × 16 в этом же прогоне): {f['baseline_seconds_per_page']} с на страницу "
            f"({f['baseline_cpu_seconds_per_page']} с процессора); слайд / база по процессору: "
            f"{f['ratio_cpu_per_slide_to_baseline_page']}",
            f"  нагрузка машины при старте (load average): {f['load_average_at_start']}",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.presentation", description="Замер презентации.")
    parser.add_argument("--data", type=Path, default=PROJECT_DIR / "var" / "bench-data", help="кэш выгрузок")
    parser.add_argument("--out", type=Path, default=PROJECT_DIR / "bench" / "results", help="куда писать итог")
    parser.add_argument("--period", default="2 четверть", help="период («2 четверть»)")
    args = parser.parse_args(argv)
    figures = run(args.data, args.period)
    text = text_report(figures)
    print(text, flush=True)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "presentation-latest.json").write_text(json.dumps(figures, ensure_ascii=False, indent=2), "utf-8")
    (args.out / "presentation-latest.md").write_text(f"```\n{text}\n```\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
