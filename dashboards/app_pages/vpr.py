"""«ВПР и журнал»: понизили / подтвердили / повысили in the ФИС ОКО layout, by school, parallel,
class and teacher, and the pupils two marks or more apart from the journal."""

from __future__ import annotations

import streamlit as st

from dashboards.auth import audit, download_button
from dashboards.data import current_viewer, warehouse
from dashboards.forecast_data import norms
from dashboards.formats import data_table
from dashboards.navigation import require
from ejournal.xlsx import frame_to_xlsx
from warehouse.queries import SUPPRESSED
from warehouse.vpr import LEVELS, comparison, large_gaps, vpr_rows

viewer = current_viewer()
require(viewer, "app_pages/vpr.py")
settings = norms()
st.title("ВПР и отметки в журнале")
st.caption(
    "Как в ФИС ОКО: отметка за ВПР сравнивается с отметкой за период в журнале. «Понизили» — отметка за ВПР ниже "
    "журнальной, «подтвердили» — равна, «повысили» — выше. Считаются участники, у которых обе отметки числовые; "
    f"группы меньше {settings.vpr_min_participants} участников не оцениваются."
    + (f" Значения, описывающие меньше 5 учеников, скрыты («{SUPPRESSED}»)." if viewer.suppresses_small_groups else "")
)

with warehouse() as con:
    rows = vpr_rows(con, viewer)
if rows.is_empty():
    st.info("Результатов ВПР в загруженных выгрузках нет.")
    st.stop()

levels = [level for level in LEVELS if level != "teacher" or viewer.sees_pupils]
level = st.radio("Разрез", levels, format_func=lambda k: LEVELS[k][1], horizontal=True, key="vpr_level")
table = comparison(rows, viewer, settings, level)
data_table(table, empty="Результатов ВПР, которые можно сравнить с отметкой журнала за период, нет.")
download_button(
    viewer,
    "Скачать XLSX",
    frame_to_xlsx(table, "ВПР"),
    f"впр-{LEVELS[level][1].lower()}.xlsx",
    key="vpr_download",
    audit_object="vpr.xlsx",
    level=level,
)

if viewer.sees_pupils:
    gaps = large_gaps(rows, viewer, settings)
    st.subheader(f"Расхождение на {settings.vpr_gap} балла и больше: {gaps.height}")
    data_table(gaps)
    if gaps.height:
        download_button(
            viewer,
            "Скачать XLSX",
            frame_to_xlsx(gaps, "Расхождения"),
            "впр-расхождения.xlsx",
            key="vpr_download_gaps",
            audit_object="vpr_gaps.xlsx",
            n_rows=gaps.height,
        )

audit("page_viewed", viewer, "vpr", level=level)
