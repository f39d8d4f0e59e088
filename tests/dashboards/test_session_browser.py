"""Sessions of the served dashboard (`dashboards/server.py`), in a real Chromium and over plain HTTP:
signing in survives a reload and a new tab, a direct link leads to its page after sign-in, signing
out ends the session for good (the old cookie replayed gets the sign-in form), the cookie is
HttpOnly and signed, an account reset or disabled ends its cookie session at the next request, and
nothing on this path is in English."""

from __future__ import annotations

import re
import sqlite3
import urllib.error
import urllib.parse
import urllib.request

import pytest

from ejournal.access.accounts import AccountStore, Role
from tests.dashboards.conftest import PASSWORD, SCHOOL_ID
from tests.dashboards.test_browser import CHROMIUM, CHROMIUM_ARGS, OUTPUT

pytestmark = pytest.mark.browser

COOKIE = "ejournal_session"
LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
# Accounts of this module alone: the tests reset and disable them.
OWN_ACCOUNTS = ("sess.reset", "sess.off")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def _request(url: str, *, form: dict | None = None, cookie: str | None = None, origin: str | None = None):
    """(status, headers, body) of one request, redirects not followed."""
    data = urllib.parse.urlencode(form).encode() if form is not None else None
    request = urllib.request.Request(url, data=data)
    if cookie:
        request.add_header("Cookie", f"{COOKIE}={cookie}")
    if origin:
        request.add_header("Origin", origin)
    try:
        with _OPENER.open(request, timeout=30) as answer:
            return answer.status, answer.headers, answer.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode("utf-8", "replace")


def sign_in_by_post(base: str, login: str, password: str = PASSWORD, **form: str) -> tuple[int, str, str | None]:
    """(status, Location, the session cookie's value or None) of a posted sign-in form."""
    status, headers, _ = _request(f"{base}/sign-in", form={"login": login, "password": password, **form})
    set_cookie = headers.get("Set-Cookie") or ""
    found = re.search(rf"{COOKIE}=([^;]+)", set_cookie)
    return status, headers.get("Location", ""), found.group(1) if found else None


def _events(access_db, code: str, login: str) -> list[str]:
    with sqlite3.connect(access_db) as db:
        rows = db.execute(
            "select coalesce(details_json, '') from audit_log where event_code = ? and actor_login = ?", [code, login]
        ).fetchall()
    return [row[0] for row in rows]


@pytest.fixture(scope="module")
def own_accounts(access_db):
    store = AccountStore(access_db)
    for login in OWN_ACCOUNTS:
        if store.find(login) is None:
            store.add(login, login, Role.DIRECTOR, PASSWORD, school_id=SCHOOL_ID, must_change_password=False)
    return store


def _wait_signed_in(page, heading: str) -> None:
    page.get_by_role("heading", name=heading).first.wait_for(timeout=30_000)
    page.get_by_role("button", name="Выйти").wait_for(timeout=30_000)


def _sign_in_form_shown(page) -> None:
    page.get_by_role("heading", name="Вход").wait_for(timeout=30_000)
    page.get_by_label("Логин").wait_for(timeout=30_000)


def test_signing_in_survives_reload_and_new_tab_until_sign_out(server, access_db):
    from playwright.sync_api import sync_playwright

    OUTPUT.mkdir(parents=True, exist_ok=True)
    signed_out_before = len(_events(access_db, "sign_out", "director"))
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        page = context.new_page()
        page.goto(f"{server}/director")  # a direct link before signing in
        _sign_in_form_shown(page)
        asked_at = page.url
        form_text = page.inner_text("body")
        page.screenshot(path=str(OUTPUT / "30-sign-in-form.png"), full_page=True)
        page.get_by_label("Логин").fill("director")
        page.get_by_label("Пароль").fill(PASSWORD)
        page.get_by_role("button", name="Войти").click()
        _wait_signed_in(page, "Директор")
        after_sign_in = page.url
        cookies = {c["name"]: c for c in context.cookies()}
        script_sees = page.evaluate("() => document.cookie")

        page.reload()
        _wait_signed_in(page, "Директор")
        after_reload = page.url

        tab = context.new_page()
        tab.goto(f"{server}/vpr")
        _wait_signed_in(tab, "ВПР и отметки в журнале")
        in_new_tab = tab.url
        tab.goto(f"{server}/overview")  # the deputy's page
        tab.get_by_role("heading", name="Страница недоступна").wait_for(timeout=30_000)
        not_for_role = tab.inner_text("body")
        tab.goto(f"{server}/no-such-page")
        tab.get_by_role("heading", name="Нет такой страницы").wait_for(timeout=30_000)
        no_such_page = tab.inner_text("body")

        tab.goto(f"{server}/vpr")
        _wait_signed_in(tab, "ВПР и отметки в журнале")
        token = cookies[COOKIE]["value"]
        page.get_by_role("button", name="Выйти").click()
        _sign_in_form_shown(page)
        signed_out_text = page.inner_text("body")
        page.reload()
        _sign_in_form_shown(page)
        # the other tab, still open: its next click finds the session over and offers to sign in there
        tab.locator('[data-testid="stSidebarNav"] a').filter(has_text="Директор").first.click()
        tab.get_by_role("link", name="Войти").wait_for(timeout=30_000)
        open_tab_text = tab.inner_text("body")
        open_tab_link = tab.get_by_role("link", name="Войти").get_attribute("href")
        tab.get_by_role("link", name="Войти").click()
        _sign_in_form_shown(tab)
        back_to = tab.url
        page.screenshot(path=str(OUTPUT / "31-signed-out.png"), full_page=True)
        left_cookies = [c["name"] for c in context.cookies()]
        browser.close()

    assert "next=%2Fdirector" in asked_at and after_sign_in == f"{server}/director"
    assert after_reload == f"{server}/director" and in_new_tab == f"{server}/vpr"
    session_cookie = cookies[COOKIE]
    assert session_cookie["httpOnly"] is True and session_cookie["sameSite"] == "Lax" and session_cookie["path"] == "/"
    assert COOKIE not in script_sees and token not in script_sees  # page scripts cannot read it
    assert "Эта страница вам недоступна" in not_for_role and "Такой страницы в панели нет" in no_such_page
    assert "Вы вышли из панели" in signed_out_text and COOKIE not in left_cookies
    for text in (form_text, not_for_role, no_such_page, signed_out_text):
        assert LATIN_WORD.findall(text) == [], text
    assert "Вход" in open_tab_text and "Page not found" not in open_tab_text
    assert open_tab_link == "/sign-in?next=%2Fdirector" and back_to.endswith("/sign-in?next=%2Fdirector")
    assert len(_events(access_db, "sign_out", "director")) == signed_out_before + 1
    # the old token, replayed outside the browser, opens nothing
    status, headers, body = _request(f"{server}/director", cookie=token)
    assert status == 303 and headers["Location"].startswith("/sign-in?next=%2Fdirector") and "<noscript>" not in body


def test_the_sign_in_form_refuses_wrong_passwords_other_sites_and_outside_addresses(server, access_db):
    failed_before = len(_events(access_db, "sign_in_failed", "zavuch"))
    status, headers, body = _request(f"{server}/sign-in", form={"login": "zavuch", "password": "не-тот-пароль-1"})
    assert status == 401 and "Неверный логин или пароль" in body and "Set-Cookie" not in headers
    assert LATIN_WORD.findall(re.sub(r"<[^>]*>|\{[^}]*\}", " ", body.split("<main>")[1])) == []
    assert len(_events(access_db, "sign_in_failed", "zavuch")) == failed_before + 1
    # a sign-in posted by another site's page (login CSRF) sets nothing
    status, headers, _ = _request(
        f"{server}/sign-in", form={"login": "zavuch", "password": PASSWORD}, origin="http://evil.example"
    )
    assert status == 403 and "Set-Cookie" not in headers
    status, location, cookie = sign_in_by_post(server, "zavuch", next="//evil.example/x")
    assert status == 303 and location == "/" and cookie
    status, location, _ = sign_in_by_post(server, "zavuch", next="/class-progress?x=1")
    assert location == "/class-progress?x=1"
    # over plain HTTP the cookie cannot be Secure; its flags otherwise as in the browser test
    _, headers, _ = _request(f"{server}/sign-in", form={"login": "zavuch", "password": PASSWORD})
    flags = {part.strip().lower() for part in headers["Set-Cookie"].split(";")[1:]}
    assert {"httponly", "samesite=lax", "path=/"} <= flags and "secure" not in flags
    # the cookie proves the session; altered anywhere, it proves nothing
    assert _request(f"{server}/", cookie=cookie)[0] == 200
    status, headers, _ = _request(f"{server}/sign-in?next=%2Freports", cookie=cookie)  # signed in already
    assert status == 303 and headers["Location"] == "/reports"
    token, signature = cookie.split(".")
    for forged in (f"{token}.{signature[::-1]}", f"{token[::-1]}.{signature}", token, "x.y"):
        status, headers, _ = _request(f"{server}/", cookie=forged)
        assert status == 303 and headers["Location"].startswith("/sign-in"), forged


def test_a_reset_or_disabled_account_ends_its_cookie_session_at_the_next_request(server, access_db, own_accounts):
    cookies = {login: sign_in_by_post(server, login)[2] for login in OWN_ACCOUNTS}
    assert all(_request(f"{server}/director", cookie=c)[0] == 200 for c in cookies.values())
    own_accounts.reset_password("sess.reset", "временный-пароль-5", actor="admin")
    own_accounts.set_disabled("sess.off", True, actor="admin")
    reasons = {}
    for login, cookie in cookies.items():
        status, headers, _ = _request(f"{server}/director", cookie=cookie)
        assert status == 303
        reasons[login] = urllib.parse.parse_qs(urllib.parse.urlsplit(headers["Location"]).query)["notice"]
        # and it stays ended, even were the account put right again
        assert _request(f"{server}/director", cookie=cookie)[0] == 303
    assert reasons == {"sess.reset": ["password_changed"], "sess.off": ["account_disabled"]}
    assert any("password_changed" in d for d in _events(access_db, "session_revoked", "sess.reset"))
    assert any("account_disabled" in d for d in _events(access_db, "session_revoked", "sess.off"))
    _, _, form = _request(f"{server}/sign-in?notice=password_changed")
    assert "Пароль учётной записи изменён. Войдите снова." in form
