"""«Загрузка данных» in a real headless Chromium (one server over an empty warehouse): the deputy
uploads the sample export as a .zip, sees the progress and the result, and «Что загружено» shows the
new data; a broken upload shows the Russian error table and leaves every table as it was; a second
upload of the same file changes nothing."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.dashboards import upload_files
from tests.dashboards.conftest import raw
from tests.dashboards.test_browser import CHROMIUM, CHROMIUM_ARGS, OUTPUT, _dashboard, _sign_in

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(tmp_path_factory, access_db):
    if not Path(CHROMIUM).exists():
        pytest.skip("chromium is not installed (apt-get install chromium)")
    db = tmp_path_factory.mktemp("upload-browser") / "upload.duckdb"  # created by the first upload
    with _dashboard(db, access_db) as (url, _):
        yield url, db


def _digits(text: str) -> int:
    return int(re.sub(r"\D", "", text))


def _upload(page, name: str, data: bytes) -> None:
    """Choose the file in the uploader's input, submit, wait until the result is shown."""
    heading = page.get_by_role("heading", name="Загрузка данных")
    # Not from the page itself: its link reruns it, and a file chosen in the uploader that rerun
    # replaces is gone with it (under load the rerun is slow enough for that).
    if not heading.is_visible():
        page.get_by_role("link", name="Загрузка данных").click()
    heading.wait_for(timeout=30_000)
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(
        {"name": name, "mimeType": "application/zip", "buffer": data}
    )
    page.get_by_text(name).first.wait_for(timeout=30_000)
    page.get_by_role("button", name="Загрузить").click()


def _result(page):
    page.get_by_role("heading", name="Результат загрузки").wait_for(timeout=180_000)
    return page


def _metric(page, label: str) -> int:
    metric = page.locator('[data-testid="stMetric"]').filter(has_text=label).first
    metric.wait_for(timeout=30_000)
    return _digits(metric.locator('[data-testid="stMetricValue"]').inner_text())


def test_the_deputy_uploads_the_sample_zip_and_the_pages_show_it(server):
    from playwright.sync_api import sync_playwright

    url, db = server
    OUTPUT.mkdir(parents=True, exist_ok=True)
    data = upload_files.sample_zip()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        _sign_in(page, url, "zavuch")
        _upload(page, "выгрузка.zip", data)
        page.get_by_text("Идёт загрузка").first.wait_for(timeout=30_000)  # the progress
        page.screenshot(path=str(OUTPUT / "upload-01-progress.png"), full_page=True)
        _result(page)
        page.screenshot(path=str(OUTPUT / "upload-02-result.png"), full_page=True)
        assert _metric(page, "Принято") == upload_files.expected_rows()
        assert _metric(page, "Отклонено") == 0
        page.get_by_text("загружена", exact=False).first.wait_for(timeout=10_000)

        page.get_by_role("link", name="Что загружено").click()
        assert _metric(page, "Отметок") == len(raw("marks"))  # another page reads the published copy

        before = upload_files.table_hashes(db)
        _upload(page, "без-столбца.zip", upload_files.without_column("pupils.csv", "last_name"))
        _result(page)
        page.get_by_text("отклонена целиком").first.wait_for(timeout=30_000)
        grid = page.locator('[data-testid="stDataFrame"]').first
        grid.wait_for(timeout=30_000)
        for header in ("Файл", "Строка", "Столбец", "Значение", "Правило", "Сообщение"):  # the grid's a11y table
            grid.get_by_text(header, exact=True).first.wait_for(state="attached", timeout=10_000)
        grid.get_by_text("last_name").first.wait_for(state="attached", timeout=10_000)
        page.get_by_role("button", name="Скачать ошибки XLSX").wait_for(timeout=10_000)
        page.screenshot(path=str(OUTPUT / "upload-03-refused.png"), full_page=True)
        assert upload_files.table_hashes(db) == before

        _upload(page, "выгрузка.zip", data)
        _result(page)
        page.get_by_text("без изменений").first.wait_for(timeout=30_000)
        after = upload_files.table_hashes(db)
        assert {t for t in before if before[t] != after[t]} <= {"meta_batch", "meta_batch_file"}
        browser.close()
