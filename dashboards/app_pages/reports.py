"""«Отчёты»: official documents as PDF/A and XLSX. A class teacher forms their own class's
documents, the deputy director any class's and the school's."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from dashboards.auth import audit, download_button
from dashboards.control_ui import choose_class
from dashboards.data import current_viewer, warehouse
from dashboards.navigation import require
from ejournal.access.accounts import AccessError
from report_templates.catalogue import entries_for
from report_templates.choices import Choice, pupils_of, subjects_of
from report_templates.output import produce, safe_file_part
from warehouse.class_period import periods_of_class

PAGE = "app_pages/reports.py"
RESULT_KEY = "reports_result"

viewer = current_viewer()
require(viewer, PAGE)
st.title("Отчёты")
st.caption(
    "Официальные документы за учебный период: PDF/A для печати, подписи и архива и XLSX с теми же "
    "цифрами. Доступны только классы вашей учётной записи."
)

offers = {offer.kind: offer for offer in entries_for(viewer)}
with warehouse() as con:
    class_id, names = choose_class(con, viewer, "reports_class")
    periods = periods_of_class(con, class_id, viewer.school_id)
    if not periods:
        st.info("У этого класса нет учебных периодов в хранилище.")
        st.stop()
    dates = {name: (start, end) for name, start, end in periods}
    period_name = st.selectbox("Период", list(dates), index=len(dates) - 1, key="reports_period")
    kind = st.selectbox("Документ", list(offers), format_func=lambda k: offers[k].title, key="reports_kind")
    offer = offers[kind]
    choice = Choice(names[class_id], period_name)
    label = ""
    if "subject" in offer.needs:
        subjects = subjects_of(con, viewer, choice)
        if not subjects:
            st.info("В этом периоде нет доступных вам уроков.")
            st.stop()
        subject = st.selectbox("Предмет", subjects, key="reports_subject")
        choice = Choice(choice.class_name, period_name, subject_name=subject)
        label = subject
    elif "pupil" in offer.needs:
        pupils = dict(pupils_of(con, viewer, choice))
        if not pupils:
            st.info("В этом периоде в классе нет учеников.")
            st.stop()
        pupil_id = st.selectbox("Ученик", list(pupils), format_func=pupils.get, key="reports_pupil")
        start, end = dates[period_name]
        chosen = st.date_input("Даты", value=(start, end), format="DD.MM.YYYY", key="reports_dates")
        if not isinstance(chosen, tuple | list) or len(chosen) != 2:
            st.info("Выберите дату начала и дату окончания.")
            st.stop()
        choice = Choice(choice.class_name, period_name, pupil_id=pupil_id, start=chosen[0], end=chosen[1])
        label = f"{pupil_id}-{chosen[0]:%d.%m.%Y}-{chosen[1]:%d.%m.%Y}"
    elif "week" in offer.needs:
        day = st.date_input(
            "Любой день недели",
            value=min(dates[period_name][1], dt.date.today()),
            format="DD.MM.YYYY",
            key="reports_day",
        )
        choice = Choice(choice.class_name, period_name, day=day)
        label = f"{day - dt.timedelta(days=day.weekday()):%d.%m.%Y}"

    wanted = (kind, class_id, choice)
    if st.button("Сформировать", key="reports_make", type="primary"):
        try:
            with st.spinner("Формирую документ …"):
                files = produce(con, viewer, kind, choice)
        except AccessError as error:
            st.session_state.pop(RESULT_KEY, None)
            st.error(str(error))
            st.stop()
        st.session_state[RESULT_KEY] = (wanted, files)
        audit("report", viewer, kind, class_id=class_id, period=period_name)

result = st.session_state.get(RESULT_KEY)
if result and result[0] == wanted:
    pdf_bytes, xlsx_bytes = result[1]
    parts = (
        [offer.download_stem, names[class_id], period_name, label]
        if "week" not in offer.needs
        else [offer.download_stem, label]
    )
    stem = "-".join(safe_file_part(p) for p in parts if p)
    st.success(f"Документ «{offer.title}» сформирован.")
    left, right = st.columns(2)
    with left:
        download_button(
            viewer,
            "Скачать PDF/A",
            pdf_bytes,
            f"{stem}.pdf",
            key="reports_pdf",
            audit_object=f"{kind}.pdf",
            mime="application/pdf",
            class_id=class_id,
            period=period_name,
        )
    with right:
        download_button(
            viewer,
            "Скачать XLSX",
            xlsx_bytes,
            f"{stem}.xlsx",
            key="reports_xlsx",
            audit_object=f"{kind}.xlsx",
            class_id=class_id,
            period=period_name,
        )
