"""«Директор» in a real headless Chromium: the director and the parent council open the page,
make the deck and download it (the download is audited); a teacher has no such page."""

from __future__ import annotations

import sqlite3
import subprocess
import time

import pytest

from tests.dashboards.test_app_pages import names
from tests.dashboards.test_browser import (
    OUTPUT,
    _sign_in,
    chromium,  # noqa: F401  (a module fixture: one Chromium for both tests)
    download,
    runs_ended,
    wait_for_run,
)
from tests.report_templates.test_presentation import expected_results, fmt

pytestmark = pytest.mark.browser


def _open_director(page, url: str, login: str) -> None:
    _sign_in(page, url, login)
    page.locator('[data-testid="stSidebarNav"] a').filter(has_text="Директор").first.click()
    page.wait_for_function("() => location.pathname.endsWith('/director')", timeout=30_000)
    page.get_by_role("heading", name="Директор").first.wait_for(timeout=30_000)
    page.screenshot(path=str(OUTPUT / f"20-director-{login}-open.png"), full_page=True)
    page.locator('[data-testid="stMetric"]').first.wait_for(timeout=60_000)


def test_director_and_parent_council_download_the_deck(server, chromium, access_db, tmp_path):  # noqa: F811
    OUTPUT.mkdir(parents=True, exist_ok=True)
    quality = fmt(expected_results("4 четверть")[None]["quality"])  # the page opens on the latest period
    saved, shown = {}, {}
    browser = chromium[1]
    for login, button in (("director", "Скачать PDF"), ("sovet", "Скачать XLSX")):
        page = browser.new_page(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
        _open_director(page, server, login)
        metric = page.locator('[data-testid="stMetric"]').filter(has_text="Качество знаний")
        shown[login] = metric.locator('[data-testid="stMetricValue"]').inner_text()
        page.get_by_role("button", name="Сформировать презентацию (PDF и XLSX)").click()
        page.get_by_role("button", name=button).wait_for(timeout=60_000)
        runs_before = runs_ended(page)
        got = download(page, page.get_by_role("button", name=button))
        saved[login] = tmp_path / got.suggested_filename
        got.save_as(saved[login])
        wait_for_run(page, runs_before, at_most_ms=1000)  # the rerun of the click
        page.screenshot(path=str(OUTPUT / f"20-director-{login}.png"), full_page=True)
        assert page.locator('[data-testid="stException"]').count() == 0
        body = page.inner_text("body")
        assert not any(name in body for name in names().values())
        page.close()
    assert shown == {"director": quality, "sovet": quality}
    pdf = saved["director"]
    assert pdf.suffix == ".pdf" and pdf.read_bytes().startswith(b"%PDF")
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "4 четверть 2025/2026 учебного года" in text
    assert saved["sovet"].suffix == ".xlsx" and saved["sovet"].read_bytes()[:2] == b"PK"
    events = []
    for _ in range(20):  # the download's rerun writes the audit record
        with sqlite3.connect(access_db) as db:
            events = db.execute(
                "select actor_login, object_text from audit_log where event_code = 'download' "
                "and object_text like 'presentation%'"
            ).fetchall()
        if len(events) >= 2:
            break
        time.sleep(0.5)
    assert ("director", "presentation.pdf") in events and ("sovet", "presentation.xlsx") in events


def test_teacher_has_no_director_page(server, chromium):  # noqa: F811
    browser = chromium[1]
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    _sign_in(page, server, "uchitel")
    links = page.locator('[data-testid="stSidebarNav"] a').all_inner_texts()
    answer = page.goto(f"{server}/director")
    page.get_by_label("Логин").or_(page.locator('[data-testid="stSidebarNav"]')).or_(
        page.get_by_role("heading", name="Страница недоступна")
    ).first.wait_for(timeout=30_000)
    page.wait_for_timeout(1500)
    headings = page.locator('[data-testid="stHeading"]').all_inner_texts()
    refusal = (answer.status, page.inner_text("body"))
    page.screenshot(path=str(OUTPUT / "21-director-teacher.png"), full_page=True)
    page.close()
    assert not any("Директор" in link for link in links)
    assert not any(h.strip() == "Директор" for h in headings)
    assert refusal[0] == 403 and "Эта страница вам недоступна" in refusal[1]  # the server's Russian answer
