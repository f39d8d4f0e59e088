"""«Муниципалитет / регион» in a real headless Chromium: the education authority's account
(«region», bound to region 50) signs in over a lake of two regions, has only this page and the
password page, sees its region's schools and downloads them; no school of region 77 reaches it."""

from __future__ import annotations

import io

import polars as pl
import pytest

from tests.dashboards.test_browser import CHROMIUM, CHROMIUM_ARGS, OUTPUT, _dashboard, _sign_in, download
from tests.dashboards.test_region_page import region_lake  # noqa: F401
from tests.warehouse.region_sample import PUPIL_SURNAME, SCHOOLS

pytestmark = pytest.mark.browser


def test_the_authority_signs_in_and_sees_its_schools(sample_db, access_db, region_lake, monkeypatch, tmp_path):  # noqa: F811
    from pathlib import Path

    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.skip("chromium is not installed (apt-get install chromium)")
    OUTPUT.mkdir(parents=True, exist_ok=True)
    monkeypatch.setenv("EJOURNAL_LAKE", str(region_lake))
    with _dashboard(sample_db, access_db) as (url, _), sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1600, "height": 1200}, accept_downloads=True)
        _sign_in(page, url, "region")
        links = page.locator('[data-testid="stSidebarNav"] a').all_inner_texts()
        page.locator('[data-testid="stSidebarNav"] a').filter(has_text="Муниципалитет / регион").first.click()
        page.get_by_role("heading", name="Муниципалитет / регион").first.wait_for(timeout=30_000)
        page.locator('[data-testid="stDataFrame"]').nth(1).wait_for(timeout=60_000)
        page.locator('[data-testid="stStatusWidget"]').wait_for(state="detached", timeout=60_000)
        page.screenshot(path=str(OUTPUT / "30-region-authority.png"), full_page=True)
        body = page.inner_text("body")
        errors = page.locator('[data-testid="stException"]').count()
        got = download(page, page.get_by_role("button", name="Скачать XLSX"))
        saved = tmp_path / got.suggested_filename
        got.save_as(saved)
        browser.close()
    assert [link.split("\n")[-1].strip() for link in links] == ["Муниципалитет / регион", "Смена пароля"]
    assert errors == 0
    assert "регион 50, школ: 7" in body
    assert PUPIL_SURNAME not in body and not any(s.name in body for s in SCHOOLS if s.region_id != "50")
    sheets = pl.read_excel(io.BytesIO(saved.read_bytes()), sheet_id=0, infer_schema_length=0)
    assert sorted(sheets["Школы"]["Школа"]) == sorted(s.name for s in SCHOOLS if s.region_id == "50")
    assert sheets["Муниципалитеты"]["Муниципалитет"].to_list() == ["г. Сергиев Посад", "г. Химки", "Всего"]
