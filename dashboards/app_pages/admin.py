"""«Пользователи и журнал действий»: the administrator manages accounts (a teacher's account is bound
by choosing the teacher from the school's list) and reads the audit log in words."""

from __future__ import annotations

from dataclasses import fields

import polars as pl
import streamlit as st

from dashboards.auth import download_button, store
from dashboards.data import current_viewer, warehouse, warehouse_school_ids
from dashboards.formats import data_table
from dashboards.navigation import PAGES, require
from dashboards.text import as_text
from ejournal.access.accounts import ROLE_TITLES, AccessError, Role, generate_password, region_text
from ejournal.access.audit import AuditEvent, read_events
from ejournal.settings import NORM_SECTIONS, environment
from ejournal.xlsx import frame_to_xlsx
from report_templates.catalogue import CATALOGUE
from warehouse.admin_lists import audit_names, school_teachers
from warehouse.vpr import LEVELS

viewer = current_viewer()
require(viewer, "app_pages/admin.py")
st.title("Пользователи и журнал действий")
accounts = store()
school_ids = warehouse_school_ids()


def _school_lists() -> tuple[dict[str, dict[str, str]], dict[str, list[tuple[str, str]]]]:
    """Names by id for the audit log, and each school's teachers (id, name) for the lists."""
    if not school_ids:
        return {}, {}
    with warehouse() as con:
        return audit_names(con), {school: school_teachers(con, school) for school in school_ids}


names, teachers = _school_lists()
school_names = names.get("school_id", {})


def _teacher_name(school_id: str | None, teacher_id: str | None) -> str:
    if not teacher_id:
        return ""
    return dict(teachers.get(school_id or "", [])).get(teacher_id, teacher_id)


st.subheader("Пользователи")
users = pl.DataFrame(
    [
        {
            "Логин": a.login,
            "Имя": a.display_name,
            "Роль": a.role.title,
            "Школа": school_names.get(a.school_id or "", a.school_id or ""),
            "Учитель": _teacher_name(a.school_id, a.teacher_id),
            "Регион": region_text(a),
            "Отключён": "да" if a.is_disabled else "нет",
            "Заблокирован до": a.locked_until.strftime("%d.%m.%Y %H:%M") if a.locked_until else "",
        }
        for a in accounts.list()
    ]
)
data_table(users)

schools = [None, *school_ids]
with st.expander("Добавить пользователя"):
    school_id = st.selectbox(
        "Школа (обязательна для всех ролей школы)",
        schools,
        index=schools.index(viewer.school_id) if viewer.school_id in schools else 0,
        format_func=lambda s: (
            school_names.get(s, s) if s else "— без школы (администратор, орган управления образованием)"
        ),
        key="admin_school",
    )
    school_teachers_named = dict(teachers.get(school_id or "", []))
    with st.form("admin_add"):
        login = st.text_input("Логин", key="admin_login")
        name = st.text_input("Имя", key="admin_name")
        role = st.selectbox("Роль", list(Role), format_func=lambda r: r.title, key="admin_role")
        teacher_id = st.selectbox(
            "Учитель (для учителя и классного руководителя)",
            [None, *school_teachers_named],
            format_func=lambda t: school_teachers_named[t] if t else "— не учитель",
            key="admin_teacher",
        )
        region_id = st.text_input("Код региона (для органа управления образованием), например 50", key="admin_region")
        municipality = st.text_input(
            "Муниципалитет (для органа управления образованием; пусто — весь регион)", key="admin_municipality"
        )
        added = st.form_submit_button("Добавить")
    if added and role in (Role.TEACHER, Role.CLASS_TEACHER) and teacher_id is None:
        st.error("Для учителя и классного руководителя выберите учителя из списка учителей школы.")
    elif added:
        password = generate_password()
        try:
            accounts.add(
                login,
                name,
                role,
                password,
                school_id=school_id,
                teacher_id=teacher_id,
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

# --- the audit log in words ------------------------------------------------------------------------

PAGE_TITLES = {file.removeprefix("app_pages/").removesuffix(".py"): spec[0] for file, spec in PAGES.items()}
DOCUMENT_TITLES = {
    **{kind: entry.title for kind, entry in CATALOGUE.items()},
    "presentation": "Презентация итогов для родительского совета",
}
FILE_TITLES = {
    **PAGE_TITLES,
    **DOCUMENT_TITLES,
    "audit_log": "Журнал действий",
    "upload_errors": "Ошибки загрузки",
}


def _file_title(text: str) -> str:
    """A downloaded file by what it holds: «forecast_risk.xlsx» → «Прогноз итогов периода (XLSX)»."""
    stem, dot, extension = text.rpartition(".")
    stem = stem if dot else text
    owner = next((code for code in sorted(FILE_TITLES, key=len, reverse=True) if stem.startswith(code)), None)
    if owner is None:
        return text
    return f"{FILE_TITLES[owner]} ({extension.upper()})" if dot else FILE_TITLES[owner]


def _school_title(text: str) -> str:
    school_id = text.removeprefix("школа ")
    return f"школа {school_names.get(school_id, school_id)}"


# The object of an event, by the event: a page, a file, a document, the norms, a school; anything
# else (a login, the files a user uploaded, a backup folder) is shown as it is.
OBJECT_BY_EVENT = {
    "page_viewed": lambda text: PAGE_TITLES.get(text, text),
    "download": _file_title,
    "report": lambda text: DOCUMENT_TITLES.get(text, text),
    "norms_changed": lambda _: "Нормы школы",
    "pupil_forget_started": _school_title,
    "pupil_forgotten": _school_title,
}


def _object_title(event: AuditEvent) -> str:
    text = event.object_text or ""
    shown = OBJECT_BY_EVENT.get(event.event_code)
    return shown(text) if shown and text else text


def _audit_names() -> dict[str, dict[str, str]]:
    norm_titles = {
        f"{section}.{spec.name}": spec.metadata["doc"]
        for section, (_, cls) in NORM_SECTIONS.items()
        for spec in fields(cls)
    }
    levels = {code: title for code, (_, title) in LEVELS.items()}
    return {**names, "role": dict(ROLE_TITLES), "changed": norm_titles, "level": levels}


def _audit_rows(events: list[AuditEvent]) -> pl.DataFrame:
    detail_names = _audit_names()
    return pl.DataFrame(
        [event.as_row(detail_names, {event.object_text or "": _object_title(event)}) for event in events]
    )


st.subheader("Журнал действий")
events = _audit_rows(read_events(environment().access_db, limit=2000))
data_table(events)
download_button(
    viewer,
    "Скачать журнал (XLSX)",
    frame_to_xlsx(events, "Журнал"),
    "журнал-действий.xlsx",
    key="admin_audit_download",
    audit_object="audit_log.xlsx",
)
