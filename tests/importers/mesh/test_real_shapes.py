"""МЭШ: answers in the real shapes (fixtures/README.md: built strictly from third-party client models)
load with every lesson, mark, absence and period mark they hold.

The counts come from the raw JSON, walked here with plain code, and are compared with the canonical
CSV files the importer writes and with the warehouse; a few values are checked as read by hand.
"""

from __future__ import annotations

import copy
import csv
import json
import shutil
from pathlib import Path

import duckdb
import pytest

from ejournal.settings import Norms, ValidationNorms
from pipelines.importers.contract import ImportContext
from pipelines.importers.mesh.api import MeshImporter
from pipelines.issues import ExportRefused
from tests.importers.api_scenario import write_json

FIXTURES = Path(__file__).parent / "fixtures"
BUNDLES = ("family_events", "schedule_items_core", "schedule_days")


def raw(bundle: str) -> dict[str, object]:
    return {p.name: json.loads(p.read_text(encoding="utf-8")) for p in sorted((FIXTURES / bundle).glob("*.json"))}


def records(answer_file: object) -> list[tuple[object, dict]]:
    """(student_id or None, record) of a saved answer or of a list of answers with student_id."""
    if isinstance(answer_file, list) and answer_file and all("student_id" in a for a in answer_file):
        answers = [(a["student_id"], a) for a in answer_file]
    else:
        answers = [(None, answer_file)]
    out = []
    for student, answer in answers:
        items = answer if isinstance(answer, list) else answer.get("payload") or answer.get("response") or []
        out += [(student, item) for item in items]
    return out


def raw_counts(files: dict[str, object]) -> dict[str, int]:
    lessons = set()
    marks = set()
    absences = set()
    period_marks = 0
    day_lessons = [
        (student, activity["lesson"] | {"id": activity["lesson"]["schedule_item_id"]})
        for student, day in records(files.get("schedule.json", []))
        for activity in day["activities"]
        if activity["type"] == "LESSON" and not activity["lesson"]["is_cancelled"]
    ]
    for name in ("lessons.json", "events.json"):
        for student, item in records(files.get(name, [])) + (day_lessons if name == "lessons.json" else []):
            if item.get("source", "PLAN") != "PLAN" or item.get("cancelled"):
                continue
            lessons.add(item["id"])
            marks |= {m["id"] for m in item.get("marks") or []}
            if item.get("is_missed_lesson") or item.get("absence_reason_id") is not None:
                absences.add((student, item["id"]))
    for name in ("marks.json", "subject_marks.json"):
        for _student, item in records(files.get(name, [])):
            if "periods" not in item:
                marks.add(item["id"])
                continue
            for period in item["periods"]:
                marks |= {m["id"] for m in period.get("marks") or []}
                period_marks += name == "subject_marks.json" and period.get("fixed_value") is not None
            period_marks += name == "subject_marks.json" and item.get("year_mark") is not None
    return {"lessons": len(lessons), "marks": len(marks), "attendance": len(absences), "period_marks": period_marks}


def csv_counts(folder: Path) -> dict[str, int]:
    counts = {}
    for name in ("lessons", "marks", "attendance", "period_marks"):
        with (folder / f"{name}.csv").open(encoding="utf-8") as f:
            counts[name] = sum(1 for _ in csv.DictReader(f, delimiter=";"))
    return counts


def warehouse_counts(db: Path) -> dict[str, int]:
    with duckdb.connect(str(db), read_only=True) as con:
        one = lambda sql: con.execute(sql).fetchone()[0]  # noqa: E731
        return {
            "lessons": one("select count(*) from fct_lesson"),
            "marks": one("select count(*) from fct_mark"),
            "attendance": one("select count(*) from fct_attendance where absence_code is not null"),
            "period_marks": one("select count(*) from fct_period_mark"),
        }


@pytest.fixture(scope="module")
def loaded(tmp_path_factory) -> dict[str, tuple[Path, Path, list]]:
    """Each bundle converted and loaded once: (canonical folder, warehouse, notes)."""
    from pipelines.ingest import ingest_path

    out = {}
    for bundle in BUNDLES:
        folder = tmp_path_factory.mktemp(bundle)
        notes = MeshImporter().convert(FIXTURES / bundle, folder / "canonical", ImportContext(norms=Norms()))
        db = folder / "w.duckdb"
        (result,) = ingest_path(folder / "canonical", db, norms=Norms(validation=ValidationNorms()), run_by="test")
        assert result.status == "loaded", [i.message for i in result.issues]
        out[bundle] = (folder / "canonical", db, notes)
    return out


@pytest.mark.parametrize("bundle", BUNDLES)
def test_every_lesson_mark_absence_and_period_mark_is_loaded(loaded, bundle):
    canonical, db, _ = loaded[bundle]
    expected = raw_counts(raw(bundle))
    assert all(expected.values()), expected  # the fixture holds each kind of record
    assert MeshImporter().detect(FIXTURES / bundle)
    assert csv_counts(canonical) == expected
    assert warehouse_counts(db) == expected


def test_family_events_values_read_by_hand(loaded):
    _, db, notes = loaded["family_events"]
    with duckdb.connect(str(db), read_only=True) as con:
        mark = con.execute(
            """select m.mark_value, m.weight, m.entered_at, w.work_type_name
               from fct_mark m join fct_lesson l using (school_id, lesson_id)
               join dim_pupil p using (school_id, pupil_id) join dim_subject s on s.subject_id = l.subject_id
               join dim_work_type w on w.work_type_id = m.work_type_id
               where p.full_name = 'Орлов Кирилл Андреевич' and s.subject_name = 'Русский язык'
                 and l.lesson_date = '2023-09-06'"""
        ).fetchall()
        lesson = con.execute(
            """select l.lesson_number, l.topic from fct_lesson l join dim_subject s using (school_id, subject_id)
               where l.lesson_date = '2023-09-04' and s.subject_name = 'Алгебра'"""
        ).fetchall()
        absences = con.execute(
            """select l.lesson_date::varchar, s.subject_name, a.absence_code from fct_attendance a
               join fct_lesson l using (school_id, lesson_id) join dim_subject s on s.subject_id = l.subject_id
               where a.absence_code is not null order by 1, 2"""
        ).fetchall()
        final = con.execute(
            """select f.mark_value from fct_period_mark f join dim_subject s using (school_id, subject_id)
               join dim_period d using (school_id, period_id)
               where s.subject_name = 'Физика' and d.period_name = '1 четверть'"""
        ).fetchall()
    assert [(v, w, str(at), t) for v, w, at, t in mark] == [("4", 3.0, "2023-09-07 16:40:00", "Контрольный диктант")]
    assert lesson == [(2, "Выражения и их преобразования")]
    assert absences == [("2023-09-05", "История", "н"), ("2023-09-05", "Физика", "н")]
    assert final == [("5",)]
    noted = {(n.file_name, n.field) for n in notes}
    assert ("events.json", "source") in noted  # the «EC» event is not a lesson
    assert ("events.json", "absence_reason_id") in noted
    assert ("events.json", "teacher") in noted


def test_schedule_items_and_core_marks_values_read_by_hand(loaded):
    _, db, notes = loaded["schedule_items_core"]
    with duckdb.connect(str(db), read_only=True) as con:
        marks = con.execute(
            """select p.full_name, m.mark_value from fct_mark m join fct_lesson l using (school_id, lesson_id)
               join dim_pupil p using (school_id, pupil_id) join dim_subject s on s.subject_id = l.subject_id
               where s.subject_name = 'Английский язык' and l.lesson_date = '2023-09-11' order by 1"""
        ).fetchall()
        teachers = con.execute(
            """select distinct t.full_name from fct_lesson l join dim_subject s using (school_id, subject_id)
               join dim_teacher t on t.teacher_id = l.teacher_id where s.subject_name = 'Литература'"""
        ).fetchall()
        groups = con.execute("select count(*) from dim_group").fetchone()[0]
        year = con.execute(
            """select p.full_name, f.mark_value from fct_period_mark f join dim_pupil p using (school_id, pupil_id)
               where f.mark_kind_code = 'year'"""
        ).fetchall()
        absent = con.execute(
            """select p.full_name, s.subject_name from fct_attendance a join dim_pupil p using (school_id, pupil_id)
               join fct_lesson l on l.lesson_id = a.lesson_id join dim_subject s on s.subject_id = l.subject_id
               where a.absence_code = 'н' and l.lesson_date = '2023-09-12'"""
        ).fetchall()
    assert marks == [("Соколов Максим Игоревич", "3"), ("Соколова Дарья Игоревна", "5")]
    assert teachers == [("Павлов Игорь Николаевич",)]  # user_id null: the teacher is known by name
    assert groups == 2  # English: each twin in their own subgroup
    assert year == [("Соколова Дарья Игоревна", "5")]
    assert absent == [("Соколова Дарья Игоревна", "Геометрия")]
    assert not [n for n in notes if "неизвестное поле" in n.message]


def test_schedule_days_values_read_by_hand(loaded):
    _, db, notes = loaded["schedule_days"]
    with duckdb.connect(str(db), read_only=True) as con:
        lessons = con.execute(
            """select l.lesson_date::varchar, l.lesson_number, t.full_name, l.homework from fct_lesson l
               join dim_subject s using (school_id, subject_id) join dim_teacher t on t.teacher_id = l.teacher_id
               where s.subject_name = 'История' order by 1"""
        ).fetchall()
        mark = con.execute(
            """select m.mark_value, m.entered_at::varchar from fct_mark m join fct_lesson l using (school_id, lesson_id)
               join dim_subject s on s.subject_id = l.subject_id
               where s.subject_name = 'Физика' and l.lesson_date = '2023-09-07'"""
        ).fetchall()
    assert lessons == [("2023-09-05", 1, "Громов Виктор Ильич", "§ 1"), ("2023-09-08", 2, "Громов Виктор Ильич", None)]
    assert mark == [("5", "2023-09-07 11:20:00")]
    assert not [n for n in notes if "неизвестное поле" in n.message]


def test_old_student_profiles_name_the_pupils_and_class(tmp_path, context, load):
    folder = tmp_path / "core"
    shutil.copytree(FIXTURES / "schedule_items_core", folder)
    shutil.copy(FIXTURES / "core_student_profiles.json", folder / "profile.json")
    notes = MeshImporter().convert(folder, tmp_path / "out", context)
    result, db = load(tmp_path / "out")
    assert result.status == "loaded", [i.message for i in result.issues]
    assert warehouse_counts(db) == raw_counts(raw("schedule_items_core"))
    with duckdb.connect(str(db), read_only=True) as con:
        pupils = con.execute("select full_name from dim_pupil order by 1").fetchall()
        classes = con.execute("select class_name from dim_class").fetchall()
    assert pupils == [("Соколов Максим Игоревич",), ("Соколова Дарья Игоревна",)]
    assert classes == [("7-Б",)]
    assert [n.field for n in notes if "названия школы" in n.message] == ["school_id"]
    assert not [n for n in notes if "неизвестное поле" in n.message]


def test_mark_without_its_lesson_gets_a_lesson_of_the_class_made_from_it(tmp_path, context):
    files = raw("family_events")
    files["marks.json"]["payload"][0].update(id=2009999, date="2023-09-09")  # a Saturday: no lesson in events.json
    folder = write_json(tmp_path / "saturday", files)
    notes = MeshImporter().convert(folder, tmp_path / "out", context)
    with (tmp_path / "out" / "lessons.csv").open(encoding="utf-8") as f:
        lessons = list(csv.DictReader(f, delimiter=";"))
    with (tmp_path / "out" / "marks.csv").open(encoding="utf-8") as f:
        marks = {row["mark_id"]: row for row in csv.DictReader(f, delimiter=";")}
    made = [row for row in lessons if row["lesson_date"] == "09.09.2023"]
    assert [(r["subject_id"], r["lesson_number"], r["teacher_id"]) for r in made] == [("algebra", "1", "unknown")]
    assert marks["m-2009999"]["lesson_id"] == made[0]["lesson_id"]
    assert len(lessons) == raw_counts(raw("family_events"))["lessons"] + 1
    assert [n.location for n in notes if "урок создан по дню и предмету" in n.message] == ["payload[0]"]


def test_mark_finds_its_lesson_by_the_system_subject_id_when_names_differ(tmp_path, context):
    files = raw("family_events")
    files["marks.json"]["payload"][0]["subject_name"] = "Алгебра и начала анализа"  # id stays 33623570
    folder = write_json(tmp_path / "names", files)
    MeshImporter().convert(folder, tmp_path / "out", context)
    with (tmp_path / "out" / "marks.csv").open(encoding="utf-8") as f:
        marks = {row["mark_id"]: row for row in csv.DictReader(f, delimiter=";")}
    assert marks["m-2001001"]["lesson_id"] == "l-402110002"


def test_event_of_a_lesson_also_in_lessons_json_keeps_the_teacher(tmp_path, context):
    files = raw("family_events")
    item = copy.deepcopy(records(raw("schedule_items_core")["lessons.json"])[0][1])
    item.update(id=402110002, date="2023-09-04", begin_time="09:25", subject_name="Алгебра", marks=[])
    item["details"]["lesson_topic"] = "Выражения и их преобразования"
    files["lessons.json"] = {"payload": [item]}
    folder = write_json(tmp_path / "both", files)
    MeshImporter().convert(folder, tmp_path / "out", context)
    with (tmp_path / "out" / "lessons.csv").open(encoding="utf-8") as f:
        lessons = {row["lesson_id"]: row for row in csv.DictReader(f, delimiter=";")}
    assert len(lessons) == raw_counts(raw("family_events"))["lessons"]
    assert lessons["l-402110002"]["teacher_id"] == "t-30500001"
    assert lessons["l-402110003"]["teacher_id"] == "unknown"


RECORDED = FIXTURES / "recorded_subject_marks"
NOT_MARKS = {"Б/О"}  # «без оценки»: the subject is taught without marks (ОРКСЭ); noted, not loaded


def test_recorded_subject_marks_load_every_mark_and_period_mark(tmp_path, load):
    """A recorded /api/family/web/v1/subject_marks answer with the pupil's session: no schedule, so
    each mark's lesson is made from the mark's day and subject; the class is given at loading."""
    answer = json.loads((RECORDED / "subject_marks.json").read_text(encoding="utf-8"))
    marks = [(s["subject_name"], m) for s in answer["payload"] for p in s["periods"] for m in p["marks"]]
    finals = [p["fixed_value"] for s in answer["payload"] for p in s["periods"] if p["fixed_value"] is not None]
    years = [s["year_mark"] for s in answer["payload"] if s["year_mark"] is not None]
    context = ImportContext(norms=Norms(validation=ValidationNorms()), class_name="4-В")
    assert MeshImporter().detect(RECORDED)
    notes = MeshImporter().convert(RECORDED, tmp_path / "out", context)
    result, db = load(tmp_path / "out")
    assert result.status == "loaded", [i.message for i in result.issues]
    expected = {
        "lessons": len({(subject, m["date"]) for subject, m in marks}),
        "marks": len({m["id"] for _, m in marks}),
        "attendance": 0,
        "period_marks": len([v for v in finals if v not in NOT_MARKS]) + len(years),
    }
    assert expected == {"lessons": 443, "marks": 583, "attendance": 0, "period_marks": 21}  # read by hand
    assert csv_counts(tmp_path / "out") == expected
    assert warehouse_counts(db) == expected
    with duckdb.connect(str(db), read_only=True) as con:
        russian = con.execute(
            """select p.full_name, c.class_name, m.mark_value, m.weight, w.work_type_name
               from fct_mark m join fct_lesson l using (school_id, lesson_id)
               join dim_pupil p using (school_id, pupil_id) join dim_class c on c.class_id = l.class_id
               join dim_subject s on s.subject_id = l.subject_id join dim_work_type w on w.work_type_id = m.work_type_id
               where s.subject_name = 'Русский язык' and l.lesson_date = '2024-09-12' order by m.mark_value"""
        ).fetchall()
        finals_loaded = con.execute(
            """select s.subject_name, f.mark_kind_code, coalesce(d.period_name, ''), f.mark_value
               from fct_period_mark f join dim_subject s using (school_id, subject_id)
               left join dim_period d on d.school_id = f.school_id and d.period_id = f.period_id
               where s.subject_name in ('Математика', 'Функциональная грамотность') order by 1, 2, 3"""
        ).fetchall()
    assert ("Фролов Глеб Денисович", "4-В", "3", 2.0, "Изложение") in russian
    assert finals_loaded == [
        ("Математика", "period", "1 триместр", "5"),
        ("Математика", "period", "2 триместр", "5"),
        ("Математика", "year", "", "5"),
        ("Функциональная грамотность", "period", "1 триместр", "зач"),
        ("Функциональная грамотность", "period", "2 триместр", "зач"),
    ]
    assert [n.value for n in notes if n.field == "fixed_value"] == ["Б/О", "Б/О"]
    assert not [n for n in notes if "неизвестное поле" in n.message]


def test_recorded_session_without_class_asks_for_it(tmp_path, context):
    with pytest.raises(ExportRefused, match="--class") as refused:
        MeshImporter().convert(RECORDED, tmp_path / "out", context)
    assert refused.value.file_name == "profile.json"


HOSTILE = {
    "server error in events": (
        "family_events",
        "events.json",
        lambda f: f.update(errors=["Internal Server Error"]),
        "errors",
        "сервер вернул ошибку",
    ),
    "bare answer of two pupils": (
        "schedule_items_core",
        "marks.json",
        lambda f: f.__setitem__(slice(None), f[0]["payload"]),
        "student_id",
        "ответ без student_id",
    ),
    "lesson date not a date": (
        "schedule_items_core",
        "lessons.json",
        lambda f: f[1]["payload"][2].update(date="вчера"),
        "date",
        "ожидается дата и время",
    ),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_real_shapes_broken_are_refused_with_their_place(tmp_path, context, case):
    bundle, name, change, field, problem = HOSTILE[case]
    files = copy.deepcopy(raw(bundle))
    change(files[name])
    folder = write_json(tmp_path / bundle, files)
    with pytest.raises(ExportRefused) as refused:
        MeshImporter().convert(folder, tmp_path / "out", context)
    assert (refused.value.file_name, refused.value.field) == (name, field)
    assert problem in refused.value.problem
    assert refused.value.location
    assert not (tmp_path / "out").exists()


def test_bundle_with_only_profile_and_lessons_needs_periods(tmp_path, context):
    folder = tmp_path / "b"
    shutil.copytree(FIXTURES / "schedule_items_core", folder)
    (folder / "subject_marks.json").unlink()
    with pytest.raises(ExportRefused, match="нет ни одного учебного периода"):
        MeshImporter().convert(folder, tmp_path / "out", context)
