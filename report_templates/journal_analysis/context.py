"""«Анализ ведения журнала» for one week (Monday to Sunday), per teacher (001 §4.2).

For the lessons held that week, counted for the teacher who taught them (the replacing teacher
when there was one), with the school's norms ([timeliness] of norms.toml):

- lesson (topic) entered more than ``lesson_entry_days`` after the lesson, or never;
- no topic; a topic that names no subject matter («Урок», «Тема», «Контрольная работа № 2», a dash);
- no homework in grade 2–11 in a subject that sets homework (``no_homework_subjects``);
- homework entered after ``homework_deadline_hour`` of the lesson day (or never entered);
- current marks given at those lessons, and those entered more than ``mark_entry_days`` after
  the lesson (``written_work_entry_days`` for the work types in ``written_work_types``);
- mark changes the teacher made that week more than ``mark_edit_window_days`` after the lesson.

Then each remark on a lesson, one line per lesson. No pupil appears. The deputy director and the
director see every teacher; a teacher sees their own line only.
"""

from __future__ import annotations

import datetime as dt

import duckdb

from ejournal.access.accounts import AccessError, Role
from ejournal.access.viewer import Viewer
from report_templates.render import ru_date
from report_templates.table_document import Document, Section, school_header, school_signatures, timeliness

TITLE = "Анализ ведения журнала"
ROLES = frozenset({Role.DEPUTY, Role.DIRECTOR, Role.TEACHER})
NON_TOPIC = r"^\s*(урок|тема|контрольная работа(\s*№\s*\d+)?|[-—.]+)\s*\.?\s*$"
COLUMNS = [
    "Учитель",
    "Уроков",
    "Урок записан позже срока",
    "Без темы",
    "Тема не по существу",
    "Без ДЗ",
    "ДЗ записано поздно",
    "Отметок",
    "Отметки выставлены поздно",
    "Изменения после окна",
    "Всего замечаний",
]

_LESSONS = """
    select l.lesson_id, coalesce(t.short_name, l.effective_teacher_id) as teacher, c.class_name, s.subject_name,
        l.lesson_date, l.lesson_number,
        l.lesson_entered_at is null
            or date_diff('day', l.lesson_date, cast(l.lesson_entered_at as date)) > $lesson_days as is_lesson_late,
        not l.has_topic as no_topic,
        l.has_topic and regexp_matches(lower(l.topic), $non_topic) as non_topic,
        not l.has_homework and l.grade >= 2 and not list_contains($no_homework, l.subject_id) as no_homework,
        l.has_homework and (l.homework_entered_at is null
            or l.homework_entered_at > cast(l.lesson_date as timestamp) + to_hours($deadline)) as homework_late
    from fct_lesson as l
    join dim_class as c on c.school_id = l.school_id and c.class_id = l.class_id
    join dim_subject as s on s.school_id = l.school_id and s.subject_id = l.subject_id
    left join dim_teacher as t on t.school_id = l.school_id and t.teacher_id = l.effective_teacher_id
    where l.school_id = $school_id and l.lesson_date between $start and $end
        and ($teacher_id is null or l.effective_teacher_id = $teacher_id)
"""

_MARKS = """
    select coalesce(t.short_name, l.effective_teacher_id) as teacher, count(*) as n_marks,
        count(*) filter (where m.entry_delay_days > case when list_contains($written, m.work_type_id)
            then $written_days else $mark_days end) as n_late
    from fct_mark as m
    join fct_lesson as l on l.school_id = m.school_id and l.lesson_id = m.lesson_id
    left join dim_teacher as t on t.school_id = l.school_id and t.teacher_id = l.effective_teacher_id
    where m.school_id = $school_id and m.lesson_date between $start and $end
        and ($teacher_id is null or l.effective_teacher_id = $teacher_id)
    group by 1
"""

_CHANGES = """
    select coalesce(t.short_name, ch.changed_by) as teacher, count(*) as n_changes
    from fct_mark_change as ch
    left join dim_teacher as t on t.school_id = ch.school_id and t.teacher_id = ch.changed_by
    where ch.school_id = $school_id and cast(ch.changed_at as date) between $start and $end
        and ch.days_after_lesson > $window and ($teacher_id is null or ch.changed_by = $teacher_id)
    group by 1
"""

REMARKS = (
    (6, "урок записан позже срока"),
    (7, "нет темы"),
    (8, "тема не по существу"),
    (9, "нет ДЗ"),
    (10, "ДЗ записано поздно"),
)


def week_of(day: dt.date) -> tuple[dt.date, dt.date]:
    monday = day - dt.timedelta(days=day.weekday())
    return monday, monday + dt.timedelta(days=6)


def build(con: duckdb.DuckDBPyConnection, viewer: Viewer, day: dt.date, norms: dict | None = None) -> Document:
    """The analysis for the week (Monday–Sunday) containing ``day``."""
    if viewer.role not in ROLES:
        raise AccessError(f"Документ «{TITLE}» доступен заместителю директора, директору и учителю (свои уроки)")
    if viewer.role is Role.TEACHER and not viewer.teacher_id:
        raise AccessError("Учётная запись учителя не связана с учителем из выгрузки")
    school_id = viewer.school_id or con.execute("select min(school_id) from dim_school").fetchone()[0]
    if school_id is None:
        raise AccessError("В хранилище нет школы")
    start, end = week_of(day)
    rules = timeliness(norms)
    teacher_id = viewer.teacher_id if viewer.role is Role.TEACHER else None
    base = {"school_id": school_id, "start": start, "end": end, "teacher_id": teacher_id}
    lessons = con.execute(
        _LESSONS,
        {
            **base,
            "lesson_days": int(rules["lesson_entry_days"]),
            "non_topic": NON_TOPIC,
            "no_homework": list(rules["no_homework_subjects"]),
            "deadline": int(rules["homework_deadline_hour"]),
        },
    ).fetchall()
    marks = {
        teacher: (n, late)
        for teacher, n, late in con.execute(
            _MARKS,
            {
                **base,
                "written": list(rules["written_work_types"]),
                "written_days": int(rules["written_work_entry_days"]),
                "mark_days": int(rules["mark_entry_days"]),
            },
        ).fetchall()
    }
    changes = dict(con.execute(_CHANGES, {**base, "window": int(rules["mark_edit_window_days"])}).fetchall())
    per_teacher: dict[str, list[int]] = {}
    details = []
    for row in sorted(lessons, key=lambda r: (r[1], r[4], r[5], r[2], r[3])):
        counts = per_teacher.setdefault(row[1], [0] * 6)
        counts[0] += 1
        flags = [bool(row[i]) for i, _ in REMARKS]
        for k, flag in enumerate(flags, start=1):
            counts[k] += flag
        if any(flags):
            details.append(
                [
                    row[1],
                    ru_date(row[4]),
                    row[5],
                    row[2],
                    row[3],
                    ", ".join(t for (_, t), f in zip(REMARKS, flags, strict=True) if f),
                ]
            )
    for teacher in (*marks, *changes):
        per_teacher.setdefault(teacher, [0] * 6)
    summary = []
    for teacher in sorted(per_teacher):
        counts = per_teacher[teacher]
        n_marks, n_late = marks.get(teacher, (0, 0))
        n_changes = changes.get(teacher, 0)
        remarks = sum(counts[1:]) + n_late + n_changes
        summary.append([teacher, *counts, n_marks, n_late, n_changes, remarks])
    if len(summary) > 1:
        summary.append(["Всего", *(sum(row[i] for row in summary) for i in range(1, len(COLUMNS)))])
    school, as_of = school_header(con, school_id)
    return Document(
        school=school,
        document_title=TITLE,
        subtitle=f"Неделя с {ru_date(start)} по {ru_date(end)}",
        sections=[
            Section(
                "Замечания по учителям",
                COLUMNS,
                summary,
                note=(
                    f"Сроки: урок и тема — {rules['lesson_entry_days']} дн.; отметки — {rules['mark_entry_days']} дн., "
                    f"письменные работы — {rules['written_work_entry_days']} дн.; ДЗ — до "
                    f"{rules['homework_deadline_hour']}:00 дня урока; изменение отметки — в течение "
                    f"{rules['mark_edit_window_days']} дн. после урока."
                ),
                numeric=frozenset(range(1, len(COLUMNS))),
            ),
            Section(
                "Замечания по урокам",
                ["Учитель", "Дата", "№", "Класс", "Предмет", "Замечания"],
                details,
                numeric=frozenset({2}),
            ),
        ],
        signatures=school_signatures(school)[:1],
        data_as_of=as_of,
        landscape=True,
    )
