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
from ejournal.formatting import decimal
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
from warehouse.scope import scope_sql

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

_WORKS = """
    with scope as ({scope})
    select w.subject_id, s.subject_name, w.lesson_id, l.lesson_date, l.lesson_date < $cp_start as is_previous,
        coalesce(g.group_name, ''), coalesce(l.topic, ''),
        (select string_agg(distinct t.work_type_name, ', ' order by t.work_type_name)
            from fct_mark as m join dim_work_type as t on t.school_id = m.school_id and t.work_type_id = m.work_type_id
            where m.school_id = w.school_id and m.lesson_id = w.lesson_id and m.is_control and m.mark_1 is not null),
        l.n_pupils_expected, w.n_pupils_wrote, w.n_5, w.n_4, w.n_3, w.n_2, w.sum_marks
    from int_control_work as w
    join fct_lesson as l on l.school_id = w.school_id and l.lesson_id = w.lesson_id
    join dim_subject as s on s.school_id = l.school_id and s.subject_id = l.subject_id
    left join dim_group as g on g.school_id = l.school_id and g.group_id = l.group_id
    where w.school_id = $cp_school and w.class_id = $cp_class and w.n_pupils_wrote > 0
        and l.lesson_date <= $cp_end and l.academic_year_id = $cp_year and exists (
        select 1 from scope where scope.school_id = l.school_id and scope.class_id = l.class_id
            and scope.subject_id = l.subject_id and (scope.group_id is null or scope.group_id = l.group_id))
    order by s.subject_name, l.lesson_date, l.lesson_id
"""


def _figures(n5: int, n4: int, n3: int, n2: int, total: int | None) -> list:
    n = n5 + n4 + n3 + n2
    return [
        decimal(pct(n5 + n4 + n3, n)),
        decimal(pct(n5 + n4, n)),
        decimal(total / n if n else None, 2),
    ]


def build(con: duckdb.DuckDBPyConnection, viewer: Viewer, class_name: str, period_name: str) -> Document:
    require_pupils(viewer, TITLE)
    cp = find_class_period(con, viewer, class_name, period_name)
    scope, params = scope_sql(viewer)
    works = con.execute(
        _WORKS.format(scope=scope),
        {
            **params,
            "cp_school": cp.school_id,
            "cp_class": cp.class_id,
            "cp_start": cp.start_date,
            "cp_end": cp.end_date,
            "cp_year": cp.academic_year_id,
        },
    ).fetchall()
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
        period = con.execute(
            "select n_pupils, n_5, n_4, n_3, n_2, n_na, progress_pct, quality_pct, mean_mark from mart_period_results "
            "where school_id = ? and class_id = ? and period_id = ? and subject_id = ?",
            [cp.school_id, cp.class_id, cp.period_id, subject_id],
        ).fetchone()
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
                    decimal(progress),
                    decimal(quality),
                    decimal(mean, 2),
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
