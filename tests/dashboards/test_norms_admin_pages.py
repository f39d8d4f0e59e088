"""«Нормы школы» and «Пользователи и журнал действий» speak to people: words instead of codes, the
documents norms come from, the «не тема» rule as phrases, the audit log in words, a teacher's
account bound by choosing the teacher from the school's list."""

from __future__ import annotations

import re
from dataclasses import fields

import duckdb
import pytest

from dashboards.navigation import PAGES
from ejournal.access.accounts import AccountStore, Role
from ejournal.access.audit import log_event
from ejournal.settings import NORM_SECTIONS, Norms, load_norms
from tests.dashboards.conftest import PASSWORD, SCHOOL_ID, raw
from tests.dashboards.test_app_pages import page_text, signed_in

DOCUMENT_WORDS = ("Положение", "Порядок", "Приказ", "СанПиН", "Методика", "Решение школы", "Настройка")
REGEX_SIGNS = ("\\", "^", "$", "|", "[", "]", "{", "}", "*", "+", "?")
TOPIC_KEY = "norm_attestation_not_a_topic_pattern"


def _widget_text(at) -> str:
    """Everything the page's widgets say: labels, help, choices and the text in text boxes."""
    parts: list[str] = []
    for widget in (*at.selectbox, *at.number_input, *at.text_area, *at.checkbox, *at.text_input):
        parts += [widget.label, widget.help or ""]
    for box in at.selectbox:
        parts += [str(option) for option in box.options]
    parts += [area.value or "" for area in at.text_area]
    return " ".join(parts)


@pytest.fixture
def norms_page(dashboard_env, tmp_path, monkeypatch):
    """The deputy on «Нормы школы», with norms and an access store of this test (saves stay here)."""
    access = tmp_path / "norms-access.sqlite"
    AccountStore(access).add("zavuch", "Завуч", Role.DEPUTY, PASSWORD, school_id=SCHOOL_ID, must_change_password=False)
    monkeypatch.setenv("EJOURNAL_ACCESS_DB", str(access))
    monkeypatch.setenv("EJOURNAL_HOME", str(tmp_path))
    monkeypatch.delenv("EJOURNAL_NORMS", raising=False)
    at = signed_in("zavuch")
    at.switch_page("app_pages/norms.py").run()
    assert not at.exception, at.exception
    return at


def test_norms_page_says_everything_in_words_and_names_documents(norms_page):
    at = norms_page
    # the sidebar's «**zavuch** — заместитель директора»: the login as typed, in bold
    text = (page_text(at) + " " + _widget_text(at)).replace("**zavuch**", "")
    assert re.findall(r"[A-Za-z]+", text) == []  # no key, code, path or English word
    assert [sign for sign in REGEX_SIGNS if sign in text] == []
    assert ".toml" not in text and "None" not in text and "nan" not in text
    sources = [c.value for c in at.caption if c.value.startswith("Источник: ")]
    n_norms = sum(len(fields(cls)) for _, cls in NORM_SECTIONS.values())
    assert len(sources) == n_norms
    assert [s for s in sources if not any(word in s for word in DOCUMENT_WORDS)] == []
    assert [s for s in sources if "§" in s or re.search(r"\b\d{3}\b", s)] == []  # no «000 §4.6.5»
    assert "Источник: Положение о ведении электронного журнала (локальный акт школы), п. 4.6.5" in sources
    rule = at.selectbox(key="norm_timeliness_homework_deadline_rule")
    assert rule.options == ["в день урока до указанного часа", "через несколько часов после последнего урока учеников"]
    assert "(в днях)" in at.number_input(key="norm_timeliness_mark_entry_days").label
    at.text_area(key="norm_importers_work_type_weights").input("Контрольная работа = много")
    next(b for b in at.button if b.label == "Сохранить нормы").click().run()
    refusal = at.error[0].value
    assert refusal.startswith("Нормы не сохранены: ") and "«Веса видов работ по локальному акту" in refusal
    assert re.findall(r"[A-Za-z]+", refusal) == []


# (topic, not a topic under the default rule, not a topic once «повторение пройденного» is added)
TOPICS = [
    ("Урок", True, True),
    ("урок.", True, True),
    (" Тема ", True, True),
    ("Контрольная работа", True, True),
    ("Контрольная работа № 3", True, True),
    ("—", True, True),
    ("...", True, True),
    ("Повторение пройденного", False, True),
    ("повторение пройденного.", False, True),
    ("Повторение пройденного материала", False, False),
    ("Урок 5. Сложение дробей", False, False),
    ("Тема: дроби", False, False),
]


def _not_a_topic(pattern: str) -> list[bool]:
    """How the control rule classifies each topic: DuckDB's regexp_matches, as in topic_not_a_topic."""
    with duckdb.connect() as con:
        return [con.execute("select regexp_matches(?, ?)", [topic, pattern]).fetchone()[0] for topic, *_ in TOPICS]


def test_not_a_topic_is_edited_as_phrases_and_keeps_its_behaviour(norms_page, tmp_path):
    at = norms_page
    area = at.text_area(key=TOPIC_KEY)
    assert area.value.splitlines() == ["урок", "тема", "контрольная работа", "контрольная работа № …"]
    assert at.checkbox(key=f"{TOPIC_KEY}_dashes").value is True
    assert _not_a_topic(Norms().attestation.not_a_topic_pattern) == [before for _, before, _ in TOPICS]

    area.input("урок\n\n  тема \nконтрольная   работа\nконтрольная работа № …\n")  # the same list, typed loosely
    next(b for b in at.button if b.label == "Сохранить нормы").click().run()
    assert at.info[0].value == "Нормы не изменились." and not (tmp_path / "norms.toml").exists()

    at.text_area(key=TOPIC_KEY).input("урок\nтема\nконтрольная работа\nконтрольная работа № …\nПовторение пройденного")
    next(b for b in at.button if b.label == "Сохранить нормы").click().run()
    assert not at.exception, at.exception
    assert "«повторение пройденного»" in at.success[0].value.lower()
    saved = load_norms(tmp_path / "norms.toml").attestation.not_a_topic_pattern
    assert _not_a_topic(saved) == [after for _, _, after in TOPICS]
    at.run()
    assert at.text_area(key=TOPIC_KEY).value.splitlines()[-1] == "Повторение пройденного"

    at.text_area(key=TOPIC_KEY).input("")
    at.checkbox(key=f"{TOPIC_KEY}_dashes").uncheck()
    next(b for b in at.button if b.label == "Сохранить нормы").click().run()
    assert "Список «не тема» пуст" in at.error[0].value
    assert load_norms(tmp_path / "norms.toml").attestation.not_a_topic_pattern == saved


@pytest.fixture
def admin_page(dashboard_env, tmp_path, monkeypatch):
    """The administrator's page over an access store of its own (the shared one stays as it is)."""
    access = tmp_path / "admin-access.sqlite"
    AccountStore(access).add("admin", "Админ", Role.ADMIN, PASSWORD, school_id=SCHOOL_ID, must_change_password=False)
    monkeypatch.setenv("EJOURNAL_ACCESS_DB", str(access))
    return access


def test_audit_log_is_in_words(admin_page):
    the_class, subject = raw("classes")[0], raw("subjects")[0]
    details = {"as_of": "2026-12-04", "class_id": the_class["class_id"], "subject_id": subject["subject_id"]}
    log_event(
        admin_page,
        "page_viewed",
        "zavuch",
        actor_role="deputy",
        object_text="control_overview",
        details=details,
        now="2026-12-04T09:15:30.5",
    )
    log_event(admin_page, "download", "zavuch", actor_role="deputy", object_text="forecast_risk.xlsx")
    at = signed_in("admin")
    at.switch_page("app_pages/admin.py").run()
    assert not at.exception, at.exception
    log = at.dataframe[1].value
    viewed = log[log["Событие"] == "просмотр страницы с данными учеников"].iloc[0]
    assert viewed["Когда"] == "04.12.2026 09:15"
    assert viewed["Роль"] == "заместитель директора"
    assert viewed["Объект"] == PAGES["app_pages/control_overview.py"][0]
    assert viewed["Подробности"] == (
        f"на дату 04.12.2026, класс {the_class['class_name']}, предмет {subject['subject_name']}"
    )
    downloaded = log[log["Событие"] == "скачивание"].iloc[0]
    assert downloaded["Объект"] == f"{PAGES['app_pages/forecast.py'][0]} (XLSX)"
    added = log[log["Событие"] == "пользователь добавлен"].iloc[0]  # the fixture's admin account
    assert (added["Объект"], added["Подробности"]) == ("admin", "роль администратор")  # a login, not the page «admin»
    table = log.drop(columns=["Кто"]).to_csv()
    for code in ("as_of", "deputy", "control_overview", "class_id", "=", "None", "nan", the_class["class_id"]):
        assert code not in table
    assert all(re.fullmatch(r"\d{2}\.\d{2}\.\d{4} \d{2}:\d{2}", when) for when in log["Когда"])


def test_teacher_account_is_bound_by_choosing_the_teacher(admin_page):
    teachers = raw("teachers")
    full_names = [" ".join(p for p in (t["last_name"], t["first_name"], t["middle_name"]) if p) for t in teachers]
    unique = [(t, n) for t, n in zip(teachers, full_names, strict=True) if full_names.count(n) == 1]
    chosen, chosen_name = max(unique, key=lambda pair: pair[1])  # not the list's first or default entry
    at = signed_in("admin")
    at.switch_page("app_pages/admin.py").run()
    box = at.selectbox(key="admin_teacher")
    assert set(full_names) <= {option for option in box.options}  # by name, not by id
    at.text_input(key="admin_login").input("novyi.uchitel")
    at.text_input(key="admin_name").input(chosen_name)
    at.selectbox(key="admin_role").select(Role.TEACHER)
    next(b for b in at.button if b.label == "Добавить").click().run()
    assert "выберите учителя из списка" in at.error[0].value and AccountStore(admin_page).find("novyi.uchitel") is None
    box = at.selectbox(key="admin_teacher")
    box.select_index(box.options.index(chosen_name))
    next(b for b in at.button if b.label == "Добавить").click().run()
    assert not at.exception and "добавлен" in at.success[0].value
    at.run()
    account = AccountStore(admin_page).get("novyi.uchitel")
    assert (account.role, account.school_id, account.teacher_id) == (Role.TEACHER, SCHOOL_ID, chosen["teacher_id"])
    users = at.dataframe[0].value
    assert users[users["Логин"] == "novyi.uchitel"]["Учитель"].iloc[0] == chosen_name
