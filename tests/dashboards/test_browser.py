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
def server(sample_db):
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed: `make test` installs it (apt-get install chromium)")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    port = _free_port()
    env = {**os.environ, "EJOURNAL_DB": str(sample_db), "PYTHONPATH": str(ROOT)}
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


def test_loaded_page_in_a_real_browser(server, sample_db):
    from playwright.sync_api import sync_playwright

    OUTPUT.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(sample_db), read_only=True) as con:
        n_marks = con.execute("select count(*) from fct_mark").fetchone()[0]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(server)
        page.get_by_text("Что загружено в хранилище").wait_for(timeout=30_000)
        page.get_by_text("Последние загрузки").wait_for(timeout=30_000)
        metric = page.locator('[data-testid="stMetric"]').filter(has_text="Отметок")
        metric.wait_for(timeout=30_000)
        shown = metric.locator('[data-testid="stMetricValue"]').inner_text()
        page.screenshot(path=str(OUTPUT / "loaded.png"), full_page=True)
        errors = page.locator('[data-testid="stException"]').count()
        browser.close()
    assert shown.replace("\u00a0", "").replace(" ", "") == str(n_marks)
    assert errors == 0
