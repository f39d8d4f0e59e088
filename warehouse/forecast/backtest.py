"""The time-based backtest that chose the model and shows how far to trust it.

For every period P that has an earlier finished period of the same school: train on all periods
that ended before P began (earlier quarters of the year, earlier years), cut P at day D (7, 14,
28 and 42 days into the period, and its last day) and predict each pupil-subject's period mark
from what was known on day D. Compared with two baselines that give one mark with certainty:

- «средневзвешенный»: the weighted average so far, rounded by the school's rule (without marks:
  the previous period's mark, else «4»);
- «прошлый период»: the previous period's mark (without one: the rounded average so far).

Figures per horizon: exact-mark accuracy, MAE (н/а counted as 2 — a failed period), multi-class
Brier score (Σ over the five outcomes of (p − y)², 0 best, 2 worst) and expected calibration
error (all outcome probabilities, 10 equal-width bins).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import polars as pl

from ejournal.access.viewer import Viewer
from warehouse.forecast.features import CLASSES, KEY, History, features_at
from warehouse.forecast.model import Forecaster, rule_mark
from warehouse.suppression import hidden

HORIZONS: tuple[int | None, ...] = (7, 14, 28, 42, None)  # days into the period; None = its last day
TRAIN_DAYS: tuple[int | None, ...] = (7, 14, 21, 28, 35, 42, None)
FALLBACK_MARK = "4"
MODELS = ("model", "weighted", "previous")
MODEL_TITLES = {"model": "модель", "weighted": "средневзвешенный", "previous": "прошлый период"}


def horizon_title(h: int | None) -> str:
    return "конец периода" if h is None else f"{h}-й день"


def cut_day(start: dt.date, end: dt.date, horizon: int | None) -> dt.date | None:
    """Day D for a horizon: `horizon` days into the period (day 1 = its first day), or its last day."""
    if horizon is None:
        return end
    day = start + dt.timedelta(days=horizon - 1)
    return day if day < end else None


def labelled(history: History, period: dict, days: tuple[int | None, ...]) -> pl.DataFrame:
    """Feature rows of a period at the given horizons with the true outcome (rows without one dropped)."""
    parts = []
    for h in days:
        day = cut_day(period["start_date"], period["end_date"], h)
        if day is None:
            continue
        rows = features_at(history, period["period_id"], day, period["school_id"])
        if rows.is_empty():
            continue
        parts.append(rows.with_columns(pl.lit(horizon_title(h)).alias("horizon")))
    if not parts:
        return pl.DataFrame()
    outcomes = history.outcomes.select(*KEY, "outcome")
    return pl.concat(parts, how="diagonal_relaxed").join(outcomes, on=KEY)


def baselines(rows: pl.DataFrame, threshold: float) -> tuple[pl.Series, pl.Series]:
    rounded = rule_mark(pl.col("wavg"), threshold).cast(pl.String)
    weighted = rows.select(pl.coalesce(rounded, "prev_mark", pl.lit(FALLBACK_MARK))).to_series()
    previous = rows.select(pl.coalesce("prev_mark", rounded, pl.lit(FALLBACK_MARK))).to_series()
    return weighted, previous


def one_hot(values: pl.Series) -> np.ndarray:
    index = {c: i for i, c in enumerate(CLASSES)}
    out = np.zeros((len(values), len(CLASSES)))
    out[np.arange(len(values)), [index[v] for v in values.to_list()]] = 1.0
    return out


@dataclass(frozen=True)
class Scores:
    n: int
    accuracy: float
    mae: float
    brier: float
    ece: float


def score(proba: np.ndarray, truth: pl.Series) -> Scores:
    y = one_hot(truth)
    value = np.array([2, 3, 4, 5, 2], dtype=float)  # н/а counts as 2
    predicted = proba.argmax(axis=1)
    actual = y.argmax(axis=1)
    return Scores(
        n=len(truth),
        accuracy=float((predicted == actual).mean()),
        mae=float(np.abs(value[predicted] - value[actual]).mean()),
        brier=float(((proba - y) ** 2).sum(axis=1).mean()),
        ece=calibration_error(proba, y),
    )


def calibration_error(proba: np.ndarray, y: np.ndarray, bins: int = 10) -> float:
    """Expected calibration error over every outcome probability: Σ_bins share × |mean p − frequency|."""
    p, t = proba.ravel(), y.ravel()
    which = np.minimum((p * bins).astype(int), bins - 1)
    total = 0.0
    for b in range(bins):
        mask = which == b
        if mask.any():
            total += mask.mean() * abs(p[mask].mean() - t[mask].mean())
    return float(total)


@dataclass(frozen=True)
class Backtest:
    table: pl.DataFrame  # horizon, model, n, accuracy, mae, brier, ece
    predictions: pl.DataFrame  # KEY, horizon, outcome, p_2 … p_na (model only)


def backtest_hidden(viewer: Viewer, backtest: Backtest) -> bool:
    """The scores describe the school's pupils predicted: hidden from the small-group roles when
    fewer than 5 distinct pupils are behind them."""
    predicted = backtest.predictions
    return hidden(viewer, predicted["pupil_id"].n_unique() if "pupil_id" in predicted.columns else 0)


def run_backtest(history: History, threshold: float, kind: str = "logistic") -> Backtest:
    """Train on earlier periods, predict each later period at every horizon; scores per horizon and model."""
    periods = history.periods.sort("school_id", "start_date", "period_id").to_dicts()
    training: dict[tuple[str, str], pl.DataFrame] = {}

    def train_rows(p: dict) -> pl.DataFrame:
        key = (p["school_id"], p["period_id"])
        if key not in training:
            training[key] = labelled(history, p, TRAIN_DAYS)
        return training[key]

    results: list[pl.DataFrame] = []
    for target in periods:
        earlier = [p for p in periods if p["school_id"] == target["school_id"] and p["end_date"] < target["start_date"]]
        test = labelled(history, target, HORIZONS)
        if not earlier or test.is_empty():
            continue
        train = pl.concat([train_rows(p) for p in earlier], how="diagonal_relaxed")
        if train.is_empty() or train["outcome"].n_unique() < 2:
            continue
        model = Forecaster(threshold, kind).fit(train, train["outcome"])
        proba = model.predict(test)
        weighted, previous = baselines(test, threshold)
        results.append(
            test.select(*KEY, "horizon", "outcome").with_columns(
                *[pl.Series(f"p_{i}", proba[:, i]) for i in range(len(CLASSES))],
                weighted.alias("weighted"),
                previous.alias("previous"),
            )
        )
    if not results:
        return Backtest(pl.DataFrame(), pl.DataFrame())
    predictions = pl.concat(results)
    rows = []
    for h in HORIZONS:
        title = horizon_title(h)
        part = predictions.filter(pl.col("horizon") == title)
        if part.is_empty():
            continue
        model_proba = part.select([f"p_{i}" for i in range(len(CLASSES))]).to_numpy()
        for name, proba in (
            ("model", model_proba),
            ("weighted", one_hot(part["weighted"])),
            ("previous", one_hot(part["previous"])),
        ):
            s = score(proba, part["outcome"])
            rows.append({"horizon": title, "model": name, **s.__dict__})
    return Backtest(pl.DataFrame(rows), predictions)


def text_table(table: pl.DataFrame) -> str:
    """The backtest figures as a plain-text table (Russian headers)."""
    head = f"{'горизонт':<15}{'прогноз':<18}{'N':>6}{'точность':>10}{'MAE':>8}{'Брайер':>8}{'ECE':>8}"
    lines = [head, "-" * len(head)]
    for r in table.iter_rows(named=True):
        lines.append(
            f"{r['horizon']:<15}{MODEL_TITLES[r['model']]:<18}{r['n']:>6}{r['accuracy']:>10.3f}"
            f"{r['mae']:>8.3f}{r['brier']:>8.3f}{r['ece']:>8.3f}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """`python -m warehouse.forecast.backtest [--db ПУТЬ]`: print the backtest of every school in a warehouse."""
    import argparse
    from pathlib import Path

    from ejournal.settings import environment, load_norms
    from warehouse.db import connect
    from warehouse.forecast.features import read_history
    from warehouse.objectivity_norms import ObjectivityNorms

    parser = argparse.ArgumentParser(prog="python -m warehouse.forecast.backtest", description="Бэктест прогноза.")
    parser.add_argument("--db", type=Path, default=None, help="файл хранилища (по умолчанию EJOURNAL_DB)")
    args = parser.parse_args(argv)
    norms = ObjectivityNorms.of(load_norms())
    with connect(args.db or environment().db_path, read_only=True) as con:
        history = read_history(con)
    result = run_backtest(history, norms.rounding_threshold)
    print(
        text_table(result.table) if not result.table.is_empty() else "Нужны хотя бы два периода с итоговыми отметками."
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
