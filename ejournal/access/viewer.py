"""The viewer: the signed-in person every query takes, and what their role may see."""

from __future__ import annotations

from dataclasses import dataclass

from ejournal.access.accounts import SCHOOL_ROLES, AccessError, Account, Role, school_required

PUPIL_LEVEL_ROLES = frozenset({Role.DEPUTY, Role.CLASS_TEACHER, Role.TEACHER})
AGGREGATE_ROLES = frozenset({Role.DIRECTOR, Role.PARENT_COUNCIL, Role.DEPUTY})
SMALL_GROUP_ROLES = frozenset({Role.DIRECTOR, Role.PARENT_COUNCIL, Role.REGION})
MIN_GROUP_SIZE = 5


@dataclass(frozen=True)
class Viewer:
    login: str
    role: Role
    school_id: str | None = None
    teacher_id: str | None = None
    region_id: str | None = None
    municipality: str | None = None

    def __post_init__(self) -> None:
        # The query layer takes a viewer for every read: a school's staff member bound to no school
        # cannot exist, so no query can fall back to every school of a multi-school warehouse.
        if self.role in SCHOOL_ROLES and not self.school_id:
            raise AccessError(school_required(self.role))

    @classmethod
    def of(cls, account: Account) -> Viewer:
        return cls(
            account.login, account.role, account.school_id, account.teacher_id, account.region_id, account.municipality
        )

    @property
    def sees_pupils(self) -> bool:
        """Names and pupil-level figures: deputy director, class teachers and teachers only."""
        return self.role in PUPIL_LEVEL_ROLES

    @property
    def sees_aggregates(self) -> bool:
        """School-wide figures by class and subject (no names)."""
        return self.role in AGGREGATE_ROLES

    @property
    def sees_region(self) -> bool:
        """The education authority: the schools of its region (or municipality) by name, no school pages."""
        return self.role is Role.REGION

    @property
    def manages_users(self) -> bool:
        return self.role is Role.ADMIN

    @property
    def suppresses_small_groups(self) -> bool:
        """Director, parent council and the authority: any figure describing fewer than 5 pupils is hidden."""
        return self.role in SMALL_GROUP_ROLES
