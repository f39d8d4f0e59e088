"""«Активность учителей»: who fills the journal on time, the weekly trend, and the weekly
«Анализ работы с классными журналами» as remarks per teacher."""

from __future__ import annotations

import plotly.express as px
import polars as pl
import streamlit as st

from dashboards.auth import audit
from dashboards.control_ui import explain_rules, filter_bar, norms, show_table
from dashboards.data import current_viewer, warehouse
from dashboards.formats import russian_chart
from dashboards.navigation import require
from dashboards.text import chart_texts
from warehouse.control_pages import teacher_activity, teacher_remarks, teacher_weeks, week_bounds
from warehouse.control_rules import RULES, Filters

PAGE = "app_pages/teacher_activity.py"
MAX_LINES = 5  # more lines on one chart cannot be told apart
viewer = current_viewer()
require(viewer, PAGE)
st.title("Активность учителей")
current = norms()
with warehouse() as con:
    filters, as_of = filter_bar(con, viewer)
    ranking = teacher_activity(con, viewer, current, as_of, filters)
    weeks = teacher_weeks(con, viewer, current, as_of, filters)
    start, end = week_bounds(as_of)
    week_filters = Filters(teacher_id=filters.teacher_id, date_from=start, date_to=end)
    remarks = teacher_remarks(con, viewer, current, as_of, week_filters)
audit("page_viewed", viewer, "teacher_activity", as_of=str(as_of))
st.caption(
    "Рейтинг: сначала учителя с меньшей долей уроков, заполненных в день урока, затем — с большим числом "
    "замечаний. Сортируйте таблицу щелчком по заголовку."
)
show_table(ranking, viewer, "активность-учителей", "teacher_activity")
if not weeks.is_empty():
    st.subheader("Динамика по неделям")
    if weeks["teacher_name"].n_unique() > MAX_LINES:
        st.caption(
            f"{MAX_LINES} учителей с наименьшей долей уроков, заполненных в день урока; другого — фильтр «Учитель»."
        )
        lowest = ranking["teacher_name"].head(MAX_LINES)  # the ranking puts them first
        weeks = weeks.filter(pl.col("teacher_name").is_in(lowest.implode()))
    figure = px.line(
        weeks.with_columns(chart_texts("teacher_name")).rename(
            {"week_start": "Неделя", "share_same_day": "Заполнено в день урока, %", "teacher_name": "Учитель"}
        ),
        x="Неделя",
        y="Заполнено в день урока, %",
        color="Учитель",
        markers=True,
    )
    figure.update_layout(height=380, margin={"l": 10, "r": 10, "t": 10, "b": 10}, yaxis={"range": [0, 105]})
    st.plotly_chart(russian_chart(figure), config={"displayModeBar": False})

st.subheader(f"Анализ работы с классными журналами: неделя {start:%d.%m.%Y} — {end:%d.%m.%Y}")
show_table(remarks, viewer, f"анализ-журналов-{start:%Y-%m-%d}", "teacher_remarks")
explain_rules(
    list(RULES),
    current,
    "**Заполнено в день урока** — уроки, запись которых (тема, посещаемость) внесена в день урока. "
    "**Медиана задержки отметок** — медиана числа дней от урока до выставления отметок учителя. "
    "**Активных дней в неделю** — дни с любой записью учителя в журнале, делённые на число недель.",
)
