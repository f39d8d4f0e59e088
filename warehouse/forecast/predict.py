"""Forecasts for a day inside a period: each pupil-subject's period mark with the probability of
each outcome, each class's expected успеваемость and качество, and the pupils «в зоне риска».

The model is fitted on the school's periods that ended before the day (earlier quarters of the
year, earlier years): nothing that happened after the day is used, and nothing is downloaded.
Pupil-level results go only to roles that see pupils, within their scope (warehouse/scope.py);
class figures go to the director and parent council with groups under 5 pupils hidden.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb
import polars as pl

from ejournal.access.viewer import Viewer
from ejournal.formatting import decimal_texts, rounded_numbers
from warehouse import query
from warehouse.forecast.features import CLASSES, KEY, History, features_at, read_history
from warehouse.forecast.model import Forecaster, rule_mark
from warehouse.objectivity_norms import ObjectivityNorms
from warehouse.scope import visible_pupils_sql
from warehouse.suppression import SUPPRESSED, hidden_expr

TRAIN_DAYS = (7, 14, 21, 28, 35, 42, None)
PROBABILITY_COLUMNS = ["p_2", "p_3", "p_4", "p_5", "p_na"]


class ForecastUnavailable(Exception):
    """No forecast can be made for the day (a Russian message for the page)."""


@dataclass(frozen=True)
class Forecast:
    day: dt.date
    pupils: pl.DataFrame  # KEY, class_id, wavg, n_parts, prev_mark, p_2 … p_na, predicted, p_risk
    n_training_rows: int


def _training_rows(history: History, school_id: str, day: dt.date) -> pl.DataFrame:
    from warehouse.forecast.backtest import labelled

    finished = history.periods.filter((pl.col("school_id") == school_id) & (pl.col("end_date") < day))
    parts = [labelled(history, p, TRAIN_DAYS) for p in finished.to_dicts()]
    parts = [p for p in parts if not p.is_empty()]
    return pl.concat(parts, how="diagonal_relaxed") if parts else pl.DataFrame()


def forecast_school(history: History, school_id: str, day: dt.date, norms: ObjectivityNorms) -> Forecast:
    """Fit on the school's finished periods and predict every pupil-subject of the periods covering `day`."""
    current = history.periods.filter(
        (pl.col("school_id") == school_id) & (pl.col("start_date") <= day) & (pl.col("end_date") >= day)
    )
    if current.is_empty():
        raise ForecastUnavailable(f"{day:%d.%m.%Y} не входит ни в один учебный период.")
    train = _training_rows(history, school_id, day)
    if train.is_empty() or train["outcome"].n_unique() < 2:
        raise ForecastUnavailable(
            "Нет завершённых периодов с итоговыми отметками до этой даты: модели не на чем учиться."
        )
    model = Forecaster(norms.rounding_threshold).fit(train, train["outcome"])
    rows = [features_at(history, p, day, school_id) for p in current["period_id"].to_list()]
    rows = [r for r in rows if not r.is_empty()]
    if not rows:
        raise ForecastUnavailable(f"К {day:%d.%m.%Y} в периоде ещё не было уроков.")
    features = pl.concat(rows, how="diagonal_relaxed")
    # Only subjects marked in the class so far: ungraded grades and courses get no forecast.
    marked = (
        history.marks.filter(
            (pl.col("school_id") == school_id)
            & pl.col("period_id").is_in(current["period_id"].implode())
            & (pl.col("lesson_date") <= day)
        )
        .select("class_id", "subject_id")
        .unique()
    )
    features = features.join(marked, on=["class_id", "subject_id"], how="semi")
    if features.is_empty():
        raise ForecastUnavailable(f"К {day:%d.%m.%Y} в периоде ещё нет отметок.")
    proba = model.predict(features)
    pupils = features.with_columns(
        *[pl.Series(name, proba[:, i]) for i, name in enumerate(PROBABILITY_COLUMNS)],
        pl.Series("predicted", [CLASSES[i] for i in proba.argmax(axis=1)], dtype=pl.String),
        rule_mark(pl.col("wavg"), norms.rounding_threshold).cast(pl.String).alias("rule_mark_now"),
    ).with_columns((pl.col("p_2") + pl.col("p_na")).alias("p_risk"))
    return Forecast(day, pupils, train.height)


def forecast(con: duckdb.DuckDBPyConnection, school_id: str, day: dt.date, norms: ObjectivityNorms) -> Forecast:
    """Read the school's history from the warehouse and forecast (the cached call pages make)."""
    return forecast_school(read_history(con, school_id), school_id, day, norms)


def _named(con: duckdb.DuckDBPyConnection, frame: pl.DataFrame) -> pl.DataFrame:
    with con.cursor() as cursor:
        cursor.register("forecast_rows", frame.select(*KEY, "class_id").unique())
        names = cursor.sql(
            """select f.school_id, f.pupil_id, f.subject_id, f.period_id, p.full_name, c.class_name, c.grade,
                s.subject_name, pe.period_name
            from forecast_rows as f
            left join dim_pupil as p on p.school_id = f.school_id and p.pupil_id = f.pupil_id
            left join dim_class as c on c.school_id = f.school_id and c.class_id = f.class_id
            left join dim_subject as s on s.school_id = f.school_id and s.subject_id = f.subject_id
            left join dim_period as pe on pe.school_id = f.school_id and pe.period_id = f.period_id"""
        ).pl()
    return frame.join(names, on=KEY, how="left")


def visible_forecast(con: duckdb.DuckDBPyConnection, viewer: Viewer, result: Forecast) -> pl.DataFrame:
    """The pupil rows the viewer may see (pupil-level roles only), with names."""
    if not viewer.sees_pupils:
        return pl.DataFrame()
    pupils, params = visible_pupils_sql(viewer)
    visible = query.frame(con, pupils, params)
    rows = result.pupils.join(visible, on=["school_id", "class_id", "subject_id", "pupil_id"], how="semi")
    return _named(con, rows).sort("grade", "class_name", "full_name", "subject_name")


def class_figures(con: duckdb.DuckDBPyConnection, viewer: Viewer, result: Forecast) -> pl.DataFrame:
    """Per class and subject: pupils, expected успеваемость and качество (%) with a 90 % range.

    Expected values are the mean probabilities; the range treats pupils as independent
    (± 1.645 · √Σ p(1 − p) / N). Director and parent council: classes under 5 pupils hidden."""
    if not (viewer.sees_pupils or viewer.sees_aggregates):
        return pl.DataFrame()
    if viewer.sees_pupils:
        rows = visible_forecast(con, viewer, result)
    else:
        rows = _named(
            con, result.pupils.filter(pl.lit(viewer.school_id is None) | (pl.col("school_id") == viewer.school_id))
        )
    if rows.is_empty():
        return pl.DataFrame()
    passed = pl.col("p_3") + pl.col("p_4") + pl.col("p_5")
    good = pl.col("p_4") + pl.col("p_5")
    grouped = (
        rows.group_by("grade", "class_name", "subject_name", "period_name")
        .agg(
            pl.col("pupil_id").n_unique().alias("n"),
            (100 * passed.mean()).alias("progress"),
            (100 * 1.645 * (passed * (1 - passed)).sum().sqrt() / pl.len()).alias("progress_pm"),
            (100 * good.mean()).alias("quality"),
            (100 * 1.645 * (good * (1 - good)).sum().sqrt() / pl.len()).alias("quality_pm"),
            (pl.col("p_risk") >= 0.5).sum().alias("n_risk"),
        )
        .sort("grade", "class_name", "subject_name")
    )
    hide = hidden_expr(viewer, "n")  # n: distinct pupils of the class in the subject and period

    def pct(value: str, pm: str) -> pl.Expr:
        text = pl.format(
            "{} ± {}",
            decimal_texts(pl.col(value)),
            decimal_texts(pl.col(pm)),
        )
        return pl.when(hide).then(pl.lit(SUPPRESSED)).otherwise(text)

    return grouped.select(
        pl.col("class_name").alias("Класс"),
        pl.col("subject_name").alias("Предмет"),
        pl.col("period_name").alias("Период"),
        pl.when(hide).then(pl.lit(SUPPRESSED)).otherwise(pl.col("n").cast(pl.String)).alias("Учеников"),
        pct("progress", "progress_pm").alias("Успеваемость, % (прогноз)"),
        pct("quality", "quality_pm").alias("Качество, % (прогноз)"),
    )


def risk_list(pupils: pl.DataFrame, norms: ObjectivityNorms) -> pl.DataFrame:
    """Pupils whose probability of «2» or н/а is at least the setting, most at risk first."""
    if pupils.is_empty():
        return pupils
    return pupils.filter(pl.col("p_risk") >= norms.risk_probability).sort("p_risk", descending=True)


def pupil_table(pupils: pl.DataFrame) -> pl.DataFrame:
    """The pupil rows as the page and the download show them (Russian headers, percentages)."""
    if pupils.is_empty():
        return pl.DataFrame()

    def pct(col: str) -> pl.Expr:
        return rounded_numbers(100 * pl.col(col), 0).cast(pl.Int64)

    return pupils.select(
        pl.col("full_name").alias("Ученик"),
        pl.col("class_name").alias("Класс"),
        pl.col("subject_name").alias("Предмет"),
        rounded_numbers(pl.col("wavg"), 2).alias("Средневзвешенный сейчас"),
        pl.col("n_parts").alias("Отметок"),
        pl.coalesce("prev_mark", pl.lit("—")).alias("Прошлый период"),
        pl.col("predicted").alias("Прогноз"),
        pct("p_5").alias("«5», %"),
        pct("p_4").alias("«4», %"),
        pct("p_3").alias("«3», %"),
        pct("p_2").alias("«2», %"),
        pct("p_na").alias("н/а, %"),
    )


_FITTED: dict[tuple, Forecast | None] = {}


def _school_forecast(
    con: duckdb.DuckDBPyConnection, school_id: str, day: dt.date, norms: ObjectivityNorms
) -> Forecast | None:
    """The school's forecast for the day, fitted once per warehouse file (and its version) in a
    process: a school's set of preliminary reports, one per class, shares one fit."""
    import os

    file = con.execute("select path from duckdb_databases() where database_name = current_database()").fetchone()
    path = file[0] if file else None
    version = os.stat(path).st_mtime_ns if path and os.path.exists(path) else None
    key = (path, version, school_id, day, norms)
    if path is None or key not in _FITTED:
        try:
            fitted = forecast(con, school_id, day, norms)
        except ForecastUnavailable:
            fitted = None
        if path is None:
            return fitted
        if len(_FITTED) > 8:
            _FITTED.clear()
        _FITTED[key] = fitted
    return _FITTED[key]


def class_risks(
    con: duckdb.DuckDBPyConnection, viewer: Viewer, class_id: str, day: dt.date, norms: ObjectivityNorms
) -> dict[tuple[str, str], tuple[str, float]]:
    """For the preliminary class-teacher report: (pupil_id, subject_id) → (predicted mark, probability of
    «2» or н/а) for the pupils of a class the viewer may see whose risk is at least the setting.
    Empty when no forecast can be made for the day (no finished period to learn from)."""
    if not viewer.sees_pupils:
        return {}
    school_id = (
        viewer.school_id
        or con.execute(
            "select school_id from dim_class where class_id = ? order by school_id limit 1", [class_id]
        ).fetchone()[0]
    )
    result = _school_forecast(con, school_id, day, norms)
    if result is None:
        return {}
    rows = risk_list(visible_forecast(con, viewer, result).filter(pl.col("class_id") == class_id), norms)
    return {(r["pupil_id"], r["subject_id"]): (r["predicted"], r["p_risk"]) for r in rows.iter_rows(named=True)}
