"""МЭШ answers built strictly from the models of the schoolmospy client (fixtures/README.md,
``schoolmospy_models/``): the newer family profile (``class_uid``, ``age``, ``service_type_id``…),
the events calendar and ``/family/web/v1/marks``. Every lesson, mark and absence is loaded; the
counts come from the raw JSON here, a few values are read by hand."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

from pipelines.importers.mesh.api import MeshImporter
from pipelines.importers.notes import UNKNOWN_FIELD

BUNDLE = Path(__file__).parent / "fixtures" / "schoolmospy_models"


def raw(name: str):
    return json.loads((BUNDLE / name).read_text(encoding="utf-8"))


def raw_counts() -> dict[str, int]:
    lessons = [e for e in raw("events.json")["response"] if e["source"] == "PLAN" and not e["cancelled"]]
    lesson_days = {(e["start_at"][:10], e["subject_name"]) for e in lessons}
    marks = raw("marks.json")["payload"]
    made_from_marks = {(m["date"], m["subject_name"]) for m in marks} - lesson_days
    absences = [e for e in lessons if e["is_missed_lesson"] or e["absence_reason_id"] is not None]
    return {"lessons": len(lessons) + len(made_from_marks), "marks": len(marks), "attendance": len(absences)}


def test_every_lesson_mark_and_absence_is_loaded(tmp_path, context, load):
    expected = raw_counts()
    assert expected == {"lessons": 8, "marks": 7, "attendance": 2}
    assert MeshImporter().detect(BUNDLE)
    notes = MeshImporter().convert(BUNDLE, tmp_path / "out", context)
    assert [(n.where, n.field) for n in notes if n.message == UNKNOWN_FIELD] == []
    loaded, db = load(tmp_path / "out")
    assert loaded.status == "loaded", [i.message for i in loaded.issues][:5]
    with duckdb.connect(str(db), read_only=True) as con:
        counts = {
            "lessons": con.execute("select count(*) from fct_lesson").fetchone()[0],
            "marks": con.execute("select count(*) from fct_mark").fetchone()[0],
            "attendance": con.execute("select count(*) from fct_attendance where absence_code is not null").fetchone()[
                0
            ],
        }
        test = con.execute(
            """select m.mark_value, m.weight, w.work_type_name, m.entered_at::varchar from fct_mark m
               join fct_lesson l using (school_id, lesson_id) join dim_subject s on s.subject_id = l.subject_id
               join dim_pupil p on p.pupil_id = m.pupil_id join dim_work_type w on w.work_type_id = m.work_type_id
               where p.full_name = 'Сорокин Тимур Олегович' and s.subject_name = 'Алгебра'
                 and l.lesson_date = '2025-09-17' order by 1"""
        ).fetchall()
        absences = con.execute(
            """select l.lesson_date::varchar, s.subject_name, a.absence_code from fct_attendance a
               join fct_lesson l using (school_id, lesson_id) join dim_subject s on s.subject_id = l.subject_id
               where a.absence_code is not null order by 1"""
        ).fetchall()
        school = con.execute("select school_name, short_name from dim_school").fetchall()
    assert counts == expected
    # entered_at is kept to the minute (canonical format)
    assert test == [
        ("4", 2.0, "Самостоятельная работа", "2025-09-17 12:40:00"),
        ("5", 3.0, "Контрольная работа", "2025-09-18 16:10:00"),
    ]
    assert absences == [("2025-09-15", "Английский язык", "н"), ("2025-09-16", "Русский язык", "н")]
    assert school == [("ГБОУ Школа № 4321", "Школа № 4321")]
