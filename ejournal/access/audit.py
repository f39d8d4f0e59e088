"""The audit log: who did what and when. Append-only (SQLite triggers refuse updates and
deletes); details never carry pupils' names or marks, only identifiers of objects and counts."""

from __future__ import annotations

import datetime as dt
import json
import re
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from ejournal.access.store import open_store

EVENT_TITLES = {
    "sign_in": "вход",
    "sign_in_failed": "неудачный вход",
    "sign_out": "выход",
    "session_expired": "сеанс истёк",
    "session_revoked": "сеанс завершён: учётная запись изменена",
    "page_viewed": "просмотр страницы с данными учеников",
    "download": "скачивание",
    "report": "формирование документа",
    "user_added": "пользователь добавлен",
    "user_changed": "роль пользователя изменена",
    "user_disabled": "пользователь отключён",
    "user_enabled": "пользователь включён",
    "password_reset": "пароль сброшен",
    "password_changed": "пароль изменён",
    "pupil_forget_started": "удаление данных ученика начато",
    "pupil_forgotten": "данные ученика удалены",
    "backup": "резервная копия",
    "restore": "восстановление из копии",
    "norms_changed": "нормы школы изменены",
    "upload": "загрузка данных с панели",
}


# What each detail of an event says, in the words of the audit table («as_of=2026-12-04» → «на дату 04.12.2026»).
DETAIL_TITLES = {
    "as_of": "на дату",
    "day": "на дату",
    "class_id": "класс",
    "subject_id": "предмет",
    "period": "период",
    "level": "разрез",
    "n_at_risk": "учеников в зоне риска",
    "n_pupils": "учеников",
    "n_cases": "случаев",
    "n_flagged": "отмечено",
    "files": "файлов",
    "documents": "документов",
    "failed": "не удалось",
    "rows": "строк",
    "forgotten_again": "удалено повторно",
    "role": "роль",
    "reason": "причина",
    "locked": "заблокирован",
    "sizes": "размеры, байт",
    "sha256": "контрольные суммы",
    "outcome": "итог",
    "batches": "партии загрузки",
    "changed": "изменено",
}
# The codes details carry as values, by detail; the caller adds names it knows (roles, classes, subjects).
VALUE_TITLES: dict[str, dict[str, str]] = {
    "reason": {
        "unknown_login": "неизвестный логин",
        "disabled": "учётная запись отключена",
        "locked": "учётная запись заблокирована",
        "password": "неверный пароль",
        "account_removed": "учётной записи больше нет",
        "account_disabled": "учётная запись отключена",
        "account_changed": "роль или привязка изменены",
        "password_changed": "пароль изменён",
        "empty": "файлы не выбраны",
        "too_big": "больше предела размера",
        "busy": "шла другая загрузка",
    },
    "outcome": {
        "loaded": "загружено",
        "unchanged": "без изменений",
        "loaded_with_rejections": "загружено, часть строк отклонена",
        "refused": "отклонено",
        "failed": "сбой",
    },
}
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
Names = Mapping[str, Mapping[str, str]]


def moment_text(event_at: str) -> str:
    """«2026-12-04T14:30:12.5» → «04.12.2026 14:30»."""
    day, _, time = event_at.partition("T")
    return f"{_date_text(day)} {time[:5]}".strip()


def _date_text(value: str) -> str:
    found = _ISO_DATE.match(value)
    return f"{found.group(3)}.{found.group(2)}.{found.group(1)}" if found else value


def _detail_value(key: str, value: object, names: Names) -> str:
    if isinstance(value, bool):
        return "да" if value else "нет"
    if isinstance(value, list | tuple):
        return ", ".join(_detail_value(key, item, names) for item in value)
    text = str(value)
    known = {**VALUE_TITLES.get(key, {}), **names.get(key, {})}
    return known.get(text, _date_text(text))


def details_text(details: dict, names: Names | None = None) -> str:
    """The details in words: «на дату 04.12.2026, класс 7А» (`names`: detail → code → name)."""
    names = names or {}
    return ", ".join(f"{DETAIL_TITLES.get(k, k)} {_detail_value(k, v, names)}" for k, v in details.items())


@dataclass(frozen=True)
class AuditEvent:
    event_id: int
    event_at: str
    actor_login: str | None
    actor_role: str | None
    event_code: str
    object_text: str | None
    details: dict

    def as_row(self, names: Names | None = None, objects: Mapping[str, str] | None = None) -> dict[str, object]:
        """The event as the audit table shows it (console, dashboard, XLSX): Russian headers, in order,
        in words: `names` gives names by detail and code (``role`` → role titles, ``class_id`` → class
        names …), `objects` the titles of objects (pages, documents, files)."""
        names = names or {}
        role = self.actor_role or ""
        return {
            "№": self.event_id,
            "Когда": moment_text(self.event_at),
            "Кто": self.actor_login or "",
            "Роль": names.get("role", {}).get(role, role),
            "Событие": EVENT_TITLES.get(self.event_code, self.event_code),
            "Объект": (objects or {}).get(self.object_text or "", self.object_text or ""),
            "Подробности": details_text(self.details, names),
        }


def record(
    con: sqlite3.Connection,
    event_code: str,
    actor: str | None,
    *,
    actor_role: str | None = None,
    object_text: str | None = None,
    details: dict | None = None,
    now: str | None = None,
) -> None:
    """Append one event inside the caller's transaction."""
    if event_code not in EVENT_TITLES:
        raise ValueError(f"unknown audit event {event_code}")
    con.execute(
        "insert into audit_log (event_at, actor_login, actor_role, event_code, object_text, details_json) "
        "values (?, ?, ?, ?, ?, ?)",
        [
            now or dt.datetime.now().isoformat(),
            actor,
            actor_role,
            event_code,
            object_text,
            json.dumps(details or {}, ensure_ascii=False, sort_keys=True),
        ],
    )


def log_event(path: Path, event_code: str, actor: str | None, **kwargs) -> None:
    """Append one event in its own transaction."""
    with open_store(path) as con:
        record(con, event_code, actor, **kwargs)


def read_events(path: Path, *, since: dt.datetime | None = None, limit: int = 10_000) -> list[AuditEvent]:
    with open_store(path) as con:
        rows = con.execute(
            "select event_id, event_at, actor_login, actor_role, event_code, object_text, details_json "
            "from audit_log where event_at >= ? order by event_id desc limit ?",
            [(since or dt.datetime(1970, 1, 1)).isoformat(), limit],
        ).fetchall()
    return [AuditEvent(*r[:6], json.loads(r[6] or "{}")) for r in rows]
