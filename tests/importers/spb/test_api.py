"""«Электронный дневник Санкт-Петербурга»: recorded answers of dnevnik2.petersburgedu.ru load into
the warehouse with the figures the test reads from the raw JSON itself; hostile bundles are refused
in Russian and store nothing."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pytest

from ejournal.settings import Norms, ValidationNorms
from pipelines.importers.contract import ImportContext
from pipelines.importers.registry import detect_source
from pipelines.importers.spb.api import SpbImporter
from pipelines.ingest import ingest_source
from pipelines.issues import ExportRefused

FIXTURES = Path(__file__).resolve().parent / "fixtures"
PAGES = ("list-by-education_2022-04-11.json", "list-by-education_2022-01-12..15_page1.json")
NORMS = Norms(validation=ValidationNorms())


def bundle(folder: Path, *, pupil_folder: str | None = "1") -> Path:
    """The recorded answers as a parent saves them: children, periods, and the pupil's lesson pages
    in a folder named by the education_id (or beside the others when ``pupil_folder`` is None)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("related-child-list.json", "get-list-period.json"):
        shutil.copy(FIXTURES / name, folder / name)
    target = folder / pupil_folder if pupil_folder else folder
    target.mkdir(exist_ok=True)
    for name in PAGES:
        shutil.copy(FIXTURES / name, target / name)
    return folder


def raw_lessons() -> list[dict]:
    return [item for name in PAGES for item in json.loads((FIXTURES / name).read_text("utf-8"))["data"]["items"]]


def ingest(folder: Path, db: Path):
    return ingest_source(folder, db, norms=NORMS, context=ImportContext(norms=NORMS), run_by="test")


@pytest.fixture(scope="module")
def loaded(tmp_path_factory) -> tuple[object, Path]:
    root = tmp_path_factory.mktemp("spb")
    db = root / "w.duckdb"
    return ingest(bundle(root / "bundle"), db), db


def test_the_format_is_detected(tmp_path):
    assert detect_source(bundle(tmp_path / "b"), tmp_path / "work") == "spb"


def test_recorded_answers_load_without_rejections(loaded):
    result, _ = loaded
    assert result.source == "spb"
    assert result.detected
    (batch,) = result.results
    assert batch.issues == []
    assert batch.status == "loaded" and batch.n_rows_accepted == batch.n_rows_in > 0


def test_every_lesson_with_its_date_number_topic_and_homework(loaded):
    _, db = loaded
    expected = {
        f"l-{item['identity']['id']}": (
            item["datetime_from"][:10],
            item["number"],
            item["content_name"],
            "; ".join(t["task_name"] for t in item["tasks"]) or None,
        )
        for item in raw_lessons()
    }
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute(
            "select lesson_id, strftime(lesson_date, '%d.%m.%Y'), lesson_number, topic, homework from fct_lesson"
        ).fetchall()
    assert {lesson_id: tuple(rest) for lesson_id, *rest in rows} == expected


def test_marks_are_the_estimates_that_are_not_attendance(loaded):
    _, db = loaded
    expected = sorted(
        (f"l-{item['identity']['id']}", e["estimate_value_name"])
        for item in raw_lessons()
        for e in item["estimates"]
        if e["estimate_type_code"] != "30000"
    )
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute("select lesson_id, mark_value from fct_mark order by all").fetchall()
        entered = con.execute(
            "select count(*) from fct_mark as m join fct_lesson as l using (school_id, lesson_id) "
            "where m.entered_at::date <> l.lesson_date"
        ).fetchone()[0]
    assert sorted(rows) == expected and len(expected) == 5
    assert entered == 0  # entered when the lesson ended: the API gives no entry time


def test_weights_come_from_the_schools_work_type_norms(loaded):
    _, db = loaded
    names = {e["estimate_type_name"] for item in raw_lessons() for e in item["estimates"]} - {"Посещаемость"}
    school = NORMS.importers.work_type_weights
    expected = {name: school.get(name, NORMS.importers.default_work_weight) for name in names}
    with duckdb.connect(str(db), read_only=True) as con:
        rows = dict(con.execute("select work_type_name, weight from dim_work_type").fetchall())
    assert rows == expected
    assert rows["Самостоятельная работа"] == 1.5


def test_absences_by_reason_code(loaded):
    _, db = loaded
    reason = {"494": "у", "496": "б"}
    expected = sorted(
        (f"l-{item['identity']['id']}", reason[e["estimate_value_code"]])
        for item in raw_lessons()
        for e in item["estimates"]
        if e["estimate_type_code"] == "30000"
    )
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute(
            "select lesson_id, absence_code from fct_attendance where absence_code is not null order by all"
        ).fetchall()
    assert sorted(rows) == expected and len(expected) == 12


def test_pupil_class_school_and_periods(loaded):
    _, db = loaded
    children = json.loads((FIXTURES / "related-child-list.json").read_text("utf-8"))["data"]["items"]
    (child,) = [c for c in children if c["educations"][0]["education_id"] == 1]
    with duckdb.connect(str(db), read_only=True) as con:
        pupils = con.execute("select pupil_id, last_name, first_name from dim_pupil").fetchall()
        classes = con.execute("select class_name, grade from dim_class").fetchall()
        school = con.execute("select school_id, school_name, region_id from dim_school").fetchall()
        periods = con.execute("select period_name from dim_period order by start_date").fetchall()
    assert pupils == [("p-1", child["surname"], child["firstname"])]  # the other child has no lessons here
    assert classes == [("7Д", 7)]
    education = child["educations"][0]
    assert school == [(f"s-{education['institution_id']}", education["institution_name"], "78")]
    assert [p for (p,) in periods] == ["1 четверть", "2 четверть", "3 четверть", "4 четверть"]


def test_notes_say_what_the_answers_lack(loaded):
    result, _ = loaded
    notes = [issue.message for issue in result.results[0].warnings if issue.rule_code == "import_note"]
    assert any("нет страниц 2 из 2" in n for n in notes)
    assert any("учитель урока в ответах не передаётся" in n for n in notes)
    assert any("время выставления отметок не передаётся" in n for n in notes)
    assert any("нет ни уроков, ни отметок ученика: не загружен" in n for n in notes)
    assert any("«Работа на уроке» без веса" in n for n in notes)


def _convert(folder: Path, tmp_path: Path):
    return SpbImporter().convert(folder, tmp_path / "out", ImportContext(norms=NORMS))


def test_pages_of_two_children_at_the_top_are_refused(tmp_path):
    with pytest.raises(ExportRefused) as refused:
        _convert(bundle(tmp_path / "b", pupil_folder=None), tmp_path)
    assert "чей это дневник" in str(refused.value) and "1, 100" in str(refused.value)


def test_a_folder_of_an_unknown_education_is_refused(tmp_path):
    with pytest.raises(ExportRefused) as refused:
        _convert(bundle(tmp_path / "b", pupil_folder="555"), tmp_path)
    assert "обучения 555 нет в related-child-list.json" in str(refused.value)


def test_without_periods_the_bundle_is_refused_and_nothing_is_stored(tmp_path):
    folder = bundle(tmp_path / "b")
    (folder / "get-list-period.json").unlink()
    db = tmp_path / "w.duckdb"
    result = ingest(folder, db)
    (batch,) = result.results
    assert batch.issues[0].message.endswith("нет обязательного файла «get-list-period.json» в «b»")
    assert not db.exists() or duckdb.connect(str(db)).execute("select count(*) from fct_mark").fetchone()[0] == 0


def test_broken_json_names_the_page(tmp_path):
    folder = bundle(tmp_path / "b")
    (folder / "1" / PAGES[0]).write_text('{"data": {"items": [', encoding="utf-8")
    with pytest.raises(ExportRefused) as refused:
        _convert(folder, tmp_path)
    assert PAGES[0] in str(refused.value)


def test_a_lesson_without_its_date_is_refused_with_its_json_path(tmp_path):
    folder = bundle(tmp_path / "b")
    page = folder / "1" / PAGES[0]
    doc = json.loads(page.read_text("utf-8"))
    del doc["data"]["items"][2]["datetime_from"]
    page.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(ExportRefused) as refused:
        _convert(folder, tmp_path)
    assert str(refused.value) == f"1/{PAGES[0]}, data.items[2], поле «datetime_from»: нет обязательного поля"


def test_unknown_absence_codes_and_other_scales_are_noted_not_dropped(tmp_path):
    folder = bundle(tmp_path / "b")
    page = folder / "1" / PAGES[0]
    doc = json.loads(page.read_text("utf-8"))
    doc["data"]["items"][0]["estimates"] = [
        {
            "estimate_type_code": "30000",
            "estimate_type_name": "Посещаемость",
            "estimate_value_code": "777",
            "estimate_value_name": "прогул",
            "estimate_comment": None,
        },
        {
            "estimate_type_code": "1058",
            "estimate_type_name": "Работа на уроке",
            "estimate_value_code": "8/10",
            "estimate_value_name": "8",
            "estimate_comment": None,
        },
    ]
    page.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    notes = _convert(folder, tmp_path)
    messages = [n.message for n in notes]
    assert "неизвестный код посещаемости «прогул»: учтён как пропуск «н»" in messages
    assert "отметка по шкале до 10: не загружена" in messages
    attendance = (tmp_path / "out" / "attendance.csv").read_text("utf-8")
    assert ";l-900000001;н" in attendance.replace('"', "")


def test_lateness_code_30001_is_a_late_arrival_and_a_remark_is_not_a_mark(tmp_path):
    """estimate/table's clients read code 30001 as a lateness and the value «Замечание» as a teacher's
    remark (kewldan/TelegramDnevnik, `api/src/routes/journal.py`): neither is a mark. Their other fields
    are not recorded anywhere: the type names and values here are placeholders."""
    folder = bundle(tmp_path / "b")
    page = folder / "1" / PAGES[0]
    doc = json.loads(page.read_text("utf-8"))
    doc["data"]["items"][0]["estimates"] = [
        {
            "estimate_type_code": "30001",
            "estimate_type_name": "Опоздание",
            "estimate_value_code": "10",
            "estimate_value_name": "10 минут",
            "estimate_comment": None,
        },
        {
            "estimate_type_code": "1058",
            "estimate_type_name": "Работа на уроке",
            "estimate_value_code": "",
            "estimate_value_name": "Замечание",
            "estimate_comment": "Нет тетради",
        },
    ]
    page.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    notes = _convert(folder, tmp_path)
    messages = [n.message for n in notes]
    assert "замечание учителя — не отметка: не загружено" in messages
    assert not [m for m in messages if "не распознан" in m or "— не отметка: не загружена" in m]
    attendance = (tmp_path / "out" / "attendance.csv").read_text("utf-8").replace('"', "")
    assert ";l-900000001;оп" in attendance
    pages = [json.loads((folder / "1" / name).read_text("utf-8")) for name in PAGES]
    raw_marks = [
        e
        for page_doc in pages
        for item in page_doc["data"]["items"]
        for e in item["estimates"]
        if e["estimate_type_code"] not in ("30000", "30001") and e["estimate_value_name"] != "Замечание"
    ]
    marks = (tmp_path / "out" / "marks.csv").read_text("utf-8").splitlines()[1:]
    assert len(marks) == len(raw_marks)  # the remark added none
