"""`ejournal users …` and `ejournal audit` as an administrator uses them."""

from __future__ import annotations

import re

import polars as pl
from typer.testing import CliRunner

from cli.main import app
from ejournal.access.accounts import AccountStore
from tests.access.test_scope import raw
from tests.factories import copy_warehouse


def _env(tmp_path, monkeypatch):
    monkeypatch.setenv("EJOURNAL_ACCESS_DB", str(tmp_path / "access.sqlite"))
    monkeypatch.setenv("EJOURNAL_DB", str(tmp_path / "w.duckdb"))
    return AccountStore(tmp_path / "access.sqlite")


def test_add_list_disable_reset(tmp_path, monkeypatch):
    store = _env(tmp_path, monkeypatch)
    runner = CliRunner(env={"COLUMNS": "250"})
    added = runner.invoke(
        app, ["users", "add", "zavuch", "--role", "deputy", "--name", "Завуч", "--school-id", "sch-0001"]
    )
    assert added.exit_code == 0, added.output
    password = re.search(r"Временный пароль: (\S+)", added.output).group(1)
    assert store.authenticate("zavuch", password).must_change_password
    listed = runner.invoke(app, ["users", "list"])
    assert "zavuch" in listed.output and "заместитель" in listed.output and "sch-0001" in listed.output
    assert runner.invoke(app, ["users", "disable", "zavuch"]).exit_code == 0
    assert store.get("zavuch").is_disabled
    reset = runner.invoke(app, ["users", "reset", "zavuch"])
    new_password = re.search(r"zavuch: (\S+)", reset.output).group(1)
    assert runner.invoke(app, ["users", "enable", "zavuch"]).exit_code == 0
    assert store.authenticate("zavuch", new_password).login == "zavuch"
    twice = runner.invoke(app, ["users", "add", "zavuch", "--role", "deputy", "--school-id", "sch-0001"])
    assert twice.exit_code == 3 and "уже есть" in twice.output
    no_teacher = runner.invoke(app, ["users", "add", "uchitel", "--role", "teacher", "--school-id", "sch-0001"])
    assert no_teacher.exit_code == 3 and "ид учителя" in no_teacher.output


def test_a_school_role_always_gets_a_school(tmp_path, monkeypatch, small_sample_db):
    store = _env(tmp_path, monkeypatch)
    runner = CliRunner(env={"COLUMNS": "250"})
    for role in ("deputy", "director", "parent_council"):
        nowhere = runner.invoke(app, ["users", "add", f"x-{role}", "--role", role])
        assert nowhere.exit_code == 3 and "должна принадлежать школе" in nowhere.output, nowhere.output
    assert store.list() == []
    copy_warehouse(small_sample_db, tmp_path / "w.duckdb")  # one school: it is the one, and the command says so
    added = runner.invoke(app, ["users", "add", "zavuch", "--role", "deputy"])
    assert added.exit_code == 0 and "Школа: sch-0001 (единственная в хранилище)" in added.output, added.output
    assert store.get("zavuch").school_id == "sch-0001"
    admin = runner.invoke(app, ["users", "add", "admin", "--role", "admin"])
    assert admin.exit_code == 0 and store.get("admin").school_id is None


def test_a_school_role_of_a_multi_school_warehouse_must_name_its_school(tmp_path, monkeypatch):
    store = _env(tmp_path, monkeypatch)
    import duckdb

    from tests.warehouse.region_sample import SCHOOLS, load_region
    from warehouse import db

    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        db.migrate(con)
        load_region(con)
        db.build_models(con)
    refused = CliRunner(env={"COLUMNS": "250"}).invoke(app, ["users", "add", "zavuch", "--role", "deputy"])
    assert refused.exit_code == 3 and "должна принадлежать школе" in refused.output
    assert all(s.school_id in refused.output for s in SCHOOLS)
    assert store.list() == []


def test_import_teachers_from_the_warehouse(tmp_path, monkeypatch, small_sample_db):
    store = _env(tmp_path, monkeypatch)
    copy_warehouse(small_sample_db, tmp_path / "w.duckdb")
    outcome = CliRunner().invoke(app, ["users", "import"])
    assert outcome.exit_code == 0, outcome.output
    accounts = {a.teacher_id: a for a in store.list()}
    assert set(accounts) == {t["teacher_id"] for t in raw("teachers")}
    class_teacher = raw("classes")[0]["class_teacher_id"]
    assert accounts[class_teacher].role.value == "class_teacher"
    again = CliRunner().invoke(app, ["users", "import"])
    assert "Создано учётных записей: 0" in again.output


def test_audit_export(tmp_path, monkeypatch):
    _env(tmp_path, monkeypatch)
    CliRunner().invoke(app, ["users", "add", "director", "--role", "director", "--school-id", "sch-0001"])
    out = tmp_path / "audit.xlsx"
    outcome = CliRunner().invoke(app, ["audit", "--out", str(out)])
    assert outcome.exit_code == 0, outcome.output
    events = pl.read_excel(out)
    assert "пользователь добавлен" in set(events["Событие"])


def test_demo_accounts_are_repointed_to_the_loaded_school(tmp_path, monkeypatch, small_sample_db):
    from cli.demo_accounts import demo_accounts
    from ejournal.access.accounts import Role

    store = _env(tmp_path, monkeypatch)
    store.add("klruk", "Старый", Role.CLASS_TEACHER, "старый-пароль-1", school_id="sch-old", teacher_id="t-old")
    copy_warehouse(small_sample_db, tmp_path / "w.duckdb")
    printed = dict(
        (login, password) for login, _, password in demo_accounts(tmp_path / "w.duckdb", tmp_path / "access.sqlite")
    )
    account = store.authenticate("klruk", printed["klruk"])
    assert (account.school_id, account.teacher_id) == ("sch-0001", raw("classes")[0]["class_teacher_id"])
    assert not account.must_change_password
    assert {a.login for a in store.list()} == {"admin", "zavuch", "director", "klruk", "uchitel", "sovet", "region"}
    region = store.authenticate("region", printed["region"])
    assert (region.role, region.region_id, region.school_id) == (Role.REGION, raw("school")[0]["region_id"], None)


def test_assign_changes_the_role_and_what_it_is_tied_to(tmp_path, monkeypatch):
    """A teacher becomes the class teacher of a class: `users assign` re-binds the account (the
    store's record, checked here), says so, and refuses an unknown login or a teacher role without
    a teacher, changing nothing."""
    store = _env(tmp_path, monkeypatch)
    runner = CliRunner(env={"COLUMNS": "250"})
    teacher = raw("classes")[0]["class_teacher_id"]
    added = runner.invoke(
        app, ["users", "add", "ivanova", "--role", "teacher", "--school-id", "sch-0001", "--teacher-id", teacher]
    )
    assert added.exit_code == 0, added.output
    moved = runner.invoke(
        app,
        ["users", "assign", "Ivanova", "--role", "class_teacher", "--school-id", "sch-0001", "--teacher-id", teacher],
    )
    assert moved.exit_code == 0, moved.output
    assert "классный руководитель" in moved.output
    account = store.get("ivanova")
    assert (account.role.value, account.school_id, account.teacher_id) == ("class_teacher", "sch-0001", teacher)
    unknown = runner.invoke(app, ["users", "assign", "nobody", "--role", "deputy", "--school-id", "sch-0001"])
    assert unknown.exit_code == 3 and "пользователя «nobody» нет" in unknown.output
    no_teacher = runner.invoke(app, ["users", "assign", "ivanova", "--role", "teacher", "--school-id", "sch-0001"])
    assert no_teacher.exit_code == 3 and "ид учителя" in no_teacher.output
    assert store.get("ivanova").role.value == "class_teacher"
