"""Demo accounts for `make demo`: one per role, tied to real teachers of the sample school and,
for the education authority, to the sample school's region."""

from __future__ import annotations

from pathlib import Path

from ejournal.access.accounts import AccessError, AccountStore, Role, generate_password
from warehouse.db import connect


def demo_accounts(db_path: Path, access_db: Path) -> list[tuple[str, str, str]]:
    """Create (or reset) the demo accounts; returns (login, role title, password) to print."""
    with connect(db_path, read_only=True) as con:
        school_id, class_teacher = con.execute(
            "select school_id, class_teacher_id from dim_class where class_teacher_id is not null "
            "order by grade desc, class_name limit 1"
        ).fetchone()
        teacher = con.execute(
            "select teacher_id from fct_lesson where school_id = ? and teacher_id <> ? "
            "group by teacher_id order by count(*) desc, teacher_id limit 1",
            [school_id, class_teacher],
        ).fetchone()[0]
        (region_id,) = con.execute("select region_id from dim_school where school_id = ?", [school_id]).fetchone()
    wanted = [
        ("admin", "Администратор ЭЖ", Role.ADMIN, None),
        ("zavuch", "Заместитель директора по УВР", Role.DEPUTY, None),
        ("director", "Директор", Role.DIRECTOR, None),
        ("klruk", "Классный руководитель", Role.CLASS_TEACHER, class_teacher),
        ("uchitel", "Учитель", Role.TEACHER, teacher),
        ("sovet", "Родительский совет", Role.PARENT_COUNCIL, None),
        ("region", "Управление образования", Role.REGION, None),
    ]
    store = AccountStore(access_db)
    printed = []
    for login, name, role, teacher_id in wanted:
        password = generate_password()
        bound = {"school_id": school_id, "teacher_id": teacher_id, "region_id": region_id}
        try:
            store.add(login, name, role, password, **bound, actor="demo", must_change_password=False)
        except AccessError:  # left by an earlier demo, maybe of another sample school: re-point it
            store.assign(login, role, **bound, actor="demo")
            store.set_disabled(login, False, actor="demo")
            store.reset_password(login, password, actor="demo", must_change=False)
        printed.append((login, role.title, password))
    return printed
