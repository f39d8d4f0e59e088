"""The dashboard's web server: `streamlit run dashboards/server.py` (what `ejournal dashboard` and
`ejournal serve` run) serves `streamlit_app.py` as an `st.App` with its own sign-in.

- `/sign-in`: a plain Russian HTML form (no script, nothing from any other address). A right
  password (`AccountStore.authenticate`: the same lockout, messages and audit as ever) opens a
  session (`ejournal/access/web_sessions.py`) whose signed token goes to the browser in an
  HttpOnly, SameSite=Lax cookie (Secure over HTTPS), then a 303 to the page asked for before.
- `/sign-out` (POST, from the sidebar's «Выйти»): revokes the session in the store at once and
  clears the cookie.
- `SessionGate`, a middleware in front of Streamlit: a page of the app without a live session →
  the sign-in form with `next=` the page; a page the role does not get or that does not exist → a
  Russian message; the file of a download → only to the session that asked for it (others 404).
  Streamlit's own paths (`/_stcore/`, its frontend files, the websocket) pass: the script checks the
  cookie again on every rerun (`auth.current_session`).
- `RussianPage` (`page_locale.py`), a middleware around Streamlit's HTML page: Russian numbers,
  dates and calendar whatever the browser's language.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import html
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import parse_qs, quote

import streamlit as st
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dashboards import cookie_session
from dashboards.navigation import PAGES
from dashboards.page_locale import RussianPage
from ejournal.access.accounts import AccessError, AccountStore
from ejournal.access.audit import log_event
from ejournal.access.session import Session
from ejournal.access.web_sessions import MAX_AGE
from ejournal.settings import environment

APP_SCRIPT = Path(__file__).resolve().parent / "streamlit_app.py"
# Streamlit's own paths: its API and websocket, its frontend files; the script checks the session itself.
OPEN_PREFIXES = ("/_stcore/", "/static/", "/component/")
MAX_FORM_BYTES = 8192
PAGE_ROLES = {url: roles for _, _, url, roles in PAGES.values()}
SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
    "frame-ancestors 'none'",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}
STYLE = """
body { font-family: system-ui, sans-serif; background: #f5f6f8; color: #1f2430; margin: 0; }
main { max-width: 22rem; margin: 12vh auto; background: #fff; padding: 2rem; border-radius: .5rem;
       box-shadow: 0 1px 4px rgba(0,0,0,.12); }
h1 { font-size: 1.6rem; margin-top: 0; }
label { display: block; margin: 1rem 0 .3rem; }
input { width: 100%; box-sizing: border-box; padding: .5rem; font-size: 1rem; }
button { margin-top: 1.4rem; padding: .55rem 1.6rem; font-size: 1rem; }
.error { color: #a11; } .notice { color: #245; }
"""


def _page(title: str, body: str, status: int = 200) -> HTMLResponse:
    document = (
        '<!doctype html><html lang="ru"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)} — Электронный журнал</title><style>{STYLE}</style></head>"
        f"<body><main>{body}</main></body></html>"
    )
    return HTMLResponse(document, status_code=status, headers=SECURITY_HEADERS)


def sign_in_form(next_path: str = "/", *, login: str = "", error: str | None = None, notice: str | None = None):
    message = ""
    if error:
        message = f'<p class="error" role="alert">{html.escape(error)}</p>'
    elif notice:
        message = f'<p class="notice">{html.escape(notice)}</p>'
    body = (
        f"<h1>Вход</h1>{message}"
        f'<form method="post" action="{cookie_session.SIGN_IN_PATH}">'
        f'<input type="hidden" name="next" value="{html.escape(next_path)}">'
        '<label for="login">Логин</label>'
        f'<input id="login" name="login" autocomplete="username" required value="{html.escape(login)}">'
        '<label for="password">Пароль</label>'
        '<input id="password" name="password" type="password" autocomplete="current-password" required>'
        '<button type="submit">Войти</button></form>'
    )
    return _page("Вход", body, 200 if not error else 401)


def message_page(title: str, text: str, status: int) -> HTMLResponse:
    body = f'<h1>{html.escape(title)}</h1><p>{html.escape(text)}</p><p><a href="/">На начальную страницу</a></p>'
    return _page(title, body, status)


def same_origin(request: Request) -> bool:
    """A form posted from this app's own pages (a login or sign-out forged by another site is refused)."""
    origin = request.headers.get("origin")
    if origin is None:
        return True  # not a browser form (browsers send Origin with every POST)
    return origin == f"{request.url.scheme}://{request.headers.get('host', '')}"


def _notice_from(request: Request) -> str | None:
    return cookie_session.NOTICES.get(request.query_params.get("notice", ""))


async def sign_in(request: Request) -> Response:
    if request.method == "GET":
        next_path = cookie_session.local_path(request.query_params.get("next"))
        signed = await run_in_threadpool(cookie_session.resume, request.cookies.get(cookie_session.COOKIE_NAME))
        if signed.session is not None:  # already signed in (a bookmark of the form, the back button)
            return RedirectResponse(next_path, status_code=303)
        return sign_in_form(next_path, notice=_notice_from(request))
    if not same_origin(request):
        return message_page("Вход", "Форма входа отправлена с чужой страницы и не принята.", 403)
    if int(request.headers.get("content-length") or 0) > MAX_FORM_BYTES:
        return message_page("Вход", "Слишком длинная форма входа.", 413)
    fields = parse_qs((await request.body())[:MAX_FORM_BYTES].decode("utf-8", "replace"))
    login, password = fields.get("login", [""])[0], fields.get("password", [""])[0]
    next_path = cookie_session.local_path(fields.get("next", ["/"])[0])
    try:
        cookie = await run_in_threadpool(_open_session, login, password)
    except AccessError as error:
        return sign_in_form(next_path, login=login, error=str(error))
    response = RedirectResponse(next_path, status_code=303)
    response.set_cookie(
        cookie_session.COOKIE_NAME,
        cookie,
        max_age=int(MAX_AGE.total_seconds()),
        path="/",
        secure=request.url.scheme == "https",
        httponly=True,
        samesite="lax",
    )
    return response


def _open_session(login: str, password: str) -> str:
    """The cookie of a new session for a right login and password (AccessError otherwise)."""
    access_db = environment().access_db
    account = AccountStore(access_db).authenticate(login, password)
    session = Session.begin(account, dt.datetime.now())  # refused for staff of no school
    store = cookie_session.sessions()
    store.forget_ended(session.last_seen - MAX_AGE)
    return store.begin(session.viewer, account.password_version)


async def sign_out(request: Request) -> Response:
    if not same_origin(request):
        return message_page("Выход", "Запрос выхода отправлен с чужой страницы и не принят.", 403)
    cookie = request.cookies.get(cookie_session.COOKIE_NAME)
    await run_in_threadpool(_close_session, cookie)
    return _to_sign_in("notice=signed_out")


def _close_session(cookie: str | None) -> None:
    signed = cookie_session.resume(cookie)
    if signed.session is None or not cookie_session.sessions().revoke(signed.token_hash):
        return
    viewer = signed.session.viewer
    log_event(environment().access_db, "sign_out", viewer.login, actor_role=viewer.role.value)


def _to_sign_in(query: str) -> RedirectResponse:
    response = RedirectResponse(f"{cookie_session.SIGN_IN_PATH}?{query}", status_code=303)
    response.delete_cookie(cookie_session.COOKIE_NAME, path="/")
    return response


def page_refusal(path: str, session: Session) -> Response | None:
    """The answer to a page address the viewer may not open (None: Streamlit shows it)."""
    name = path.strip("/")
    if not name:
        return None
    roles = PAGE_ROLES.get(name)
    if roles is None:
        return message_page("Нет такой страницы", "Такой страницы в панели нет.", 404)
    if session.viewer.role not in roles:
        return message_page("Страница недоступна", "Эта страница вам недоступна.", 403)
    if session.must_change_password and name != "account":
        return RedirectResponse("/account", status_code=303)  # first the person sets their own password
    return None


def _is_download_file(file_id: str) -> bool:
    """Whether Streamlit holds this media id as the file of a download (not an image like the icon)."""
    from streamlit.runtime import Runtime
    from streamlit.runtime.media_file_storage import MediaFileKind, MediaFileStorageError

    try:
        return Runtime.instance().media_file_mgr._storage.get_file(file_id).kind == MediaFileKind.DOWNLOADABLE
    except (MediaFileStorageError, RuntimeError, AttributeError):
        return False


class SessionGate:
    """In front of Streamlit: pages and download files need the session the cookie proves."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or path in (cookie_session.SIGN_IN_PATH, cookie_session.SIGN_OUT_PATH):
            await self.app(scope, receive, send)
            return
        if path.startswith(OPEN_PREFIXES) or ("." in path.rsplit("/", 1)[-1] and not path.startswith("/media/")):
            await self.app(scope, receive, send)  # Streamlit's own files, the same for everybody
            return
        request = Request(scope)
        signed = await run_in_threadpool(cookie_session.resume, request.cookies.get(cookie_session.COOKIE_NAME))
        refusal = (
            self._media_refusal(path, signed) if path.startswith("/media/") else self._page_refusal(request, signed)
        )
        if refusal is not None:
            await refusal(scope, receive, send)
            return
        await self.app(scope, receive, send)

    @staticmethod
    def _media_refusal(path: str, signed: cookie_session.Signed) -> Response | None:
        file_id = path.rsplit("/", 1)[-1].split(".", 1)[0]
        owners = cookie_session.download_owners(file_id)
        if owners is None:
            # not a download made here: an image such as the icon, which every visitor fetches
            return Response("Нет такого файла", status_code=404) if _is_download_file(file_id) else None
        if signed.token_hash in owners:
            return None
        return Response("Нет такого файла", status_code=404, media_type="text/plain; charset=utf-8")

    @staticmethod
    def _page_refusal(request: Request, signed: cookie_session.Signed) -> Response | None:
        if signed.session is None:
            asked = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            query = f"next={quote(asked, safe='')}"
            if signed.notice_code:
                query += f"&notice={signed.notice_code}"
            return _to_sign_in(query)
        return page_refusal(request.url.path, signed.session)


@contextlib.asynccontextmanager
async def _cookie_sessions(_app) -> AsyncIterator[None]:
    """From the server's start, the script takes its session from the cookie (not from its own form)."""
    cookie_session.serve_with_cookies()
    yield


app = st.App(
    APP_SCRIPT,
    lifespan=_cookie_sessions,
    routes=[
        Route(cookie_session.SIGN_IN_PATH, sign_in, methods=["GET", "POST"]),
        Route(cookie_session.SIGN_OUT_PATH, sign_out, methods=["POST"]),
    ],
    middleware=[Middleware(SessionGate), Middleware(RussianPage)],
)
