"""«Пользователи и журнал действий»: the administrator manages accounts and reads the audit log."""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboards.auth import download_button, store
from dashboards.data import current_viewer, warehouse_school_ids
from dashboards.formats import data_table
from dashboards.navigation import require
from dashboards.text import as_text
from ejournal.access.accounts import AccessError, Role, generate_password, region_text
from ejournal.access.audit import read_events
from ejournal.settings import environment
from ejournal.xlsx import frame_to_xlsx

viewer = current_viewer()
require(viewer, "app_pages/admin.py")
st.title("Пользователи и журнал действий")
accounts = store()

st.subheader("Пользователи")
users = pl.DataFrame(
    [
        {
            "Логин": a.login,
            "Имя": a.display_name,
            "Роль": a.role.title,
            "Школа": a.school_id or "",
            "Ид учителя": a.teacher_id or "",
            "Регион": region_text(a),
            "Отключён": "да" if a.is_disabled else "нет",
            "Заблокирован до": a.locked_until.strftime("%d.%m.%Y %H:%M") if a.locked_until else "",
        }
        for a in accounts.list()
    ]
)
data_table(users)

schools = [None, *warehouse_school_ids()]
with st.expander("Добавить пользователя"):
    with st.form("admin_add"):
        login = st.text_input("Логин", key="admin_login")
        name = st.text_input("Имя", key="admin_name")
        role = st.selectbox("Роль", list(Role), format_func=lambda r: r.title, key="admin_role")
        school_id = st.selectbox(
            "Школа (обязательна для всех ролей школы)",
            schools,
            index=schools.index(viewer.school_id) if viewer.school_id in schools else 0,
            format_func=lambda s: s or "— без школы (администратор, орган управления образованием)",
            key="admin_school",
        )
        teacher_id = st.text_input("Ид учителя (для учителя и классного руководителя)", key="admin_teacher")
        region_id = st.text_input("Код региона (для органа управления образованием), например 50", key="admin_region")
        municipality = st.text_input(
            "Муниципалитет (для органа управления образованием; пусто — весь регион)", key="admin_municipality"
        )
        added = st.form_submit_button("Добавить")
    if added:
        password = generate_password()
        try:
            accounts.add(
                login,
                name,
                role,
                password,
                school_id=school_id,
                teacher_id=teacher_id or None,
                region_id=region_id,
                municipality=municipality,
                actor=viewer.login,
            )
        except AccessError as error:
            st.error(as_text(error))
        else:
            st.success(f"Пользователь «{as_text(login)}» добавлен. Временный пароль (показан один раз): {password}")

with st.expander("Отключить, включить или сбросить пароль"):
    logins = [a.login for a in accounts.list() if a.login != viewer.login]
    if logins:
        target = st.selectbox("Пользователь", logins, key="admin_target")
        cols = st.columns(3)
        if cols[0].button("Отключить", key="admin_disable"):
            accounts.set_disabled(target, True, actor=viewer.login)
            st.rerun()
        if cols[1].button("Включить", key="admin_enable"):
            accounts.set_disabled(target, False, actor=viewer.login)
            st.rerun()
        if cols[2].button("Сбросить пароль", key="admin_reset"):
            password = generate_password()
            accounts.reset_password(target, password, actor=viewer.login)
            st.success(f"Временный пароль для «{as_text(target)}» (показан один раз): {password}")

st.subheader("Журнал действий")
events = pl.DataFrame([event.as_row() for event in read_events(environment().access_db, limit=2000)])
data_table(events.with_columns(pl.col("Когда").str.to_datetime("%Y-%m-%d %H:%M:%S", strict=False)))
download_button(
    viewer,
    "Скачать журнал (XLSX)",
    frame_to_xlsx(events, "Журнал"),
    "журнал-действий.xlsx",
    key="admin_audit_download",
    audit_object="audit_log.xlsx",
)
