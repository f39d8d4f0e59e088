"""«Выписка из электронного журнала для родителей» (004 §14): one pupil, any date range.

Every lesson the pupil was on the roster for (or got a mark at) in the range, with topic,
homework, marks with their work types and the attendance code; then per subject the number of
lessons and marks, the average and the weighted average (Σ отметка·вес / Σ вес, a double mark
«4/5» counting as two marks of its weight, «зач»/«К» adding nothing), lessons missed (all, for a
good reason у/б, for illness б) and lateness.

Only the deputy director and the class teacher of the pupil's class may form it: it shows every
subject of one child. A subject teacher, the director and the parent council are refused.
"""

from __future__ import annotations

import datetime as dt

import duckdb

from ejournal.access.accounts import AccessError, Role
from ejournal.access.viewer import Viewer
from ejournal.formatting import figure
from report_templates.render import ru_date
from report_templates.table_document import Document, Section, class_signatures, school_header
from warehouse import pupil_statement as statement
from warehouse.class_period import find_class_period
from warehouse.queries import visible_classes

TITLE = "Выписка из электронного журнала для родителей"
ROLES = frozenset({Role.DEPUTY, Role.CLASS_TEACHER})


def build(con: duckdb.DuckDBPyConnection, viewer: Viewer, pupil_id: str, start: dt.date, end: dt.date) -> Document:
    """The statement of one pupil (by id) from ``start`` to ``end``, both inclusive."""
    if viewer.role not in ROLES:
        raise AccessError(f"Документ «{TITLE}» формирует классный руководитель или заместитель директора")
    if end < start:
        raise AccessError(f"Период выписки: дата окончания {ru_date(end)} раньше даты начала {ru_date(start)}")
    pupil = statement.find_pupil(con, viewer, pupil_id)
    if pupil is None:
        raise AccessError(f"Нет ученика с идентификатором «{pupil_id}» в хранилище")
    school_id, full_name = pupil
    classes = statement.pupil_classes(con, school_id, pupil_id, start, end)
    visible = {c for c, _ in visible_classes(con, viewer)}
    if not classes or any(class_id not in visible for class_id, _, _ in classes):
        raise AccessError("Ученик не числится в доступном вам классе в эти даты")
    lessons = statement.pupil_lessons(con, school_id, pupil_id, start, end)
    subjects = statement.pupil_subjects(con, school_id, pupil_id, start, end)
    summary_rows = [
        [name, n_lessons, n_marks, figure(mean, 2), figure(weighted, 2), n_absent, n_excused, n_illness, n_late]
        for name, n_lessons, n_marks, mean, weighted, n_absent, n_excused, n_illness, n_late in subjects
    ]
    if summary_rows:
        totals = [sum(row[i] for row in summary_rows) for i in (1, 2, 5, 6, 7, 8)]
        summary_rows.append(["Всего", totals[0], totals[1], "", "", *totals[2:]])
    school, as_of = school_header(con, school_id)
    class_names = ", ".join(name for _, name, _ in classes)
    return Document(
        school=school,
        document_title=TITLE,
        subtitle=f"с {ru_date(start)} по {ru_date(end)}",
        facts=[("Ученик", full_name), ("Класс", class_names)],
        sections=[
            Section(
                "Итоги по предметам",
                [
                    "Предмет",
                    "Уроков",
                    "Отметок",
                    "Средний балл",
                    "Средневзвешенный балл",
                    "Пропущено уроков",
                    "из них по уважительной причине",
                    "из них по болезни",
                    "Опозданий",
                ],
                summary_rows,
                note="Средневзвешенный балл = Σ(отметка·вес) / Σ(вес); двойная отметка «4/5» считается двумя "
                "отметками. Уважительная причина — «у» и «б», болезнь — «б».",
                numeric=frozenset(range(1, 9)),
            ),
            Section(
                "Уроки, отметки и посещаемость",
                ["Дата", "№", "Предмет", "Тема урока", "Домашнее задание", "Отметки (вид работы)", "Посещ."],
                [
                    [ru_date(day), number, subject, topic, homework, marks, code]
                    for day, number, subject, topic, homework, marks, code in lessons
                ],
                note="Посещаемость: н — без уважительной причины, у — по уважительной, б — по болезни, оп — опоздание.",
                numeric=frozenset({1}),
                wrap=frozenset({3, 4, 5}),
            ),
        ],
        signatures=class_signatures(classes[-1][2], school)[:1],
        data_as_of=as_of,
        landscape=True,
    )


def pupils_of_class(
    con: duckdb.DuckDBPyConnection, viewer: Viewer, class_name: str, period_name: str
) -> tuple[list[tuple[str, str]], dt.date, dt.date]:
    """(pupil_id, full name) of the class in the period, and the period's dates: statements for a whole class."""
    cp = find_class_period(con, viewer, class_name, period_name)
    pupils = statement.class_pupils_in(con, cp.school_id, cp.class_id, cp.start_date, cp.end_date)
    return [tuple(row) for row in pupils], cp.start_date, cp.end_date
