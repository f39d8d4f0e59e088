"""«Активность учителей»: who fills the journal on time, the weekly trend, and the weekly
«Анализ работы с классными журналами» as remarks per teacher."""

from __future__ import annotations

import plotly.express as px
import streamlit as st

from dashboards.auth import audit
from dashboards.control_ui import explain_rules, filter_bar, norms, show_table
from dashboards.data import current_viewer, warehouse
from dashboards.formats import russian_chart
from dashboards.navigation import require
from dashboards.text import chart_texts
from warehouse.control_pages import (
    SCHOOL_LINE,
    teacher_activity,
    teacher_remarks,
    teacher_weeks,
    week_bounds,
    weekly_trend,
)
from warehouse.control_rules import RULES, Filters

PAGE = "app_pages/teacher_activity.py"
LOWEST = 5  # teachers on the weekly chart beside the school as a whole
viewer = current_viewer()
require(viewer, PAGE)
st.title("Активность учителей")
current = norms()
with warehouse() as con:
    filters, as_of = filter_bar(con, viewer, period=False)  # weeks and days, not study periods
    ranking = teacher_activity(con, viewer, current, as_of, filters)
    weeks = teacher_weeks(con, viewer, current, as_of, filters)
    start, end = week_bounds(as_of)
    week_filters = Filters(teacher_id=filters.teacher_id, date_from=start, date_to=end)
    remarks = teacher_remarks(con, viewer, current, as_of, week_filters)
audit("page_viewed", viewer, "teacher_activity", as_of=str(as_of))
first_day = f"с {filters.date_from:%d.%m.%Y}" if filters.date_from else "с первого дня в данных"
st.caption(f"Рейтинг и динамика — {first_day} по {min(filters.date_to or as_of, as_of):%d.%m.%Y}.")
st.caption(
    "Рейтинг: сначала учителя с меньшей долей уроков, заполненных в день урока, затем — с большим числом "
    "замечаний. Сортируйте таблицу щелчком по заголовку."
)
show_table(ranking, viewer, "активность-учителей", "teacher_activity")
trend = weekly_trend(weeks, filters.teacher_id, LOWEST)
if not trend.is_empty():
    st.subheader("Динамика по неделям")
    st.caption(
        "Доля уроков, заполненных в день урока: школа в целом и "
        + ("выбранный учитель." if filters.teacher_id else f"{LOWEST} учителей с наименьшей долей за эти недели.")
        + " Другого учителя покажет фильтр «Учитель»."
    )
    figure = px.line(
        trend.with_columns(chart_texts("line")).rename(
            {"week_start": "Неделя", "share_same_day": "Заполнено в день урока, %", "line": "Кто"}
        ),
        x="Неделя",
        y="Заполнено в день урока, %",
        color="Кто",
        markers=True,
    )
    figure.update_traces(selector={"name": SCHOOL_LINE}, line={"width": 4, "color": "#1f2430"})
    figure.update_layout(
        height=420,
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        yaxis={"range": [0, 105]},
        legend={"orientation": "h", "yanchor": "top", "y": -0.15, "title": None},
    )
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
