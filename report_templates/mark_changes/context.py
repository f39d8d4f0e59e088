"""«Отчет об изменениях оценок» of a class for a period (004 §13; 001 §4.2).

Every entry of the change log (fct_mark_change) for the lessons of the class in the period:
when, who, subject, pupil, lesson date, old and new value; flagged by the journal-keeping rules
``change_after_edit_window`` and ``change_after_period_closed`` of warehouse/control_rules.py (defined
there once, with the school's norms). Then a count per teacher.

Pupil names: pupil-level roles only, and only the pupils, subjects and subgroups in the viewer's
scope (a subject teacher sees the changes in their own subjects).
"""

from __future__ import annotations

import datetime as dt

import duckdb

from ejournal.access.viewer import Viewer
from ejournal.settings import Norms, load_norms
from report_templates.render import ru_date
from report_templates.table_document import (
    Document,
    Section,
    class_signatures,
    require_pupils,
    school_header,
)
from warehouse.class_period import find_class_period
from warehouse.control_rules import Filters, violations
from warehouse.mark_changes import class_mark_changes

TITLE = "Отчет об изменениях оценок"
KINDS = {"created": "выставлена", "changed": "изменена", "deleted": "удалена"}


def build(
    con: duckdb.DuckDBPyConnection,
    viewer: Viewer,
    class_name: str,
    period_name: str,
    school_norms: Norms | None = None,
) -> Document:
    require_pupils(viewer, TITLE)
    cp = find_class_period(con, viewer, class_name, period_name)
    norms = school_norms or load_norms()
    window = norms.timeliness.mark_edit_window_days
    closed_after = cp.end_date + dt.timedelta(days=norms.timeliness.period_mark_days_after_end)
    flagged = _flagged(con, viewer, norms, cp.school_id, cp.class_id, cp.period_id)
    rows = class_mark_changes(con, viewer, cp.school_id, cp.class_id, cp.period_id)
    listing = []
    per_teacher: dict[str, list[int]] = {}
    for n, (at, who, subject, pupil, lesson_day, old, new, kind, days, lesson_id) in enumerate(rows, start=1):
        late = ("change_after_edit_window", lesson_id, at.date()) in flagged
        after_close = ("change_after_period_closed", lesson_id, at.date()) in flagged
        listing.append(
            [
                n,
                at.strftime("%d.%m.%Y %H:%M"),
                who,
                subject,
                pupil,
                ru_date(lesson_day),
                old,
                new,
                KINDS.get(kind, kind),
                "" if days is None else days,
                "да" if late else "",
                "да" if after_close else "",
            ]
        )
        counts = per_teacher.setdefault(who, [0, 0, 0])
        counts[0] += 1
        counts[1] += late
        counts[2] += after_close
    summary = [[who, *counts] for who, counts in sorted(per_teacher.items())]
    if summary:
        summary.append(["Всего", *(sum(row[i] for row in summary) for i in (1, 2, 3))])
    school, as_of = school_header(con, cp.school_id)
    return Document(
        school=school,
        document_title=TITLE,
        subtitle=f"Класс {cp.class_name}, {cp.period_name} ({ru_date(cp.start_date)} – {ru_date(cp.end_date)})",
        sections=[
            Section(
                "Изменения по учителям",
                ["Учитель", "Изменений", "после окна редактирования", "после закрытия периода"],
                summary,
                note=f"Окно редактирования — {window} дн. после урока; период закрыт после {ru_date(closed_after)}.",
                numeric=frozenset({1, 2, 3}),
            ),
            Section(
                "Журнал изменений",
                [
                    "№",
                    "Когда",
                    "Кто",
                    "Предмет",
                    "Ученик",
                    "Дата урока",
                    "Было",
                    "Стало",
                    "Изменение",
                    "Дней после урока",
                    "После окна",
                    "После закрытия",
                ],
                listing,
                numeric=frozenset({0, 9}),
                # long names wrap rather than push the table past the page's edge
                wrap=frozenset({3, 4}),
            ),
        ],
        signatures=class_signatures(cp.class_teacher, school)[1:],
        data_as_of=as_of,
        landscape=True,
    )


def _flagged(
    con: duckdb.DuckDBPyConnection, viewer: Viewer, norms: Norms, school_id: str, class_id: str, period_id: str
) -> set[tuple[str, str, dt.date]]:
    """(rule, lesson, day of the change) of the changes breaking a rule. Both rules depend only on the
    change's lesson (its date and period) and the day of the change, so this key flags exactly the
    changes the rules found, however many a mark had that day."""
    found = violations(
        con,
        viewer,
        norms,
        Filters(class_id=class_id, period_id=period_id),
        ("change_after_edit_window", "change_after_period_closed"),
    )
    found = found.filter(found["school_id"] == school_id)
    return set(found.select("rule", "lesson_id", "event_date").iter_rows())
