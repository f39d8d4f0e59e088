"""«Выполнение программы»: lessons held against the КТП hours, to date and projected to the period
end; planned topics no lesson has recorded yet."""

from __future__ import annotations

import streamlit as st

from dashboards.auth import audit
from dashboards.control_ui import explain_rules, filter_bar, norms, show_period, show_table
from dashboards.data import current_viewer, warehouse
from dashboards.navigation import require
from warehouse.control_pages import program, uncovered_topics

PAGE = "app_pages/program.py"
viewer = current_viewer()
require(viewer, PAGE)
st.title("Выполнение программы")
current = norms()
with warehouse() as con:
    filters, as_of = filter_bar(con, viewer, dates=False)
    show_period(con, viewer, filters)
    table = program(con, viewer, current, as_of, filters)
    topics = uncovered_topics(con, viewer, current, as_of, filters)
audit("page_viewed", viewer, "program", as_of=str(as_of))
st.caption(
    f"На {as_of:%d.%m.%Y}: часы по КТП за период и к дате, проведённые уроки, выполнение к дате и прогноз "
    "числа уроков к концу периода при нынешнем темпе."
)
show_table(table, viewer, "выполнение-программы", "program")
st.subheader("Темы КТП, не пройденные к дате")
show_table(topics, viewer, "непройденные-темы", "uncovered_topics")
explain_rules(
    [],
    current,
    "Тема КТП считается пройденной, если на уроке того же класса (подгруппы) и предмета записана та же "
    "тема (без учёта регистра и лишних пробелов). Количество часов КТП должно совпадать с учебным планом "
    "(000 §4.4.6). Прогноз = проведено к дате × длина периода / прошедшая часть периода (в днях).",
)
