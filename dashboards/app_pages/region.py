"""«Муниципалитет / регион»: the authority's schools by name, or a school against its region's
distribution (from the lake when EJOURNAL_LAKE is set). Scoping lives in warehouse/region.py."""

from __future__ import annotations

import datetime as dt
from contextlib import closing

import streamlit as st

from dashboards.auth import audit, download_button
from dashboards.control_ui import period_filter, period_text
from dashboards.data import current_viewer, warehouse
from dashboards.formats import data_table
from dashboards.navigation import require
from dashboards.region_data import cached_lake_view, lake_version
from dashboards.text import as_text
from ejournal.settings import environment, load_norms
from ejournal.xlsx import frames_to_xlsx
from warehouse.lake import LakeError
from warehouse.region import MIN_SCHOOLS, NOT_JUDGED, SUPPRESSED, last_lesson_day, open_lake_marts, region_view

viewer = current_viewer()
require(viewer, "app_pages/region.py")
st.title("Муниципалитет / регион")
norms = load_norms()
lake_path = environment().lake_path
settings = {
    "lesson_entry_days": norms.timeliness.lesson_entry_days,
    "vpr_min_participants": norms.objectivity.vpr_min_participants,
}
if lake_path is None:  # the warehouse of one school or a few: quick, read as it is now
    source = "хранилище"
    with warehouse() as con:
        period = period_filter(con, viewer)
        dates = period_text(con, viewer, period)
        view = region_view(con, viewer, period=period, **settings)
else:  # a region's lake: seconds to aggregate, so computed once per state of the lake
    source = f"озеро {as_text(lake_path)}"
    try:
        with closing(open_lake_marts(lake_path)) as con:
            # a lake without lessons (only period marks sent yet) has no lesson table to fall back on
            period = period_filter(con, viewer, last_lesson_day(con) or dt.date.today())
            dates = period_text(con, viewer, period)
        view = cached_lake_view(str(lake_path), lake_version(lake_path), viewer, period=period, **settings)
    except LakeError as error:
        st.error(f"Озеро {as_text(lake_path)} не читается: {as_text(error)}")
        st.stop()
rules = (
    f"Уроки в срок — не позднее {norms.timeliness.lesson_entry_days} дн. после урока; ВПР меньше "
    f"{norms.objectivity.vpr_min_participants} участников — «{NOT_JUDGED}»."
    + (f" Цифры, описывающие меньше 5 учеников, скрыты («{SUPPRESSED}»)." if viewer.suppresses_small_groups else "")
)
if viewer.sees_region:
    how = (
        "Итоги муниципалитета — по всем урокам и ученикам его школ, а не среднее школ; итог скрыт и тогда, "
        "когда вычитанием из него можно узнать скрытые цифры малой школы."
    )
    sheets = {"Школы": view.schools, "Муниципалитеты": view.municipalities}
else:
    how = (
        f"Ваша школа — рядом с медианой и квартилями школ (при {MIN_SCHOOLS} школах и больше); "
        "другие школы не называются."
    )
    sheets = {"Школа и регион": view.distribution}
scope = f"; {as_text(view.scope_text)}, школ: {view.n_schools}" if view.scope_text else ""
st.caption(f"Источник: {source}{scope}. {how} {rules}")
st.caption(
    f"{dates} Итоговые отметки — за период: «текущий» — последний период с итоговыми отметками к дате, «год» — "
    "отметки за все периоды года (годовые отметки со средневзвешенным не сравниваются); ВПР — за все данные."
)
if view.notice:
    st.info(as_text(view.notice))
if view.school_name:
    st.subheader(f"Ваша школа: {as_text(view.school_name)}")
shown = {title: table for title, table in sheets.items() if not table.is_empty()}
for title, table in shown.items():
    if len(sheets) > 1:
        st.subheader(title)
    data_table(table)
if shown:
    download_button(
        viewer,
        "Скачать XLSX",
        frames_to_xlsx(shown),
        "сравнение-школ.xlsx",
        key="region_download",
        audit_object="region.xlsx",
    )
audit("page_viewed", viewer, "region")
