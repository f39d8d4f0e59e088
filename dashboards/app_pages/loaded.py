"""«Что загружено»: periods, table sizes and the recent batches of the warehouse."""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboards.data import current_viewer, db_path, load_status, read_path
from dashboards.formats import data_table
from dashboards.navigation import require
from ejournal.formatting import thousands

viewer = current_viewer()
require(viewer, "app_pages/loaded.py")

st.title("Что загружено в хранилище")
path = db_path()
if not path.exists():
    st.warning(f"Хранилище {path} ещё не создано. Загрузите выгрузку: `ejournal ingest ПАПКА`.")
    st.stop()

snapshot = read_path()
info = load_status(str(snapshot), snapshot.stat().st_mtime)
counts = dict(info.row_counts)


st.subheader("Учебные годы и периоды")
data_table(
    pl.DataFrame(info.periods, schema=["Школа", "Учебный год", "Период", "С", "По"], orient="row"),
)

st.subheader("Таблицы хранилища")
cols = st.columns(3)
cols[0].metric("Отметок", thousands(counts.get("fct_mark", 0)))
cols[1].metric("Уроков", thousands(counts.get("fct_lesson", 0)))
cols[2].metric("Записей посещаемости", thousands(counts.get("fct_attendance", 0)))
data_table(pl.DataFrame(info.row_counts, schema=["Таблица", "Строк"], orient="row"))

st.subheader("Последние загрузки")
data_table(
    pl.DataFrame(
        info.batches,
        schema=["№", "Школа", "Выгрузка от", "Итог", "Строк", "Принято", "Отклонено", "Кто", "Когда"],
        orient="row",
    ),
)
