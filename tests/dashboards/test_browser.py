"""The dashboard in a real headless Chromium (Debian's, driven by Playwright): start the server,
open the page, read what it shows, save a screenshot under the test's output folder."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
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
from tests.factories import stop_server

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


def _require_chromium() -> None:
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed: `make test` installs it (apt-get install chromium)")
        pytest.skip("chromium is not installed (apt-get install chromium)")


@pytest.fixture(scope="module")
def chromium():
    """(Playwright, one headless Chromium) for the module's tests: each test opens pages of its own
    (a page made by ``browser.new_page`` has a context of its own: no cookie passes between tests)."""
    from playwright.sync_api import sync_playwright

    _require_chromium()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield playwright, browser
        browser.close()


@contextlib.contextmanager
def _dashboard(db: Path, access_db: Path):
    """A dashboard server on a free port over `db`: (its address, the environment it runs with)."""
    port = _free_port()
    env = {**os.environ, "EJOURNAL_DB": str(db), "EJOURNAL_ACCESS_DB": str(access_db), "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [sys.executable, "-m", "cli", "dashboard", "--port", str(port), "--db", str(db)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                time.sleep(0.3)
        else:
            pytest.fail("the dashboard did not start within 60 s")
        yield url, env
    finally:
        stop_server(process)


# Streamlit marks its root with the state of the page's script (``data-test-script-state``:
# ``running``, then ``notRunning``); this script, run in every page a test signs in with, counts
# the runs that ended, so that a test waits for the run its click started, not a fixed time.
COUNT_RUNS = """(() => {
    window.ejournalRunsEnded = 0;
    new MutationObserver(records => {
        for (const record of records) {
            if (record.oldValue !== 'notRunning' && record.target.dataset.testScriptState === 'notRunning') {
                window.ejournalRunsEnded += 1;
            }
        }
    }).observe(document, {
        subtree: true, attributes: true, attributeOldValue: true, attributeFilter: ['data-test-script-state'],
    });
})()"""


def runs_ended(page) -> int:
    """How many script runs the page has seen end (see COUNT_RUNS)."""
    return page.evaluate("window.ejournalRunsEnded ?? 0")


def wait_for_run(page, runs_before: int, at_most_ms: int) -> None:
    """Wait for a script run begun after ``runs_before`` runs had ended: until it ends, or for at
    most ``at_most_ms`` when none is seen ending (then as long as Streamlit shows one running)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    with contextlib.suppress(PlaywrightTimeout):
        page.wait_for_function(  # asked every 50 ms, not at every frame: the page's own work goes first
            "n => window.ejournalRunsEnded > n", arg=runs_before, timeout=at_most_ms, polling=50
        )
    page.locator('[data-testid="stStatusWidget"]').wait_for(state="detached", timeout=60_000)


def wait_until_idle(page) -> None:
    """Wait until no script run is going on: Streamlit's root says «notRunning» (a short run never
    shows the status widget, so its absence alone does not tell)."""
    page.wait_for_function(
        "() => !document.querySelector('[data-test-script-state]:not([data-test-script-state=notRunning])')",
        timeout=60_000,
        polling=50,
    )
    page.locator('[data-testid="stStatusWidget"]').wait_for(state="detached", timeout=60_000)


def download(page, button, tries: int = 3):
    """Click a download button and return Playwright's Download. A click that lands while a rerun
    redraws the button is lost (the browser never gets the file), so wait until no run is going on,
    and click again when no download came within 15 s, at most ``tries`` times."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    for attempt in range(1, tries + 1):
        wait_until_idle(page)
        try:
            with page.expect_download(timeout=15_000) as started:
                button.click()
            return started.value
        except PlaywrightTimeout:
            if attempt == tries:
                raise
    raise AssertionError("unreachable")


def _sign_in(page, url: str, login: str) -> None:
    page.add_init_script(COUNT_RUNS)
    page.goto(url)
    page.get_by_label("Логин").fill(login)
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()
    page.get_by_role("button", name="Выйти").wait_for(timeout=30_000)
    page.get_by_role("heading", name="Вход").wait_for(state="detached", timeout=30_000)


def test_deputy_signs_in_filters_downloads_and_sees_figures(server, sample_db, chromium):
    OUTPUT.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(sample_db), read_only=True) as con:
        n_marks = con.execute("select count(*) from fct_mark").fetchone()[0]
    browser = chromium[1]
    page = browser.new_page(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    _sign_in(page, server, "zavuch")
    page.screenshot(path=str(OUTPUT / "01-signed-in.png"), full_page=True)
    page.get_by_role("link", name="Успеваемость класса").click()
    page.get_by_role("heading", name="Успеваемость класса").wait_for(timeout=30_000)
    page.locator('[data-testid="stSelectbox"]').filter(has_text="Предмет").get_by_role("combobox").click()
    runs_before = runs_ended(page)
    page.get_by_role("option", name="История").click()
    page.get_by_role("option").first.wait_for(state="detached", timeout=30_000)
    wait_for_run(page, runs_before, at_most_ms=30_000)  # a filter change always reruns the page
    page.locator('[data-testid="stDataFrame"]').first.wait_for(timeout=30_000)
    page.screenshot(path=str(OUTPUT / "02-class-progress.png"), full_page=True)
    got = download(page, page.get_by_role("button", name="Скачать XLSX"))
    saved = OUTPUT / "class-progress.xlsx"
    got.save_as(saved)
    suggested = got.suggested_filename
    page.get_by_role("link", name="Что загружено").click()
    metric = page.locator('[data-testid="stMetric"]').filter(has_text="Отметок")
    metric.wait_for(timeout=30_000)
    shown = metric.locator('[data-testid="stMetricValue"]').inner_text()
    page.screenshot(path=str(OUTPUT / "03-loaded.png"), full_page=True)
    errors = page.locator('[data-testid="stException"]').count()
    page.close()
    import polars as pl

    sheet = pl.read_excel(saved)
    assert "История" in suggested  # the filter change reached the download
    assert "Ученик" in sheet.columns and sheet.height == len({e["pupil_id"] for e in raw("enrolments")})
    assert shown.replace("\u00a0", "").replace(" ", "") == str(n_marks)
    assert errors == 0


def test_parent_council_gets_no_pupil_pages(server, chromium):
    browser = chromium[1]
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    _sign_in(page, server, "sovet")
    page.get_by_text("Сводка по школе").first.wait_for(timeout=30_000)
    links = page.locator('[data-testid="stSidebarNav"] a').all_inner_texts()
    body = page.inner_text("body")
    page.screenshot(path=str(OUTPUT / "04-parent-council.png"), full_page=True)
    page.close()
    assert not any("Успеваемость класса" in link for link in links)
    surnames = {p["last_name"] for p in raw("pupils")}
    assert not any(s in body for s in surnames)


def _errors(page) -> int:
    return page.locator('[data-testid="stException"]').count()


def _choose(page, label: str, option: str) -> None:
    """Pick an option of a sidebar selectbox; a rerun can redraw the box under the click, so retry."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    for _ in range(4):
        page.locator('[data-testid="stSelectbox"]').filter(has_text=label).get_by_role("combobox").click()
        try:
            page.get_by_role("option", name=option).click(timeout=5_000)
            return
        except PlaywrightTimeout:
            page.keyboard.press("Escape")
            page.wait_for_timeout(500)
    raise AssertionError(f"could not choose «{option}» in «{label}»")


def test_deputy_opens_every_control_page_filters_and_downloads(server, chromium):
    """Every page of the deputy director in the navigation opens without an error; the class
    filter set on one page is kept on the next; the remarks table downloads as XLSX."""

    from dashboards.navigation import PAGES, page_files_for
    from ejournal.access.accounts import Role

    OUTPUT.mkdir(parents=True, exist_ok=True)
    pages = [PAGES[f] for f in page_files_for(Role.DEPUTY)]
    browser = chromium[1]
    page = browser.new_page(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    _sign_in(page, server, "zavuch")
    failures = []
    for i, (title, _, url_path, _) in enumerate(pages, start=1):
        runs_before = runs_ended(page)
        page.locator('[data-testid="stSidebarNav"] a').filter(has_text=title).first.click()
        # the first page is the default one, served at the root
        page.wait_for_function(
            "([path, first]) => location.pathname.endsWith('/' + path) || (first && location.pathname === '/')",
            arg=[url_path, i == 1],
            timeout=30_000,
        )
        page.locator('[data-testid="stHeading"]').first.wait_for(timeout=30_000)
        wait_for_run(page, runs_before, at_most_ms=800)
        page.screenshot(path=str(OUTPUT / f"10-{i:02d}-{url_path}.png"), full_page=True)
        if _errors(page):
            failures.append(title)
    # a filter set on «Наполняемость» is kept on «Своевременность»
    runs_before = runs_ended(page)
    page.locator('[data-testid="stSidebarNav"] a').filter(has_text="Наполняемость").first.click()
    page.get_by_role("heading", name="Наполняемость отметками").wait_for(timeout=30_000)
    wait_for_run(page, runs_before, at_most_ms=800)
    runs_before = runs_ended(page)
    _choose(page, "Период", "1 четверть")
    wait_for_run(page, runs_before, at_most_ms=30_000)  # a new choice always reruns the page
    wait_until_idle(page)
    runs_before = runs_ended(page)
    page.locator('[data-testid="stSidebarNav"] a').filter(has_text="Своевременность").first.click()
    page.get_by_role("heading", name="Своевременность заполнения журнала").wait_for(timeout=30_000)
    wait_for_run(page, runs_before, at_most_ms=30_000)  # so does opening a page
    wait_until_idle(page)
    period_box = page.locator('[data-testid="stSelectbox"]').filter(has_text="Период")
    kept = period_box.evaluate(
        "e => e.textContent + ' ' + [...e.querySelectorAll('input')].map(i => i.value).join(' ')"
    )
    saved = OUTPUT / "timeliness.xlsx"
    download(page, page.get_by_role("button", name="Скачать XLSX").first).save_as(saved)
    page.screenshot(path=str(OUTPUT / "11-timeliness-filtered.png"), full_page=True)
    failures += ["после фильтра"] if _errors(page) else []
    page.close()
    import polars as pl

    assert failures == []
    assert re.search(r"Период\s+1 четверть", kept), kept
    sheet = pl.read_excel(saved)
    assert {"Дата", "Замечание", "Подробно"} <= set(sheet.columns) and sheet.height > 0
    periods = {r["period_id"]: r for r in raw("periods")}
    q1 = next(p for p in periods.values() if p["period_name"] == "1 четверть")
    start, end = (dt.datetime.strptime(q1[k], "%d.%m.%Y").date() for k in ("start_date", "end_date"))
    days = [d.date() if isinstance(d, dt.datetime) else d for d in sheet["Дата"].to_list()]
    assert all(start <= d <= end for d in days), (start, end, min(days), max(days))


def test_pages_keep_working_while_an_ingest_runs(tmp_path, access_db, small_sample_db, chromium):
    """Reload pages in a loop while ingests replace the warehouse: no page shows an error."""

    from data_samples.generator.school import generate_school
    from tests.factories import SAMPLE, copy_warehouse

    db = copy_warehouse(small_sample_db, tmp_path / "busy.duckdb")  # SAMPLE, ingested (and loaded) once
    other = tmp_path / "other"
    generate_school(other, n_pupils=200, seed=5, school_index=2)  # `python -m data_samples.generator`, in-process
    ingests = []
    with _dashboard(db, access_db) as (url, env):
        browser = chromium[1]
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        _sign_in(page, url, "zavuch")
        loads, errors = 0, []
        for round_number in range(2):
            ingest = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "cli",
                    "ingest",
                    str(other if round_number == 0 else SAMPLE),
                    "--db",
                    str(db),
                ],
                cwd=ROOT,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
            ingests.append(ingest)
            while ingest.poll() is None or loads < 4 * (round_number + 1):
                for title in ("Наполняемость", "Своевременность", "Что загружено"):
                    page.locator('[data-testid="stSidebarNav"] a').filter(has_text=title).first.click()
                    page.wait_for_timeout(300)
                    page.locator('[data-testid="stStatusWidget"]').wait_for(state="detached", timeout=60_000)
                    loads += 1
                    if _errors(page):
                        errors.append(page.locator('[data-testid="stException"]').first.inner_text()[:300])
                # a reload starts a new Streamlit session; the signed-in one survives it
                page.goto(url)
                page.get_by_role("button", name="Выйти").wait_for(timeout=30_000)
        page.screenshot(path=str(OUTPUT / "12-after-concurrent-ingest.png"), full_page=True)
        body = page.inner_text("body")
        page.close()
    outputs = [i.communicate()[0] for i in ingests]
    assert [i.returncode for i in ingests] == [0, 0], outputs
    assert errors == [], errors
    assert loads >= 8
    assert "Traceback" not in body


def _sidebar_covers_content(page) -> bool:
    """Whether the sidebar is open over the page (on a phone it overlays the content)."""
    sidebar = page.locator('[data-testid="stSidebar"]')
    if sidebar.count() == 0 or sidebar.get_attribute("data-collapsed") != "false":
        return False
    box = sidebar.bounding_box()
    return box is not None and box["x"] + box["width"] > 10


def _menu_after_choosing_a_page(browser, url: str, device: dict, shot: str) -> tuple[bool, bool]:
    """(the menu covers the page right after signing in, it covers the page after a page was chosen)."""
    context = browser.new_context(**device)
    page = context.new_page()
    page.goto(url)
    page.get_by_label("Логин").fill("klruk")
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()
    page.get_by_role("heading", name="Вход").wait_for(state="detached", timeout=30_000)
    page.locator('[data-testid="stSidebar"]').wait_for(state="attached", timeout=30_000)
    page.wait_for_timeout(1000)
    at_start = _sidebar_covers_content(page)
    if not at_start:
        page.locator(
            '[data-testid="stExpandSidebarButton"], [data-testid="stSidebarCollapsedControl"] button'
        ).first.click()
        page.wait_for_timeout(500)
    assert _sidebar_covers_content(page), "меню не открылось"
    page.get_by_role("link", name="Посещаемость").click()
    page.get_by_role("heading", name="Посещаемость").wait_for(timeout=30_000)
    page.wait_for_timeout(1000)
    covered = _sidebar_covers_content(page)
    page.screenshot(path=str(OUTPUT / shot))
    context.close()
    return at_start, covered


def test_on_a_phone_the_menu_gets_out_of_the_way(server, chromium):
    """A class teacher on a narrow screen: the menu opens, a page is chosen, and the menu closes so
    that the page can be read. Both a browser that calls itself a phone (Streamlit closes the menu
    itself) and a 390 px window of a desktop browser (a tablet, a phone asking for the desktop site)."""
    playwright, browser = chromium
    phone = _menu_after_choosing_a_page(browser, server, playwright.devices["Pixel 7"], "05-phone-attendance.png")
    narrow = _menu_after_choosing_a_page(
        browser, server, {"viewport": {"width": 390, "height": 844}}, "06-narrow-attendance.png"
    )
    for name, (at_start, covered) in (("телефон", phone), ("узкое окно", narrow)):
        assert not at_start, f"{name}: меню открыто поверх страницы сразу после входа"
        assert not covered, f"{name}: меню осталось поверх страницы после выбора страницы"
