from __future__ import annotations

from pathlib import Path

import pytest

from ejournal.access.accounts import AccountStore, Role
from ejournal.access.viewer import Viewer
from pipelines.ingest import ingest_path
from tests.factories import SAMPLE, raw

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
    (result,) = ingest_path(SAMPLE, db)
    assert result.status == "loaded"
    return db


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


@pytest.fixture
def dashboard_env(sample_db, access_db, monkeypatch):
    monkeypatch.setenv("EJOURNAL_DB", str(sample_db))
    monkeypatch.setenv("EJOURNAL_ACCESS_DB", str(access_db))
    return sample_db, access_db
