"""Hand-made source rows for the model tests: two small schools whose ids deliberately collide.

School sch-1 has a three-week academic year (1–21 September 2025; the 1st is a Monday) with
quarters for grades 1–9, a half-year for grades 10–11, an autumn break for everyone and an extra
holiday for grade 1; classes 7А, 7Б and 10А; a subgroup of 7А for English; pupils who arrive,
move from 7А to 7Б, leave the school or were never enrolled. School sch-2 reuses the same ids
(c7a, p1, L1, M1, t1...) so that a join that forgets school_id shows up as a wrong row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence

import duckdb
import pytest

from warehouse import db

D = dt.date.fromisoformat
T = dt.datetime.fromisoformat
EXPORTED_AT = T("2025-09-30 23:00")


def insert(con: duckdb.DuckDBPyConnection, table: str, columns: str, rows: Iterable[Sequence]) -> None:
    """Insert rows into a src_* table; batch_id and exported_at are filled in."""
    names = [c.strip() for c in columns.split(",")]
    placeholders = ", ".join("?" for _ in range(len(names) + 2))
    sql = f"insert into {table} ({', '.join(names)}, batch_id, exported_at) values ({placeholders})"
    for row in rows:
        assert len(row) == len(names), (table, row)
        con.execute(sql, [*row, 1, EXPORTED_AT])


def fetch(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence | None = None) -> list[tuple]:
    """Rows of a query, sorted (None sorts first) so that tests compare lists without caring about order."""
    rows = con.execute(sql, params or []).fetchall()
    return sorted(rows, key=lambda row: tuple((v is not None, v) for v in row))


# Source and expected rows are tables: one row per line reads better than the formatter's layout.
# fmt: off

# Attendance of sch-1 listing absences only. The last row is for p3, not yet on 7А's roll on
# 2 September: the models drop it.
ABSENCES = [
    ("sch-1", "p2", "L1", "б", T("2025-09-02 09:00")),
    ("sch-1", "p4", "L2", "н", T("2025-09-09 09:10")),
    ("sch-1", "p3", "L3", "оп", T("2025-09-10 10:00")),
    ("sch-1", "p2", "L4", "у", T("2025-09-16 09:00")),
    ("sch-1", "p3", "L1", "н", T("2025-09-02 09:00")),
]

# The same attendance listing every pupil on the roster, present ones with an empty code.
PRESENT = [
    ("sch-1", "p1", "L1", None, T("2025-09-02 09:00")),
    ("sch-1", "p4", "L1", "", T("2025-09-02 09:00")),
    ("sch-1", "p1", "L2", None, T("2025-09-09 09:10")),
    ("sch-1", "p2", "L2", None, T("2025-09-09 09:10")),
    ("sch-1", "p3", "L2", None, T("2025-09-09 09:10")),
    ("sch-1", "p1", "L3", None, T("2025-09-10 10:00")),
    ("sch-1", "p1", "L4", None, T("2025-09-16 09:00")),
    ("sch-1", "p3", "L4", None, T("2025-09-16 09:00")),
    ("sch-1", "p5", "L5", None, T("2025-09-02 08:30")),
]


def load_sample(con: duckdb.DuckDBPyConnection, attendance: Sequence[Sequence] = ABSENCES) -> None:
    """Insert both schools' source rows."""
    insert(con, "src_school", "school_id, school_name, short_name, region_id, municipality, director_name", [
        ("sch-1", "МБОУ «СОШ № 1»", "СОШ № 1", "50", "г. Сергиев Посад", "Иванова И. И."),
        ("sch-2", "МБОУ «СОШ № 2»", "СОШ № 2", "77", None, None),
    ])
    insert(con, "src_academic_years", "school_id, academic_year_id, start_date, end_date", [
        ("sch-1", "2025/2026", D("2025-09-01"), D("2025-09-21")),
        ("sch-2", "2025/2026", D("2025-09-01"), D("2025-09-07")),
    ])
    insert(con, "src_periods", (
        "school_id, period_id, academic_year_id, period_kind_code, period_number, period_name, "
        "start_date, end_date, grades"
    ), [
        ("sch-1", "q1", "2025/2026", "quarter", 1, "1 четверть", D("2025-09-01"), D("2025-09-10"), "1,2,3,4,5,6,7,8,9"),
        ("sch-1", "q2", "2025/2026", "quarter", 2, "2 четверть", D("2025-09-15"), D("2025-09-21"), "1,2,3,4,5,6,7,8,9"),
        ("sch-1", "h1", "2025/2026", "half_year", 1, "1 полугодие", D("2025-09-01"), D("2025-09-12"), "10, 11"),
        ("sch-2", "q1", "2025/2026", "quarter", 1, "1 четверть", D("2025-09-01"), D("2025-09-07"), None),
    ])
    insert(con, "src_holidays", "school_id, academic_year_id, holiday_name, start_date, end_date, grades", [
        ("sch-1", "2025/2026", "Осенние каникулы", D("2025-09-11"), D("2025-09-14"), None),
        ("sch-1", "2025/2026", "Дополнительные каникулы", D("2025-09-17"), D("2025-09-17"), "1"),
    ])
    insert(con, "src_teachers", "school_id, teacher_id, last_name, first_name, middle_name, position", [
        ("sch-1", "t1", "Смирнова", "Ольга", "Петровна", "учитель"),
        ("sch-1", "t2", "Иванов", "Пётр", None, None),
        ("sch-2", "t1", "Волков", "Андрей", "Ильич", "учитель"),
    ])
    insert(con, "src_subjects", "school_id, subject_id, subject_name, short_name, fipi_code", [
        ("sch-1", "math", "Математика", "Матем.", "2"),
        ("sch-1", "eng", "Английский язык", "Англ.", None),
        ("sch-2", "math", "Математика", "Мат.", "2"),
    ])
    insert(con, "src_work_types", "school_id, work_type_id, work_type_name, weight, is_control", [
        ("sch-1", "ans", "Ответ на уроке", 1.0, False),
        ("sch-1", "ctl", "Контрольная работа", 2.0, True),
        ("sch-2", "ans", "Ответ на уроке", 1.5, False),
    ])
    insert(con, "src_classes", "school_id, class_id, academic_year_id, class_name, grade, class_teacher_id", [
        ("sch-1", "c7a", "2025/2026", "7А", 7, "t1"),
        ("sch-1", "c7b", "2025/2026", "7Б", 7, None),
        ("sch-1", "c10a", "2025/2026", "10А", 10, "t2"),
        ("sch-2", "c7a", "2025/2026", "7А", 7, "t1"),
    ])
    insert(con, "src_groups", "school_id, group_id, class_id, subject_id, group_name, teacher_id", [
        ("sch-1", "g1", "c7a", "eng", "1 подгруппа", "t2"),
    ])
    insert(con, "src_pupils", (
        "school_id, pupil_id, last_name, first_name, middle_name, birth_date, gender_code, has_consent"
    ), [
        ("sch-1", "p1", "Кузнецов", "Артём", "Игоревич", D("2012-03-14"), "м", True),
        ("sch-1", "p2", "Петрова", "Анна", None, D("2012-05-01"), "ж", True),
        ("sch-1", "p3", "Сидоров", "Иван", "Иванович", None, None, False),
        ("sch-1", "p4", "Орлова", "Мария", "Сергеевна", D("2012-01-20"), "ж", True),
        ("sch-1", "p5", "Белов", "Олег", None, D("2009-07-07"), "м", True),
        ("sch-1", "p6", "Новиков", "Илья", None, None, "м", True),
        ("sch-2", "p1", "Зайцев", "Пётр", None, None, "м", True),
    ])
    insert(con, "src_enrolments", (
        "school_id, pupil_id, class_id, start_date, end_date, arrival_reason, departure_reason"
    ), [
        ("sch-1", "p1", "c7a", D("2025-09-01"), None, "начало года", None),
        ("sch-1", "p2", "c7a", D("2025-09-01"), None, "начало года", None),
        ("sch-1", "p3", "c7a", D("2025-09-08"), None, "прибыл", None),
        ("sch-1", "p4", "c7a", D("2025-09-01"), D("2025-09-09"), "начало года", "перевод"),
        ("sch-1", "p4", "c7b", D("2025-09-10"), None, "перевод", None),
        ("sch-1", "p5", "c10a", D("2025-09-01"), D("2025-09-05"), "начало года", "выбыл"),
        ("sch-2", "p1", "c7a", D("2025-09-01"), None, "начало года", None),
    ])
    insert(con, "src_group_members", "school_id, pupil_id, group_id, start_date, end_date", [
        ("sch-1", "p1", "g1", D("2025-09-01"), None),
        ("sch-1", "p2", "g1", D("2025-09-01"), D("2025-09-05")),
        ("sch-1", "p3", "g1", D("2025-09-08"), None),
    ])
    insert(con, "src_lessons", (
        "school_id, lesson_id, lesson_date, lesson_number, class_id, group_id, subject_id, teacher_id, "
        "replacing_teacher_id, topic, homework, lesson_entered_at, homework_entered_at"
    ), [
        ("sch-1", "L1", D("2025-09-02"), 1, "c7a", None, "math", "t1", None, "Дроби", "§1",
         T("2025-09-02 10:00"), T("2025-09-02 15:00")),
        ("sch-1", "L2", D("2025-09-09"), 2, "c7a", "", "math", "t1", "t2", None, " ",
         T("2025-09-10 08:00"), None),
        ("sch-1", "L3", D("2025-09-10"), 3, "c7a", "g1", "eng", "t2", None, "Present Simple", None,
         T("2025-09-10 11:00"), None),
        ("sch-1", "L4", D("2025-09-16"), 1, "c7a", None, "math", "t1", None, "Уравнения", "§2",
         T("2025-09-16 09:00"), T("2025-09-16 09:05")),
        ("sch-1", "L5", D("2025-09-02"), 1, "c10a", None, "math", "t2", None, "Функции", None,
         T("2025-09-03 18:00"), None),
        ("sch-2", "L1", D("2025-09-02"), 1, "c7a", None, "math", "t1", None, "Сложение", None,
         T("2025-09-02 12:00"), None),
    ])
    insert(con, "src_marks", (
        "school_id, mark_id, pupil_id, lesson_id, mark_value, work_type_id, weight, entered_at, entered_by"
    ), [
        ("sch-1", "M1", "p1", "L1", "4/5", "ans", None, T("2025-09-02 12:00"), "t1"),
        ("sch-1", "M2", "p2", "L1", "3", "ctl", None, T("2025-09-05 10:00"), "t1"),
        ("sch-1", "M3", "p1", "L4", "зач", "ans", None, T("2025-09-16 11:00"), "t1"),
        ("sch-1", "M4", "p2", "L4", "5", "ctl", 3.0, T("2025-09-18 20:00"), "t1"),
        ("sch-1", "M5", "p3", "L3", "К", "ans", None, T("2025-09-10 12:00"), "t2"),
        ("sch-2", "M1", "p1", "L1", "2", "ans", None, T("2025-09-02 13:00"), "t1"),
    ])
    insert(con, "src_attendance", "school_id, pupil_id, lesson_id, absence_code, entered_at", attendance)
    insert(con, "src_period_marks", (
        "school_id, pupil_id, subject_id, academic_year_id, mark_kind_code, period_id, mark_value, "
        "na_reason_code, entered_at, entered_by"
    ), [
        ("sch-1", "p1", "math", "2025/2026", "period", "q1", "5", None, T("2025-09-11 10:00"), "t1"),
        ("sch-1", "p2", "math", "2025/2026", "period", "q1", "н/а", "б", T("2025-09-10 16:00"), "t1"),
        ("sch-1", "p2", "math", "2025/2026", "period", "q2", "4", None, T("2025-09-21 10:00"), "t1"),
        ("sch-1", "p4", "math", "2025/2026", "period", "q1", "3", None, T("2025-09-08 09:00"), "t1"),
        ("sch-1", "p1", "eng", "2025/2026", "period", "q1", "зач", None, T("2025-09-10 12:00"), "t2"),
        ("sch-1", "p1", "math", "2025/2026", "year", None, "5", None, T("2025-09-21 12:00"), "t1"),
        ("sch-1", "p5", "math", "2025/2026", "year", None, "4", None, T("2025-09-20 12:00"), "t2"),
        ("sch-1", "p6", "math", "2025/2026", "year", None, "3", None, T("2025-09-20 12:00"), "t2"),
    ])
    insert(con, "src_mark_changes", (
        "school_id, change_id, mark_id, pupil_id, lesson_id, old_value, new_value, changed_at, changed_by"
    ), [
        ("sch-1", "C1", "M2", "p2", "L1", None, "3", T("2025-09-05 10:00"), "t1"),
        ("sch-1", "C2", "M2", "p2", "L1", "3", "4", T("2025-09-12 20:00"), "t1"),
        ("sch-1", "C3", "M3", "p1", "L4", "зач", None, T("2025-09-17 08:00"), "t1"),
        ("sch-1", "C4", "M9", "p1", "L99", "2", "3", T("2025-09-17 08:00"), "t1"),
    ])
    insert(con, "src_external_results", (
        "school_id, pupil_id, subject_id, assessment_code, assessment_date, grade, primary_score, max_score, mark_value"
    ), [
        ("sch-1", "p1", "math", "ВПР", D("2025-09-16"), 7, 14.0, 20.0, "4"),
        ("sch-1", "p2", "math", "ВПР", D("2025-09-09"), 7, 10.0, 20.0, "3"),
        ("sch-1", "p4", "math", "ВПР", D("2025-09-16"), 7, 12.0, 20.0, "4"),
        ("sch-1", "p3", "math", "ВПР", D("2025-09-16"), 7, 19.0, 20.0, "5"),
        ("sch-1", "p1", "eng", "ВПР", D("2025-09-05"), 7, 15.0, 20.0, "4"),
    ])

# fmt: on


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    """An in-memory warehouse with the migrations applied and no rows."""
    connection = duckdb.connect()
    db.migrate(connection)
    yield connection
    connection.close()


@pytest.fixture
def built(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """The sample schools loaded (attendance as absences only) and every model built."""
    load_sample(con)
    db.build_models(con)
    return con


@pytest.fixture
def q(built: duckdb.DuckDBPyConnection) -> Callable[..., list[tuple]]:
    """Sorted rows of a query against the built sample."""
    return lambda sql, params=None: fetch(built, sql, params)


@pytest.fixture
def sample() -> dict[str, object]:
    """The loader and the two attendance listings, for tests that load the sample themselves."""
    return {"load": load_sample, "absences": ABSENCES, "present": PRESENT, "fetch": fetch}
