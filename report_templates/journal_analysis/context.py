"""«Анализ ведения журнала» for one week (Monday to Sunday), per teacher (001 §4.2).

For the week, per teacher: the lessons held (counted for the teacher who taught them, the
replacing teacher when there was one) and the current marks given at them; then the cases of the
journal-keeping rules, each defined once in warehouse/control_rules.py with the school's norms
(ejournal/norms.toml):

- ``lesson_late``: lesson (topic, attendance) entered late or never;
- ``topic_missing``, ``topic_not_a_topic``: no topic, or a topic that names no subject matter;
- ``homework_missing``, ``homework_late``: no homework where the norms want it, or entered after
  the deadline;
- ``mark_late``: marks of the week's lessons entered late (for the teacher who entered them);
- ``change_after_edit_window``: mark changes made that week after the edit window.

Then each remark on a lesson, one line per lesson. No pupil appears. The deputy director and the
director see every teacher; a teacher sees their own line only.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import duckdb

from ejournal.access.accounts import AccessError, Role
from ejournal.access.viewer import Viewer
from ejournal.settings import Norms, load_norms
from report_templates.render import ru_date
from report_templates.table_document import Document, Section, school_header, school_signatures
from warehouse import teacher_week
from warehouse.control_rules import Filters, teacher_cases

TITLE = "Анализ ведения журнала"
ROLES = frozenset({Role.DEPUTY, Role.DIRECTOR, Role.TEACHER})
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

# Rules about a lesson: the column's rule and the remark printed on the lesson's line.
LESSON_RULES = (
    ("lesson_late", "урок записан позже срока"),
    ("topic_missing", "нет темы"),
    ("topic_not_a_topic", "тема не по существу"),
    ("homework_missing", "нет ДЗ"),
    ("homework_late", "ДЗ записано поздно"),
)
RULES = (*(rule for rule, _ in LESSON_RULES), "mark_late", "change_after_edit_window")


def week_of(day: dt.date) -> tuple[dt.date, dt.date]:
    monday = day - dt.timedelta(days=day.weekday())
    return monday, monday + dt.timedelta(days=6)


def build(con: duckdb.DuckDBPyConnection, viewer: Viewer, day: dt.date, norms: Norms | None = None) -> Document:
    """The analysis for the week (Monday–Sunday) containing ``day``, under ``norms`` (the school's by default)."""
    if viewer.role not in ROLES:
        raise AccessError(f"Документ «{TITLE}» доступен заместителю директора, директору и учителю (свои уроки)")
    if viewer.role is Role.TEACHER and not viewer.teacher_id:
        raise AccessError("Учётная запись учителя не связана с учителем из выгрузки")
    school_id = viewer.school_id
    norms = norms or load_norms()
    start, end = week_of(day)
    teacher_id = viewer.teacher_id if viewer.role is Role.TEACHER else None
    lessons = teacher_week.lessons_held(con, school_id, start, end, teacher_id)
    marks = teacher_week.marks_given(con, school_id, start, end, teacher_id)
    cases = teacher_cases(con, viewer, norms, Filters(date_from=start, date_to=end), RULES)
    cases = cases.filter(cases["school_id"] == school_id)
    per_lesson: dict[str, set[str]] = defaultdict(set)
    per_teacher_rule: dict[tuple[str, str], int] = defaultdict(int)
    for rule, case_teacher, lesson_id in cases.select("rule", "teacher_id", "lesson_id").iter_rows():
        per_teacher_rule[case_teacher, rule] += 1
        per_lesson[lesson_id].add(rule)
    teachers = {*(row[1] for row in lessons), *marks, *(t for t, _ in per_teacher_rule)}
    names = _teacher_names(con, school_id, teachers)
    details = []
    for lesson_id, teacher, class_name, subject, lesson_date, number in sorted(
        lessons, key=lambda r: (names[r[1]], r[4], r[5], r[2], r[3])
    ):
        remarks = [text for rule, text in LESSON_RULES if rule in per_lesson.get(lesson_id, ())]
        if remarks:
            details.append([names[teacher], ru_date(lesson_date), number, class_name, subject, ", ".join(remarks)])
    held: dict[str, int] = defaultdict(int)
    for row in lessons:
        held[row[1]] += 1
    summary = []
    for teacher in sorted(teachers, key=lambda t: (names[t], t or "")):
        counts = [per_teacher_rule[teacher, rule] for rule, _ in LESSON_RULES]
        n_late = per_teacher_rule[teacher, "mark_late"]
        n_changes = per_teacher_rule[teacher, "change_after_edit_window"]
        remarks = sum(counts) + n_late + n_changes
        summary.append([names[teacher], held[teacher], *counts, marks.get(teacher, 0), n_late, n_changes, remarks])
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
                note=_norms_note(norms),
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


def _teacher_names(con: duckdb.DuckDBPyConnection, school_id: str, teachers: set[str]) -> dict[str, str]:
    """Short names («Иванова А. Б.»); a teacher missing from the staff list shows by id."""
    known = teacher_week.short_names(con, school_id)
    return {t: known.get(t, t or "—") for t in teachers}


def _norms_note(norms: Norms) -> str:
    t = norms.timeliness
    if t.homework_deadline_rule == "hour":
        homework = f"до {t.homework_deadline_hour}:00 дня урока"
    else:
        homework = f"не позднее {t.homework_hours_after_last_lesson} ч после последнего урока учеников"
    return (
        f"Сроки: урок и тема — {t.lesson_entry_days} дн.; отметки — {t.mark_entry_days} дн., "
        f"письменные работы — {t.written_work_entry_days} дн.; ДЗ — {homework}; изменение отметки — в течение "
        f"{t.mark_edit_window_days} дн. после урока."
    )
