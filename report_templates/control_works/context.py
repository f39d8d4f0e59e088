"""«Результаты контрольных работ» of a class for a period (внутришкольный контроль, 003 app. 5 §11).

A control work is a lesson of the class with at least one mark of a control work type (the
warehouse model int_control_work). For each one written, from its control-type marks: pupils on
the list, pupils who wrote (got a numeric control mark), the distribution of marks, успеваемость = («5»+«4»+«3»)
/ marks × 100, качество = («5»+«4») / marks × 100 and the mean mark (shared/DOMAIN.md). A double
mark «4/5» counts as two marks, as in the weighted average; «1» counts with «2». Each subject
starts with the last control work before the period (the previous one) and ends with the class's
period marks in the subject (mart_period_results: N, n5…n2, н/а, успеваемость, качество,
средний балл).

Pupil-level roles only, within their scope: a class teacher their class, a subject teacher their
subjects and subgroups, the deputy director every class.
"""

from __future__ import annotations

import duckdb

from ejournal.access.viewer import Viewer
from ejournal.formatting import figure
from report_templates.render import ru_date
from report_templates.table_document import (
    Document,
    Section,
    class_signatures,
    pct,
    require_pupils,
    school_header,
)
from warehouse.class_period import find_class_period
from warehouse.class_results import control_works, subject_result

TITLE = "Результаты контрольных работ"
COLUMNS = [
    "Работа",
    "Дата",
    "Подгруппа",
    "Тема",
    "Вид работы",
    "По списку",
    "Писали",
    "«5»",
    "«4»",
    "«3»",
    "«2»",
    "Успеваемость, %",
    "Качество, %",
    "Средний балл",
]
_PERIOD_COLUMNS = ("n_pupils", "n_5", "n_4", "n_3", "n_2", "n_na", "progress_pct", "quality_pct", "mean_mark")


def _figures(n5: int, n4: int, n3: int, n2: int, total: int | None) -> list:
    n = n5 + n4 + n3 + n2
    return [
        figure(pct(n5 + n4 + n3, n)),
        figure(pct(n5 + n4, n)),
        figure(total / n if n else None, 2),
    ]


def build(con: duckdb.DuckDBPyConnection, viewer: Viewer, class_name: str, period_name: str) -> Document:
    require_pupils(viewer, TITLE)
    cp = find_class_period(con, viewer, class_name, period_name)
    works = control_works(con, viewer, cp.school_id, cp.class_id, cp.academic_year_id, cp.start_date, cp.end_date)
    by_subject: dict[tuple[str, str], list[tuple]] = {}
    for row in works:
        by_subject.setdefault((row[1], row[0]), []).append(row)
    sections = []
    for (subject_name, subject_id), rows in sorted(by_subject.items()):
        current = [r for r in rows if not r[4]]
        if not current:
            continue
        previous = [r for r in rows if r[4]][-1:]
        table = []
        for label, r in [("предыдущая", p) for p in previous] + [(f"№ {i}", c) for i, c in enumerate(current, 1)]:
            _, _, _, day, _, group, topic, kinds, expected, wrote, n5, n4, n3, n2, total = r
            table.append(
                [
                    label,
                    ru_date(day),
                    group,
                    topic,
                    kinds,
                    expected,
                    wrote,
                    n5,
                    n4,
                    n3,
                    n2,
                    *_figures(n5, n4, n3, n2, total),
                ]
            )
        period = subject_result(con, cp.school_id, cp.class_id, cp.period_id, subject_id, _PERIOD_COLUMNS)
        if period:
            n, n5, n4, n3, n2, n_na, progress, quality, mean = period
            table.append(
                [
                    "за период",
                    ru_date(cp.end_date),
                    "",
                    f"отметки за {cp.period_name}" + (f" (н/а: {n_na})" if n_na else ""),
                    "",
                    n,
                    "",
                    n5,
                    n4,
                    n3,
                    n2,
                    figure(progress),
                    figure(quality),
                    figure(mean, 2),
                ]
            )
        sections.append(Section(subject_name, COLUMNS, table, numeric=frozenset(range(5, 14)), wrap=frozenset({3})))
    school, as_of = school_header(con, cp.school_id)
    return Document(
        school=school,
        document_title=TITLE,
        subtitle=f"Класс {cp.class_name}, {cp.period_name} ({ru_date(cp.start_date)} – {ru_date(cp.end_date)})",
        sections=sections,
        signatures=class_signatures(cp.class_teacher, school)[1:],
        data_as_of=as_of,
        landscape=True,
        facts=[
            (
                "Как считается",
                "успеваемость = («5»+«4»+«3») / число отметок × 100; качество = («5»+«4») / число отметок × 100; "
                "двойная отметка «4/5» — две отметки; строка «за период» — отметки учеников класса за период "
                "(успеваемость и качество от N, включая н/а).",
            )
        ],
    )
