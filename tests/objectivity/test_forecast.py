"""Forecasts: probabilities sum to 1, are calibrated on the generated school, use nothing entered
after day D, and the backtest on the committed sample prints its table."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest

from ejournal.access.accounts import Role
from ejournal.access.viewer import Viewer
from tests.factories import copy_warehouse
from warehouse.db import connect
from warehouse.forecast.backtest import HORIZONS, horizon_title, run_backtest, text_table
from warehouse.forecast.features import CLASSES, features_at, read_history
from warehouse.forecast.predict import ForecastUnavailable, class_figures, class_risks, forecast, visible_forecast
from warehouse.objectivity_norms import ObjectivityNorms

# Stated tolerance: expected calibration error (10 bins, all outcome probabilities) at most 0.03,
# and per outcome the mean predicted probability within 0.03 of the observed share, per horizon.
CALIBRATION_TOLERANCE = 0.03
P_COLUMNS = [f"p_{i}" for i in range(len(CLASSES))]


@pytest.fixture(scope="module")
def backtest(school):
    with connect(school.db, read_only=True) as con:
        history = read_history(con)
    return run_backtest(history, 0.65)


def test_probabilities_sum_to_one_and_are_calibrated(backtest, capsys):
    p = backtest.predictions
    assert p.height > 1000
    proba = p.select(P_COLUMNS).to_numpy()
    assert np.allclose(proba.sum(axis=1), 1.0) and (proba >= 0).all()
    for h in HORIZONS:
        part = p.filter(pl.col("horizon") == horizon_title(h))
        observed = np.array([(part["outcome"] == c).mean() for c in CLASSES])
        predicted = part.select(P_COLUMNS).to_numpy().mean(axis=0)
        assert np.abs(observed - predicted).max() <= CALIBRATION_TOLERANCE, (h, observed, predicted)
    ece = backtest.table.filter(pl.col("model") == "model")["ece"]
    assert ece.max() <= CALIBRATION_TOLERANCE
    with capsys.disabled():
        print("\nБэктест на сгенерированной школе (200 учеников):\n" + text_table(backtest.table))


def test_model_beats_both_baselines_on_brier_before_the_period_ends(backtest):
    """Before the last day the model is better than both baselines; on the last day the rounded
    average is nearly the answer (only marks entered later and deviating finals differ) and the
    model must stay within 0.002 of it."""
    t = backtest.table.pivot(on="model", index="horizon", values="brier")
    assert t.height == len(HORIZONS)
    for r in t.iter_rows(named=True):
        best = min(r["weighted"], r["previous"])
        if r["horizon"] == horizon_title(None):
            assert r["model"] <= best + 0.002, r
        else:
            assert r["model"] < best, r


def test_backtest_on_the_committed_sample_prints_its_table(tmp_path, capsys, small_sample_db):
    db = copy_warehouse(small_sample_db, tmp_path / "small.duckdb")  # the sample, ingested once
    with connect(db, read_only=True) as con:
        assert con.execute("select status_code from meta_batch").fetchall() == [("loaded",)]
    with connect(db, read_only=True) as con:
        bt = run_backtest(read_history(con), 0.65)
    assert set(bt.table["horizon"]) == {horizon_title(h) for h in HORIZONS}
    proba = bt.predictions.select(P_COLUMNS).to_numpy()
    assert np.allclose(proba.sum(axis=1), 1.0)
    with capsys.disabled():
        print("\nБэктест на data_samples/small (25 учеников, 1 класс):\n" + text_table(bt.table))


def test_features_know_only_what_was_entered_by_day_d(school):
    """The weighted average on day D from the raw CSV: marks of lessons up to D entered up to D."""
    raw = school.frames
    with connect(school.db, read_only=True) as con:
        history = read_history(con)
    period = raw["periods"].sort("start_date").row(1, named=True)
    day = period["start_date"] + dt.timedelta(days=20)
    rows = features_at(history, period["period_id"], day)
    weights = dict(raw["work_types"].select("work_type_id", "weight").iter_rows())
    marks = raw["marks"].join(raw["lessons"].select("lesson_id", "lesson_date", "subject_id"), on="lesson_id")
    sample = rows.filter(pl.col("wavg").is_not_null()).head(30)
    for r in sample.iter_rows(named=True):
        mine = marks.filter(
            (pl.col("pupil_id") == r["pupil_id"])
            & (pl.col("subject_id") == r["subject_id"])
            & pl.col("lesson_date").is_between(period["start_date"], day)
            & (pl.col("entered_at").dt.date() <= day)
        )
        total = weight = 0.0
        for value, work_type, own in mine.select("mark_value", "work_type_id", "weight").iter_rows():
            w = own if own is not None else weights[work_type]
            for part in value.split("/"):
                total, weight = total + int(part) * w, weight + w
        assert r["wavg"] == pytest.approx(total / weight)


def test_forecast_for_a_day_by_role(school):
    norms = ObjectivityNorms()
    with connect(school.db, read_only=True) as con:
        result = forecast(con, "sch-0001", dt.date(2026, 4, 27), norms)
        deputy = visible_forecast(con, Viewer("z", Role.DEPUTY, "sch-0001"), result)
        director = visible_forecast(con, Viewer("d", Role.DIRECTOR, "sch-0001"), result)
        figures = class_figures(con, Viewer("d", Role.DIRECTOR, "sch-0001"), result)
        with pytest.raises(ForecastUnavailable, match="Нет завершённых периодов"):
            forecast(con, "sch-0001", dt.date(2025, 9, 20), norms)
    assert deputy.height == result.pupils.height > 0 and director.is_empty()
    assert np.allclose(deputy.select("p_2", "p_3", "p_4", "p_5", "p_na").to_numpy().sum(axis=1), 1.0)
    assert "Ученик" not in figures.columns and figures.height > 0


def test_class_risks_for_the_preliminary_report(school):
    norms = ObjectivityNorms(risk_probability=0.3)
    deputy = Viewer("z", Role.DEPUTY, "sch-0001")
    with connect(school.db, read_only=True) as con:
        result = forecast(con, "sch-0001", dt.date(2026, 4, 27), norms)
        class_id = result.pupils.sort("p_risk", descending=True)["class_id"][0]
        risks = class_risks(con, deputy, class_id, dt.date(2026, 4, 27), norms)
        assert class_risks(con, Viewer("d", Role.DIRECTOR, "sch-0001"), class_id, dt.date(2026, 4, 27), norms) == {}
    expected = result.pupils.filter((pl.col("class_id") == class_id) & (pl.col("p_risk") >= 0.3))
    assert risks and set(risks) == set(zip(expected["pupil_id"], expected["subject_id"], strict=True))
