"""Cached forecast and backtest for the pages: fitting takes seconds, so each is computed once per
warehouse state (file modification time), school and day."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import streamlit as st

from ejournal.settings import load_norms
from warehouse.db import connect
from warehouse.forecast.backtest import Backtest, run_backtest
from warehouse.forecast.features import read_history
from warehouse.forecast.predict import Forecast, forecast
from warehouse.objectivity_norms import ObjectivityNorms


def norms() -> ObjectivityNorms:
    return ObjectivityNorms.of(load_norms())


@st.cache_data(ttl=600, show_spinner="Модель учится на прошлых периодах…", max_entries=16)
def cached_forecast(path: str, mtime: float, school_id: str, day: dt.date, settings: ObjectivityNorms) -> Forecast:
    with connect(Path(path), read_only=True) as con:
        return forecast(con, school_id, day, settings)


@st.cache_data(ttl=600, show_spinner="Бэктест: обучение на ранних периодах, проверка на поздних…", max_entries=4)
def cached_backtest(path: str, mtime: float, school_id: str, settings: ObjectivityNorms) -> Backtest:
    with connect(Path(path), read_only=True) as con:
        history = read_history(con, school_id)
    return run_backtest(history, settings.rounding_threshold)
