"""«Муниципалитет / регион»: schools compared on the marts (from the lake when EJOURNAL_LAKE is set)."""

from __future__ import annotations

import contextlib

import streamlit as st

from dashboards.auth import audit
from dashboards.data import current_viewer, warehouse
from dashboards.pages import require
from ejournal.settings import environment, load_norms
from ejournal.xlsx import frame_to_xlsx
from warehouse.lake import LakeError
from warehouse.region import NOT_JUDGED, SUPPRESSED, n_schools, open_lake_marts, school_comparison

viewer = current_viewer()
require(viewer, "app_pages/region.py")
st.title("Муниципалитет / регион")
norms = load_norms()
lake_path = environment().lake_path


@contextlib.contextmanager
def marts():
    """The lake's marts (built by Spark or DuckDB) when a lake is set, else the warehouse's own."""
    if lake_path is None:
        with warehouse() as con:
            yield con, "хранилище"
        return
    try:
        con = open_lake_marts(lake_path)
    except LakeError as error:
        st.error(f"Озеро {lake_path} не читается: {error}")
        st.stop()
    try:
        yield con, f"озеро {lake_path}"
    finally:
        con.close()


with marts() as (con, source):
    schools = n_schools(con)
    table = school_comparison(
        con,
        viewer,
        lesson_entry_days=norms.timeliness.lesson_entry_days,
        vpr_min_participants=norms.objectivity.vpr_min_participants,
    )
st.caption(
    f"Источник: {source}, школ: {schools}. Только итоги по школам, без имён. Уроки в срок — не позднее "
    f"{norms.timeliness.lesson_entry_days} дн. после урока; ВПР меньше {norms.objectivity.vpr_min_participants} "
    f"участников — «{NOT_JUDGED}»."
    + (f" Школы меньше 5 учеников скрыты («{SUPPRESSED}»)." if viewer.suppresses_small_groups else "")
)
if schools < 2:
    st.info(
        "В данных одна школа: сравнивать не с чем. Страница нужна, когда загружены несколько школ или озеро региона."
    )
st.dataframe(table, hide_index=True)
if st.download_button(
    "Скачать XLSX",
    frame_to_xlsx(table, "Школы"),
    file_name="сравнение-школ.xlsx",
    mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    key="region_download",
):
    audit("download", viewer, "region.xlsx")
audit("page_viewed", viewer, "region")
