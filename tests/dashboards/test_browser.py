"""The dashboard in a real headless Chromium (Debian's, driven by Playwright): start the server,
open the page, read what it shows, save a screenshot under the test's output folder."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import duckdb
import pytest

from tests.dashboards.conftest import PASSWORD, raw

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
OUTPUT = ROOT / "test-output" / "browser"

pytestmark = pytest.mark.browser


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def server(sample_db, access_db):
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed: `make test` installs it (apt-get install chromium)")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    port = _free_port()
    env = {**os.environ, "EJOURNAL_DB": str(sample_db), "EJOURNAL_ACCESS_DB": str(access_db), "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [sys.executable, "-m", "ejournal.cli", "dashboard", "--port", str(port), "--db", str(sample_db)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    break
        except OSError:
            time.sleep(0.3)
    else:
        process.kill()
        pytest.fail("the dashboard did not start within 60 s")
    yield url
    process.terminate()
    process.wait(timeout=20)


def _sign_in(page, url: str, login: str) -> None:
    page.goto(url)
    page.get_by_label("Логин").fill(login)
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()
    page.get_by_role("button", name="Выйти").wait_for(timeout=30_000)
    page.get_by_role("heading", name="Вход").wait_for(state="detached", timeout=30_000)


def test_deputy_signs_in_filters_downloads_and_sees_figures(server, sample_db):
    from playwright.sync_api import sync_playwright

    OUTPUT.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(sample_db), read_only=True) as con:
        n_marks = con.execute("select count(*) from fct_mark").fetchone()[0]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
        _sign_in(page, server, "zavuch")
        page.screenshot(path=str(OUTPUT / "01-signed-in.png"), full_page=True)
        page.get_by_role("link", name="Успеваемость класса").click()
        page.get_by_role("heading", name="Успеваемость класса").wait_for(timeout=30_000)
        page.get_by_role("combobox").nth(1).click()
        page.get_by_role("option", name="История").click()
        page.get_by_role("option").first.wait_for(state="detached", timeout=30_000)
        page.wait_for_timeout(1500)  # the rerun after the filter change
        page.locator('[data-testid="stDataFrame"]').first.wait_for(timeout=30_000)
        page.screenshot(path=str(OUTPUT / "02-class-progress.png"), full_page=True)
        with page.expect_download(timeout=30_000) as download:
            page.get_by_role("button", name="Скачать XLSX").click()
        saved = OUTPUT / "class-progress.xlsx"
        download.value.save_as(saved)
        suggested = download.value.suggested_filename
        page.get_by_role("link", name="Что загружено").click()
        metric = page.locator('[data-testid="stMetric"]').filter(has_text="Отметок")
        metric.wait_for(timeout=30_000)
        shown = metric.locator('[data-testid="stMetricValue"]').inner_text()
        page.screenshot(path=str(OUTPUT / "03-loaded.png"), full_page=True)
        errors = page.locator('[data-testid="stException"]').count()
        browser.close()
    import polars as pl

    sheet = pl.read_excel(saved)
    assert "История" in suggested  # the filter change reached the download
    assert "Ученик" in sheet.columns and sheet.height == len({e["pupil_id"] for e in raw("enrolments")})
    assert shown.replace("\u00a0", "").replace(" ", "") == str(n_marks)
    assert errors == 0


def test_parent_council_gets_no_pupil_pages(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        _sign_in(page, server, "sovet")
        page.get_by_text("Сводка по школе").first.wait_for(timeout=30_000)
        links = page.locator('[data-testid="stSidebarNav"] a').all_inner_texts()
        body = page.inner_text("body")
        page.screenshot(path=str(OUTPUT / "04-parent-council.png"), full_page=True)
        browser.close()
    assert not any("Успеваемость класса" in link for link in links)
    surnames = {p["last_name"] for p in raw("pupils")}
    assert not any(s in body for s in surnames)
