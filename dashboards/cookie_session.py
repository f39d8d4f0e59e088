"""The session of a request served by `server.py`: the signed cookie → the signed-in `Session`.

Shared by the server's routes and middleware (page loads, files of downloads) and by the script
(`auth.current_session`, on every rerun), so both apply the same checks: the signature, the store
row (not revoked, not idle longer than `session_minutes`, not past its absolute end), then the
account as stored now (`Session.ended_by`: disabled, removed, re-bound, password set). Also holds
which session asked for which download file, so the server gives that file to it alone.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from urllib.parse import urlsplit

from ejournal.access.accounts import AccountStore
from ejournal.access.audit import log_event
from ejournal.access.session import ACCOUNT_CHANGED, ACCOUNT_DISABLED, ACCOUNT_GONE, PASSWORD_CHANGED, Session
from ejournal.access.web_sessions import EXPIRED, WebSessionStore
from ejournal.settings import environment

COOKIE_NAME = "ejournal_session"
SIGN_IN_PATH = "/sign-in"
SIGN_OUT_PATH = "/sign-out"
EXPIRED_NOTICE = "Сеанс завершён из-за бездействия. Войдите снова."
SIGNED_OUT_NOTICE = "Вы вышли из панели."
# What the sign-in form says after a session ended, by the code its address carries.
NOTICES = {
    "expired": EXPIRED_NOTICE,
    "signed_out": SIGNED_OUT_NOTICE,
    **{reason: notice for reason, notice in (ACCOUNT_GONE, ACCOUNT_DISABLED, ACCOUNT_CHANGED, PASSWORD_CHANGED)},
}
MAX_DOWNLOADS_KEPT = 10_000  # files Streamlit still holds are far fewer: it drops them after a few reruns

_served_with_cookies = False
_download_owners: OrderedDict[str, set[str]] = OrderedDict()
_download_lock = threading.Lock()


@dataclass(frozen=True)
class Signed:
    """A request's session (with its token hash), or None and what to tell the person."""

    session: Session | None
    token_hash: str | None = None
    notice_code: str | None = None  # a key of NOTICES

    @property
    def notice(self) -> str | None:
        return NOTICES.get(self.notice_code or "")


def serve_with_cookies() -> None:
    """Called by `server.py`: sign-in is its form and the session is the cookie (not the script's form)."""
    global _served_with_cookies
    _served_with_cookies = True


def cookies_in_use() -> bool:
    return _served_with_cookies


def sessions() -> WebSessionStore:
    return WebSessionStore(environment().access_db)


def resume(cookie: str | None) -> Signed:
    """The live session the cookie proves (its activity recorded), ending it when its account changed."""
    env = environment()
    found = sessions().resume(cookie, env.session_minutes)
    if found.session is None:
        if found.ended == EXPIRED:
            log_event(env.access_db, "session_expired", found.login, actor_role=found.role)
            return Signed(None, notice_code="expired")
        return Signed(None)
    web = found.session
    account = AccountStore(env.access_db).find(web.viewer.login)
    must_change = bool(account and account.must_change_password)
    session = Session(web.viewer, web.last_seen_at, must_change, web.password_version)
    ended = session.ended_by(account)
    if ended:
        reason, _ = ended
        sessions().revoke(web.token_hash)
        log_event(
            env.access_db,
            "session_revoked",
            web.viewer.login,
            actor_role=web.viewer.role.value,
            details={"reason": reason},
        )
        return Signed(None, notice_code=reason)
    return Signed(session, web.token_hash)


def local_path(value: str | None) -> str:
    """`value` when it is a path of this app (not another site, scheme or the sign-in itself), else «/»."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    if any(ord(char) < 0x20 or ord(char) == 0x7F for char in value):
        return "/"
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or parts.path in (SIGN_IN_PATH, SIGN_OUT_PATH):
        return "/"
    return value


def media_file_id(data: bytes, mimetype: str, file_name: str | None) -> str:
    """The id under which Streamlit's media storage keeps these bytes (its /media/<id>.<ext> address)."""
    from streamlit.runtime.memory_media_file_storage import _calculate_file_id

    return _calculate_file_id(data, mimetype, file_name)


def grant_download(token_hash: str, data: bytes, mimetype: str, file_name: str | None) -> None:
    """Record that this session asked for this file: the server gives its address to it alone."""
    file_id = media_file_id(data, mimetype, file_name)
    with _download_lock:
        owners = _download_owners.pop(file_id, set())
        owners.add(token_hash)
        _download_owners[file_id] = owners
        while len(_download_owners) > MAX_DOWNLOADS_KEPT:
            _download_owners.popitem(last=False)


def download_owners(file_id: str) -> frozenset[str] | None:
    """The sessions that asked for a download file, or None when the id is no download made here."""
    with _download_lock:
        owners = _download_owners.get(file_id)
        return None if owners is None else frozenset(owners)
