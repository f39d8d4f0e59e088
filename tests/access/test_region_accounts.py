"""The education authority's account (role «region»): bound to a region and maybe a municipality,
never to a school; a store file of the old schema is upgraded in place; `ejournal users add`."""

from __future__ import annotations

import re
import sqlite3

import pytest
from typer.testing import CliRunner

from cli.main import app
from ejournal.access.accounts import AccessError, AccountStore, Role
from ejournal.access.audit import read_events
from ejournal.access.viewer import Viewer

PASSWORD = "верный-пароль-42"

# The account table and audit log as the first release created them (no region_id, municipality).
OLD_SCHEMA = """
create table account (
    login text primary key,
    display_name text not null,
    role_code text not null,
    school_id text,
    teacher_id text,
    password_hash text not null,
    is_disabled integer not null default 0,
    must_change_password integer not null default 0,
    n_failed_attempts integer not null default 0,
    locked_until text,
    created_at text not null,
    password_changed_at text not null
);
create table audit_log (
    event_id integer primary key autoincrement,
    event_at text not null,
    actor_login text,
    actor_role text,
    event_code text not null,
    object_text text,
    details_json text
);
"""


def test_a_region_account_is_bound_to_its_region_and_municipality(tmp_path):
    store = AccountStore(tmp_path / "access.sqlite")
    account = store.add(
        "mo.khimki",
        "Управление образования г. Химки",
        Role.REGION,
        PASSWORD,
        school_id="sch-0001",  # not used for the role
        teacher_id="t-1",
        region_id=" 50 ",
        municipality=" г. Химки ",
    )
    assert (account.region_id, account.municipality) == ("50", "г. Химки")
    assert (account.school_id, account.teacher_id) == (None, None)
    assert account.role.title == "специалист органа управления образованием"
    viewer = Viewer.of(store.authenticate("mo.khimki", PASSWORD))
    assert (viewer.role, viewer.region_id, viewer.municipality, viewer.school_id) == (
        Role.REGION,
        "50",
        "г. Химки",
        None,
    )
    assert viewer.suppresses_small_groups and viewer.sees_region
    assert not viewer.sees_pupils and not viewer.sees_aggregates


def test_a_region_account_needs_a_region(tmp_path):
    store = AccountStore(tmp_path / "access.sqlite")
    with pytest.raises(AccessError, match="нужен код региона"):
        store.add("oblast", "Министерство", Role.REGION, PASSWORD, municipality="г. Химки")
    with pytest.raises(AccessError, match="нужен код региона"):
        store.add("oblast", "Министерство", Role.REGION, PASSWORD, region_id="  ")
    assert store.list() == []
    store.add("zavuch", "Завуч", Role.DEPUTY, PASSWORD, school_id="sch-1", region_id="50")
    assert store.get("zavuch").region_id is None  # a school role takes its region from its school
    with pytest.raises(AccessError, match="нужен код региона"):
        store.assign("zavuch", Role.REGION, school_id=None, teacher_id=None, actor="admin")
    store.assign("zavuch", Role.REGION, school_id="sch-1", teacher_id=None, region_id="77", actor="admin")
    moved = store.get("zavuch")
    assert (moved.role, moved.region_id, moved.municipality, moved.school_id) == (Role.REGION, "77", None, None)


def test_a_store_of_the_old_schema_is_upgraded_in_place(tmp_path):
    path = tmp_path / "old-access.sqlite"
    with sqlite3.connect(path) as con:
        con.executescript(OLD_SCHEMA)
        con.execute(
            "insert into account values ('director', 'Директор', 'director', 'sch-1', null, 'x', 0, 0, 0, null, "
            "'2025-09-01T08:00:00', '2025-09-01T08:00:00')"
        )
        con.execute("insert into audit_log (event_at, event_code) values ('2025-09-01T08:00:00', 'sign_in')")
    store = AccountStore(path)
    old = store.get("director")
    assert (old.role, old.school_id, old.region_id, old.municipality) == (Role.DIRECTOR, "sch-1", None, None)
    store.add("region", "Управление образования", Role.REGION, PASSWORD, region_id="50", municipality="г. Химки")
    assert (store.get("region").region_id, store.get("region").municipality) == ("50", "г. Химки")
    with sqlite3.connect(path) as con:
        columns = [row[1] for row in con.execute("pragma table_info(account)")]
        rows = con.execute("select login, region_id from account order by login").fetchall()
    assert columns[-3:] == ["region_id", "municipality", "password_version"] and columns.count("region_id") == 1
    assert old.password_version == 0
    assert rows == [("director", None), ("region", "50")]
    assert [e.event_code for e in read_events(path)][-1] == "sign_in"  # the old log is kept
    AccountStore(path).list()  # opening the upgraded file again adds nothing twice


def _cli(tmp_path, monkeypatch):
    monkeypatch.setenv("EJOURNAL_ACCESS_DB", str(tmp_path / "access.sqlite"))
    monkeypatch.setenv("EJOURNAL_DB", str(tmp_path / "w.duckdb"))
    return CliRunner(env={"COLUMNS": "250"}), AccountStore(tmp_path / "access.sqlite")


def test_cli_adds_a_region_account_with_a_region_only(tmp_path, monkeypatch):
    runner, store = _cli(tmp_path, monkeypatch)
    refused = runner.invoke(app, ["users", "add", "oblast", "--role", "region", "--name", "Министерство"])
    assert refused.exit_code == 3, refused.output
    assert "нужен код региона" in refused.output and "Traceback" not in refused.output
    assert store.list() == []
    added = runner.invoke(
        app,
        ["users", "add", "mo.khimki", "--role", "region", "--region", "50", "--municipality", "г. Химки"],
    )
    assert added.exit_code == 0, added.output
    assert "специалист органа управления образованием" in added.output
    password = re.search(r"Временный пароль: (\S+)", added.output).group(1)
    account = store.authenticate("mo.khimki", password)
    assert (account.role, account.region_id, account.municipality) == (Role.REGION, "50", "г. Химки")
    whole = runner.invoke(app, ["users", "add", "oblast", "--role", "region", "--region", "77"])
    assert whole.exit_code == 0, whole.output
    assert store.get("oblast").municipality is None
    listed = runner.invoke(app, ["users", "list"])
    assert "Регион" in listed.output
    assert "50, г. Химки" in listed.output and re.search(r"│ 77\s+│", listed.output), listed.output
