"""«Своевременность»: late marks and lessons, missing or non-topics, homework, period marks out of
their window and changes after the edit window or after the period closed."""

from __future__ import annotations

import plotly.express as px
import polars as pl
import streamlit as st

from dashboards.auth import audit
from dashboards.control_ui import explain_rules, filter_bar, norms, show_period, show_table
from dashboards.data import current_viewer, warehouse
from dashboards.formats import russian_chart
from dashboards.navigation import require
from warehouse.control_pages import shown_names
from warehouse.control_rules import RULES, violations

PAGE = "app_pages/timeliness.py"
GROUPS = {
    "Отметки": ("mark_late",),
    "Уроки и темы": ("lesson_late", "topic_missing", "topic_not_a_topic"),
    "Домашние задания": ("homework_missing", "homework_late"),
    "Отметки за период": ("period_mark_outside_window",),
    "Изменения отметок": ("change_after_edit_window", "change_after_period_closed"),
}

viewer = current_viewer()
require(viewer, PAGE)
st.title("Своевременность заполнения журнала")
current = norms()
codes = [c for group in GROUPS.values() for c in group]
with warehouse() as con:
    filters, as_of = filter_bar(con, viewer)
    show_period(con, viewer, filters)
    found = violations(con, viewer, current, filters, rules=tuple(codes))
    names = shown_names(con)
audit("page_viewed", viewer, "timeliness", as_of=str(as_of), n_cases=found.height)
counts = found.group_by("rule").len()
by_rule = dict(zip(counts["rule"], counts["len"], strict=True))
st.caption(
    "Все случаи по выбранным фильтрам (даты событий — в боковой панели) по нормам школы (страница «Нормы школы»)."
)
chart = pl.DataFrame({"Замечание": [RULES[c].title for c in codes], "Случаев": [by_rule.get(c, 0) for c in codes]})
figure = px.bar(chart, x="Случаев", y="Замечание", orientation="h", text="Случаев")
figure.update_layout(height=360, margin={"l": 10, "r": 10, "t": 10, "b": 10}, yaxis={"autorange": "reversed"})
st.plotly_chart(russian_chart(figure), config={"displayModeBar": False})

readable = found.with_columns(
    pl.col("rule").replace_strict({c: RULES[c].title for c in RULES}).alias("rule_title"),
    pl.col("teacher_id").replace_strict(names["teacher"], default="—").alias("teacher_name"),
    pl.col("class_id").replace_strict(names["class"], default="—").alias("class_name"),
    pl.col("subject_id").replace_strict(names["subject"], default="—").alias("subject_name"),
).select("event_date", "rule_title", "class_name", "subject_name", "teacher_name", "detail", "rule")
# the page opens on the first tab with cases
opening = next((title for title, group in GROUPS.items() if any(by_rule.get(c) for c in group)), None)
for tab, (title, group) in zip(st.tabs(list(GROUPS), default=opening), GROUPS.items(), strict=True):
    with tab:
        part = readable.filter(pl.col("rule").is_in(group)).sort("event_date", descending=True)
        st.markdown(" · ".join(f"{RULES[c].title}: **{by_rule.get(c, 0)}**" for c in group))
        show_table(part, viewer, f"своевременность-{title}", f"timeliness_{group[0]}")
explain_rules(codes, current)
