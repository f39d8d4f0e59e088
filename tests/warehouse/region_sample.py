"""Hand-made source rows for «Муниципалитет / регион»: eight small schools in two regions.

Region 50: «г. Сергиев Посад» (Гимназия Посадская 9 pupils, СОШ Лесная 8, СОШ Малая 3, СОШ
Крохотная 2 — the last two under the «< 5» threshold, 5 pupils together — and СОШ Озёрная 7, so
that five schools of the region are not small) and «г. Химки» (Лицей Химкинский 10, СОШ Речная 8). Region 77: «г. Москва» (Школа Арбатская 9, Школа Тверская 8).

Every school has one class 7А, maths only (weekly 2 h, attested), one quarter (1.09–24.10.2025),
three to five lessons (so that pooling differs from averaging schools), marks of weight 1, a
quarter mark and a ВПР mark (1.10.2025) for most pupils, and some absences. The values come from a seeded random generator, but tests compute every
figure from the rows kept in :data:`ROWS`, never from the generator's choices.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

import duckdb

from tests.warehouse.conftest import insert

D = dt.date.fromisoformat
T = dt.datetime.fromisoformat
YEAR = "2025/2026"
LESSON_DATES = tuple(D(f"2025-09-{day:02d}") for day in (2, 9, 16, 23, 30))
VPR_DATE = D("2025-10-01")
PUPIL_SURNAME = "Ученикова"  # every pupil's surname starts so: a page showing one is caught


@dataclass(frozen=True)
class School:
    school_id: str
    name: str
    region_id: str
    municipality: str
    n_pupils: int


SCHOOLS = (
    School("s50-1", "Гимназия Посадская", "50", "г. Сергиев Посад", 9),
    School("s50-2", "СОШ Лесная", "50", "г. Сергиев Посад", 8),
    School("s50-3", "СОШ Малая", "50", "г. Сергиев Посад", 3),
    School("s50-4", "СОШ Крохотная", "50", "г. Сергиев Посад", 2),
    School("s50-5", "Лицей Химкинский", "50", "г. Химки", 10),
    School("s50-6", "СОШ Речная", "50", "г. Химки", 8),
    School("s50-7", "СОШ Озёрная", "50", "г. Сергиев Посад", 7),
    School("s77-1", "Школа Арбатская", "77", "г. Москва", 9),
    School("s77-2", "Школа Тверская", "77", "г. Москва", 8),
)

COLUMNS = {
    "src_school": "school_id, school_name, short_name, region_id, municipality, director_name",
    "src_academic_years": "school_id, academic_year_id, start_date, end_date",
    "src_periods": (
        "school_id, period_id, academic_year_id, period_kind_code, period_number, period_name, "
        "start_date, end_date, grades"
    ),
    "src_teachers": "school_id, teacher_id, last_name, first_name, middle_name, position",
    "src_subjects": "school_id, subject_id, subject_name, short_name, fipi_code",
    "src_work_types": "school_id, work_type_id, work_type_name, weight, is_control",
    "src_classes": "school_id, class_id, academic_year_id, class_name, grade, class_teacher_id",
    "src_curriculum": "school_id, class_id, subject_id, weekly_hours, is_attested, teacher_id",
    "src_pupils": "school_id, pupil_id, last_name, first_name, middle_name, birth_date, gender_code, has_consent",
    "src_enrolments": "school_id, pupil_id, class_id, start_date, end_date, arrival_reason, departure_reason",
    "src_lessons": (
        "school_id, lesson_id, lesson_date, lesson_number, class_id, group_id, subject_id, teacher_id, "
        "replacing_teacher_id, topic, homework, lesson_entered_at, homework_entered_at"
    ),
    "src_marks": "school_id, mark_id, pupil_id, lesson_id, mark_value, work_type_id, weight, entered_at, entered_by",
    "src_attendance": "school_id, pupil_id, lesson_id, absence_code, entered_at",
    "src_period_marks": (
        "school_id, pupil_id, subject_id, academic_year_id, mark_kind_code, period_id, mark_value, "
        "na_reason_code, entered_at, entered_by"
    ),
    "src_external_results": (
        "school_id, pupil_id, subject_id, assessment_code, assessment_date, grade, primary_score, max_score, mark_value"
    ),
}


def _school_rows(school: School, index: int) -> dict[str, list[tuple]]:
    rng = random.Random(index * 7919)
    sid = school.school_id
    rows: dict[str, list[tuple]] = {table: [] for table in COLUMNS}
    rows["src_school"].append((sid, f"МБОУ «{school.name}»", school.name, school.region_id, school.municipality, None))
    rows["src_academic_years"].append((sid, YEAR, D("2025-09-01"), D("2026-05-31")))
    rows["src_periods"].append((sid, "q1", YEAR, "quarter", 1, "1 четверть", D("2025-09-01"), D("2025-10-24"), None))
    rows["src_teachers"].append((sid, "t1", "Учителева", "Анна", None, "учитель"))
    rows["src_subjects"].append((sid, "math", "Математика", "Матем.", "2"))
    rows["src_work_types"].append((sid, "ans", "Ответ на уроке", 1.0, False))
    rows["src_classes"].append((sid, "c7a", YEAR, "7А", 7, "t1"))
    rows["src_curriculum"].append((sid, "c7a", "math", 2.0, True, "t1"))
    dates = LESSON_DATES[: 3 + index % 3]
    for number, day in enumerate(dates, start=1):
        delay = rng.choice([0, 0, 1, 2, 3, 5, None])
        entered = None if delay is None else dt.datetime.combine(day + dt.timedelta(days=delay), dt.time(18))
        rows["src_lessons"].append(
            (sid, f"L{number}", day, 1, "c7a", None, "math", "t1", None, f"Тема {number}", None, entered, None)
        )
    for p in range(1, school.n_pupils + 1):
        pid = f"p{p}"
        rows["src_pupils"].append((sid, pid, f"{PUPIL_SURNAME}{index}{p}", "Анна", None, None, "ж", True))
        rows["src_enrolments"].append((sid, pid, "c7a", D("2025-09-01"), None, "начало года", None))
        marks = []
        for number, day in enumerate(dates, start=1):
            if rng.random() < 0.6:
                mark = rng.choice([2, 3, 3, 4, 4, 5, 5])
                marks.append(mark)
                entered = dt.datetime.combine(day, dt.time(15))
                rows["src_marks"].append(
                    (sid, f"M{p}-{number}", pid, f"L{number}", str(mark), "ans", None, entered, "t1")
                )
            if rng.random() < 0.2:
                code = rng.choice(["н", "у", "б", "оп"])
                rows["src_attendance"].append((sid, pid, f"L{number}", code, dt.datetime.combine(day, dt.time(9))))
        if marks and rng.random() < 0.85:
            average = sum(marks) / len(marks)
            mark = max(2, min(5, round(average + rng.choice([-1, 0, 0, 0, 1]))))
            rows["src_period_marks"].append(
                (sid, pid, "math", YEAR, "period", "q1", str(mark), None, T("2025-10-24 12:00"), "t1")
            )
        if rng.random() < 0.9:
            vpr = rng.choice([2, 3, 4, 4, 5])
            rows["src_external_results"].append((sid, pid, "math", "ВПР", VPR_DATE, 7, 4.0 * vpr, 20.0, str(vpr)))
    return rows


def region_rows(without: frozenset[str] = frozenset()) -> dict[str, list[tuple]]:
    """Rows by src_ table for every school but those in ``without``."""
    rows: dict[str, list[tuple]] = {table: [] for table in COLUMNS}
    for index, school in enumerate(SCHOOLS, start=1):
        if school.school_id in without:
            continue
        for table, school_rows in _school_rows(school, index).items():
            rows[table].extend(school_rows)
    return rows


ROWS = region_rows()


def load_region(con: duckdb.DuckDBPyConnection, without: frozenset[str] = frozenset()) -> dict[str, list[tuple]]:
    """Insert the schools' rows (the warehouse must be migrated); returns the rows inserted."""
    rows = region_rows(without)
    for table, table_rows in rows.items():
        if table_rows:
            insert(con, table, COLUMNS[table], table_rows)
    return rows
