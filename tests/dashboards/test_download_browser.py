"""A download in a real headless Chromium: the page carries no /media/ address before the click;
the click delivers the file and audits it; the address the browser used serves the file only to the
session that asked (not to a request without the session cookie, nor to another signed-in user), and
is gone for anyone after the session's next two reruns."""

from __future__ import annotations

import re
import sqlite3
import urllib.error
import urllib.request

import pytest

from tests.dashboards.test_browser import CHROMIUM, CHROMIUM_ARGS, OUTPUT, _sign_in, wait_until_idle
from tests.dashboards.test_session_browser import COOKIE, sign_in_by_post

pytestmark = pytest.mark.browser
# A file Streamlit serves for a download or an image (its own fonts live under /static/media/).
FILE_URL = re.compile(r"(?<!/static)/media/[0-9a-f]{16,}")


def _status_without_cookies(url: str, session_cookie: str | None = None) -> int:
    """The answer to a request carrying no cookie but, when given, another session's cookie."""
    request = urllib.request.Request(url)
    if session_cookie:
        request.add_header("Cookie", f"{COOKIE}={session_cookie}")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def _downloads(access_db) -> list[tuple[str, str]]:
    with sqlite3.connect(access_db) as db:
        return db.execute(
            "select actor_login, object_text from audit_log where event_code = 'download' and actor_login = 'director'"
        ).fetchall()


def _click_until_a_file_comes(page, button, access_db, before: list):
    """Click until the browser gets the file (at most three times): a click that lands while a rerun
    gives the button a new one-off id is lost. A lost click must have made nothing: no audit record."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    for attempt in range(1, 4):
        wait_until_idle(page)
        try:
            with page.expect_download(timeout=15_000) as download:
                button.click()
            return download
        except PlaywrightTimeout:
            assert _downloads(access_db) == before, "a click was audited, yet no file came"
            if attempt == 3:
                raise
    raise AssertionError("unreachable")


def test_a_download_is_made_at_the_click_audited_and_not_left_behind(server, access_db, tmp_path):
    from playwright.sync_api import sync_playwright

    OUTPUT.mkdir(parents=True, exist_ok=True)
    before = _downloads(access_db)
    media: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
        page.on("request", lambda request: media.append(request.url) if FILE_URL.search(request.url) else None)
        _sign_in(page, server, "director")
        page.get_by_role("link", name="Сводка по школе").click()
        page.get_by_role("heading", name="Сводка по школе").wait_for(timeout=30_000)
        button = page.get_by_role("button", name="Скачать XLSX")
        button.wait_for(timeout=30_000)
        # The app's own icon is an image Streamlit serves under /media/ to every visitor: not a download.
        icon = page.evaluate("() => document.querySelector('link[rel~=icon]')?.href || ''")
        html = page.content().replace(icon.split("/", 3)[-1] if icon else "\0", "")
        media[:] = [url for url in media if url != icon]
        assert media == [] and not FILE_URL.search(html)  # no file address exists before the click
        download = _click_until_a_file_comes(page, button, access_db, before)
        saved = tmp_path / download.value.suggested_filename
        download.value.save_as(saved)
        assert saved.read_bytes()[:2] == b"PK"
        assert _downloads(access_db) == [*before, ("director", "school_summary.xlsx")]  # audited at the click
        # right after the click the file's address serves the session that asked, and nobody else
        delivered = [url for url in media if url != icon]
        owner = [(answer.status, answer.body()[:2]) for answer in map(page.context.request.get, delivered)]
        others_cookie = sign_in_by_post(server, "zavuch")[2]
        strangers = {_status_without_cookies(url) for url in delivered}
        other_user = {_status_without_cookies(url, others_cookie) for url in delivered}
        icon_for_anyone = _status_without_cookies(icon) if icon else None
        # Streamlit marks a delivered file at the end of a later rerun and drops it at the end of the
        # one after (the page icon, itself a media file, takes one more turn): four page loads, each
        # waited for until its run is over, leave it gone
        for name in ("Директор", "Сводка по школе", "Директор", "Сводка по школе"):
            page.get_by_role("link", name=name).click()
            page.get_by_role("heading", name=name).first.wait_for(timeout=30_000)
            page.locator('[data-testid="stStatusWidget"]').wait_for(state="detached", timeout=60_000)
        browser.close()
    file_urls = [url for url in media if url != icon]
    assert file_urls, "the browser fetched the file from a /media/ address"
    assert delivered and owner == [(200, b"PK")] * len(delivered)
    assert strangers == {404} and other_user == {404} and others_cookie
    assert icon_for_anyone in (None, 200)  # the app's own icon: every visitor, signed in or not
    assert {_status_without_cookies(url) for url in file_urls} == {404}, (file_urls, icon)
