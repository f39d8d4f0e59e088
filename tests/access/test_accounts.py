"""Accounts with a controllable clock: sign-in, lockout after five failures for 15 minutes,
disabling, resets, password changes, session expiry, and the append-only audit log."""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest

from ejournal.access.accounts import AccessError, AccountStore, Role
from ejournal.access.audit import read_events
from ejournal.access.session import Session
from ejournal.access.viewer import Viewer

PASSWORD = "верный-пароль-42"


class FakeClock:
    def __init__(self) -> None:
        self.now = dt.datetime(2026, 1, 12, 9, 0)

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def store(tmp_path, clock):
    s = AccountStore(tmp_path / "access.sqlite", clock=clock)
    s.add("zavuch", "Завуч", Role.DEPUTY, PASSWORD, school_id="sch-1")
    return s


def test_right_password_signs_in_and_is_audited(store, tmp_path):
    account = store.authenticate("Zavuch ", PASSWORD)
    assert (account.login, account.role) == ("zavuch", Role.DEPUTY)
    codes = [e.event_code for e in read_events(tmp_path / "access.sqlite")]
    assert codes[0] == "sign_in"


def test_wrong_password_and_unknown_login_say_the_same(store):
    with pytest.raises(AccessError, match="Неверный логин или пароль"):
        store.authenticate("zavuch", "не тот пароль 1")
    with pytest.raises(AccessError, match="Неверный логин или пароль"):
        store.authenticate("nobody", PASSWORD)


def test_five_failures_lock_for_fifteen_minutes(store, clock):
    for _ in range(4):
        with pytest.raises(AccessError, match="Неверный"):
            store.authenticate("zavuch", "ошибка-000000")
    with pytest.raises(AccessError, match="заблокирован на 15"):
        store.authenticate("zavuch", "ошибка-000000")
    clock.advance(minutes=14, seconds=59)
    with pytest.raises(AccessError, match="заблокирован ещё на 1 мин"):
        store.authenticate("zavuch", PASSWORD)  # even the right password is refused while locked
    clock.advance(seconds=2)
    assert store.authenticate("zavuch", PASSWORD).login == "zavuch"
    assert store.get("zavuch").n_failed_attempts == 0


def test_failures_are_forgotten_after_a_success(store):
    for _ in range(4):
        with pytest.raises(AccessError):
            store.authenticate("zavuch", "ошибка-000000")
    store.authenticate("zavuch", PASSWORD)
    for _ in range(4):
        with pytest.raises(AccessError, match="Неверный"):
            store.authenticate("zavuch", "ошибка-000000")


def test_disabled_account_cannot_sign_in(store):
    store.set_disabled("zavuch", True, actor="admin")
    with pytest.raises(AccessError, match="отключена"):
        store.authenticate("zavuch", PASSWORD)
    store.set_disabled("zavuch", False, actor="admin")
    assert store.authenticate("zavuch", PASSWORD)


def test_reset_lifts_the_lock_and_demands_a_new_password(store):
    for _ in range(5):
        with pytest.raises(AccessError):
            store.authenticate("zavuch", "ошибка-000000")
    store.reset_password("zavuch", "временный-пароль-1", actor="admin")
    account = store.authenticate("zavuch", "временный-пароль-1")
    assert account.must_change_password
    store.change_password("zavuch", "временный-пароль-1", "свой-новый-пароль-2")
    assert not store.get("zavuch").must_change_password
    with pytest.raises(AccessError):
        store.authenticate("zavuch", "временный-пароль-1")


@pytest.mark.parametrize("weak", ["короткий1", "толькобуквыбезцифр", "12345678901234"])
def test_weak_passwords_are_refused(store, weak):
    with pytest.raises(AccessError):
        store.add("novyi", "Новый", Role.DEPUTY, weak, school_id="sch-1")


def test_teacher_needs_a_teacher_id(store):
    with pytest.raises(AccessError, match="ид учителя"):
        store.add("uchitel", "Учитель", Role.TEACHER, PASSWORD, school_id="sch-1")


def test_passwords_are_argon2_hashes_and_never_logged(store, tmp_path):
    with sqlite3.connect(tmp_path / "access.sqlite") as con:
        (stored,) = con.execute("select password_hash from account where login = 'zavuch'").fetchone()
        audit_text = " ".join(str(r) for r in con.execute("select * from audit_log").fetchall())
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored and PASSWORD not in audit_text


def test_audit_log_is_append_only(store, tmp_path):
    with sqlite3.connect(tmp_path / "access.sqlite") as con:
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            con.execute("update audit_log set actor_login = 'someone'")
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            con.execute("delete from audit_log")


def test_session_expires_after_inactivity(clock):
    session = Session(Viewer("zavuch", Role.DEPUTY, "sch-1"), clock())
    clock.advance(minutes=29)
    assert session.touch(clock(), idle_minutes=30)
    clock.advance(minutes=29)
    assert session.touch(clock(), idle_minutes=30)  # activity moved the deadline
    clock.advance(minutes=31)
    assert not session.touch(clock(), idle_minutes=30)


def _signed_in(store: AccountStore, clock: FakeClock) -> Session:
    return Session.begin(store.authenticate("zavuch", PASSWORD), clock())


def test_a_session_holds_while_its_account_is_unchanged(store, clock):
    session = _signed_in(store, clock)
    clock.advance(minutes=5)
    assert session.ended_by(store.find("zavuch")) is None


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda s: s.set_disabled("zavuch", True, actor="admin"), "account_disabled"),
        (lambda s: s.reset_password("zavuch", "новый-пароль-77", actor="admin"), "password_changed"),
        (
            lambda s: s.assign("zavuch", Role.DIRECTOR, school_id="sch-1", teacher_id=None, actor="admin"),
            "account_changed",
        ),
        (
            lambda s: s.assign("zavuch", Role.DEPUTY, school_id="sch-2", teacher_id=None, actor="admin"),
            "account_changed",
        ),
    ],
    ids=["disabled", "password reset", "role changed", "school changed"],
)
def test_an_administrators_change_ends_the_open_session(store, clock, change, reason):
    # The clock stands still: the session ends on the change itself, not on a timestamp moving on.
    session = _signed_in(store, clock)
    change(store)
    assert session.ended_by(store.find("zavuch"))[0] == reason


def test_a_removed_account_ends_its_session(store, clock, tmp_path):
    session = _signed_in(store, clock)
    with sqlite3.connect(tmp_path / "access.sqlite") as con:
        con.execute("delete from account where login = 'zavuch'")
    assert store.find("zavuch") is None
    assert session.ended_by(None)[0] == "account_removed"


def test_changing_ones_own_password_keeps_ones_own_session_but_no_other(store, clock):
    here, elsewhere = _signed_in(store, clock), _signed_in(store, clock)
    account = store.change_password("zavuch", PASSWORD, "свой-пароль-2026")
    here.renew(account)
    assert here.ended_by(store.find("zavuch")) is None
    assert elsewhere.ended_by(store.find("zavuch"))[0] == "password_changed"
