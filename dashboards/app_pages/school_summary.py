"""«Сводка по школе»: marks by class and subject without names; small groups suppressed."""

from __future__ import annotations

import streamlit as st

from dashboards.auth import download_button
from dashboards.control_ui import period_filter, show_period
from dashboards.data import current_viewer, warehouse
from dashboards.formats import data_table
from dashboards.navigation import require
from ejournal.xlsx import frame_to_xlsx
from warehouse.control_rules import Filters
from warehouse.queries import SUPPRESSED, school_summary

viewer = current_viewer()
require(viewer, "app_pages/school_summary.py")
st.title("Сводка по школе")
if viewer.suppresses_small_groups:
    st.caption(f"Без имён. Значения, описывающие меньше 5 учеников, скрыты («{SUPPRESSED}»).")

with warehouse() as con:
    period = period_filter(con, viewer)
    show_period(con, viewer, Filters(period=period))
    table = school_summary(con, viewer, period)
data_table(table)
download_button(
    viewer,
    "Скачать XLSX",
    frame_to_xlsx(table, "Сводка"),
    "сводка-по-школе.xlsx",
    key="summary_download",
    audit_object="school_summary.xlsx",
)
