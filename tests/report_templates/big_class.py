"""A synthetic class of 40 pupils with long names and 20 subjects with long names, built on the
tiny export: the worst case the documents must still fit on their pages."""

from __future__ import annotations

import datetime as dt

from tests.factories import YEAR, tiny_export

N_PUPILS = 40
N_SUBJECTS = 20
LESSONS_PER_SUBJECT = 4


def big_class_export() -> dict[str, list[dict[str, str]]]:
    data = tiny_export()
    data["subjects"] = [
        {
            "subject_id": f"s{i:02d}",
            "subject_name": f"Основы безопасности и защиты Родины, модуль {i}",
            "short_name": f"ОБЗР-{i}",
            "fipi_code": "",
        }
        for i in range(1, N_SUBJECTS + 1)
    ]
    data["curriculum"] = [
        {"class_id": "5A", "subject_id": s["subject_id"], "weekly_hours": "2", "is_attested": "да", "teacher_id": "t1"}
        for s in data["subjects"]
    ]
    data["groups"], data["group_members"], data["planned_topics"] = [], [], []
    data["pupils"] = [
        {
            "pupil_id": f"p{i:02d}",
            "last_name": f"Константинопольская-Преображенская{i:02d}",
            "first_name": "Александра",
            "middle_name": "Владиславовна",
            "birth_date": "01.02.2014",
            "gender_code": "ж",
            "has_consent": "да",
        }
        for i in range(1, N_PUPILS + 1)
    ]
    data["enrolments"] = [
        {
            "pupil_id": p["pupil_id"],
            "class_id": "5A",
            "start_date": "01.09.2025",
            "end_date": "",
            "arrival_reason": "начало года",
            "departure_reason": "",
        }
        for p in data["pupils"]
    ]
    days = []
    day = dt.date(2025, 11, 10)
    while len(days) * 7 < N_SUBJECTS * LESSONS_PER_SUBJECT:
        if day.weekday() < 5:
            days.append(day)
        day += dt.timedelta(days=1)
    lessons, marks, attendance = [], [], []
    for n in range(N_SUBJECTS * LESSONS_PER_SUBJECT):
        subject = data["subjects"][n % N_SUBJECTS]["subject_id"]
        date = days[n // 7].strftime("%d.%m.%Y")
        lesson_id = f"B{n:03d}"
        lessons.append(
            {
                "lesson_id": lesson_id,
                "lesson_date": date,
                "lesson_number": str(n % 7 + 1),
                "class_id": "5A",
                "group_id": "",
                "subject_id": subject,
                "teacher_id": "t1",
                "replacing_teacher_id": "",
                "topic": f"Тема {n}",
                "homework": "",
                "lesson_entered_at": f"{date} 15:00",
                "homework_entered_at": "",
            }
        )
        for i, pupil in enumerate(data["pupils"]):
            if (i + n) % 9 == 0:
                attendance.append(
                    {
                        "pupil_id": pupil["pupil_id"],
                        "lesson_id": lesson_id,
                        "absence_code": "нуб"[(i + n) % 3],
                        "entered_at": f"{date} 09:00",
                    }
                )
                continue
            marks.append(
                {
                    "mark_id": f"BM{n:03d}-{i:02d}",
                    "pupil_id": pupil["pupil_id"],
                    "lesson_id": lesson_id,
                    "mark_value": str(2 + (i * 7 + n * 3) % 4),
                    "work_type_id": "control" if n % 5 == 0 else "answer",
                    "weight": "",
                    "entered_at": f"{date} 16:00",
                    "entered_by": "t1",
                }
            )
    data["lessons"], data["marks"], data["attendance"], data["mark_changes"] = lessons, marks, attendance, []
    data["external_results"] = []
    period_marks = []
    for kind, period_id, end in (
        ("period", "q1", "24.10.2025"),
        ("period", "q2", "26.12.2025"),
        ("year", "", "31.05.2026"),
    ):
        for i, pupil in enumerate(data["pupils"]):
            for j, subject in enumerate(data["subjects"]):
                value = "н/а" if (i + j) % 37 == 0 else str(2 + (i + j * 3) % 4)
                period_marks.append(
                    {
                        "pupil_id": pupil["pupil_id"],
                        "subject_id": subject["subject_id"],
                        "academic_year_id": YEAR,
                        "mark_kind_code": kind,
                        "period_id": period_id,
                        "mark_value": value,
                        "na_reason_code": "б" if value == "н/а" else "",
                        "entered_at": f"{end} 16:00",
                        "entered_by": "t1",
                    }
                )
    data["period_marks"] = period_marks
    return data
