"""Sign-in, sign-out and session expiry for the dashboard (local accounts)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from urllib.parse import quote, urlsplit

import streamlit as st

from dashboards import cookie_session
from dashboards.navigation import page_urls
from dashboards.text import as_text
from ejournal.access.accounts import AccessError, Account, AccountStore
from ejournal.access.audit import log_event
from ejournal.access.session import Session
from ejournal.access.viewer import Viewer
from ejournal.settings import environment

SESSION_KEY = "auth_session"
TOKEN_KEY = "auth_token_hash"  # the cookie session's token hash, when served by server.py
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _clock() -> dt.datetime:
    """Now (tests replace this function to move time)."""
    return dt.datetime.now()


def store() -> AccountStore:
    return AccountStore(environment().access_db, clock=lambda: _clock())


def current_session() -> Session | None:
    """The signed-in session, or None (ending it on the way when it has expired, or when its
    account was disabled, removed, re-bound or had its password set since it began).

    Runs on every rerun: the account is read from the access store each time, so a change made by
    the administrator ends open sessions at the person's next click. Served by `server.py`, the
    session is the one the browser's signed cookie proves (`cookie_session.resume`).
    """
    if cookie_session.cookies_in_use():
        return _cookie_session()
    session: Session | None = st.session_state.get(SESSION_KEY)
    if session is None:
        return None
    if not session.touch(_clock(), environment().session_minutes):
        _end(session, "session_expired", "Сеанс завершён из-за бездействия. Войдите снова.")
        return None
    ended = session.ended_by(store().find(session.viewer.login))
    if ended:
        reason, notice = ended
        _end(session, "session_revoked", notice, reason=reason)
        return None
    return session


def _cookie_session() -> Session | None:
    signed = cookie_session.resume(st.context.cookies.get(cookie_session.COOKIE_NAME))
    if signed.session is None:
        st.session_state.pop(SESSION_KEY, None)
        st.session_state.pop(TOKEN_KEY, None)
        if signed.notice:
            st.session_state["auth_notice"] = signed.notice
        return None
    st.session_state[SESSION_KEY] = signed.session
    st.session_state[TOKEN_KEY] = signed.token_hash
    return signed.session


def _end(session: Session, event_code: str, notice: str, **details: object) -> None:
    log_event(
        environment().access_db,
        event_code,
        session.viewer.login,
        actor_role=session.viewer.role.value,
        details=details or None,
    )
    del st.session_state[SESSION_KEY]
    st.session_state["auth_notice"] = notice


def sign_out() -> None:
    session: Session | None = st.session_state.pop(SESSION_KEY, None)
    token_hash = st.session_state.pop(TOKEN_KEY, None)
    if token_hash:
        cookie_session.sessions().revoke(token_hash)
        st.session_state["auth_notice"] = cookie_session.SIGNED_OUT_NOTICE
    if session:
        log_event(environment().access_db, "sign_out", session.viewer.login, actor_role=session.viewer.role.value)


def sign_in_pages() -> list:
    """The navigation of someone not signed in: the sign-in page; served with cookies, also at the
    address of every page of the panel (hidden), so a session that ends while a page is open shows
    the Russian sign-in link there, not Streamlit's «Page not found»."""
    pages = [st.Page(sign_in_page, title="Вход", url_path="sign-in", default=True)]
    if cookie_session.cookies_in_use():
        pages += [
            st.Page(sign_in_page, title="Вход", url_path=url_path, visibility="hidden") for url_path in page_urls()
        ]
    return pages


def sign_in_page() -> None:
    st.title("Вход")
    notice = st.session_state.pop("auth_notice", None)
    if notice:
        st.info(as_text(notice))
    if cookie_session.cookies_in_use():  # the server's form sets the cookie this page cannot
        here = quote(cookie_session.local_path(urlsplit(st.context.url or "/").path), safe="")
        st.html(f'<p><a href="{cookie_session.SIGN_IN_PATH}?next={here}">Войти</a></p>')
        return
    with st.form("auth_sign_in"):
        login = st.text_input("Логин", key="auth_login")
        password = st.text_input("Пароль", type="password", key="auth_password")
        submitted = st.form_submit_button("Войти")
    if submitted:
        try:
            account = store().authenticate(login, password)
            session = Session.begin(account, _clock())  # refused for staff of no school
        except AccessError as error:
            st.error(as_text(error))
            return
        st.session_state[SESSION_KEY] = session
        st.rerun()


def audit(event_code: str, viewer: Viewer, object_text: str | None = None, **details: object) -> None:
    """Record a page view or a download with its parameters (identifiers only, never names)."""
    log_event(
        environment().access_db,
        event_code,
        viewer.login,
        actor_role=viewer.role.value,
        object_text=object_text,
        details={k: v for k, v in details.items() if v is not None},
    )


def download_button(
    viewer: Viewer,
    label: str,
    data: bytes | Callable[[], bytes],
    file_name: str,
    *,
    key: str,
    audit_object: str,
    mime: str = XLSX_MIME,
    **details: object,
) -> None:
    """A download whose file exists only once the signed-in session that shows it clicks.

    The page holds no file address: Streamlit asks this session's server side for the bytes at the
    click (a one-off id bound to this rendering), and only then makes the file; before handing it
    over the account is read again (disabled, re-bound, password set — refused) and the download
    is written to the audit log. The address the browser then fetches is dropped by Streamlit two
    reruns later; served by `server.py`, only to the session that asked (docs/access.md,
    «Скачивания с панели»).
    """
    session: Session | None = st.session_state.get(SESSION_KEY)
    token_hash: str | None = st.session_state.get(TOKEN_KEY)

    def deliver() -> bytes:
        if session is None or session.ended_by(store().find(session.viewer.login)) or not _token_live(token_hash):
            raise AccessError("Сеанс завершён: файл не выдаётся. Войдите снова.")
        audit("download", viewer, audit_object, **details)
        payload = data() if callable(data) else data
        if token_hash:  # the server gives the file's address to this session alone
            cookie_session.grant_download(token_hash, payload, mime, file_name)
        return payload

    st.download_button(label, deliver, file_name=file_name, mime=mime, key=key, on_click="ignore")


def _token_live(token_hash: str | None) -> bool:
    """Served with cookies, the session that shows the button must still be live (not signed out)."""
    if not cookie_session.cookies_in_use():
        return True
    return token_hash is not None and cookie_session.sessions().is_live(token_hash)


def renew(session: Session, account: Account) -> None:
    """Carry the session on after the person set their own password (the cookie session too)."""
    session.renew(account)
    token_hash = st.session_state.get(TOKEN_KEY)
    if token_hash:
        cookie_session.sessions().renew(token_hash, account.password_version)
