"""«Загрузка данных» under AppTest: who gets the page, the size limit, the deputy's load of the sample
export as a .zip (rows accepted against the raw CSV, past loads, audit), a second upload of the same
file, and broken, hostile and other-school uploads that leave every table of the warehouse as it was."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from dashboards.uploads import UploadOptions, upload_registry
from ejournal.access.audit import read_events
from tests.dashboards import upload_files
from tests.dashboards.conftest import offered_download, viewer_of
from tests.dashboards.test_app_pages import direct, page_text

PAGE = "app_pages/upload.py"


@pytest.fixture(scope="module")
def warehouse_path(tmp_path_factory):
    """An empty warehouse, created by the first upload."""
    return tmp_path_factory.mktemp("upload") / "upload.duckdb"


def _point_at(patch: pytest.MonkeyPatch, db: Path, access_db: Path) -> None:
    patch.setenv("EJOURNAL_DB", str(db))
    patch.setenv("EJOURNAL_ACCESS_DB", str(access_db))


@pytest.fixture(autouse=True)
def upload_env(warehouse_path, access_db, monkeypatch):
    _point_at(monkeypatch, warehouse_path, access_db)


def upload(login: str, name: str, data: bytes):
    """Open the page as ``login``, submit the file and wait for its load to finish: (the page after
    the submit when nothing started, else after the load; the load's job or None)."""
    before = upload_registry().latest(_db())
    at = direct(PAGE, login)
    at.file_uploader(key="upload_files").set_value([(name, data, "application/zip")])
    at.button[0].click().run()
    job = upload_registry().latest(_db())
    if job is before:
        return at, None
    assert job.done.wait(120), "the load did not finish within 120 s"
    return at.run(), job


def _db() -> Path:
    return Path(os.environ["EJOURNAL_DB"])


def upload_events(access_db) -> list:
    return [e for e in read_events(access_db) if e.event_code == "upload"]


def test_only_the_deputy_and_the_administrator_get_the_page(warehouse_path):
    from dashboards.navigation import page_files_for
    from ejournal.access.accounts import Role

    assert {role for role in Role if PAGE in page_files_for(role)} == {Role.ADMIN, Role.DEPUTY}
    refused = direct(PAGE, "director")
    assert "недоступна для вашей роли" in refused.error[0].value
    assert not refused.file_uploader
    deputy = direct(PAGE, "zavuch")
    fixed = deputy.text_input(key="upload_school_fixed")
    assert (fixed.value, fixed.disabled) == ("sch-0001", True)
    assert not direct(PAGE, "admin").text_input(key="upload_school").disabled


def test_an_upload_over_the_limit_is_refused_and_audited(warehouse_path, access_db, monkeypatch):
    monkeypatch.setenv("EJOURNAL_UPLOAD_MAX_MB", "1")
    before = len(upload_events(access_db))
    at, job = upload("zavuch", "большой.zip", b"\0" * (1024 * 1024 + 1))
    assert job is None
    assert "больше предела 1 МБ" in at.error[0].value
    assert "1 МБ" in at.caption[0].value  # the page says the limit
    assert not warehouse_path.exists()
    (event,) = upload_events(access_db)[: len(upload_events(access_db)) - before]
    assert (event.actor_login, event.details["outcome"], event.details["reason"]) == ("zavuch", "refused", "too_big")


@pytest.fixture(scope="module")
def loaded(warehouse_path, access_db):
    """The deputy's upload of the sample export as a .zip into the empty warehouse."""
    data = upload_files.sample_zip()
    with pytest.MonkeyPatch.context() as patch:  # set up before this test's own environment
        _point_at(patch, warehouse_path, access_db)
        at, job = upload("zavuch", "выгрузка.zip", data)
    return at, job, data


def test_the_deputy_loads_the_sample_zip(loaded, warehouse_path, access_db):
    at, job, data = loaded
    assert job.error is None and job.outcome_code == "loaded"
    assert job.found.detected and f"Формат: {job.found.title}" in page_text(at).replace("\u200b", "")
    accepted = next(m for m in at.metric if m.label == "Принято")
    expected = upload_files.expected_rows()
    assert accepted.value.replace("\u00a0", "").replace(" ", "") == str(expected)
    assert "загружена" in " ".join(s.value for s in at.success)
    history = at.dataframe[-2].value  # «Прошлые загрузки»
    assert history.iloc[0]["Кто"] == "zavuch"
    assert "marks.csv" in history.iloc[0]["Файлы"]
    event = upload_events(access_db)[0]
    assert event.object_text == "выгрузка.zip"
    assert event.details["sha256"] == hashlib.sha256(data).hexdigest()
    assert event.details["outcome"] == "loaded"


def test_a_second_upload_of_the_same_file_changes_nothing_and_one_runs_at_a_time(loaded, warehouse_path, access_db):
    _, _, data = loaded
    before = upload_files.table_hashes(warehouse_path)
    deputy = viewer_of("zavuch")
    job = upload_registry().start(
        warehouse_path, deputy, [("выгрузка.zip", data)], UploadOptions(only_school=deputy.school_id), max_mb=200
    )
    n_events = len(upload_events(access_db))
    at = direct(PAGE, "zavuch")  # while the first runs: a second upload is refused
    at.file_uploader(key="upload_files").set_value([("другая.zip", data, "application/zip")])
    at.button[0].click().run()
    assert "идёт другая загрузка" in at.error[0].value
    assert "Идёт загрузка" in " ".join(p.proto.text for p in at.get("progress"))
    assert upload_events(access_db)[0].details["reason"] == "busy"
    assert job.done.wait(120)
    at.run()
    assert job.outcome_code == "unchanged"
    assert "без изменений" in " ".join(i.value for i in at.info)
    assert len(upload_events(access_db)) == n_events + 2  # the refusal and the load
    after = upload_files.table_hashes(warehouse_path)
    changed = {t for t in before if before[t] != after[t]}
    assert changed <= {"meta_batch", "meta_batch_file"}  # the load is recorded, no data changes


@pytest.mark.parametrize(
    ("name", "build", "says"),
    [
        ("без-столбца.zip", lambda: upload_files.without_column("pupils.csv", "last_name"), "last_name"),
        ("чужая.zip", lambda: upload_files.of_school("sch-0999"), "только данные своей школы"),
        ("побег.zip", upload_files.zip_slip, "«../marks.csv»"),
        ("не-архив.zip", lambda: "оценки;ученик\n5;Иванов\n".encode(), "Архив повреждён"),
    ],
    ids=["missing-column", "other-school", "zip-slip", "not-a-zip"],
)
def test_a_broken_or_hostile_upload_changes_nothing(loaded, warehouse_path, downloads, name, build, says):
    before = upload_files.table_hashes(warehouse_path)
    at, job = upload("zavuch", name, build())
    assert job.outcome_code == "refused"
    assert "отклонена целиком" in " ".join(e.value for e in at.error)
    errors = at.dataframe[0].value
    assert list(errors.columns) == ["Файл", "Строка", "Столбец", "Значение", "Правило", "Сообщение"]
    assert says in errors.to_csv()
    assert not {"None", "nan", "<NA>", ""} & set(errors.astype(str).to_numpy().ravel())  # «—» for no row or column
    report = offered_download(downloads, key="upload_report").deliver()
    assert report.startswith(b"PK")  # the error XLSX
    assert upload_files.table_hashes(warehouse_path) == before


def test_an_upload_the_disk_stops_keeps_the_schools_before_and_says_so(tmp_path, access_db, monkeypatch):
    """A zip of three schools whose second outgrows the file size limit of this process (a real
    ``RLIMIT_FSIZE``: DuckDB's writes fail as on a full disk): the page says what is kept."""
    import resource

    from pipelines.ingest import ingest_path
    from tests.pipelines.test_ingest_interrupted import _schools
    from tests.pipelines.test_ingest_workers import _stored

    folder = _schools(tmp_path / "region", 3)
    alone = tmp_path / "alone.duckdb"
    ingest_path(_schools(tmp_path / "first", 1), alone)
    files = {f"region/{p.relative_to(folder)}": p.read_bytes() for p in sorted(folder.rglob("*.csv"))}
    db = tmp_path / "w.duckdb"
    _point_at(monkeypatch, db, access_db)
    monkeypatch.setenv("EJOURNAL_INGEST_WORKERS", "0")
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (alone.stat().st_size, hard))  # Python ignores SIGXFSZ
    try:
        at, job = upload("admin", "регион.zip", upload_files.zipped(files))  # the deputy is bound to a school
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
    said = " ".join(" ".join(e.value for e in at.error).replace("\u200b", "").split())
    assert "Загрузка прервана на выгрузке «регион.zip/school-1»: файл превысил предельный размер" in said
    assert "Загруженное до неё сохранено (школы: sch-0); панель их уже показывает." in said
    assert "File too large" not in said
    assert job.outcome_code == "failed"
    assert _stored(db) == _stored(alone)
    event = upload_events(access_db)[0]  # the newest
    assert event.details["outcome"] == "failed" and event.details["batches"] == "1"
