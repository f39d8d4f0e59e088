"""«Прогноз итогов периода»: each pupil's predicted period mark with probabilities, each class's
expected успеваемость and качество, the list «в зоне риска», and the backtest figures."""

from __future__ import annotations

import datetime as dt

import polars as pl
import streamlit as st

from dashboards.auth import audit, download_button
from dashboards.data import current_viewer, db_path, warehouse
from dashboards.forecast_data import cached_backtest, cached_forecast, norms
from dashboards.formats import data_table
from dashboards.navigation import require
from dashboards.text import as_text
from ejournal.xlsx import frame_to_xlsx
from warehouse.forecast.backtest import MODEL_TITLES, backtest_hidden
from warehouse.forecast.predict import ForecastUnavailable, class_figures, pupil_table, risk_list, visible_forecast
from warehouse.queries import SUPPRESSED, school_and_last_day

viewer = current_viewer()
require(viewer, "app_pages/forecast.py")
settings = norms()
st.title("Прогноз итогов периода")
st.caption(
    "Вероятность каждой отметки за период (2–5) и неаттестации по тому, что известно на выбранную дату: текущие "
    "отметки и их вес, контрольные, пропуски, отметка за прошлый период. Модель (логистическая регрессия) учится "
    "на завершённых периодах этой школы; точность показана ниже, в бэктесте. Положение 000 §2.8, §9.2."
    + (f" Классы меньше 5 учеников скрыты («{SUPPRESSED}»)." if viewer.suppresses_small_groups else "")
)

path = db_path()
with warehouse() as con:
    school_id, last_day = school_and_last_day(con, viewer)
    if last_day is None:
        st.info("Уроков в хранилище пока нет.")
        st.stop()
    default = min(dt.date.today(), last_day)
    day = st.date_input("Прогноз на дату", value=default, format="DD.MM.YYYY", key="forecast_day")
    try:
        result = cached_forecast(str(path), path.stat().st_mtime, school_id, day, settings)
    except ForecastUnavailable as error:
        st.info(as_text(error))
        st.stop()
    figures = class_figures(con, viewer, result)
    pupils = visible_forecast(con, viewer, result)

st.subheader("Классы: ожидаемые успеваемость и качество")
st.caption("Среднее по вероятностям учеников; «±» — 90 % диапазон, если ученики независимы.")
data_table(figures)
download_button(
    viewer,
    "Скачать XLSX",
    frame_to_xlsx(figures, "Прогноз по классам"),
    "прогноз-классы.xlsx",
    key="forecast_download_classes",
    audit_object="forecast_classes.xlsx",
    day=day.isoformat(),
)

if viewer.sees_pupils and not pupils.is_empty():
    risk = pupil_table(risk_list(pupils, settings))
    st.subheader(f"В зоне риска: {risk.height}")
    st.caption(f"Вероятность «2» или н/а не меньше {100 * settings.risk_probability:.0f} %.")
    data_table(risk, empty="Учеников в зоне риска нет.")
    if risk.height:
        download_button(
            viewer,
            "Скачать XLSX",
            frame_to_xlsx(risk, "В зоне риска"),
            "в-зоне-риска.xlsx",
            key="forecast_download_risk",
            audit_object="forecast_risk.xlsx",
            day=day.isoformat(),
            n_rows=risk.height,
        )
    classes = sorted(pupils["class_name"].drop_nulls().unique().to_list())
    class_name = st.selectbox("Класс", classes, key="forecast_class")
    table = pupil_table(pupils.filter(pl.col("class_name") == class_name))
    st.subheader(f"Прогноз по ученикам, {as_text(class_name)}")
    data_table(table)
    download_button(
        viewer,
        "Скачать XLSX",
        frame_to_xlsx(table, "Прогноз"),
        f"прогноз-{class_name}.xlsx",
        key="forecast_download_pupils",
        audit_object="forecast_pupils.xlsx",
        day=day.isoformat(),
        class_name=class_name,
    )

with st.expander("Бэктест: насколько можно доверять прогнозу"):
    st.caption(
        "Модель учится на ранних периодах и предсказывает более поздний по тому, что было известно на N-й день. "
        "Сравнение с двумя простыми способами: средневзвешенный балл, округлённый по правилу школы, и отметка за "
        "прошлый период. Точность — доля точно угаданных отметок; MAE — средняя ошибка в баллах (н/а = 2); "
        "Брайер — средний квадрат ошибки вероятностей (0 — идеально, 2 — хуже некуда); ECE — ошибка калибровки."
    )
    if st.toggle("Показать бэктест", key="forecast_backtest"):
        bt = cached_backtest(str(path), path.stat().st_mtime, school_id, settings)
        if bt.table.is_empty():
            st.info("Для бэктеста нужны хотя бы два периода с итоговыми отметками.")
        elif backtest_hidden(viewer, bt):
            st.info(f"Бэктест описывает меньше 5 учеников и скрыт («{SUPPRESSED}»).")
        else:
            data_table(
                bt.table.select(
                    pl.col("horizon").alias("Горизонт"),
                    pl.col("model").replace_strict(MODEL_TITLES).alias("Прогноз"),
                    pl.col("n").alias("N"),
                    pl.col("accuracy").round(3).alias("Точность"),
                    pl.col("mae").round(3).alias("MAE"),
                    pl.col("brier").round(3).alias("Брайер"),
                    pl.col("ece").round(3).alias("ECE"),
                ),
            )

audit("page_viewed", viewer, "forecast", day=day.isoformat(), n_pupils=pupils.height)
