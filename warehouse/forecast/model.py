"""The forecast model: probabilities of the period mark 2, 3, 4, 5 and of non-attestation.

A multinomial logistic regression (scikit-learn) on the inputs of `features.py`, turned into a
design matrix here. Its main inputs are the log-probabilities that the final weighted average
lands in each bin of the rounding rule (`rule_bins`: the average so far, the pace of marking and
the previous period's mark give a normal approximation of the final average); beside them the
number of marks, the control-work average, absences, the previous period's mark and the share of
the period gone by. The regression calibrates those probabilities and adds non-attestation.
The model was chosen by the backtest (`backtest.py`) against a gradient-boosted tree model of the
same inputs (`kind="boosting"`); docs/forecast.md gives the figures. Nothing is downloaded: the
model is fitted on the school's own earlier periods each time it is needed (a few seconds).
"""

from __future__ import annotations

import numpy as np
import polars as pl
from scipy.special import ndtr
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from warehouse.forecast.features import CLASSES

DEFAULT_MEAN = 3.7  # a neutral mark for a pupil with neither marks nor a previous mark
MARK_SD = 0.8  # spread of one pupil's current marks around their level
PRIOR_MARKS = 6.0  # the previous period's mark weighs like this many current marks in the pupil's level
FLOOR = 1e-4
MAX_TRAIN_ROWS = 40_000  # a seeded sample of the training rows beyond this (fit time, not accuracy)
PENDING_SD = 0.08  # the final average's spread from marks entered after day D


def rule_mark(average: pl.Expr, threshold: float) -> pl.Expr:
    """The rounding rule on an expression: ≥ 4 + t → 5, ≥ 3 + t → 4, ≥ 2 + t → 3, else 2 (null stays null)."""
    a = average + 1e-9
    return (
        pl.when(average.is_null())
        .then(None)
        .when(a >= 4 + threshold)
        .then(5)
        .when(a >= 3 + threshold)
        .then(4)
        .when(a >= 2 + threshold)
        .then(3)
        .otherwise(2)
    )


def rule_bins(features: pl.DataFrame, threshold: float, sd_floor: float = 0.0) -> np.ndarray:
    """Probability that the final weighted average lands in the rule's bin of 2, 3, 4, 5.

    The marks still to come are assumed to arrive at the pace so far (weight per day) with the
    pupil's level as mean (the average so far, pulled towards the previous period's mark) and
    spread MARK_SD; the final average is then roughly normal around a blend of the average so far
    and that level, narrowing to the average itself on the period's last day."""
    prev_num = pl.col("prev_mark").replace_strict({"2": 2.0, "3": 3.0, "4": 4.0, "5": 5.0}, default=None)
    f = features.select(
        pl.col("wavg"),
        pl.col("weight_sum").cast(pl.Float64).alias("w"),
        pl.col("n_parts").cast(pl.Float64).alias("n"),
        prev_num.alias("prev"),
        pl.col("elapsed").clip(0.01, 1.0).alias("e"),
    )
    wavg, w, n, prev, e = (f[c].to_numpy().astype(float) for c in ("wavg", "w", "n", "prev", "e"))
    has_prev, has_marks = ~np.isnan(prev), ~np.isnan(wavg)
    prior = np.where(has_prev, prev, DEFAULT_MEAN)
    k0 = np.where(has_prev, PRIOR_MARKS, 1.0)
    level = np.where(has_marks, (np.nan_to_num(wavg) * n + prior * k0) / (n + k0), prior)
    w_rest = np.where(has_marks, w * (1 - e) / e, 1.0)
    n_rest = np.where(has_marks, n * (1 - e) / e, 3.0)
    share_rest = np.where(has_marks, w_rest / np.maximum(w + w_rest, 1e-9), 1.0)
    mean = np.where(has_marks, (1 - share_rest) * np.nan_to_num(wavg) + share_rest * level, level)
    var_level = MARK_SD**2 / (n + k0)
    var_future = MARK_SD**2 / np.maximum(n_rest, 1e-9)
    sd = np.maximum(np.sqrt(share_rest**2 * (var_level + var_future)), sd_floor) + 1e-6
    cuts = np.array([2 + threshold, 3 + threshold, 4 + threshold]) - 1e-9
    below = ndtr((cuts[None, :] - mean[:, None]) / sd[:, None])  # P(final < cut)
    bins = np.column_stack([below[:, 0], below[:, 1] - below[:, 0], below[:, 2] - below[:, 1], 1 - below[:, 2]])
    return np.clip(bins, 0.0, 1.0)


def design(features: pl.DataFrame, threshold: float) -> np.ndarray:
    """The numeric matrix the model reads, one row per feature row."""
    prev_num = pl.col("prev_mark").replace_strict({"2": 2.0, "3": 3.0, "4": 4.0, "5": 5.0}, default=None)
    base = pl.coalesce("wavg", prev_num, pl.lit(DEFAULT_MEAN))
    frame = features.select(
        base.alias("base"),
        pl.col("wavg").is_not_null().cast(pl.Float64).alias("has_marks"),
        pl.col("n_parts").cast(pl.Float64).log1p().alias("log_parts"),
        (pl.coalesce("control_avg", base) - base).alias("control_gap"),
        pl.col("absent_share").fill_null(0.0).alias("absent_share"),
        (pl.col("n_parts") < 3).cast(pl.Float64).alias("few_marks"),
        *[
            (pl.col("prev_mark") == v).fill_null(False).cast(pl.Float64).alias(f"prev_{i}")
            for i, v in enumerate(CLASSES)
        ],
        pl.col("elapsed").alias("elapsed"),
    ).with_columns(
        (pl.col("absent_share") * pl.col("few_marks")).alias("absent_x_few"),
        (pl.col("absent_share") * (1 - pl.col("has_marks"))).alias("absent_x_none"),
    )
    log_bins = np.log(rule_bins(features, threshold) + FLOOR)
    # Marks of the last days still to be entered keep even the last day a little uncertain.
    log_pending = np.log(rule_bins(features, threshold, PENDING_SD) + FLOOR)
    elapsed = features["elapsed"].to_numpy().astype(np.float64)[:, None]
    return np.column_stack([frame.to_numpy().astype(np.float64), log_bins, log_bins * elapsed, log_pending])


class Forecaster:
    """Fit on feature rows with known outcomes; predict the probability of each of CLASSES."""

    def __init__(self, threshold: float, kind: str = "logistic") -> None:
        self.threshold = threshold
        self.kind = kind
        if kind == "logistic":
            self.estimator = make_pipeline(
                StandardScaler(), LogisticRegression(C=1.0, solver="newton-cholesky", max_iter=100)
            )
        elif kind == "boosting":
            self.estimator = HistGradientBoostingClassifier(max_iter=150, learning_rate=0.08, random_state=0)
        else:
            raise ValueError(f"unknown model kind: {kind}")
        self.labels: list[str] = []

    def fit(self, features: pl.DataFrame, outcomes: pl.Series) -> Forecaster:
        if features.height > MAX_TRAIN_ROWS:
            keep = np.sort(np.random.default_rng(0).choice(features.height, MAX_TRAIN_ROWS, replace=False))
            features, outcomes = features[keep], outcomes[keep]
        self.labels = sorted(set(outcomes.to_list()))
        if len(self.labels) < 2:
            raise ValueError("для обучения нужны хотя бы две разные итоговые отметки")
        y = np.array([self.labels.index(v) for v in outcomes.to_list()])
        # One BLAS thread: on a shared 2-core machine threads only fight each other (10× slower).
        with threadpool_limits(limits=1):
            self.estimator.fit(design(features, self.threshold), y)
        return self

    def predict(self, features: pl.DataFrame) -> np.ndarray:
        """Probabilities, one column per CLASSES entry (a mark never seen in training gets 0)."""
        with threadpool_limits(limits=1):
            proba = self.estimator.predict_proba(design(features, self.threshold))
        full = np.zeros((features.height, len(CLASSES)))
        for j, label in enumerate(self.labels):
            full[:, CLASSES.index(label)] = proba[:, j]
        return full / full.sum(axis=1, keepdims=True)
