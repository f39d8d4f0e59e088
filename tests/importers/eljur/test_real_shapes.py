"""ЭлЖур answers in the shapes real servers give (fixtures/README.md): every mark, lesson, absence
and final mark the files hold is loaded.

The expected numbers are counted here from the raw JSON with plain code that shares nothing with
the importer, then compared with the canonical files the importer wrote and with the warehouse;
a few values are checked as read by hand from the files.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import shutil
from pathlib import Path

import duckdb
import pytest

from pipelines.importers.eljur.api import EljurImporter
from pipelines.issues import ExportRefused

FIXTURES = Path(__file__).parent / "fixtures"
BUNDLE_2025, BUNDLE_2019 = FIXTURES / "models_2025", FIXTURES / "apheleia_2019"
ABSENCE_VALUES = {"н", "б", "у", "уп", "оп"}  # how ЭлЖур writes a missed lesson, in any case


def result(folder: Path, name: str) -> dict | list:
    return json.loads((folder / name).read_text(encoding="utf-8"))["response"]["result"]


def values(node) -> list:
    """An object keyed by id, a list or an empty answer, as a list."""
    if isinstance(node, dict):
        return list(node.values())
    return list(node or [])


def raw_counts(folder: Path, class_name: str | None = None) -> dict[str, int]:
    """Marks, absences, lessons and final marks in the raw answers."""
    marks = absences = 0
    for student in values(result(folder, "getmarks.json")["students"]):
        for subject in student.get("lessons", []):
            for mark in subject.get("marks", []):
                value = str(mark["value"]).strip().lower()
                if value in ABSENCE_VALUES:
                    absences += 1
                elif value:
                    marks += 1
    classes = {}
    if (folder / "getrules.json").exists():
        classes = {k: s["class"] for k, s in result(folder, "getrules.json")["relations"]["students"].items()}
    lessons = set()
    for key, student in result(folder, "getdiary.json")["students"].items():
        for day_key, day in student["days"].items():
            for item in values(day.get("items")):
                klass = classes.get(key, class_name)
                lessons.add((klass, day_key, item["num"], item.get("lesson_id", item["name"]), item.get("grp")))
    finals = 0
    for student in values(result(folder, "getfinalassessments.json")["students"]):
        for item in student["items"]:
            finals += sum(1 for a in item.get("assessments", []) if a["value"])
    return {"marks": marks, "attendance": absences, "lessons": len(lessons), "period_marks": finals}


def csv_rows(folder: Path, name: str) -> list[dict[str, str]]:
    with (folder / f"{name}.csv").open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle, delimiter=";"))


def warehouse_counts(db: Path) -> dict[str, int]:
    with duckdb.connect(str(db), read_only=True) as con:
        return {
            "marks": con.execute("select count(*) from fct_mark").fetchone()[0],
            "attendance": con.execute("select count(*) from fct_attendance where absence_code is not null").fetchone()[
                0
            ],
            "lessons": con.execute("select count(*) from fct_lesson").fetchone()[0],
            "period_marks": con.execute("select count(*) from fct_period_mark").fetchone()[0],
        }


def query(db: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


MARKS_SQL = """
    select p.full_name, m.lesson_date, s.subject_name, m.mark_value, m.weight, w.work_type_name, l.lesson_number
    from fct_mark m join dim_pupil p using (school_id, pupil_id) join dim_subject s using (school_id, subject_id)
    join dim_work_type w using (school_id, work_type_id) join fct_lesson l using (school_id, lesson_id)
    order by all"""


def test_models_2025_bundle_loads_every_mark_lesson_absence_and_final(tmp_path, context, load):
    expected = raw_counts(BUNDLE_2025)
    assert expected == {"marks": 11, "attendance": 3, "lessons": 13, "period_marks": 7}
    notes = EljurImporter().convert(BUNDLE_2025, tmp_path / "out", context)
    written = {name: len(csv_rows(tmp_path / "out", name)) for name in expected}
    assert written == expected
    loaded, db = load(tmp_path / "out")
    assert loaded.status == "loaded", [i.message for i in loaded.issues][:5]
    assert warehouse_counts(db) == expected
    # No field of the answers is unknown to the importer.
    assert not [n for n in notes if "неизвестное поле" in n.message]
    marks = query(db, MARKS_SQL)
    assert ("Лебедева Алиса", _d("2025-11-10"), "Русский язык", "4/5", 1.0, "Диктант", 2) in marks
    assert ("Лебедев Максим", _d("2025-11-11"), "Алгебра", "3", 2.0, "Контрольная работа", 2) in marks
    # Two lessons of Математика on 11.11.2025: each mark is on the lesson of its «nm».
    assert [m[6] for m in marks if m[0] == "Лебедева Софья" and m[2] == "Математика" and m[1] == _d("2025-11-11")] == [
        1,
        2,
    ]
    absences = query(
        db,
        """select p.full_name, a.lesson_date, s.subject_name, a.absence_code, g.group_name
           from fct_attendance a join dim_pupil p using (school_id, pupil_id)
           join dim_subject s using (school_id, subject_id) left join dim_group g using (school_id, group_id)
           where a.absence_code is not null order by all""",
    )
    assert ("Лебедев Максим", _d("2025-11-10"), "Английский язык", "н", "Английский язык 2 гр.") in absences
    assert ("Лебедева Алиса", _d("2025-11-11"), "Физика", "оп", None) in absences
    groups = query(
        db,
        """select p.full_name, g.group_name from src_group_members m
           join dim_group g using (group_id) join dim_pupil p using (pupil_id) order by all""",
    )
    assert groups == [("Лебедев Максим", "Английский язык 2 гр."), ("Лебедева Алиса", "Английский язык 1 гр.")]
    assert query(db, "select class_name from dim_class order by 1") == [("3А",), ("7Б",)]
    assert query(db, "select school_id, short_name, region_id from dim_school") == [
        ("s-school17", "МАОУ СОШ № 17", "50")
    ]
    finals = query(
        db,
        """select p.full_name, s.subject_name, d.period_name, f.mark_value from fct_period_mark f
           join dim_pupil p using (school_id, pupil_id) join dim_subject s using (school_id, subject_id)
           join dim_period d using (school_id, period_id) order by all""",
    )
    assert ("Лебедева Алиса", "Физика", "I четверть", "н/а") in finals
    assert ("Лебедева Софья", "Математика", "I четверть", "5") in finals


def test_apheleia_2019_bundle_loads_every_mark_lesson_absence_and_final(tmp_path, context, load):
    expected = raw_counts(BUNDLE_2019)
    assert expected == {"marks": 5, "attendance": 1, "lessons": 6, "period_marks": 4}
    with pytest.raises(ExportRefused, match="--school"):
        EljurImporter().convert(BUNDLE_2019, tmp_path / "out", context)
    context.school_id = "sch-1011"
    notes = EljurImporter().convert(BUNDLE_2019, tmp_path / "out", context)
    assert {name: len(csv_rows(tmp_path / "out", name)) for name in expected} == expected
    loaded, db = load(tmp_path / "out")
    assert loaded.status == "loaded", [i.message for i in loaded.issues][:5]
    assert warehouse_counts(db) == expected
    assert not [n for n in notes if "неизвестное поле" in n.message]
    said = {(n.file_name, n.field, n.message) for n in notes}
    assert ("getmarks.json", "value", "пустая отметка ЭлЖур (без значения): не загружена") in said
    assert ("getperiods.json", "name", "период отключён или без точных дат в ЭлЖур: пропущен") in said
    marks = query(db, MARKS_SQL)
    # A double lesson of Алгебра: the mark (no lesson id, no number in old answers) is on the first.
    assert ("Котов Егор", _d("2019-01-14"), "Алгебра", "4", 1.0, "Без вида работы", 2) in marks
    assert [m[3:5] for m in marks if m[2] == "Русский язык"] == [("3", 2.0), ("4", 2.0)]
    assert query(db, "select class_name from dim_class") == [("10А",)]
    assert query(db, "select period_name from dim_period order by 1") == [("I полугодие",), ("II полугодие",)]
    chemistry = query(
        db,
        """select f.mark_value, t.last_name from fct_period_mark f join dim_subject s using (school_id, subject_id)
           join dim_teacher t on t.school_id = f.school_id and t.teacher_id = f.entered_by
           where s.subject_name = 'Химия'""",
    )
    assert chemistry == [("4", "Не указан")]


def test_without_getmarks_the_diary_own_marks_are_loaded(tmp_path, context, load):
    bundle = tmp_path / "bundle"
    shutil.copytree(BUNDLE_2025, bundle)
    (bundle / "getmarks.json").unlink()
    EljurImporter().convert(bundle, tmp_path / "out", context)
    loaded, db = load(tmp_path / "out")
    assert loaded.status == "loaded"
    assert warehouse_counts(db) == raw_counts(BUNDLE_2025)
    marks = query(db, MARKS_SQL)
    assert ("Лебедев Максим", _d("2025-11-11"), "Алгебра", "3", 2.0, "Контрольная работа", 2) in marks


def test_empty_answers_written_as_php_arrays_load(tmp_path, context, load):
    bundle = tmp_path / "bundle"
    shutil.copytree(BUNDLE_2025, bundle)
    empty = {"response": {"state": 200, "error": None, "result": []}}
    (bundle / "getfinalassessments.json").write_text(json.dumps(empty), encoding="utf-8")
    EljurImporter().convert(bundle, tmp_path / "out", context)
    loaded, db = load(tmp_path / "out")
    assert loaded.status == "loaded"
    assert warehouse_counts(db)["period_marks"] == 0


def test_an_error_answer_is_refused_with_its_text(tmp_path, context):
    bundle = tmp_path / "bundle"
    shutil.copytree(BUNDLE_2025, bundle)
    error = {"response": {"state": 400, "error": "Неверный токен", "result": []}}
    (bundle / "getmarks.json").write_text(json.dumps(error, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(ExportRefused, match="Неверный токен") as refused:
        EljurImporter().convert(bundle, tmp_path / "out", context)
    assert (refused.value.file_name, refused.value.field) == ("getmarks.json", "error")
    assert not (tmp_path / "out").exists()


def _d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def test_a_pupil_own_account_takes_the_class_of_its_homeclass_group(tmp_path, context, load):
    bundle = tmp_path / "bundle"
    shutil.copytree(BUNDLE_2019, bundle)
    rules = json.loads((bundle / "getrules.json").read_text(encoding="utf-8"))
    own = rules["response"]["result"]
    own.update(roles=["student"], name="386")
    del own["relations"]["students"]
    (bundle / "getrules.json").write_text(json.dumps(rules, ensure_ascii=False), encoding="utf-8")
    context.school_id = "sch-386"
    EljurImporter().convert(bundle, tmp_path / "out", context)
    loaded, db = load(tmp_path / "out")
    assert loaded.status == "loaded"
    assert query(db, "select class_name from dim_class") == [("10А",)]
    assert warehouse_counts(db) == raw_counts(BUNDLE_2019)


@pytest.mark.parametrize(
    ("result", "field", "problem"),
    [
        ([], "students", "в ответе getdiary нет ни одного ученика"),
        ({"students": {"386": {"name": "386", "title": "Котов Егор", "days": []}}}, "days", "нет ни одного урока"),
    ],
)
def test_an_empty_diary_is_refused_by_name_not_loaded_empty(tmp_path, context, result, field, problem):
    bundle = tmp_path / "bundle"
    shutil.copytree(BUNDLE_2019, bundle)
    diary = {"response": {"state": 200, "error": None, "result": result}}
    (bundle / "getdiary.json").write_text(json.dumps(diary, ensure_ascii=False), encoding="utf-8")
    context.school_id = "sch-386"
    with pytest.raises(ExportRefused) as refused:
        EljurImporter().convert(bundle, tmp_path / "out", context)
    assert (refused.value.file_name, refused.value.field) == ("getdiary.json", field)
    assert problem in refused.value.problem
    assert refused.value.location == "response.result.students"
