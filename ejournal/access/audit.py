"""The audit log: who did what and when. Append-only (SQLite triggers refuse updates and
deletes); details never carry pupils' names or marks, only identifiers of objects and counts."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
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


@dataclass(frozen=True)
class AuditEvent:
    event_id: int
    event_at: str
    actor_login: str | None
    actor_role: str | None
    event_code: str
    object_text: str | None
    details: dict

    def as_row(self) -> dict[str, object]:
        """The event as the audit table shows it (console, dashboard, XLSX): Russian headers, in order."""
        return {
            "№": self.event_id,
            "Когда": self.event_at[:19].replace("T", " "),
            "Кто": self.actor_login or "",
            "Роль": self.actor_role or "",
            "Событие": EVENT_TITLES.get(self.event_code, self.event_code),
            "Объект": self.object_text or "",
            "Подробности": ", ".join(f"{k}={v}" for k, v in self.details.items()),
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
