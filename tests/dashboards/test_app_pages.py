"""Every page for every role under AppTest: sign in, open each page the role has, check that
nothing forbidden shows and that pages of other roles are refused. Figures are checked against
the raw sample CSV."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboards.navigation import PAGES, page_files_for
from ejournal.access.viewer import Viewer
from tests.dashboards.conftest import ACCOUNTS, PASSWORD, raw, viewer_of
from warehouse.periods import YEAR

APP = Path(__file__).resolve().parents[2] / "dashboards" / "streamlit_app.py"


def signed_in(login: str, password: str = PASSWORD) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=30).run()
    at.text_input(key="auth_login").input(login)
    at.text_input(key="auth_password").input(password)
    at.button[0].click().run()
    return at


def direct(page: str, login: str, viewer: Viewer | None = None) -> AppTest:
    """Open a page file directly, as if its URL were typed, with the login's session in place
    (or the given viewer's, for an account the shared access store does not hold)."""
    import datetime as dt

    from dashboards.auth import SESSION_KEY
    from ejournal.access.session import Session

    at = AppTest.from_file(str(APP.parent / page), default_timeout=30)
    at.session_state[SESSION_KEY] = Session(viewer or viewer_of(login), dt.datetime.now())
    return at.run()


def page_text(at: AppTest) -> str:
    elements = (*at.title, *at.header, *at.subheader, *at.markdown, *at.caption, *at.error, *at.warning, *at.info)
    parts = [e.value for e in (*elements, *at.metric)]
    for frame in at.dataframe:
        parts.append(frame.value.to_csv() if hasattr(frame.value, "to_csv") else str(frame.value))
    return " ".join(str(p) for p in parts)


def names() -> dict[str, str]:
    return {
        p["pupil_id"]: " ".join(x for x in (p["last_name"], p["first_name"], p["middle_name"]) if x)
        for p in raw("pupils")
    }


def visible_pupils(login: str) -> set[str]:
    """Who each role may see, from the raw CSV: the subgroup for the teacher, the class otherwise."""
    _, teacher_id = ACCOUNTS[login]
    if login == "uchitel":
        group = next(g for g in raw("groups") if g["teacher_id"] == teacher_id)
        return {m["pupil_id"] for m in raw("group_members") if m["group_id"] == group["group_id"]}
    if login in ("zavuch", "klruk"):
        return {e["pupil_id"] for e in raw("enrolments")}
    return set()


def test_nothing_is_shown_before_signing_in(dashboard_env):
    at = AppTest.from_file(str(APP), default_timeout=30).run()
    assert at.title[0].value == "Вход"
    text = page_text(at)
    assert not any(n in text for n in names().values())


def test_wrong_password_is_refused(dashboard_env):
    at = signed_in("zavuch", "неверный-пароль-9")
    assert "Неверный логин или пароль" in at.error[0].value
    assert at.title[0].value == "Вход"


@pytest.mark.parametrize("login", sorted(ACCOUNTS))
def test_every_page_of_every_role(dashboard_env, login):
    role, _ = ACCOUNTS[login]
    at = signed_in(login)
    assert not at.exception, at.exception
    allowed = page_files_for(role)
    assert allowed, f"{login} has no pages"
    everyone = names()
    may_see = {everyone[p] for p in visible_pupils(login)}
    for page in PAGES:
        if page not in allowed:
            refused = direct(page, login)
            assert "недоступна для вашей роли" in page_text(refused), (login, page)
            assert not any(n in page_text(refused) for n in everyone.values())
            continue
        at.switch_page(page).run()
        assert not at.exception, (login, page, at.exception)
        text = page_text(at)
        shown = {n for n in everyone.values() if n in text}
        assert shown <= may_see, (login, page, shown - may_see)
        if page == "app_pages/class_progress.py":
            assert shown == may_see, (login, "a pupil the role may see is missing")


def test_class_progress_figures_match_the_raw_files(dashboard_env):
    at = signed_in("zavuch")
    at.switch_page("app_pages/class_progress.py").run()
    at.selectbox(key="f_period").set_value(YEAR).run()  # the whole year: every mark of the sample
    subject_id = at.selectbox(key="progress_subject").value
    table = at.dataframe[0].value
    lesson_subject = {lesson["lesson_id"]: lesson["subject_id"] for lesson in raw("lessons")}
    expected = {}
    for mark in raw("marks"):
        if lesson_subject[mark["lesson_id"]] == subject_id:
            expected[mark["pupil_id"]] = expected.get(mark["pupil_id"], 0) + 1
    everyone = names()
    got = dict(zip(table["Ученик"], table["Отметок"], strict=True))
    assert got == {everyone[p]: expected.get(p, 0) for p in {e["pupil_id"] for e in raw("enrolments")}}


def test_parent_council_sees_no_names_and_no_batches(dashboard_env):
    at = signed_in("sovet")
    assert not at.exception
    text = page_text(at)
    assert not any(n in text for n in names().values())
    assert "Сводка по школе" in text


def test_session_expires_after_inactivity(dashboard_env, monkeypatch):
    import datetime as dt

    import dashboards.auth as auth

    moment = [dt.datetime(2026, 3, 2, 10, 0)]
    monkeypatch.setattr(auth, "_clock", lambda: moment[0])
    at = signed_in("zavuch")
    assert at.title[0].value != "Вход"
    moment[0] += dt.timedelta(minutes=31)
    at.run()
    assert at.title[0].value == "Вход"
    assert "бездействия" in at.info[0].value


def test_sign_out(dashboard_env):
    at = signed_in("zavuch")
    at.button(key="auth_sign_out").click().run()
    assert at.title[0].value == "Вход"


def test_admin_adds_and_disables_a_user_from_the_page(dashboard_env, tmp_path, monkeypatch):
    import re

    from ejournal.access.accounts import AccountStore

    access = tmp_path / "admin-access.sqlite"
    AccountStore(access).add(
        "admin", "Админ", ACCOUNTS["admin"][0], PASSWORD, school_id="sch-0001", must_change_password=False
    )
    monkeypatch.setenv("EJOURNAL_ACCESS_DB", str(access))
    at = signed_in("admin")
    at.switch_page("app_pages/admin.py").run()
    assert not at.exception
    at.text_input(key="admin_login").input("novyi.zavuch")
    at.text_input(key="admin_name").input("Новый завуч")
    at.selectbox(key="admin_role").select(ACCOUNTS["zavuch"][0])
    next(b for b in at.button if b.label == "Добавить").click().run()
    message = at.success[0].value
    password = re.search(r"один раз\): (\S+)", message).group(1)
    store = AccountStore(access)
    assert store.authenticate("novyi.zavuch", password).must_change_password
    at.selectbox(key="admin_target").select("novyi.zavuch")
    at.button(key="admin_disable").click().run()
    assert store.get("novyi.zavuch").is_disabled
    events = " ".join(at.dataframe[1].value["Событие"])
    assert "пользователь добавлен" in events and "пользователь отключён" in events


def test_admin_adds_a_region_account_only_with_a_region(dashboard_env, tmp_path, monkeypatch):
    from ejournal.access.accounts import AccountStore, Role

    access = tmp_path / "admin-access.sqlite"
    AccountStore(access).add("admin", "Админ", Role.ADMIN, PASSWORD, school_id="sch-0001", must_change_password=False)
    monkeypatch.setenv("EJOURNAL_ACCESS_DB", str(access))
    at = signed_in("admin")
    at.switch_page("app_pages/admin.py").run()
    at.text_input(key="admin_login").input("mo.khimki")
    at.text_input(key="admin_name").input("Управление образования")
    at.selectbox(key="admin_role").select(Role.REGION)
    next(b for b in at.button if b.label == "Добавить").click().run()
    assert "нужен код региона" in at.error[0].value
    at.text_input(key="admin_region").input("50")
    at.text_input(key="admin_municipality").input("г. Химки")
    next(b for b in at.button if b.label == "Добавить").click().run()
    assert not at.exception and "добавлен" in at.success[0].value
    account = AccountStore(access).get("mo.khimki")
    assert (account.role, account.region_id, account.municipality, account.school_id) == (
        Role.REGION,
        "50",
        "г. Химки",
        None,
    )
    at.run()
    users = at.dataframe[0].value
    assert users[users["Логин"] == "mo.khimki"]["Регион"].iloc[0] == "50, г. Химки"


def test_every_page_is_in_exactly_one_navigation_section():
    from dashboards.navigation import SECTIONS

    listed = [file for files in SECTIONS.values() for file in files]
    assert sorted(listed) == sorted(PAGES)
