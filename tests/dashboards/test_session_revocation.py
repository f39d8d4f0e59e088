"""An open dashboard session ends at the next click when the administrator disables the account,
resets its password or changes its role or school (AppTest over the real entry point)."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from ejournal.access.accounts import AccountStore, Role
from ejournal.access.audit import read_events
from tests.dashboards.conftest import PASSWORD, SCHOOL_ID
from tests.dashboards.test_app_pages import APP, names, page_text


@pytest.fixture
def own_store(sample_db, tmp_path, monkeypatch) -> AccountStore:
    """A store of its own: these tests change accounts that other tests sign in with."""
    path = tmp_path / "access.sqlite"
    monkeypatch.setenv("EJOURNAL_DB", str(sample_db))
    monkeypatch.setenv("EJOURNAL_ACCESS_DB", str(path))
    store = AccountStore(path)
    store.add("zavuch", "Завуч", Role.DEPUTY, PASSWORD, school_id=SCHOOL_ID, must_change_password=False)
    return store


def _signed_in() -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    at.text_input(key="auth_login").input("zavuch")
    at.text_input(key="auth_password").input(PASSWORD)
    at.button[0].click().run()
    assert at.title[0].value != "Вход"
    return at


@pytest.mark.parametrize(
    ("change", "notice"),
    [
        (lambda s: s.set_disabled("zavuch", True, actor="admin"), "отключена"),
        (lambda s: s.reset_password("zavuch", "временный-пароль-5", actor="admin"), "Пароль учётной записи изменён"),
        (lambda s: s.assign("zavuch", Role.DIRECTOR, school_id=SCHOOL_ID, teacher_id=None, actor="admin"), "Роль"),
    ],
    ids=["disabled", "password reset", "role changed"],
)
def test_the_next_click_after_a_change_lands_on_the_sign_in_page(own_store, change, notice):
    at = _signed_in()
    change(own_store)
    at.run()
    assert at.title[0].value == "Вход"
    assert notice in " ".join(i.value for i in at.info)
    assert not any(n in page_text(at) for n in names().values())
    revoked = [e for e in read_events(own_store.path) if e.event_code == "session_revoked"]
    assert [e.actor_login for e in revoked] == ["zavuch"]


def test_an_unchanged_account_stays_signed_in_across_reruns(own_store):
    at = _signed_in()
    title = at.title[0].value
    for _ in range(3):
        at.run()
    assert at.title[0].value == title
    assert not [e for e in read_events(own_store.path) if e.event_code == "session_revoked"]


def test_a_staff_account_of_no_school_left_by_an_older_version_cannot_sign_in(own_store):
    import sqlite3

    with sqlite3.connect(own_store.path) as con:
        con.execute("update account set school_id = null where login = 'zavuch'")
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    at.text_input(key="auth_login").input("zavuch")
    at.text_input(key="auth_password").input(PASSWORD)
    at.button[0].click().run()
    assert at.title[0].value == "Вход"
    assert "должна принадлежать школе" in at.error[0].value
    assert not any(n in page_text(at) for n in names().values())
