"""«Посещаемость»: missed lessons by class, month and reason, lateness, whole days missed,
chronic absence, and the class teacher's view of today's and yesterday's absences."""

from __future__ import annotations

import datetime as dt

import plotly.express as px
import polars as pl
import streamlit as st

from dashboards.auth import audit
from dashboards.control_ui import explain_rules, filter_bar, norms, show_period, show_table
from dashboards.data import current_viewer, warehouse
from dashboards.formats import russian_chart
from dashboards.navigation import require
from dashboards.text import chart_texts
from warehouse.control_pages import absences_on, attendance_by_month, attendance_by_pupil
from warehouse.control_rules import violations

PAGE = "app_pages/attendance.py"
viewer = current_viewer()
require(viewer, PAGE)
st.title("Посещаемость")
current = norms()
with warehouse() as con:
    filters, as_of = filter_bar(con, viewer)
    show_period(con, viewer, filters)
    days = [as_of, as_of - dt.timedelta(days=1)]
    daily = absences_on(con, viewer, current, days, filters)
    months = attendance_by_month(con, viewer, current, as_of, filters)
    pupils = attendance_by_pupil(con, viewer, current, as_of, filters)
    chronic = violations(con, viewer, current, filters, rules=("chronic_absence",))
audit("page_viewed", viewer, "attendance", as_of=str(as_of))

st.subheader(f"Отсутствующие и опоздавшие: {as_of:%d.%m.%Y} и {days[1]:%d.%m.%Y}")
show_table(daily, viewer, "отсутствующие", "absences_daily")

st.subheader("По месяцам и причинам")
if not months.is_empty():
    long = (
        months.with_columns((pl.col("n_missed_excused") - pl.col("n_missed_illness")).alias("n_missed_other_excused"))
        .unpivot(
            index=["class_name", "month"],
            on=["n_missed_unexcused", "n_missed_other_excused", "n_missed_illness"],
            variable_name="reason",
            value_name="n",
        )
        .with_columns(
            pl.col("reason").replace_strict(
                {
                    "n_missed_unexcused": "без уважительной (н)",
                    "n_missed_other_excused": "уважительная (у)",
                    "n_missed_illness": "болезнь (б)",
                }
            )
        )
    )
    figure = px.bar(
        long.with_columns(chart_texts("class_name")).rename(
            {"month": "Месяц", "n": "Пропущено уроков", "reason": "Причина", "class_name": "Класс"}
        ),
        x="Месяц",
        y="Пропущено уроков",
        color="Причина",
        facet_col="Класс" if long["class_name"].n_unique() <= 4 else None,
        barmode="stack",
    )
    figure.update_layout(height=360, margin={"l": 10, "r": 10, "t": 30, "b": 10})
    figure.for_each_annotation(lambda note: note.update(text=note.text.split("=", 1)[-1]))  # «Класс=7А» → «7А»
    st.plotly_chart(russian_chart(figure), config={"displayModeBar": False})
show_table(months, viewer, "посещаемость-по-месяцам", "attendance_months")

share = current.attendance.chronic_absence_share * 100
st.subheader(f"Хронические пропуски (≥ {share:g} % уроков периода)".replace(".", ","))
if chronic.is_empty():
    st.info("Нет учеников с хроническими пропусками.")
else:
    marked = pupils.join(chronic.select("pupil_id").unique(), on="pupil_id", how="semi")
    st.caption("Ученики, пропустившие долю уроков не меньше нормы хотя бы в одном периоде (по выбранным фильтрам).")
    show_table(marked, viewer, "хронические-пропуски", "chronic")
st.subheader("Все ученики")
show_table(pupils, viewer, "посещаемость-по-ученикам", "attendance_pupils")
explain_rules(
    ["chronic_absence"],
    current,
    "Пропуск — отметка «н» (без уважительной причины), «у» (по уважительной) или «б» (по болезни); «оп» — "
    "опоздание, урок не пропущен. День считается пропущенным, только если пропущены все уроки этого дня.",
)
