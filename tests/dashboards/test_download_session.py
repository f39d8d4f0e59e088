"""Downloads are served only to the signed-in session that asked, and audited at the click.

A page holds no file address: each download button carries a one-off id of its rendering, and
the bytes are made only when that session clicks (Streamlit runs the page's callable on a server
thread). The callable re-reads the account, so a disabled account or a reset password gets no
file, and every file handed over is in the audit log.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest

from dashboards.auth import SESSION_KEY
from ejournal.access.accounts import AccessError, AccountStore, Role
from ejournal.access.audit import read_events
from ejournal.access.session import Session
from tests.dashboards.conftest import PASSWORD, SCHOOL_ID, offered_download
from tests.dashboards.test_app_pages import APP

PAGE = "app_pages/school_summary.py"
DASHBOARDS = Path(__file__).resolve().parents[2] / "dashboards"


@pytest.fixture
def own_store(sample_db, tmp_path, monkeypatch) -> AccountStore:
    """An access store of its own (this test disables and resets accounts)."""
    path = tmp_path / "access.sqlite"
    monkeypatch.setenv("EJOURNAL_DB", str(sample_db))
    monkeypatch.setenv("EJOURNAL_ACCESS_DB", str(path))
    store = AccountStore(path)
    store.add("director", "Директор", Role.DIRECTOR, PASSWORD, school_id=SCHOOL_ID, must_change_password=False)
    return store


@pytest.fixture
def stored_files(monkeypatch) -> list[str]:
    """Names of the files Streamlit stores for a /media/ address while the test runs."""
    names: list[str] = []
    store = MemoryMediaFileStorage.load_and_get_id

    def keep(self, data, mimetype, kind, filename=None):
        names.append(filename or mimetype)
        return store(self, data, mimetype, kind, filename)

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", keep)
    return names


def open_summary(store: AccountStore) -> AppTest:
    at = AppTest.from_file(str(APP.parent / PAGE), default_timeout=30)
    at.session_state[SESSION_KEY] = Session.begin(store.get("director"), dt.datetime.now())
    return at.run()


def download_events(path: Path) -> list:
    return [e for e in read_events(path) if e.event_code == "download"]


def test_the_page_holds_no_file_until_its_session_clicks(own_store, downloads, stored_files, tmp_path):
    at = open_summary(own_store)
    assert not at.exception, at.exception
    (button,) = at.get("download_button")
    assert button.proto.url == "" and re.fullmatch(r"[0-9a-f]{32}", button.proto.deferred_file_id)
    assert stored_files == []  # nothing any URL could fetch
    assert download_events(tmp_path / "access.sqlite") == []
    data = offered_download(downloads, key="summary_download").deliver()
    assert data.startswith(b"PK")
    (event,) = download_events(tmp_path / "access.sqlite")
    assert (event.actor_login, event.object_text) == ("director", "school_summary.xlsx")


@pytest.mark.parametrize("change", ["disable", "reset"])
def test_an_account_changed_after_the_page_was_shown_gets_no_file(own_store, downloads, tmp_path, change):
    open_summary(own_store)
    if change == "disable":
        own_store.set_disabled("director", True, actor="admin")
    else:
        own_store.reset_password("director", "другой-пароль-2", actor="admin")
    with pytest.raises(AccessError, match="Сеанс завершён"):
        offered_download(downloads, key="summary_download").deliver()
    assert download_events(tmp_path / "access.sqlite") == []


def test_every_download_of_the_dashboard_goes_through_the_session_checked_button():
    """st.download_button with bytes would store the file for an address at once, unaudited."""
    callers = sorted(
        str(path.relative_to(DASHBOARDS))
        for path in DASHBOARDS.rglob("*.py")
        if "st.download_button(" in path.read_text(encoding="utf-8")
    )
    assert callers == ["auth.py"]
