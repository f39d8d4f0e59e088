"""`python -m bench.forecast`: the forecast on a whole generated school (1 000 pupils, seed 42).

Measures reading the school's history, fitting the model on its finished periods and predicting
every pupil-subject for a day inside the last quarter (target: under 10 s on 2 cores), and runs
the time-based backtest, printing its figures per horizon against both baselines. Figures are
printed and written to bench/results/forecast-latest.md, never asserted; exit code 0 unless a step fails.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import time
from pathlib import Path

from bench.data import PROJECT_DIR, school_dataset
from pipelines.ingest import ingest_path
from warehouse.db import connect
from warehouse.forecast.backtest import MODEL_TITLES, run_backtest, text_table
from warehouse.forecast.features import read_history
from warehouse.forecast.predict import forecast_school
from warehouse.objectivity_norms import ObjectivityNorms
from warehouse.queries import first_school_id

TARGET_SECONDS = 10.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.forecast", description="Замер прогноза и бэктест.")
    parser.add_argument("--data", type=Path, default=PROJECT_DIR / "var" / "bench-data", help="кэш выгрузок")
    parser.add_argument("--out", type=Path, default=PROJECT_DIR / "bench" / "results", help="куда писать итог")
    parser.add_argument("--pupils", type=int, default=1000, help="учеников в школе (1000)")
    parser.add_argument("--day", default="2026-04-27", help="дата прогноза, ГГГГ-ММ-ДД (внутри 4 четверти)")
    args = parser.parse_args(argv)
    dataset = school_dataset(args.data, n_pupils=args.pupils)
    db = args.data / f"forecast-p{args.pupils}.duckdb"
    marker = dataset.path / "bench-data.json"
    if db.exists() and marker.exists() and db.stat().st_mtime < marker.stat().st_mtime:
        db.unlink()  # the export was generated again: load it again
    if not db.exists():
        (result,) = ingest_path(dataset.path, db)
        if result.status != "loaded":
            print(f"загрузка не удалась: {result.status}")
            return 1
    norms = ObjectivityNorms()
    day = dt.date.fromisoformat(args.day)
    with connect(db, read_only=True) as con:
        school_id = first_school_id(con)
        t0 = time.perf_counter()
        history = read_history(con, school_id)
        t1 = time.perf_counter()
    result = forecast_school(history, school_id, day, norms)
    t2 = time.perf_counter()
    backtest = run_backtest(history, norms.rounding_threshold)
    t3 = time.perf_counter()
    fit_predict = t2 - t0
    lines = [
        f"# Прогноз итогов периода: замер ({dt.datetime.now():%d.%m.%Y %H:%M})",
        "",
        f"Школа: {args.pupils} учеников (seed 42), ядер: {os.cpu_count()}, нагрузка: {os.getloadavg()[0]:.1f}.",
        f"Чтение истории: {t1 - t0:.2f} с; обучение и прогноз на {day:%d.%m.%Y}: {t2 - t1:.2f} с "
        f"({result.n_training_rows} строк обучения, {result.pupils.height} пар ученик-предмет).",
        f"Итого чтение + обучение + прогноз: {fit_predict:.2f} с (цель — меньше {TARGET_SECONDS:.0f} с): "
        + ("достигнута" if fit_predict < TARGET_SECONDS else "НЕ достигнута"),
        f"Бэктест (обучение заново для каждого проверяемого периода): {t3 - t2:.2f} с.",
        "",
        "```",
        text_table(backtest.table),
        "```",
        "",
    ]
    wide = backtest.table.pivot(on="model", index="horizon", values="brier", maintain_order=True)
    for r in wide.iter_rows(named=True):
        best = min(("weighted", "previous"), key=lambda k: r[k])
        verdict = "лучше" if r["model"] < r[best] else "НЕ лучше"
        lines.append(
            f"- {r['horizon']}: Брайер модели {r['model']:.4f} {verdict} лучшей базовой "
            f"(«{MODEL_TITLES[best]}», {r[best]:.4f})"
        )
    text = "\n".join(lines) + "\n"
    print(text)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "forecast-latest.md").write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
