from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from ejournal.access.accounts import AccountStore, Role
from ejournal.access.viewer import Viewer
from tests.factories import copy_warehouse, raw, small_sample_warehouse

PASSWORD = "тестовый-пароль-1"


# login → (role, teacher_id): teachers are real teachers of the committed sample; the education
# authority («region») is bound to the sample school's region instead of the school.
ACCOUNTS = {
    "admin": (Role.ADMIN, None),
    "zavuch": (Role.DEPUTY, None),
    "director": (Role.DIRECTOR, None),
    "klruk": (Role.CLASS_TEACHER, raw("classes")[0]["class_teacher_id"]),
    "uchitel": (Role.TEACHER, raw("groups")[0]["teacher_id"]),
    "sovet": (Role.PARENT_COUNCIL, None),
    "region": (Role.REGION, None),
}
SCHOOL_ID = "sch-0001"
REGION_ID = raw("school")[0]["region_id"]


def viewer_of(login: str) -> Viewer:
    """The viewer the login's account gives (as the access_db fixture creates it)."""
    role, teacher_id = ACCOUNTS[login]
    if role is Role.REGION:
        return Viewer(login, role, region_id=REGION_ID)
    return Viewer(login, role, SCHOOL_ID, teacher_id)


@pytest.fixture(scope="session")
def sample_db(tmp_path_factory) -> Path:
    """The committed sample school loaded into a warehouse the dashboard reads."""
    db = tmp_path_factory.mktemp("dash") / "sample.duckdb"
    return copy_warehouse(small_sample_warehouse(tmp_path_factory), db)  # ingested once per process


@pytest.fixture(scope="session")
def access_db(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("access") / "access.sqlite"
    store = AccountStore(path)
    for login, (role, teacher_id) in ACCOUNTS.items():
        store.add(
            login,
            login.title(),
            role,
            PASSWORD,
            school_id=SCHOOL_ID,
            teacher_id=teacher_id,
            region_id=REGION_ID,  # kept for the region role only
            must_change_password=False,
        )
    return path


@pytest.fixture(scope="session")
def server(sample_db, access_db):
    """The dashboard served over the session's sample warehouse and access store: one server per
    test process for every browser module that asks for it (they read the same session-scoped files,
    so a server per module only repeated its start and its first renders)."""
    from tests.dashboards.test_browser import _dashboard, _require_chromium

    _require_chromium()
    with _dashboard(sample_db, access_db) as (url, _):
        yield url


@pytest.fixture
def dashboard_env(sample_db, access_db, monkeypatch):
    monkeypatch.setenv("EJOURNAL_DB", str(sample_db))
    monkeypatch.setenv("EJOURNAL_ACCESS_DB", str(access_db))
    return sample_db, access_db


@dataclass
class Offered:
    """A deferred download a page rendered: the callable Streamlit runs when the button is clicked."""

    element_id: str
    file_name: str | None
    deliver: Callable[[], bytes]


@pytest.fixture
def downloads(monkeypatch) -> list[Offered]:
    """Every deferred download the pages offer, in order; calling ``deliver`` is what a click does
    (Streamlit runs it on a server thread, outside the page's script)."""
    from streamlit.runtime.media_file_manager import MediaFileManager

    offered: list[Offered] = []
    register = MediaFileManager.add_deferred

    def keep(self, data_callable, mimetype, coordinates, file_name=None, *, element_id=""):
        offered.append(Offered(element_id, file_name, data_callable))
        return register(self, data_callable, mimetype, coordinates, file_name=file_name, element_id=element_id)

    monkeypatch.setattr(MediaFileManager, "add_deferred", keep)
    return offered


def offered_download(downloads: list[Offered], *, key: str | None = None, file_name: str | None = None) -> Offered:
    """The last download offered under the widget key or file name."""
    return next(
        o for o in reversed(downloads) if (key and o.element_id.endswith(f"-{key}")) or o.file_name == file_name
    )
