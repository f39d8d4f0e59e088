"""«Успеваемость класса»: pupils of a class in a subject — only the classes the viewer may see."""

from __future__ import annotations

import streamlit as st

from dashboards.auth import audit, download_button
from dashboards.control_ui import choose_class, period_filter, show_period
from dashboards.data import current_viewer, warehouse
from dashboards.formats import data_table
from dashboards.navigation import require
from ejournal.xlsx import frame_to_xlsx
from warehouse.control_rules import Filters
from warehouse.periods import class_year
from warehouse.queries import class_progress, marked_pairs, visible_subjects

viewer = current_viewer()
require(viewer, "app_pages/class_progress.py")
st.title("Успеваемость класса")
st.caption(
    "Отметки, средний и средневзвешенный балл (Σ отметка·вес / Σ вес) и пропуски по предмету. "
    "Видны только классы, предметы и подгруппы, доступные вашей роли."
)

with warehouse() as con:
    period = period_filter(con, viewer)
    class_id, names = choose_class(con, viewer, "progress_class")
    show_period(con, viewer, Filters(academic_year_id=class_year(con, class_id), period=period), class_id=class_id)
    subjects = dict(visible_subjects(con, viewer, class_id))
    if not subjects:
        st.info("В этом классе нет доступных вам предметов.")
        st.stop()
    marked = marked_pairs(con, viewer)  # the page opens on a subject with marks
    first = next((i for i, subject in enumerate(subjects) if (class_id, subject) in marked), 0)
    subject_id = st.selectbox("Предмет", list(subjects), index=first, format_func=subjects.get, key="progress_subject")
    table = class_progress(con, viewer, class_id, subject_id, period)

audit("page_viewed", viewer, "class_progress", class_id=class_id, subject_id=subject_id, n_pupils=table.height)
data_table(table)
download_button(
    viewer,
    "Скачать XLSX",
    frame_to_xlsx(table, "Успеваемость"),
    f"успеваемость-{names[class_id]}-{subjects[subject_id]}.xlsx",
    key="progress_download",
    audit_object="class_progress.xlsx",
    class_id=class_id,
    subject_id=subject_id,
)
