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
from ejournal.formatting import decimal
from report_templates.render import ru_date
from report_templates.table_document import Document, Section, class_signatures, school_header
from warehouse.class_period import find_class_period
from warehouse.queries import visible_classes

TITLE = "Выписка из электронного журнала для родителей"
ROLES = frozenset({Role.DEPUTY, Role.CLASS_TEACHER})

_LESSONS = """
    with lessons as (
        select school_id, lesson_id from fct_attendance
        where school_id = $school_id and pupil_id = $pupil_id and lesson_date between $start and $end
        union
        select school_id, lesson_id from fct_mark
        where school_id = $school_id and pupil_id = $pupil_id and lesson_date between $start and $end
    ),
    marks as (
        select m.school_id, m.lesson_id,
            string_agg(m.mark_value || ' (' || coalesce(w.work_type_name, m.work_type_id) || ')', '; '
                order by m.entered_at, m.mark_id) as marks_text
        from fct_mark as m
        left join dim_work_type as w on w.school_id = m.school_id and w.work_type_id = m.work_type_id
        where m.school_id = $school_id and m.pupil_id = $pupil_id and m.lesson_date between $start and $end
        group by m.school_id, m.lesson_id
    )
    select l.lesson_date, l.lesson_number, s.subject_name, coalesce(l.topic, ''), coalesce(l.homework, ''),
        coalesce(marks.marks_text, ''), coalesce(a.absence_code, '')
    from lessons
    join fct_lesson as l on l.school_id = lessons.school_id and l.lesson_id = lessons.lesson_id
    join dim_subject as s on s.school_id = l.school_id and s.subject_id = l.subject_id
    left join marks on marks.school_id = l.school_id and marks.lesson_id = l.lesson_id
    left join fct_attendance as a on a.school_id = l.school_id and a.lesson_id = l.lesson_id
        and a.pupil_id = $pupil_id
    order by l.lesson_date, l.lesson_number, s.subject_name
"""

_SUBJECTS = """
    with lessons as (
        select school_id, subject_id, lesson_id, absence_code, is_absent, is_excused, is_illness, is_late
        from fct_attendance
        where school_id = $school_id and pupil_id = $pupil_id and lesson_date between $start and $end
    ),
    marks as (
        select school_id, subject_id, count(*) as n_marks, sum(sum_numeric) as s, sum(n_numeric) as n,
            sum(sum_numeric * weight) as sw, sum(n_numeric * weight) as nw
        from fct_mark
        where school_id = $school_id and pupil_id = $pupil_id and lesson_date between $start and $end
        group by school_id, subject_id
    ),
    attendance as (
        select school_id, subject_id, count(*) as n_lessons,
            count(*) filter (where is_absent) as n_absent,
            count(*) filter (where is_excused) as n_excused,
            count(*) filter (where is_illness) as n_illness,
            count(*) filter (where is_late) as n_late
        from lessons group by school_id, subject_id
    ),
    subjects as (
        select school_id, subject_id from attendance union select school_id, subject_id from marks
    )
    select s.subject_name, coalesce(a.n_lessons, 0), coalesce(m.n_marks, 0),
        m.s / nullif(m.n, 0), m.sw / nullif(m.nw, 0),
        coalesce(a.n_absent, 0), coalesce(a.n_excused, 0), coalesce(a.n_illness, 0), coalesce(a.n_late, 0)
    from subjects
    join dim_subject as s on s.school_id = subjects.school_id and s.subject_id = subjects.subject_id
    left join marks as m on m.school_id = subjects.school_id and m.subject_id = subjects.subject_id
    left join attendance as a on a.school_id = subjects.school_id and a.subject_id = subjects.subject_id
    order by s.subject_name
"""


def build(con: duckdb.DuckDBPyConnection, viewer: Viewer, pupil_id: str, start: dt.date, end: dt.date) -> Document:
    """The statement of one pupil (by id) from ``start`` to ``end``, both inclusive."""
    if viewer.role not in ROLES:
        raise AccessError(f"Документ «{TITLE}» формирует классный руководитель или заместитель директора")
    if end < start:
        raise AccessError(f"Период выписки: дата окончания {ru_date(end)} раньше даты начала {ru_date(start)}")
    pupil = con.execute(
        "select school_id, full_name from dim_pupil where pupil_id = $pupil_id "
        "and ($school_id is null or school_id = $school_id)",
        {"pupil_id": pupil_id, "school_id": viewer.school_id},
    ).fetchone()
    if pupil is None:
        raise AccessError(f"Нет ученика с идентификатором «{pupil_id}» в хранилище")
    school_id, full_name = pupil
    classes = con.execute(
        "select distinct r.class_id, c.class_name, c.class_teacher_name from int_roster as r "
        "join dim_class as c on c.school_id = r.school_id and c.class_id = r.class_id "
        "where r.school_id = $school_id and r.pupil_id = $pupil_id and r.roster_kind_code = 'class' "
        "and r.start_date <= $end and (r.end_date is null or r.end_date >= $start) order by c.class_name",
        {"school_id": school_id, "pupil_id": pupil_id, "start": start, "end": end},
    ).fetchall()
    visible = {c for c, _ in visible_classes(con, viewer)}
    if not classes or any(class_id not in visible for class_id, _, _ in classes):
        raise AccessError("Ученик не числится в доступном вам классе в эти даты")
    params = {"school_id": school_id, "pupil_id": pupil_id, "start": start, "end": end}
    lessons = con.execute(_LESSONS, params).fetchall()
    subjects = con.execute(_SUBJECTS, params).fetchall()
    summary_rows = [
        [name, n_lessons, n_marks, decimal(mean, 2), decimal(weighted, 2), n_absent, n_excused, n_illness, n_late]
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
    pupils = con.execute(
        "select distinct r.pupil_id, p.full_name from int_roster as r "
        "join dim_pupil as p on p.school_id = r.school_id and p.pupil_id = r.pupil_id "
        "where r.school_id = $school_id and r.class_id = $class_id and r.roster_kind_code = 'class' "
        "and r.start_date <= $end and (r.end_date is null or r.end_date >= $start) order by p.full_name",
        {"school_id": cp.school_id, "class_id": cp.class_id, "start": cp.start_date, "end": cp.end_date},
    ).fetchall()
    return [tuple(row) for row in pupils], cp.start_date, cp.end_date
