"""Dashboard sessions of the signed cookie, with a moved clock: the token is random and signed, kept
only as a hash, ends after inactivity, at its absolute end and on revocation; a forged or altered
cookie proves nothing; the key file is the installation's own (0600)."""

from __future__ import annotations

import datetime as dt
import hashlib
import sqlite3
import stat

import pytest

from dashboards.cookie_session import local_path
from ejournal.access.accounts import Role
from ejournal.access.viewer import Viewer
from ejournal.access.web_sessions import EXPIRED, INVALID, MAX_AGE, WebSessionStore, key_path
from tests.access.test_accounts import FakeClock

IDLE_MINUTES = 30
VIEWER = Viewer("zavuch", Role.DEPUTY, "sch-1")


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def sessions(tmp_path, clock):
    return WebSessionStore(tmp_path / "access.sqlite", clock=clock)


def test_a_cookie_proves_its_session_and_the_store_keeps_only_a_hash_of_the_token(sessions, tmp_path):
    cookie = sessions.begin(VIEWER, password_version=3)
    token, signature = cookie.split(".")
    assert len(token) >= 43 and len(signature) == 64  # 32 random bytes, HMAC-SHA256
    assert sessions.begin(VIEWER, 3) != cookie  # every sign-in gets a token of its own
    found = sessions.resume(cookie, IDLE_MINUTES)
    assert found.session is not None and found.session.viewer == VIEWER and found.session.password_version == 3
    with sqlite3.connect(tmp_path / "access.sqlite") as db:
        stored = db.execute("select token_hash from web_session").fetchall()
    assert (hashlib.sha256(token.encode()).hexdigest(),) in stored
    assert token not in (tmp_path / "access.sqlite").read_bytes().decode("latin-1")
    assert stat.S_IMODE(key_path(tmp_path / "access.sqlite").stat().st_mode) & 0o077 in (0, 0o040)


@pytest.mark.parametrize(
    "alter",
    [
        lambda cookie: cookie[:-1] + ("0" if cookie[-1] != "0" else "1"),  # signature altered
        lambda cookie: ("A" if cookie[0] != "A" else "B") + cookie[1:],  # token altered
        lambda cookie: cookie.split(".")[0],  # no signature
        lambda cookie: "",
        lambda cookie: None,
    ],
)
def test_a_forged_or_altered_cookie_is_refused(sessions, alter):
    cookie = sessions.begin(VIEWER, 0)
    assert sessions.resume(alter(cookie), IDLE_MINUTES).ended == INVALID
    assert sessions.resume(cookie, IDLE_MINUTES).session is not None  # the real one still holds


def test_a_cookie_signed_with_another_installation_s_key_is_refused(tmp_path, clock):
    ours = WebSessionStore(tmp_path / "a" / "access.sqlite", clock=clock)
    theirs = WebSessionStore(tmp_path / "b" / "access.sqlite", clock=clock)
    cookie = theirs.begin(VIEWER, 0)
    assert ours.resume(cookie, IDLE_MINUTES).ended == INVALID


def test_inactivity_ends_the_session_once_and_activity_keeps_it(sessions, clock):
    cookie = sessions.begin(VIEWER, 0)
    for _ in range(4):  # two hours of clicks, each within the idle time
        clock.advance(minutes=IDLE_MINUTES - 1)
        assert sessions.resume(cookie, IDLE_MINUTES).session is not None
    clock.advance(minutes=IDLE_MINUTES, seconds=1)
    expired = sessions.resume(cookie, IDLE_MINUTES)
    assert (
        expired.session is None and expired.ended == EXPIRED and (expired.login, expired.role) == ("zavuch", "deputy")
    )
    assert sessions.resume(cookie, IDLE_MINUTES).ended == INVALID  # reported once; never back


def test_a_session_ends_at_its_absolute_end_however_active(sessions, clock):
    cookie = sessions.begin(VIEWER, 0)
    started = clock.now
    while clock.now + dt.timedelta(minutes=20) < started + MAX_AGE:
        clock.advance(minutes=20)
        assert sessions.resume(cookie, IDLE_MINUTES).session is not None
    clock.now = started + MAX_AGE
    assert sessions.resume(cookie, IDLE_MINUTES).ended == EXPIRED


def test_revoked_sessions_stay_revoked_and_renew_carries_the_new_password_version(sessions):
    cookie = sessions.begin(VIEWER, 0)
    hashed = sessions.verified_hash(cookie)
    sessions.renew(hashed, 1)
    assert sessions.resume(cookie, IDLE_MINUTES).session.password_version == 1
    assert sessions.is_live(hashed)
    assert sessions.revoke(hashed) is True
    assert sessions.revoke(hashed) is False
    assert not sessions.is_live(hashed)
    assert sessions.resume(cookie, IDLE_MINUTES).ended == INVALID


def test_ended_sessions_are_forgotten_after_a_while(sessions, clock, tmp_path):
    old = sessions.verified_hash(sessions.begin(VIEWER, 0))
    sessions.revoke(old)
    live = sessions.begin(VIEWER, 0)
    clock.advance(hours=2)
    assert sessions.forget_ended(clock.now - dt.timedelta(hours=1)) == 1  # the one revoked 2 h ago
    with sqlite3.connect(tmp_path / "access.sqlite") as db:
        assert db.execute("select count(*) from web_session").fetchone() == (1,)
    clock.now -= dt.timedelta(hours=2)
    assert sessions.resume(live, IDLE_MINUTES).session is not None
    clock.advance(days=1)  # past its absolute end: gone too
    assert sessions.forget_ended(clock.now) == 1


@pytest.mark.parametrize(
    ("asked", "goes_to"),
    [
        ("/director", "/director"),
        ("/class-progress?class=7А", "/class-progress?class=7А"),
        ("//evil.example/x", "/"),
        ("https://evil.example/", "/"),
        ("javascript:alert(1)", "/"),
        ("/\\evil.example", "/"),
        ("\\\\evil.example", "/"),
        ("/x\r\nSet-Cookie: a=b", "/"),
        ("/sign-in?next=/director", "/"),
        ("director", "/"),
        ("", "/"),
        (None, "/"),
    ],
)
def test_after_sign_in_only_a_path_of_the_app_is_followed(asked, goes_to):
    assert local_path(asked) == goes_to
