"""«Обзор»: the school's journal keeping on this week's days so far against the same weekdays of last
week, the teachers with the most remarks (each a link to «Своевременность» filtered to them), and
links to the pages."""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboards.auth import audit
from dashboards.control_ui import explain_rules, filter_bar, link_filters, norms, show_table
from dashboards.data import current_viewer, warehouse
from dashboards.navigation import require
from dashboards.text import as_text
from warehouse.control_pages import comparison_windows, overview, top_teachers
from warehouse.control_rules import RULES, TIMELINESS_RULES

PAGE = "app_pages/control_overview.py"
DETAIL = "app_pages/timeliness.py"
TOP = 5


def change(value: float | None, digits: int) -> str | None:
    """A metric's delta, or None (no arrow, no colour) when there is nothing to compare or no change."""
    if value is None or value == 0:
        return None
    return f"{value:+.{digits}f}".replace(".", ",")


viewer = current_viewer()
require(viewer, PAGE)
st.title("Обзор ведения журнала")
current = norms()
with warehouse() as con:
    filters, as_of = filter_bar(con, viewer, dates=False)
    table = overview(con, viewer, current, as_of, filters)
    teachers = top_teachers(con, viewer, current, as_of, filters, TIMELINESS_RULES, TOP)
days = comparison_windows(as_of)
st.caption(
    f"Сравнение: {days.days} этой недели против {days.days} прошлой ({days.this_start:%d.%m}–"
    f"{days.this_end:%d.%m.%Y} и {days.last_start:%d.%m}–{days.last_end:%d.%m.%Y}). Замечания считаются по датам уроков "
    "(отметки, темы, домашние задания), изменений и выставления отметок за период."
)
audit("page_viewed", viewer, "control_overview", as_of=str(as_of))
if table.is_empty():
    st.info("Нет данных для выбранных фильтров.")
    st.stop()

remarks = table.filter(pl.col("rule").is_in(list(RULES)))
cols = st.columns(4)
cols[0].metric(
    f"Замечаний, {days.days}",
    int(remarks["this_week"].sum()),
    change(remarks["this_week"].sum() - remarks["last_week"].sum(), 0),
    delta_color="inverse",
)
for col, code in zip(cols[1:], ("completeness", "attendance"), strict=False):
    row = table.filter(pl.col("rule") == code).row(0, named=True)
    if row["this_week"] is not None:
        col.metric(
            row["measure"].split(":")[0].replace(", %", "") + ", %",
            f"{row['this_week']:.1f}".replace(".", ","),
            change(row["change"], 1),
            delta_color="normal" if code == "completeness" else "inverse",
        )
show_table(table, viewer, "обзор", "control_overview")

st.subheader("Учителя с наибольшим числом замечаний")
st.caption(f"Замечания о своевременности заполнения, {days.days} этой недели; ссылка открывает их список.")
if teachers.is_empty():
    st.info("Замечаний о своевременности за эти дни нет.")
for teacher in teachers.iter_rows(named=True):
    st.page_link(
        DETAIL,
        label=f"{as_text(teacher['teacher_name'])} — {teacher['n_violations']}",
        query_params=link_filters(teacher["teacher_id"], days.this_start, days.this_end),
    )

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
