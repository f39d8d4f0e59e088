"""«Отчет по активности пользователей» for a period (once a quarter, 000 §7.1): per teacher of the
school, days of work in the journal, lessons held and filled in on the lesson day, lesson records,
homework and marks entered, the last day of work, and the school's total — the figures of
warehouse/user_activity.py, printed as they are.

The deputy director and the director see every teacher; a teacher sees their own row; it names
no pupil, but other roles get a refusal.
"""

from __future__ import annotations

import duckdb

from ejournal.access.accounts import AccessError, Role
from ejournal.access.viewer import Viewer
from ejournal.formatting import figure
from report_templates.render import ru_date
from report_templates.table_document import Document, Section, school_header, school_signatures
from warehouse.class_period import find_period
from warehouse.user_activity import Activity, teacher_activity

TITLE = "Отчет по активности пользователей"
ROLES = frozenset({Role.DEPUTY, Role.DIRECTOR, Role.TEACHER})
COLUMNS = [
    "Учитель",
    "Дней работы в журнале",
    "Уроков проведено",
    "Из них заполнено в день урока",
    "Заполнено в день урока, %",
    "Записей уроков внесено",
    "Домашних заданий внесено",
    "Отметок выставлено",
    "Последний день работы",
]
NOTE = (
    "День работы — день, в который учитель внёс в журнал запись урока, домашнее задание или отметку. "
    "Урок заполнен в день урока, если его запись (тема, посещаемость) внесена в тот же день. "
    "Отметки — выставленные учителем в эти дни, в том числе за уроки прошлых дней."
)


def _row(a: Activity) -> list[str | int | None]:
    return [
        a.name,
        a.n_active_days,
        a.n_lessons_held,
        a.n_lessons_filled_same_day,
        figure(a.filled_same_day_pct),
        a.n_lessons_entered,
        a.n_homework_entered,
        a.n_marks_entered,
        ru_date(a.last_active_date),
    ]


def build(con: duckdb.DuckDBPyConnection, viewer: Viewer, period_name: str) -> Document:
    if viewer.role not in ROLES:
        raise AccessError(f"Документ «{TITLE}» доступен заместителю директора, директору и учителю (своя строка)")
    if viewer.role is Role.TEACHER and not viewer.teacher_id:
        raise AccessError("Учётная запись учителя не связана с учителем из выгрузки")
    school_id, _, start, end = find_period(con, viewer, period_name)
    own = viewer.teacher_id if viewer.role is Role.TEACHER else None
    teachers, total = teacher_activity(con, school_id, start, end, own)
    school, as_of = school_header(con, school_id)
    rows = [_row(a) for a in teachers] + ([_row(total)] if len(teachers) > 1 else [])
    return Document(
        school=school,
        document_title=TITLE,
        subtitle=f"Работа учителей в электронном журнале: {period_name} ({ru_date(start)} – {ru_date(end)})",
        sections=[Section("", COLUMNS, rows, note=NOTE, numeric=frozenset(range(1, len(COLUMNS))))],
        signatures=school_signatures(school),
        data_as_of=as_of,
        landscape=True,
    )
