"""«Наполняемость»: pupils with enough marks for attestation by class and subject, the pupils at
risk of non-attestation and the control works held."""

from __future__ import annotations

import plotly.express as px
import polars as pl
import streamlit as st

from dashboards.auth import audit
from dashboards.control_ui import explain_rules, filter_bar, norms, show_period, show_table
from dashboards.data import current_viewer, warehouse
from dashboards.formats import russian_chart
from dashboards.navigation import require
from dashboards.text import chart_text
from ejournal.formatting import rounded_numbers
from warehouse.control_pages import completeness, control_works, pupils_at_risk

PAGE = "app_pages/completeness.py"
viewer = current_viewer()
require(viewer, PAGE)
st.title("Наполняемость отметками")
current = norms()
with warehouse() as con:
    filters, as_of = filter_bar(con, viewer, dates=False)
    show_period(con, viewer, filters)
    table = completeness(con, viewer, current, as_of, filters)
    risk = pupils_at_risk(con, viewer, current, as_of, filters)
    works = control_works(con, viewer, current, as_of, filters)
audit("page_viewed", viewer, "completeness", as_of=str(as_of), class_id=filters.class_id, n_at_risk=risk.height)
st.caption(
    f"На {as_of:%d.%m.%Y}: доля учеников, у которых уже есть нужное к этой дате число отметок "
    "(норма за период пропорционально прошедшей части периода, считая с прихода ученика в класс)."
)
if not table.is_empty():
    cells = (
        table.group_by("grade", "class_name", "subject_name")
        .agg(rounded_numbers(100.0 * pl.col("n_enough").sum() / pl.col("n_pupils").sum(), 1).alias("share"))
        .sort("grade", "class_name")
    )
    pivot = cells.pivot(on="subject_name", index="class_name", values="share", sort_columns=True)
    figure = px.imshow(
        pivot.drop("class_name").to_numpy(),
        x=[chart_text(name) for name in pivot.columns[1:]],
        y=[chart_text(name) for name in pivot["class_name"]],
        zmin=0,
        zmax=100,
        color_continuous_scale="RdYlGn",
        text_auto=".0f",
        aspect="auto",
        labels={"x": "Предмет", "y": "Класс", "color": "Доля, %"},
    )
    figure.update_layout(height=max(260, 38 * pivot.height + 120), margin={"l": 10, "r": 10, "t": 30, "b": 10})
    st.plotly_chart(russian_chart(figure), config={"displayModeBar": False})
show_table(table, viewer, "наполняемость", "completeness", hide=())

st.subheader("Ученики в зоне риска неаттестации")
st.caption("Отметок меньше, чем нужно к дате, или нет отметки за проведённую контрольную работу.")
show_table(risk, viewer, "риск-неаттестации", "at_risk")

st.subheader("Контрольные работы")
show_table(works, viewer, "контрольные-работы", "control_works")
explain_rules(
    ["too_few_marks"],
    current,
    "**Доля учеников с достаточным числом отметок** — ученики, у которых отметок (сколько бы ни было "
    "к дате, «4/5» — две) не меньше нормы, пропорциональной прошедшей части периода (с округлением вниз), "
    "делённые на всех учеников класса (подгруппы) по предмету. Контрольная работа — урок, на котором "
    "есть хотя бы одна отметка вида работы «контрольная».",
)
