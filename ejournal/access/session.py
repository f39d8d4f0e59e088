"""Dashboard sessions: a signed-in viewer expires after a stretch of inactivity, and ends at once
when the account behind it is disabled, removed, re-bound or its password is set again."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ejournal.access.accounts import SCHOOL_ROLES, Account, Clock
from ejournal.access.viewer import Viewer

# Why an open session was ended by a change of its account: (audit reason, notice for the person).
ACCOUNT_GONE = ("account_removed", "Учётной записи больше нет. Обратитесь к администратору.")
ACCOUNT_DISABLED = ("account_disabled", "Учётная запись отключена: обратитесь к администратору.")
ACCOUNT_CHANGED = ("account_changed", "Роль или привязка учётной записи изменены. Войдите снова.")
PASSWORD_CHANGED = ("password_changed", "Пароль учётной записи изменён. Войдите снова.")


@dataclass
class Session:
    viewer: Viewer
    last_seen: dt.datetime
    must_change_password: bool = False
    password_version: int = 0

    @classmethod
    def begin(cls, account: Account, now: dt.datetime) -> Session:
        """The session a successful sign-in opens for the account as it is now."""
        return cls(Viewer.of(account), now, account.must_change_password, account.password_version)

    def touch(self, now: dt.datetime, idle_minutes: int) -> bool:
        """Record activity; False (and nothing recorded) when the session has already expired."""
        if now - self.last_seen > dt.timedelta(minutes=idle_minutes):
            return False
        self.last_seen = now
        return True

    def renew(self, account: Account) -> None:
        """Carry on after the person set their own password (the new version is theirs)."""
        self.password_version = account.password_version
        self.must_change_password = account.must_change_password

    def ended_by(self, account: Account | None) -> tuple[str, str] | None:
        """Why the account as stored now ends this session (reason, notice), or None while it holds."""
        if account is None:
            return ACCOUNT_GONE
        if account.is_disabled:
            return ACCOUNT_DISABLED
        if account.role in SCHOOL_ROLES and not account.school_id:
            return ACCOUNT_CHANGED
        if Viewer.of(account) != self.viewer:
            return ACCOUNT_CHANGED
        if account.password_version != self.password_version:
            return PASSWORD_CHANGED
        return None


def now_from(clock: Clock | None) -> dt.datetime:
    return (clock or dt.datetime.now)()
