"""The archival printout of a class journal for one subject and period (001 §4.2; 002 §4.3).

Laid out like the paper journal, in spreads: a marks page (class list × lesson dates, each cell the
marks of that lesson and the attendance code, the period mark in the last column of the last
spread) followed by its topics page (date, topic, homework), ``DATES_PER_SPREAD`` lessons a
spread. A subject split into subgroups gets its spreads per subgroup. It ends with each pupil's
lessons missed (all, for a good reason у/б, for illness б) and lateness.

Pupil-level roles only, within their scope: the class teacher their class, a subject teacher
their subjects and subgroups, the deputy director every class.
"""

from __future__ import annotations

import duckdb

from ejournal.access.accounts import AccessError
from ejournal.access.viewer import Viewer
from report_templates.render import ru_date
from report_templates.table_document import (
    Document,
    Section,
    class_signatures,
    require_pupils,
    school_header,
)
from warehouse import class_journal as journal
from warehouse.class_period import find_class_period

TITLE = "Электронный журнал: архивная копия"
DATES_PER_SPREAD = 22


def subjects_of(con: duckdb.DuckDBPyConnection, viewer: Viewer, class_name: str, period_name: str) -> list[str]:
    """Names of the subjects with lessons of the class in the period that the viewer may see."""
    cp = find_class_period(con, viewer, class_name, period_name)
    return journal.subjects_with_lessons(con, viewer, cp)


def build(
    con: duckdb.DuckDBPyConnection, viewer: Viewer, class_name: str, period_name: str, subject_name: str
) -> Document:
    require_pupils(viewer, TITLE)
    cp = find_class_period(con, viewer, class_name, period_name)
    subject_id = journal.subject_id_by_name(con, cp.school_id, subject_name)
    if subject_id is None:
        raise AccessError(f"Нет предмета «{subject_name}» в хранилище")
    lessons = journal.lessons(con, viewer, cp, subject_id)
    if not lessons:
        raise AccessError(f"Нет доступных вам уроков «{subject_name}» в классе {class_name} за {period_name}")
    lesson_ids = [row[0] for row in lessons]
    cells = journal.lesson_cells(con, cp.school_id, lesson_ids)
    names = journal.pupil_names(con, cp.school_id, sorted({pupil for _, pupil, _, _ in cells}))
    period_marks = journal.period_marks(con, cp.school_id, subject_id, cp.period_id)
    grid: dict[tuple[str, str], str] = {}
    attendance: dict[str, list[int]] = {}
    group_pupils: dict[str, set[str]] = {}
    group_of = {row[0]: row[3] for row in lessons}
    for lesson_id, pupil_id, code, marks in cells:
        grid[(lesson_id, pupil_id)] = " ".join(part for part in (code, marks) if part)
        group_pupils.setdefault(group_of[lesson_id], set()).add(pupil_id)
        counts = attendance.setdefault(pupil_id, [0, 0, 0, 0])
        counts[0] += code in ("н", "у", "б")
        counts[1] += code in ("у", "б")
        counts[2] += code == "б"
        counts[3] += code == "оп"
    sections: list[Section] = []
    groups = sorted({(row[3], row[4]) for row in lessons}, key=lambda g: g[1])
    for group_id, group_name in groups:
        pupils = sorted(group_pupils.get(group_id, set()), key=lambda p: (names.get(p, p), p))
        group_lessons = [row for row in lessons if row[3] == group_id]
        spreads = [group_lessons[i : i + DATES_PER_SPREAD] for i in range(0, len(group_lessons), DATES_PER_SPREAD)]
        prefix = f"{group_name}. " if group_name else ""
        for number, spread in enumerate(spreads, start=1):
            last = number == len(spreads)
            columns = ["№", "Ученик", *(day.strftime("%d.%m") for _, day, *_ in spread)]
            rows = []
            for n, pupil in enumerate(pupils, start=1):
                row = [n, names.get(pupil, pupil), *(grid.get((lesson[0], pupil), "") for lesson in spread)]
                if last:
                    row.append(period_marks.get(pupil, ""))
                rows.append(row)
            if last:
                columns.append("Итог")
            sections.append(
                Section(
                    f"{prefix}Отметки и посещаемость, лист {number} из {len(spreads)}",
                    columns,
                    rows,
                    css="grid",
                    new_page=bool(sections),
                )
            )
            sections.append(
                Section(
                    f"{prefix}Темы уроков и домашние задания, лист {number} из {len(spreads)}",
                    ["Дата", "№ урока", "Тема урока", "Домашнее задание"],
                    [
                        [ru_date(day), lesson_number, topic, homework]
                        for _, day, lesson_number, _, _, topic, homework in spread
                    ],
                    numeric=frozenset({1}),
                    wrap=frozenset({2, 3}),
                    new_page=True,
                )
            )
    all_pupils = sorted(attendance, key=lambda p: (names.get(p, p), p))
    sections.append(
        Section(
            "Пропуски и опоздания за период",
            [
                "№",
                "Ученик",
                "Пропущено уроков",
                "по уважительной причине",
                "по болезни",
                "Опозданий",
                "Отметка за период",
            ],
            [[n, names.get(p, p), *attendance[p], period_marks.get(p, "")] for n, p in enumerate(all_pupils, start=1)],
            note="н — без уважительной причины, у — по уважительной, б — по болезни, оп — опоздание.",
            numeric=frozenset({0, 2, 3, 4, 5}),
            new_page=True,
        )
    )
    school, as_of = school_header(con, cp.school_id)
    teachers = journal.lesson_teachers(con, cp.school_id, lesson_ids)
    return Document(
        school=school,
        document_title=TITLE,
        subtitle=f"Класс {cp.class_name}, {subject_name}, {cp.period_name} ({ru_date(cp.start_date)} – {ru_date(cp.end_date)})",
        facts=[("Учитель", ", ".join(teachers)), ("Уроков", str(len(lessons)))],
        sections=sections,
        signatures=class_signatures(cp.class_teacher, school)[1:],
        data_as_of=as_of,
        landscape=True,
    )
