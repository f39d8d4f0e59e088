"""Local accounts: argon2-hashed passwords, lockout after repeated failures, roles.

Time comes from a clock argument so that lockout and expiry are tested without waiting.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError

from ejournal.access.audit import record
from ejournal.access.store import open_store

Clock = Callable[[], dt.datetime]

MAX_FAILED_ATTEMPTS = 5
LOCKOUT = dt.timedelta(minutes=15)
MIN_PASSWORD_LENGTH = 10
LOGIN_PATTERN = re.compile(r"^[a-z0-9._-]{3,40}$")

_HASHER = PasswordHasher()


class Role(StrEnum):
    ADMIN = "admin"
    DIRECTOR = "director"
    DEPUTY = "deputy"
    CLASS_TEACHER = "class_teacher"
    TEACHER = "teacher"
    PARENT_COUNCIL = "parent_council"
    REGION = "region"

    @property
    def title(self) -> str:
        return ROLE_TITLES[self]


# A school's staff: every such account belongs to one school and sees only that school.
SCHOOL_ROLES = frozenset({Role.DIRECTOR, Role.DEPUTY, Role.CLASS_TEACHER, Role.TEACHER, Role.PARENT_COUNCIL})

ROLE_TITLES = {
    Role.ADMIN: "администратор",
    Role.DIRECTOR: "директор",
    Role.DEPUTY: "заместитель директора",
    Role.CLASS_TEACHER: "классный руководитель",
    Role.TEACHER: "учитель",
    Role.PARENT_COUNCIL: "родительский совет",
    Role.REGION: "специалист органа управления образованием",
}


class AccessError(Exception):
    """A refusal with a message for the person at the keyboard (Russian, no internals)."""


@dataclass(frozen=True)
class Account:
    login: str
    display_name: str
    role: Role
    school_id: str | None
    teacher_id: str | None
    is_disabled: bool
    must_change_password: bool
    n_failed_attempts: int
    locked_until: dt.datetime | None
    region_id: str | None = None
    municipality: str | None = None
    # Counts the times the password was set: a session begun under an older one is over.
    password_version: int = 0


def _now(clock: Clock | None) -> dt.datetime:
    return (clock or dt.datetime.now)()


def _row_to_account(row: tuple) -> Account:
    login, name, role, school, teacher, disabled, must_change, failed, locked, region, municipality, version = row
    return Account(
        login,
        name,
        Role(role),
        school,
        teacher,
        bool(disabled),
        bool(must_change),
        failed,
        dt.datetime.fromisoformat(locked) if locked else None,
        region,
        municipality,
        version,
    )


_COLUMNS = (
    "login, display_name, role_code, school_id, teacher_id, is_disabled, must_change_password, "
    "n_failed_attempts, locked_until, region_id, municipality, password_version"
)


@dataclass(frozen=True)
class Binding:
    """What an account is tied to: a school and teacher for school roles, a region for the authority."""

    school_id: str | None = None
    teacher_id: str | None = None
    region_id: str | None = None
    municipality: str | None = None


def binding_for(
    role: Role,
    *,
    school_id: str | None = None,
    teacher_id: str | None = None,
    region_id: str | None = None,
    municipality: str | None = None,
) -> Binding:
    """The binding a role uses (the others left empty), or a refusal when a required one is missing."""
    if role is Role.REGION:
        region_id = (region_id or "").strip() or None
        if region_id is None:
            raise AccessError(
                "Для специалиста органа управления образованием нужен код региона (как в выгрузке, например 50)"
            )
        return Binding(region_id=region_id, municipality=(municipality or "").strip() or None)
    school_id = (school_id or "").strip() or None
    if role in SCHOOL_ROLES and school_id is None:
        raise AccessError(school_required(role))
    if role in (Role.TEACHER, Role.CLASS_TEACHER) and not teacher_id:
        raise AccessError("Для учителя и классного руководителя нужен ид учителя из выгрузки")
    return Binding(school_id=school_id, teacher_id=teacher_id)


def school_required(role: Role) -> str:
    """The refusal for a school's staff account (or viewer) that belongs to no school."""
    return (
        f"Учётная запись с ролью «{role.title}» должна принадлежать школе: укажите ид школы из выгрузки "
        "(--school-id); без школы она не видит ничего"
    )


def region_text(account: Account) -> str:
    """«50» or «50, г. Сергиев Посад» for a regional account, empty for the others (lists of users)."""
    return ", ".join(part for part in (account.region_id, account.municipality) if part)


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccessError(f"Пароль должен быть не короче {MIN_PASSWORD_LENGTH} символов")
    if password.isdigit() or password.isalpha():
        raise AccessError("Пароль должен содержать и буквы, и цифры или знаки")


def generate_password() -> str:
    """A random password that passes the strength rule (shown once to the administrator)."""
    return secrets.token_urlsafe(12) + "-7"


class AccountStore:
    """Accounts and sign-in over the access store file."""

    def __init__(self, path: Path, clock: Clock | None = None):
        self.path = path
        self.clock = clock

    def add(
        self,
        login: str,
        display_name: str,
        role: Role,
        password: str,
        *,
        school_id: str | None = None,
        teacher_id: str | None = None,
        region_id: str | None = None,
        municipality: str | None = None,
        actor: str = "system",
        must_change_password: bool = True,
    ) -> Account:
        login = login.strip().lower()
        if not LOGIN_PATTERN.match(login):
            raise AccessError("Логин: 3–40 символов, латинские буквы, цифры, точка, дефис, подчёркивание")
        bound = binding_for(
            role, school_id=school_id, teacher_id=teacher_id, region_id=region_id, municipality=municipality
        )
        check_password_strength(password)
        now = _now(self.clock).isoformat()
        with open_store(self.path) as con:
            if con.execute("select 1 from account where login = ?", [login]).fetchone():
                raise AccessError(f"Пользователь «{login}» уже есть")
            con.execute(
                "insert into account (login, display_name, role_code, school_id, teacher_id, region_id, "
                "municipality, password_hash, must_change_password, created_at, password_changed_at) "
                "values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    login,
                    display_name,
                    role.value,
                    bound.school_id,
                    bound.teacher_id,
                    bound.region_id,
                    bound.municipality,
                    _HASHER.hash(password),
                    int(must_change_password),
                    now,
                    now,
                ],
            )
            record(con, "user_added", actor, object_text=login, details={"role": role.value}, now=now)
        return self.get(login)

    def get(self, login: str) -> Account:
        account = self.find(login)
        if account is None:
            raise AccessError(f"Пользователя «{login}» нет")
        return account

    def find(self, login: str) -> Account | None:
        """The account as stored now, or None when there is no such login (any more)."""
        with open_store(self.path) as con:
            row = con.execute(f"select {_COLUMNS} from account where login = ?", [login.strip().lower()]).fetchone()
        return None if row is None else _row_to_account(row)

    def list(self) -> list[Account]:
        with open_store(self.path) as con:
            rows = con.execute(f"select {_COLUMNS} from account order by role_code, login").fetchall()
        return [_row_to_account(r) for r in rows]

    def assign(
        self,
        login: str,
        role: Role,
        *,
        school_id: str | None,
        teacher_id: str | None,
        region_id: str | None = None,
        municipality: str | None = None,
        actor: str,
    ) -> None:
        """Change an account's role and the school, teacher or region it is tied to."""
        bound = binding_for(
            role, school_id=school_id, teacher_id=teacher_id, region_id=region_id, municipality=municipality
        )
        with open_store(self.path) as con:
            done = con.execute(
                "update account set role_code = ?, school_id = ?, teacher_id = ?, region_id = ?, municipality = ? "
                "where login = ?",
                [role.value, bound.school_id, bound.teacher_id, bound.region_id, bound.municipality, login],
            ).rowcount
            if not done:
                raise AccessError(f"Пользователя «{login}» нет")
            record(
                con,
                "user_changed",
                actor,
                object_text=login,
                details={"role": role.value},
                now=_now(self.clock).isoformat(),
            )

    def set_disabled(self, login: str, disabled: bool, *, actor: str) -> None:
        with open_store(self.path) as con:
            done = con.execute("update account set is_disabled = ? where login = ?", [int(disabled), login]).rowcount
            if not done:
                raise AccessError(f"Пользователя «{login}» нет")
            record(
                con,
                "user_disabled" if disabled else "user_enabled",
                actor,
                object_text=login,
                now=_now(self.clock).isoformat(),
            )

    def reset_password(self, login: str, new_password: str, *, actor: str, must_change: bool = True) -> None:
        """Set a temporary password (to be changed at the next sign-in) and lift any lockout."""
        check_password_strength(new_password)
        now = _now(self.clock).isoformat()
        with open_store(self.path) as con:
            done = con.execute(
                "update account set password_hash = ?, must_change_password = ?, n_failed_attempts = 0, "
                "locked_until = null, password_changed_at = ?, password_version = password_version + 1 where login = ?",
                [_HASHER.hash(new_password), int(must_change), now, login],
            ).rowcount
            if not done:
                raise AccessError(f"Пользователя «{login}» нет")
            record(con, "password_reset", actor, object_text=login, now=now)

    def change_password(self, login: str, old_password: str, new_password: str) -> Account:
        """Set the account's own new password; the account as it is now (its new password version)."""
        self.authenticate(login, old_password, audit_success=False)
        if old_password == new_password:
            raise AccessError("Новый пароль должен отличаться от прежнего")
        check_password_strength(new_password)
        now = _now(self.clock).isoformat()
        with open_store(self.path) as con:
            con.execute(
                "update account set password_hash = ?, must_change_password = 0, password_changed_at = ?, "
                "password_version = password_version + 1 where login = ?",
                [_HASHER.hash(new_password), now, login],
            )
            record(con, "password_changed", login, object_text=login, now=now)
        return self.get(login)

    def authenticate(self, login: str, password: str, *, audit_success: bool = True) -> Account:
        """The account if the password is right; counts failures and locks after five of them.

        Failures are committed before the refusal is raised, so they count even though sign-in fails.
        """
        login = login.strip().lower()
        now = _now(self.clock)
        with open_store(self.path) as con:
            refusal = self._check(con, login, password, now, audit_success)
        if refusal:
            raise AccessError(refusal)
        return self.get(login)

    def _check(self, con, login: str, password: str, now: dt.datetime, audit_success: bool) -> str | None:
        at = now.isoformat()
        row = con.execute(f"select {_COLUMNS}, password_hash from account where login = ?", [login]).fetchone()
        if row is None:
            _HASHER.hash(password)  # same work as a real check: no timing hint that the login is unknown
            record(con, "sign_in_failed", None, object_text=login, details={"reason": "unknown_login"}, now=at)
            return "Неверный логин или пароль"
        account, password_hash = _row_to_account(row[:-1]), row[-1]
        if account.is_disabled:
            record(con, "sign_in_failed", login, details={"reason": "disabled"}, now=at)
            return "Учётная запись отключена: обратитесь к администратору"
        if account.locked_until and account.locked_until > now:
            minutes = max(1, int((account.locked_until - now).total_seconds() // 60) + 1)
            minutes = min(minutes, int(LOCKOUT.total_seconds() // 60))
            record(con, "sign_in_failed", login, details={"reason": "locked"}, now=at)
            return f"Слишком много неудачных попыток: вход заблокирован ещё на {minutes} мин."
        try:
            _HASHER.verify(password_hash, password)
        except (VerifyMismatchError, InvalidHashError):
            failed = account.n_failed_attempts + 1
            locked = (now + LOCKOUT).isoformat() if failed >= MAX_FAILED_ATTEMPTS else None
            con.execute(
                "update account set n_failed_attempts = ?, locked_until = ? where login = ?",
                [0 if locked else failed, locked, login],
            )
            record(con, "sign_in_failed", login, details={"reason": "password", "locked": bool(locked)}, now=at)
            if locked:
                return "Слишком много неудачных попыток: вход заблокирован на 15 мин."
            return "Неверный логин или пароль"
        con.execute("update account set n_failed_attempts = 0, locked_until = null where login = ?", [login])
        if audit_success:
            record(con, "sign_in", login, actor_role=account.role.value, now=at)
        return None
