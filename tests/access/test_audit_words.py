"""The audit log reads in words: dates as dd.mm.yyyy, details by their Russian names, codes by titles."""

from __future__ import annotations

from ejournal.access.accounts import ROLE_TITLES, AccountStore, Role
from ejournal.access.audit import log_event, read_events


def test_events_read_in_words(tmp_path):
    path = tmp_path / "access.sqlite"
    AccountStore(path).add("zavuch", "Завуч", Role.DEPUTY, "пароль-завуча-1", school_id="s1", actor="admin")
    log_event(
        path,
        "page_viewed",
        "zavuch",
        actor_role="deputy",
        object_text="attendance",
        details={"as_of": "2026-12-04", "class_id": "2026-5А"},
        now="2026-12-04T16:05:59",
    )
    viewed, added = read_events(path)
    names = {"role": ROLE_TITLES, "class_id": {"2026-5А": "5А"}}
    row = viewed.as_row(names, {"attendance": "Посещаемость"})
    assert (row["Когда"], row["Роль"], row["Событие"], row["Объект"], row["Подробности"]) == (
        "04.12.2026 16:05",
        "заместитель директора",
        "просмотр страницы с данными учеников",
        "Посещаемость",
        "на дату 04.12.2026, класс 5А",
    )
    assert added.as_row(names)["Подробности"] == "роль заместитель директора"
    assert viewed.as_row()["Подробности"] == "на дату 04.12.2026, класс 2026-5А"  # no names: the id, still in words
