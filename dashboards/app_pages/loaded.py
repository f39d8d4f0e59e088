"""«Что загружено»: periods, table sizes and the recent batches of the warehouse."""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboards.data import db_path, load_status

st.title("Что загружено в хранилище")
path = db_path()
if not path.exists():
    st.warning(f"Хранилище {path} ещё не создано. Загрузите выгрузку: `ejournal ingest ПАПКА`.")
    st.stop()

info = load_status(str(path), path.stat().st_mtime)

st.subheader("Учебные годы и периоды")
st.dataframe(
    pl.DataFrame(info.periods, schema=["Школа", "Учебный год", "Период", "С", "По"], orient="row"),
    hide_index=True,
)

st.subheader("Таблицы хранилища")
counts = pl.DataFrame(info.row_counts, schema=["Таблица", "Строк"], orient="row")
cols = st.columns(3)
cols[0].metric("Отметок", f"{dict(info.row_counts).get('fct_mark', 0):,}".replace(",", " "))
cols[1].metric("Уроков", f"{dict(info.row_counts).get('fct_lesson', 0):,}".replace(",", " "))
cols[2].metric("Записей посещаемости", f"{dict(info.row_counts).get('fct_attendance', 0):,}".replace(",", " "))
st.dataframe(counts, hide_index=True)

st.subheader("Последние загрузки")
st.dataframe(
    pl.DataFrame(
        info.batches,
        schema=["№", "Школа", "Выгрузка от", "Итог", "Строк", "Принято", "Отклонено", "Кто", "Когда"],
        orient="row",
    ),
    hide_index=True,
)
