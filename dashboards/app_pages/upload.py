"""«Загрузка данных»: upload an export (files or a .zip) and load it in the background as
`ejournal ingest` does; past loads and quarantined rows."""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboards.auth import download_button
from dashboards.data import current_viewer, db_path, load_history_of, read_path
from dashboards.formats import data_table
from dashboards.navigation import require
from dashboards.text import as_text
from dashboards.uploads import (
    REPORT_FILE,
    STAGES,
    UploadJob,
    UploadOptions,
    UploadRefused,
    audit_refused,
    upload_registry,
)
from ejournal.access.accounts import Role
from ejournal.access.viewer import Viewer
from ejournal.formatting import thousands
from ejournal.settings import environment
from pipelines.importers.systems import SOURCE_NAMES
from pipelines.issues import Issue

ERROR_COLUMNS = ["Файл", "Строка", "Столбец", "Значение", "Правило", "Сообщение"]
MAX_ERRORS_SHOWN = 1000

viewer = current_viewer()
require(viewer, "app_pages/upload.py")


def school_choice(viewer: Viewer) -> UploadOptions:
    """The --school field: fixed to the deputy's own school (other schools' exports refused)."""
    if viewer.role is Role.DEPUTY:
        st.text_input("Школа", value=viewer.school_id, disabled=True, key="upload_school_fixed")
        return UploadOptions(school=viewer.school_id, only_school=viewer.school_id)
    school = st.text_input("Ид школы, если данные журнала её не называют", key="upload_school")
    return UploadOptions(school=school.strip() or None)


def start_upload(chosen: list, options: UploadOptions, limit_mb: int) -> None:
    uploaded = [(file.name, file.getvalue()) for file in chosen]
    try:
        upload_registry().start(db_path(), viewer, uploaded, options, max_mb=limit_mb)
    except UploadRefused as refused:
        audit_refused(viewer, uploaded, refused)
        st.error(as_text(refused))


@st.fragment(run_every=1.0)
def show_progress(job: UploadJob) -> None:
    """Polled every second while the load runs; the whole page reruns once it is done."""
    if not job.running:
        st.rerun()
    stage = job.stage
    st.progress(STAGES.index(stage) / (len(STAGES) - 1), text=as_text(f"Идёт загрузка: {stage}. {job.detail}"))
    st.caption(" → ".join(f"**{s}**" if s == stage else s for s in STAGES))


def error_frame(issues: list[Issue]) -> pl.DataFrame:
    """The error table as the console shows it: personal values and the names they quote masked; «—»
    where a problem is about the whole file (no row) or no column."""
    rows = [
        (
            i.file_name,
            "—" if i.row_number is None else str(i.row_number),
            i.column_name or "—",
            i.shown_value() or "—",
            i.rule_code,
            i.shown_message(),
        )
        for i in issues[:MAX_ERRORS_SHOWN]
    ]
    return pl.DataFrame(
        rows,
        schema=dict.fromkeys(ERROR_COLUMNS, pl.String),
        orient="row",
    )


def show_result(job: UploadJob) -> None:
    st.subheader("Результат загрузки")
    if job.error is not None or job.found is None:
        st.error(as_text(job.error or "Загрузка не выполнена."))
        return
    found = job.found
    how = "определён автоматически" if found.detected else "задан явно"
    st.markdown(as_text(f"Формат: {found.title} ({found.source}, {how})"))
    for result in found.results:
        line = as_text(f"Выгрузка школы {result.school_id or '?'}: {result.status_text}")
        {"loaded": st.success, "unchanged": st.info, "loaded_with_rejections": st.warning}.get(result.status, st.error)(
            line
        )
        for warning in result.warnings:
            place = f"{warning.file_name}: " if warning.file_name else ""  # a warning about the whole export
            st.caption(as_text(f"Предупреждение: {place}{warning.shown_message()}"))
    files = [
        (stats.file.label, stats.n_rows_in, stats.n_rows_accepted, stats.n_rows_in - stats.n_rows_accepted)
        for result in found.results
        if result.status != "refused"
        for stats in result.files
    ]
    cols = st.columns(3)
    cols[0].metric("Строк в выгрузке", thousands(sum(f[1] for f in files)))
    cols[1].metric("Принято", thousands(sum(f[2] for f in files)))
    cols[2].metric("Отклонено", thousands(sum(f[3] for f in files)))
    if files:
        data_table(pl.DataFrame(files, schema=["Файл", "Строк", "Принято", "Отклонено"], orient="row"))
    issues = job.issues
    if issues:
        st.markdown(f"**Ошибки: {thousands(len(issues))}**")
        data_table(error_frame(issues))
    if job.report:
        download_button(
            viewer, "Скачать ошибки XLSX", job.report, REPORT_FILE, key="upload_report", audit_object="upload_errors"
        )


def show_job(job: UploadJob) -> None:
    if job.owner != viewer.login:
        if job.running:
            st.info(as_text(f"Идёт загрузка, начатая пользователем {job.owner}; новые данные появятся после неё."))
        return
    if job.running:
        show_progress(job)
    else:
        show_result(job)


def show_history() -> None:
    path = db_path()
    if not path.exists():
        st.info("Хранилище ещё не создано: здесь появятся загрузки после первой.")
        return
    snapshot = read_path()
    school = viewer.school_id if viewer.role is Role.DEPUTY else None
    history = load_history_of(str(snapshot), snapshot.stat().st_mtime, school)
    st.subheader("Прошлые загрузки")
    data_table(
        pl.DataFrame(
            history.batches,
            schema=["№", "Школа", "Когда", "Кто", "Файлы", "Строк", "Принято", "Отклонено", "Итог"],
            orient="row",
        ),
    )
    st.subheader("Строки в карантине")
    st.caption("Отклонённые строки прошлых загрузок с причиной; имена и даты рождения скрыты.")
    quarantined = [(row[0], *error_frame([Issue(*row[1:])]).row(0)) for row in history.quarantine]
    data_table(
        pl.DataFrame(quarantined, schema=["№", *ERROR_COLUMNS], orient="row"),
    )


st.title("Загрузка данных")
limit_mb = environment().upload_max_mb
st.caption(
    as_text(
        "Каноническая выгрузка или данные журнала (" + ", ".join(SOURCE_NAMES) + "): несколько файлов или "
        f"архив .zip, всего не больше {limit_mb} МБ. Формат определяется сам, как у «ejournal ingest»; "
        "панель покажет новые данные, когда загрузка будет опубликована."
    )
)
with st.form("upload_form", clear_on_submit=True):
    chosen = st.file_uploader(
        f"Файлы выгрузки или архив .zip (до {limit_mb} МБ)",
        accept_multiple_files=True,
        max_upload_size=limit_mb,
        key="upload_files",
    )
    class_name = st.text_input("Класс, если данные его не называют (страница ученика, лист Excel)", key="upload_class")
    options = school_choice(viewer)
    submitted = st.form_submit_button("Загрузить", type="primary")
if submitted:
    start_upload(
        chosen or [],
        UploadOptions(options.school, class_name.strip() or None, options.only_school),
        limit_mb,
    )
latest = upload_registry().latest(db_path())
if latest is not None:
    show_job(latest)
show_history()
