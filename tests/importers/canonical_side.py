"""The canonical side of an importer test: the same class-quarter written straight in the
canonical format (tests.factories.write_export), with no importer code involved."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from tests.factories import write_export

YEAR = "2025/2026"
QUARTERS = [
    ("q1", "1", "1 четверть", "01.09.2025", "26.10.2025"),
    ("q2", "2", "2 четверть", "27.10.2025", "31.12.2025"),
]


@dataclass
class ClassQuarter:
    """A class-quarter as plain facts. Dates are ДД.ММ.ГГГГ."""

    class_name: str
    pupils: list[str]  # full names «Фамилия Имя»
    subjects: list[str]
    # (subject, date, lesson number)
    lessons: list[tuple[str, str, int]] = field(default_factory=list)
    # (pupil, subject, date, value, work type name, weight, entered «ДД.ММ.ГГГГ ЧЧ:ММ»)
    marks: list[tuple[str, str, str, str, str, float, str]] = field(default_factory=list)
    # (pupil, subject, date, code н/у/б/оп)
    absences: list[tuple[str, str, str, str]] = field(default_factory=list)
    # (pupil, subject, period id q1/q2 or the kind «year», value)
    period_marks: list[tuple[str, str, str, str]] = field(default_factory=list)

    def period_number(self, date: str) -> int:
        day, month, year = (int(x) for x in date.split("."))
        return 1 if (year, month, day) <= (2025, 10, 26) else 2


def write_canonical_side(cq: ClassQuarter, folder: Path) -> Path:
    pupil_ids = {name: f"p{i}" for i, name in enumerate(cq.pupils, start=1)}
    subject_ids = {name: f"s{i}" for i, name in enumerate(cq.subjects, start=1)}
    lesson_ids = {(s, d): f"L{i}" for i, (s, d, _) in enumerate(cq.lessons, start=1)}
    work_types: dict[tuple[str, float], str] = {}
    for m in cq.marks:
        work_types.setdefault((m[4], m[5]), f"w{len(work_types) + 1}")
    data = {
        "export": [
            {
                "school_id": "sch-can",
                "source_system": "тест",
                "export_kind_code": "full",
                "exported_at": "01.06.2026 20:00",
                "covers_from_date": "01.09.2025",
                "covers_to_date": "31.08.2026",
            }
        ],
        "school": [{"school_id": "sch-can", "school_name": "Школа", "short_name": "Школа", "region_id": "50"}],
        "academic_years": [{"academic_year_id": YEAR, "start_date": "01.09.2025", "end_date": "31.08.2026"}],
        "periods": [
            {
                "period_id": pid,
                "academic_year_id": YEAR,
                "period_kind_code": "quarter",
                "period_number": n,
                "period_name": name,
                "start_date": start,
                "end_date": end,
                "grades": "",
            }
            for pid, n, name, start, end in QUARTERS
        ],
        "teachers": [{"teacher_id": "t1", "last_name": "Учитель", "first_name": "Один"}],
        "subjects": [{"subject_id": i, "subject_name": n, "short_name": n[:10]} for n, i in subject_ids.items()],
        "classes": [
            {
                "class_id": "c1",
                "academic_year_id": YEAR,
                "class_name": cq.class_name,
                "grade": "".join(ch for ch in cq.class_name if ch.isdigit()),
            }
        ],
        "pupils": [
            {"pupil_id": i, "last_name": n.split()[0], "first_name": n.split()[1], "has_consent": "нет"}
            for n, i in pupil_ids.items()
        ],
        "enrolments": [{"pupil_id": i, "class_id": "c1", "start_date": "01.09.2025"} for i in pupil_ids.values()],
        "curriculum": [],
        "work_types": [
            {"work_type_id": i, "work_type_name": n, "weight": str(w), "is_control": "нет"}
            for (n, w), i in work_types.items()
        ],
        "lessons": [
            {
                "lesson_id": lesson_ids[(s, d)],
                "lesson_date": d,
                "lesson_number": str(n),
                "class_id": "c1",
                "subject_id": subject_ids[s],
                "teacher_id": "t1",
            }
            for s, d, n in cq.lessons
        ],
        "marks": [
            {
                "mark_id": f"M{i}",
                "pupil_id": pupil_ids[p],
                "lesson_id": lesson_ids[(s, d)],
                "mark_value": v,
                "work_type_id": work_types[(wn, w)],
                "entered_at": e,
                "entered_by": "t1",
            }
            for i, (p, s, d, v, wn, w, e) in enumerate(cq.marks, start=1)
        ],
        "attendance": [
            {"pupil_id": pupil_ids[p], "lesson_id": lesson_ids[(s, d)], "absence_code": c} for p, s, d, c in cq.absences
        ],
        "period_marks": [
            {
                "pupil_id": pupil_ids[p],
                "subject_id": subject_ids[s],
                "academic_year_id": YEAR,
                "mark_kind_code": "period" if q.startswith("q") else q,
                "period_id": q if q.startswith("q") else "",
                "mark_value": v,
                "entered_at": "26.10.2025 12:00" if q == "q1" else "30.12.2025 12:00",
                "entered_by": "t1",
            }
            for p, s, q, v in cq.period_marks
        ],
    }
    from pipelines.canonical.schemas import FILES_BY_NAME, columns_of

    for name, rows in data.items():
        columns = list(columns_of(FILES_BY_NAME[name].model))
        data[name] = [{c: row.get(c, "") for c in columns} for row in rows]
    return write_export(data, folder)
