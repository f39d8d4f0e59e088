"""One class-quarter written by hand, and its canonical export written from it.

Each system's test writes the same facts in that system's own fields (see the test modules), so
that the warehouse figures of the two loads can be compared with each other and with the
figures this module computes from the facts in plain Python.

Class 5А, 1st quarter of 2025/2026, 3 pupils, 2 subjects, 6 lessons, 12 marks, 4 absences,
4 quarter marks and 1 year mark.
"""

from __future__ import annotations

import collections
import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

import duckdb

from tests.factories import write_export

SCHOOL_ID, SCHOOL_NAME, REGION = "sch-b", "МБОУ «Школа № 2»", "50"
YEAR, CLASS_NAME = "2025/2026", "5А"
QUARTERS = (
    ("1 четверть", dt.date(2025, 9, 1), dt.date(2025, 10, 24)),
    ("2 четверть", dt.date(2025, 11, 5), dt.date(2025, 12, 26)),
)
# id, last, first, middle
PUPILS = (
    ("1001", "Андреев", "Антон", "Ильич"),
    ("1002", "Борисова", "Вера", "Олеговна"),
    ("1003", "Васильев", "Глеб", ""),
)
TEACHERS = (("501", "Смирнова", "Ольга", "Петровна"), ("502", "Иванов", "Пётр", "Сергеевич"))
SUBJECTS = (("11", "Математика", "501"), ("12", "Русский язык", "502"))
# id, name, abbreviation, weight, is_control
WORK_TYPES = (
    ("21", "Ответ на уроке", "ОУ", 1.0, False),
    ("22", "Контрольная работа", "КР", 2.0, True),
    ("23", "Самостоятельная работа", "СР", 1.5, False),
)
# id, date, number, subject id, topic, homework
LESSONS = (
    ("7001", dt.date(2025, 9, 8), 1, "11", "Натуральные числа", "§1 № 3"),
    ("7002", dt.date(2025, 9, 10), 2, "11", "Сложение", "§2"),
    ("7003", dt.date(2025, 9, 9), 3, "12", "Звуки и буквы", "упр. 5"),
    ("7004", dt.date(2025, 9, 15), 1, "11", "Вычитание", ""),
    ("7005", dt.date(2025, 10, 20), 1, "11", "Контрольная работа № 1 «Числа»", ""),
    ("7006", dt.date(2025, 10, 21), 2, "12", "Орфограммы", "упр. 12"),
)
# id, pupil, lesson, value, work type, entered at
MARKS = (
    ("9001", "1001", "7001", "5", "21", dt.datetime(2025, 9, 8, 14, 1)),
    ("9002", "1002", "7001", "4", "21", dt.datetime(2025, 9, 9, 10, 0)),
    ("9003", "1003", "7002", "3", "23", dt.datetime(2025, 9, 10, 15, 0)),
    ("9004", "1001", "7002", "4", "23", dt.datetime(2025, 9, 10, 15, 1)),
    ("9005", "1002", "7003", "5", "21", dt.datetime(2025, 9, 9, 12, 0)),
    ("9006", "1003", "7003", "2", "21", dt.datetime(2025, 9, 9, 12, 1)),
    ("9007", "1001", "7004", "5", "21", dt.datetime(2025, 9, 15, 13, 0)),
    ("9008", "1001", "7005", "4", "22", dt.datetime(2025, 10, 22, 18, 0)),
    ("9009", "1002", "7005", "3", "22", dt.datetime(2025, 10, 22, 18, 1)),
    ("9010", "1003", "7005", "4", "22", dt.datetime(2025, 10, 22, 18, 2)),
    ("9011", "1002", "7006", "4", "23", dt.datetime(2025, 10, 21, 16, 0)),
    ("9012", "1003", "7006", "3", "21", dt.datetime(2025, 10, 21, 16, 1)),
)
# pupil, lesson, code, entered at
ABSENCES = (
    ("1002", "7002", "б", dt.datetime(2025, 9, 10, 9, 0)),
    ("1001", "7003", "н", dt.datetime(2025, 9, 9, 10, 0)),
    ("1003", "7004", "оп", dt.datetime(2025, 9, 15, 9, 0)),
    ("1003", "7001", "у", dt.datetime(2025, 9, 8, 9, 0)),
)
# pupil, subject, kind, period name (None for year), value, entered at
PERIOD_MARKS = (
    ("1001", "11", "period", "1 четверть", "5", dt.datetime(2025, 10, 23, 16, 0)),
    ("1002", "11", "period", "1 четверть", "4", dt.datetime(2025, 10, 23, 16, 0)),
    ("1003", "11", "period", "1 четверть", "3", dt.datetime(2025, 10, 23, 16, 0)),
    ("1002", "12", "period", "1 четверть", "4", dt.datetime(2025, 10, 24, 12, 0)),
    ("1001", "11", "year", None, "5", dt.datetime(2025, 12, 26, 12, 0)),
)

TEACHER_OF = {subject_id: teacher for subject_id, _, teacher in SUBJECTS}
SUBJECT_NAME = {subject_id: name for subject_id, name, _ in SUBJECTS}
LESSON = {row[0]: row for row in LESSONS}
WEIGHT = {row[0]: row[3] for row in WORK_TYPES}
PUPIL = {row[0]: row for row in PUPILS}


def full_name(person: tuple) -> str:
    return " ".join(part for part in person[1:4] if part)


def canonical_export(folder: Path) -> Path:
    """The scenario as a canonical export (the reference side of every comparison)."""
    d = lambda day: day.strftime("%d.%m.%Y")  # noqa: E731
    t = lambda moment: moment.strftime("%d.%m.%Y %H:%M")  # noqa: E731
    period_id = {name: f"q{i}" for i, (name, _, _) in enumerate(QUARTERS, start=1)}
    data = {
        "export": [
            {
                "school_id": SCHOOL_ID,
                "source_system": "канонический",
                "export_kind_code": "full",
                "exported_at": "01.01.2026 20:00",
                "covers_from_date": d(QUARTERS[0][1]),
                "covers_to_date": d(QUARTERS[-1][2]),
            }
        ],
        "school": [
            {
                "school_id": SCHOOL_ID,
                "school_name": SCHOOL_NAME,
                "short_name": "Школа № 2",
                "region_id": REGION,
                "municipality": "",
                "director_name": "",
            }
        ],
        "academic_years": [{"academic_year_id": YEAR, "start_date": d(QUARTERS[0][1]), "end_date": d(QUARTERS[-1][2])}],
        "periods": [
            {
                "period_id": period_id[name],
                "academic_year_id": YEAR,
                "period_kind_code": "quarter",
                "period_number": str(i),
                "period_name": name,
                "start_date": d(start),
                "end_date": d(end),
                "grades": "",
            }
            for i, (name, start, end) in enumerate(QUARTERS, start=1)
        ],
        "teachers": [
            {"teacher_id": t_id, "last_name": last, "first_name": first, "middle_name": middle, "position": ""}
            for t_id, last, first, middle in TEACHERS
        ],
        "subjects": [
            {"subject_id": s_id, "subject_name": name, "short_name": name, "fipi_code": ""}
            for s_id, name, _ in SUBJECTS
        ],
        "classes": [
            {
                "class_id": "c5a",
                "academic_year_id": YEAR,
                "class_name": CLASS_NAME,
                "grade": "5",
                "class_teacher_id": "",
            }
        ],
        "pupils": [
            {
                "pupil_id": p_id,
                "last_name": last,
                "first_name": first,
                "middle_name": middle,
                "birth_date": "",
                "gender_code": "",
                "has_consent": "да",
            }
            for p_id, last, first, middle in PUPILS
        ],
        "enrolments": [
            {
                "pupil_id": p_id,
                "class_id": "c5a",
                "start_date": d(QUARTERS[0][1]),
                "end_date": "",
                "arrival_reason": "",
                "departure_reason": "",
            }
            for p_id, *_ in PUPILS
        ],
        "curriculum": [
            {"class_id": "c5a", "subject_id": s_id, "weekly_hours": "2", "is_attested": "да", "teacher_id": teacher}
            for s_id, _, teacher in SUBJECTS
        ],
        "work_types": [
            {"work_type_id": w_id, "work_type_name": name, "weight": str(weight), "is_control": "да" if ctl else "нет"}
            for w_id, name, _, weight, ctl in WORK_TYPES
        ],
        "lessons": [
            {
                "lesson_id": l_id,
                "lesson_date": d(day),
                "lesson_number": str(number),
                "class_id": "c5a",
                "group_id": "",
                "subject_id": s_id,
                "teacher_id": TEACHER_OF[s_id],
                "replacing_teacher_id": "",
                "topic": topic,
                "homework": homework,
                "lesson_entered_at": "",
                "homework_entered_at": "",
            }
            for l_id, day, number, s_id, topic, homework in LESSONS
        ],
        "marks": [
            {
                "mark_id": m_id,
                "pupil_id": p_id,
                "lesson_id": l_id,
                "mark_value": value,
                "work_type_id": w_id,
                "weight": "",
                "entered_at": t(at),
                "entered_by": TEACHER_OF[LESSON[l_id][3]],
            }
            for m_id, p_id, l_id, value, w_id, at in MARKS
        ],
        "attendance": [
            {"pupil_id": p_id, "lesson_id": l_id, "absence_code": code, "entered_at": t(at)}
            for p_id, l_id, code, at in ABSENCES
        ],
        "period_marks": [
            {
                "pupil_id": p_id,
                "subject_id": s_id,
                "academic_year_id": YEAR,
                "mark_kind_code": kind,
                "period_id": period_id[period] if period else "",
                "mark_value": value,
                "na_reason_code": "",
                "entered_at": t(at),
                "entered_by": TEACHER_OF[s_id],
            }
            for p_id, s_id, kind, period, value, at in PERIOD_MARKS
        ],
    }
    return write_export(data, folder)


@dataclass(frozen=True)
class Figures:
    """Keyed by the pupil's full name, not id: each system has its own ids."""

    marks_per_pupil: dict[tuple[str, str], int]  # (full name, subject name) → marks
    weighted_average: dict[tuple[str, str], float]  # (full name, subject name) → rounded to 4 places
    absences: dict[tuple[str, str], int]  # (full name, code) → lessons
    period_marks: dict[tuple[str, str, str, str], str]  # (full name, subject name, kind, period name) → mark


def expected_figures() -> Figures:
    """The figures computed in Python from the facts above, without the project's code."""
    count: collections.Counter[tuple[str, str]] = collections.Counter()
    total: dict[tuple[str, str], list[float]] = collections.defaultdict(lambda: [0.0, 0.0])
    for _, pupil, lesson, value, work_type, _ in MARKS:
        key = (full_name(PUPIL[pupil]), SUBJECT_NAME[LESSON[lesson][3]])
        count[key] += 1
        total[key][0] += int(value) * WEIGHT[work_type]
        total[key][1] += WEIGHT[work_type]
    absences = collections.Counter((full_name(PUPIL[pupil]), code) for pupil, _, code, _ in ABSENCES)
    period_marks = {
        (full_name(PUPIL[pupil]), SUBJECT_NAME[subject], kind, period or ""): value
        for pupil, subject, kind, period, value, _ in PERIOD_MARKS
    }
    averages = {key: round(s / w, 4) for key, (s, w) in total.items()}
    return Figures(dict(count), averages, dict(absences), period_marks)


def warehouse_figures(db: Path) -> Figures:
    """The same figures read from a loaded warehouse."""
    with duckdb.connect(str(db), read_only=True) as con:
        marks = con.execute(
            """
            select p.full_name, s.subject_name, count(*),
                round(sum(m.sum_numeric * m.weight) / sum(m.n_numeric * m.weight), 4)
            from fct_mark as m
            join dim_subject as s using (school_id, subject_id)
            join dim_pupil as p using (school_id, pupil_id)
            group by all
            """
        ).fetchall()
        absences = con.execute(
            """
            select p.full_name, a.absence_code, count(*)
            from fct_attendance as a join dim_pupil as p using (school_id, pupil_id)
            where a.absence_code is not null
            group by all
            """
        ).fetchall()
        periods = con.execute(
            """
            select u.full_name, s.subject_name, pm.mark_kind_code, coalesce(p.period_name, ''), pm.mark_value
            from fct_period_mark as pm
            join dim_subject as s using (school_id, subject_id)
            join dim_pupil as u using (school_id, pupil_id)
            left join dim_period as p on p.school_id = pm.school_id and p.period_id = pm.period_id
            """
        ).fetchall()
    return Figures(
        {(p, s): n for p, s, n, _ in marks},
        {(p, s): avg for p, s, _, avg in marks},
        {(p, c): n for p, c, n in absences},
        {(p, s, k, name): v for p, s, k, name, v in periods},
    )


def write_json(folder: Path, files: dict[str, object]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, payload in files.items():  # a name may have a folder: «1/page.json»
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(json.dumps(payload, ensure_ascii=False, indent=1), encoding="utf-8")
    return folder
