"""Dashboard sessions that survive a reload: a random token in a signed HttpOnly cookie.

The cookie carries ``<token>.<signature>``: the token is 32 random bytes (``secrets.token_urlsafe``),
the signature an HMAC-SHA256 of it with the installation's session key (``access.sqlite.session-key``,
0600, beside the access store), so a forged or altered cookie is refused before the store is read.
The store keeps only the token's sha256 with the login, the password version it began under, when it
began, was last seen, must end at the latest (``MAX_AGE``) and was revoked. A session ends after
``idle_minutes`` without a request, at ``expires_at``, on sign-out, and when its account changes
(checked by the dashboard with ``Session.ended_by`` on every request).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import secrets
from dataclasses import asdict, dataclass
from pathlib import Path

from ejournal.access.accounts import Clock, Role
from ejournal.access.session import now_from
from ejournal.access.store import open_store, secret_key
from ejournal.access.viewer import Viewer

KEY_SUFFIX = ".session-key"
MAX_AGE = dt.timedelta(hours=12)  # a working day: then the person signs in again whatever they did
TOKEN_BYTES = 32

# Why `resume` found no session: nothing usable was presented (no cookie, a bad signature, an unknown,
# revoked or already ended token), or a live one has just run out (reported once, then revoked).
INVALID, EXPIRED = "invalid", "expired"


@dataclass(frozen=True)
class WebSession:
    token_hash: str
    viewer: Viewer  # as the account was at sign-in: a changed role or binding ends the session
    password_version: int
    created_at: dt.datetime
    last_seen_at: dt.datetime


@dataclass(frozen=True)
class Resumed:
    session: WebSession | None
    ended: str | None = None  # INVALID or EXPIRED when session is None
    login: str | None = None  # whose session expired, and in which role (for the audit log)
    role: str | None = None


def key_path(access_db: Path) -> Path:
    return access_db.with_name(access_db.name + KEY_SUFFIX)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class WebSessionStore:
    """Sessions of the dashboard over the access store file."""

    def __init__(self, access_db: Path, clock: Clock | None = None):
        self.path = access_db
        self.clock = clock

    def _key(self) -> bytes:
        return secret_key(key_path(self.path), "ключ сеансов панели")

    def _signature(self, token: str) -> str:
        return hmac.new(self._key(), token.encode(), hashlib.sha256).hexdigest()

    def begin(self, viewer: Viewer, password_version: int) -> str:
        """Open a session for the signed-in viewer; the cookie value that proves it."""
        token = secrets.token_urlsafe(TOKEN_BYTES)
        now = now_from(self.clock)
        with open_store(self.path) as con:
            con.execute(
                "insert into web_session (token_hash, login, viewer_json, created_at, last_seen_at, expires_at, "
                "password_version) values (?, ?, ?, ?, ?, ?, ?)",
                [
                    token_hash(token),
                    viewer.login,
                    json.dumps(asdict(viewer)),
                    now.isoformat(),
                    now.isoformat(),
                    (now + MAX_AGE).isoformat(),
                    password_version,
                ],
            )
        return f"{token}.{self._signature(token)}"

    def verified_hash(self, cookie: str | None) -> str | None:
        """The token hash of a cookie whose signature holds, or None (nothing is read from the store)."""
        token, _, signature = (cookie or "").strip().partition(".")
        if not token or not signature or not hmac.compare_digest(signature, self._signature(token)):
            return None
        return token_hash(token)

    def resume(self, cookie: str | None, idle_minutes: int) -> Resumed:
        """The live session a cookie proves, recording this request as activity; or why there is none.

        A session found out of time is revoked here, so it is reported EXPIRED only once.
        """
        hashed = self.verified_hash(cookie)
        if hashed is None:
            return Resumed(None, INVALID)
        now = now_from(self.clock)
        with open_store(self.path) as con:
            row = con.execute(
                "select viewer_json, password_version, created_at, last_seen_at, expires_at from web_session "
                "where token_hash = ? and revoked_at is null",
                [hashed],
            ).fetchone()
            if row is None:
                return Resumed(None, INVALID)
            viewer_json, version, created, last_seen, expires = row
            viewer = _viewer(viewer_json)
            idle_end = dt.datetime.fromisoformat(last_seen) + dt.timedelta(minutes=idle_minutes)
            if now > idle_end or now >= dt.datetime.fromisoformat(expires):
                con.execute("update web_session set revoked_at = ? where token_hash = ?", [now.isoformat(), hashed])
                return Resumed(None, EXPIRED, viewer.login, viewer.role.value)
            con.execute("update web_session set last_seen_at = ? where token_hash = ?", [now.isoformat(), hashed])
        return Resumed(WebSession(hashed, viewer, version, dt.datetime.fromisoformat(created), now))

    def is_live(self, hashed: str) -> bool:
        """Whether the session is neither revoked nor past its absolute end (activity not recorded)."""
        now = now_from(self.clock).isoformat()
        with open_store(self.path) as con:
            row = con.execute(
                "select 1 from web_session where token_hash = ? and revoked_at is null and expires_at > ?",
                [hashed, now],
            ).fetchone()
        return row is not None

    def revoke(self, hashed: str) -> bool:
        """End the session at once (sign-out, a changed account); False when it was not live."""
        now = now_from(self.clock).isoformat()
        with open_store(self.path) as con:
            done = con.execute(
                "update web_session set revoked_at = ? where token_hash = ? and revoked_at is null", [now, hashed]
            ).rowcount
        return bool(done)

    def renew(self, hashed: str, password_version: int) -> None:
        """Carry the session on after the person set their own password (the new version is theirs)."""
        with open_store(self.path) as con:
            con.execute(
                "update web_session set password_version = ? where token_hash = ? and revoked_at is null",
                [password_version, hashed],
            )

    def forget_ended(self, before: dt.datetime) -> int:
        """Delete rows of sessions that ended or ran out before the moment (housekeeping)."""
        with open_store(self.path) as con:
            return con.execute(
                "delete from web_session where coalesce(revoked_at, expires_at) < ?", [before.isoformat()]
            ).rowcount


def _viewer(viewer_json: str) -> Viewer:
    fields = json.loads(viewer_json)
    return Viewer(**{**fields, "role": Role(fields["role"])})
