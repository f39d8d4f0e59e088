"""«Обзор»: the school's journal keeping this week against last week, with links to the pages."""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboards.auth import audit
from dashboards.control_ui import explain_rules, filter_bar, norms, show_table
from dashboards.data import current_viewer, warehouse
from dashboards.navigation import require
from warehouse.control_pages import overview, week_bounds
from warehouse.control_rules import RULES

PAGE = "app_pages/control_overview.py"
viewer = current_viewer()
require(viewer, PAGE)
st.title("Обзор ведения журнала")
current = norms()
with warehouse() as con:
    filters, as_of = filter_bar(con, viewer, dates=False)
    table = overview(con, viewer, current, as_of, filters)
start, _ = week_bounds(as_of)
st.caption(
    f"Неделя с {start:%d.%m.%Y} по {as_of:%d.%m.%Y} против предыдущей. Замечания считаются по датам уроков "
    "(отметки, темы, домашние задания), изменений и выставления отметок за период."
)
audit("page_viewed", viewer, "control_overview", as_of=str(as_of))
if table.is_empty():
    st.info("Нет данных для выбранных фильтров.")
    st.stop()

remarks = table.filter(pl.col("rule").is_in(list(RULES)))
cols = st.columns(4)
cols[0].metric(
    "Замечаний за неделю",
    int(remarks["this_week"].sum()),
    int(remarks["this_week"].sum() - remarks["last_week"].sum()),
    delta_color="inverse",
)
for col, code in zip(cols[1:], ("completeness", "attendance"), strict=False):
    row = table.filter(pl.col("rule") == code).row(0, named=True)
    if row["this_week"] is not None:
        delta = None if row["change"] is None else f"{row['change']:+.1f}".replace(".", ",")
        col.metric(
            row["measure"].split(":")[0].replace(", %", "") + ", %",
            f"{row['this_week']:.1f}".replace(".", ","),
            delta,
            delta_color="normal" if code == "completeness" else "inverse",
        )
show_table(table, viewer, "обзор", "control_overview")

st.subheader("Подробнее")
links = st.columns(3)
for i, (page, label) in enumerate(
    (
        ("app_pages/completeness.py", "Наполняемость отметками"),
        ("app_pages/timeliness.py", "Своевременность заполнения"),
        ("app_pages/teacher_activity.py", "Активность учителей"),
        ("app_pages/program.py", "Выполнение программы"),
        ("app_pages/attendance.py", "Посещаемость"),
        ("app_pages/norms.py", "Нормы школы"),
    )
):
    links[i % 3].page_link(page, label=label)
explain_rules(list(RULES), current)
