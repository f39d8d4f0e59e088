"""Pupil movement (движение учащихся): three documents from fct_enrolment_event and int_roster
(queried by warehouse.movement).

- «Сводная ведомость учета движения учащихся» of a class for a period: who arrived and who left,
  with dates and reasons (names: pupil-level roles only, the class within the viewer's scope).
- «Наполняемость классов»: pupils on roll in each class on the period's last day (no names).
- «Динамика движения обучающихся по школе»: per class, on roll at the period's start, arrived,
  left, on roll at its end (no names).

Counting, so that start + arrived − left = end: on roll on a day means an enrolment whose first
day is on or before it and whose last day is on or after it; arrived = first day after the
period's first day up to its last; left = last day from the period's first day to the day before
its last.
"""

from __future__ import annotations

import duckdb

from ejournal.access.accounts import AccessError, Role
from ejournal.access.viewer import Viewer
from report_templates.render import ru_date
from report_templates.table_document import (
    Document,
    Section,
    class_signatures,
    require_pupils,
    school_header,
    school_signatures,
)
from warehouse.class_period import find_class_period, find_period
from warehouse.movement import class_counts, enrolment_events, occupancy

LEDGER_TITLE = "Сводная ведомость учета движения учащихся"
OCCUPANCY_TITLE = "Наполняемость классов"
DYNAMICS_TITLE = "Динамика движения обучающихся по школе"
SCHOOL_ROLES = frozenset({Role.DEPUTY, Role.DIRECTOR})
CLASS_ROLES = frozenset({Role.DEPUTY, Role.CLASS_TEACHER})


def _require_school_role(viewer: Viewer, title: str) -> None:
    if viewer.role not in SCHOOL_ROLES:
        raise AccessError(f"Документ «{title}» доступен заместителю директора и директору")


def build_ledger(con: duckdb.DuckDBPyConnection, viewer: Viewer, class_name: str, period_name: str) -> Document:
    """«Сводная ведомость учета движения учащихся» of one class for one period: the deputy director
    any class, a class teacher their own class."""
    require_pupils(viewer, LEDGER_TITLE)
    if viewer.role not in CLASS_ROLES:
        raise AccessError(f"Документ «{LEDGER_TITLE}» формирует классный руководитель или заместитель директора")
    cp = find_class_period(con, viewer, class_name, period_name)
    counts = next(
        row
        for row in class_counts(con, cp.school_id, cp.period_id, cp.start_date, cp.end_date)
        if row[0] == cp.class_id
    )
    _, _, _, n_start, n_arrived, n_left, n_end = counts
    events = enrolment_events(con, cp.school_id, cp.class_id, cp.start_date, cp.end_date)
    school, as_of = school_header(con, cp.school_id)
    summary = Section(
        "Итоги за период",
        [
            f"На начало периода ({ru_date(cp.start_date)})",
            "Прибыло",
            "Выбыло",
            f"На конец периода ({ru_date(cp.end_date)})",
        ],
        [[n_start, n_arrived, n_left, n_end]],
        numeric=frozenset({0, 1, 2, 3}),
    )
    movement = Section(
        "Прибывшие и выбывшие",
        ["№", "Ученик", "Движение", "Дата", "Основание"],
        [
            [i, name, "прибыл" if code == "arrival" else "выбыл", ru_date(day), reason]
            for i, (name, code, day, reason) in enumerate(events, start=1)
        ],
        note="Дата прибытия — первый день в классе, дата выбытия — последний день в классе.",
        numeric=frozenset({0}),
    )
    return Document(
        school=school,
        document_title=LEDGER_TITLE,
        subtitle=f"Класс {cp.class_name}, {cp.period_name} ({ru_date(cp.start_date)} – {ru_date(cp.end_date)})",
        sections=[summary, movement],
        signatures=class_signatures(cp.class_teacher, school),
        data_as_of=as_of,
    )


def _school_counts(con: duckdb.DuckDBPyConnection, viewer: Viewer, period_name: str):
    school_id, period_id, start, end = find_period(con, viewer, period_name)
    return school_id, start, end, class_counts(con, school_id, period_id, start, end)


def build_dynamics(con: duckdb.DuckDBPyConnection, viewer: Viewer, period_name: str) -> Document:
    """«Динамика движения обучающихся по школе» for a period: per class and for the school."""
    _require_school_role(viewer, DYNAMICS_TITLE)
    school_id, start, end, rows = _school_counts(con, viewer, period_name)
    table = [[name, n_start, n_arrived, n_left, n_end] for _, name, _, n_start, n_arrived, n_left, n_end in rows]
    totals = [sum(row[i] for row in table) for i in range(1, 5)]
    school, as_of = school_header(con, school_id)
    section = Section(
        "",
        ["Класс", f"На начало периода ({ru_date(start)})", "Прибыло", "Выбыло", f"На конец периода ({ru_date(end)})"],
        [*table, ["Итого", *totals]],
        numeric=frozenset({1, 2, 3, 4}),
    )
    return Document(
        school=school,
        document_title=DYNAMICS_TITLE,
        subtitle=f"{period_name} ({ru_date(start)} – {ru_date(end)})",
        sections=[section],
        signatures=school_signatures(school),
        data_as_of=as_of,
    )


def build_occupancy(con: duckdb.DuckDBPyConnection, viewer: Viewer, period_name: str) -> Document:
    """«Наполняемость классов» on the period's last day: pupils on roll per class, boys and girls."""
    _require_school_role(viewer, OCCUPANCY_TITLE)
    school_id, _, _, end = find_period(con, viewer, period_name)
    rows = occupancy(con, school_id, end)
    table = [list(row) for row in rows]
    totals = [sum(row[i] for row in table) for i in range(2, 5)]
    school, as_of = school_header(con, school_id)
    section = Section(
        "",
        ["Класс", "Классный руководитель", "Учащихся", "Мальчиков", "Девочек"],
        [*table, ["Итого", "", *totals]],
        numeric=frozenset({2, 3, 4}),
        note="Пол не указан у части учащихся, если сумма мальчиков и девочек меньше числа учащихся.",
    )
    return Document(
        school=school,
        document_title=OCCUPANCY_TITLE,
        subtitle=f"на {ru_date(end)} ({period_name})",
        sections=[section],
        signatures=school_signatures(school),
        data_as_of=as_of,
    )


# The catalogue (report_templates/catalogue.py) builds every class document through ``build``.
build = build_ledger
