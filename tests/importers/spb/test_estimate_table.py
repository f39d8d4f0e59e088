"""«Электронный дневник Санкт-Петербурга»: the pages of /api/journal/estimate/table load with the
lesson pages. Every mark, absence and period mark the raw files hold is counted here by plain
code walking the JSON and compared with the warehouse; a few values are checked as read by eye.

The estimate/table pages were not recorded by any open client (one real item was printed): they
are built from the interface quicktype generated from real answers (fixtures/README.md)."""

from __future__ import annotations

import collections
import json
import re
import shutil
from pathlib import Path

import duckdb
import pytest

from pipelines.issues import ExportRefused
from tests.importers.spb.test_api import FIXTURES, PAGES, _convert, bundle, ingest

TABLES = tuple(sorted(p.name for p in FIXTURES.glob("estimate-table*.json")))
# The period marks' type names in the pages, read by eye: the kind each one is.
PERIOD_TYPES = {"Четвертная": "period", "3 четверть": "period", "Годовая": "year", "Итоговая": "final"}
REASON = {"494": "у", "496": "б"}


def with_tables(folder: Path, *, pupil_folder: str = "1") -> Path:
    bundle(folder, pupil_folder=pupil_folder)
    for name in TABLES:
        shutil.copy(FIXTURES / name, folder / pupil_folder / name)
    return folder


def raw_lessons() -> list[dict]:
    return [item for name in PAGES for item in json.loads((FIXTURES / name).read_text("utf-8"))["data"]["items"]]


def raw_table() -> list[dict]:
    return [item for name in TABLES for item in json.loads((FIXTURES / name).read_text("utf-8"))["data"]["items"]]


def lesson_estimates() -> collections.Counter:
    """(lesson id, type code, value name) of every estimate inside the lessons."""
    return collections.Counter(
        (lesson["identity"]["id"], e["estimate_type_code"], e["estimate_value_name"])
        for lesson in raw_lessons()
        for e in lesson["estimates"]
    )


def table_only(attendance: bool) -> list[dict]:
    """Current marks (or absences) of estimate/table whose lesson is in the lesson pages and
    that the lesson itself does not carry."""
    in_lessons = lesson_estimates()
    lesson_ids = {lesson["identity"]["id"] for lesson in raw_lessons()}
    found = []
    for item in raw_table():
        if item["estimate_type_name"] in PERIOD_TYPES or item["lesson_id"] not in lesson_ids:
            continue
        key = (item["lesson_id"], item["estimate_type_code"], item["estimate_value_name"])
        if in_lessons[key]:
            in_lessons[key] -= 1
        elif (item["estimate_type_code"] == "30000") == attendance:
            found.append(item)
    return found


@pytest.fixture(scope="module")
def loaded(tmp_path_factory) -> tuple[object, Path]:
    root = tmp_path_factory.mktemp("spb-table")
    db = root / "w.duckdb"
    return ingest(with_tables(root / "bundle"), db), db


def test_the_bundle_with_estimate_pages_loads_without_rejections(loaded):
    result, _ = loaded
    (batch,) = result.results
    assert batch.issues == []
    assert batch.status == "loaded" and batch.n_rows_accepted == batch.n_rows_in > 0


def test_every_current_mark_of_the_lessons_and_of_the_table_once(loaded):
    _, db = loaded
    expected = sorted(
        [
            (f"l-{lesson_id}", value)
            for (lesson_id, code, value), n in lesson_estimates().items()
            for _ in range(n)
            if code != "30000"
        ]
        + [(f"l-{item['lesson_id']}", item["estimate_value_name"]) for item in table_only(attendance=False)]
    )
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute("select lesson_id, mark_value from fct_mark order by all").fetchall()
    assert rows == expected
    assert len(rows) == 7  # 5 in the lessons, 2 only in the table (Физика 13.01, Русский язык 15.01)


def test_every_absence_of_the_lessons_and_of_the_table_once(loaded):
    _, db = loaded
    expected = sorted(
        [(f"l-{lesson_id}", REASON[value_code]) for lesson_id, value_code in _lesson_absences()]
        + [(f"l-{item['lesson_id']}", REASON[item["estimate_value_code"]]) for item in table_only(attendance=True)]
    )
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute(
            "select lesson_id, absence_code from fct_attendance where absence_code is not null order by all"
        ).fetchall()
    assert rows == expected
    assert len(rows) == 13  # 12 in the lessons, 1 only in the table (Технология 14.01)


def _lesson_absences() -> list[tuple[int, str]]:
    return [
        (lesson["identity"]["id"], e["estimate_value_code"])
        for lesson in raw_lessons()
        for e in lesson["estimates"]
        if e["estimate_type_code"] == "30000"
    ]


def test_every_period_mark_of_the_table(loaded):
    _, db = loaded
    expected = sorted(
        (item["subject_name"], PERIOD_TYPES[item["estimate_type_name"]], item["estimate_value_name"])
        for item in raw_table()
        if item["estimate_type_name"] in PERIOD_TYPES
    )
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute(
            "select s.subject_name, p.mark_kind_code, p.mark_value from fct_period_mark as p "
            "join dim_subject as s using (school_id, subject_id) order by all"
        ).fetchall()
    assert sorted((subject, kind, {"зач": "зачёт"}.get(value, value)) for subject, kind, value in rows) == expected
    assert len(rows) == 8


def test_period_marks_read_by_eye(loaded):
    _, db = loaded
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute(
            "select s.subject_name, p.mark_kind_code, d.period_name, p.mark_value, strftime(p.entered_at, '%d.%m.%Y') "
            "from fct_period_mark as p join dim_subject as s using (school_id, subject_id) "
            "left join dim_period as d using (school_id, period_id) order by all"
        ).fetchall()
    assert ("Алгебра", "period", "2 четверть", "5", "28.12.2021") in rows  # «Четвертная» dated in the 2nd quarter
    assert ("Алгебра", "period", "3 четверть", "4", "23.03.2022") in rows  # «3 четверть»: the number names it
    assert ("Алгебра", "year", None, "5", "25.05.2022") in rows
    assert ("Алгебра", "final", None, "5", "25.05.2022") in rows
    assert ("Физика", "period", "2 четверть", "н/а", "28.12.2021") in rows
    assert ("Физическая культура", "period", "2 четверть", "зач", "28.12.2021") in rows


def test_a_mark_only_in_the_table_goes_to_its_lesson(loaded):
    _, db = loaded
    with duckdb.connect(str(db), read_only=True) as con:
        row = con.execute(
            "select strftime(l.lesson_date, '%d.%m.%Y'), l.lesson_number, w.work_type_name, m.mark_value "
            "from fct_mark as m join fct_lesson as l using (school_id, lesson_id) "
            "join dim_work_type as w using (school_id, work_type_id) where m.mark_id = 'm-2000000103'"
        ).fetchone()
    assert row == ("13.01.2022", 6, "Самостоятельная работа", "3")  # Физика, 6th lesson


def test_what_is_not_loaded_is_said_with_its_count(loaded):
    result, _ = loaded
    notes = [issue.message for issue in result.results[0].warnings if issue.rule_code == "import_note"]
    lesson_ids = {lesson["identity"]["id"] for lesson in raw_lessons()}
    lost = [i for i in raw_table() if i["estimate_type_name"] not in PERIOD_TYPES and i["lesson_id"] not in lesson_ids]
    said = [int(m.group(1)) for n in notes if (m := re.search(r"не загружено отметок и пропусков: (\d+)", n))]
    assert sum(said) == len(lost) == 3
    assert any("вид отметки «Промежуточная аттестация» не распознан" in n for n in notes)
    assert any("взяты из estimate/table" in n for n in notes)


def test_an_overlapping_page_loads_nothing_twice(tmp_path):
    folder = with_tables(tmp_path / "b")
    shutil.copy(folder / "1" / TABLES[0], folder / "1" / "estimate-table_copy.json")
    _convert(folder, tmp_path)
    marks = (tmp_path / "out" / "marks.csv").read_text("utf-8").strip().splitlines()
    assert len(marks) == 1 + 7


def test_a_value_changed_between_the_answers_keeps_the_lessons(tmp_path):
    folder = with_tables(tmp_path / "b")
    page = folder / "1" / TABLES[0]
    doc = json.loads(page.read_text("utf-8"))
    (biology,) = [i for i in doc["data"]["items"] if i["lesson_id"] == 90000010]
    biology["estimate_value_code"], biology["estimate_value_name"] = "5/5", "5"
    page.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    notes = [n.message for n in _convert(folder, tmp_path)]
    marks = (tmp_path / "out" / "marks.csv").read_text("utf-8").replace('"', "").strip().splitlines()
    assert len(marks) == 1 + 7
    assert [line.split(";")[3] for line in marks if ";l-90000010;" in line] == ["4"]
    assert any(n.startswith("в estimate/table «5», а в уроке l-90000010 другое значение") for n in notes)


def test_a_type_code_as_a_number_and_an_unknown_field(tmp_path):
    """``dnev2spb`` reads estimate_type_code as a number; a new field is warned, not dropped silently."""
    folder = with_tables(tmp_path / "b")
    page = folder / "1" / TABLES[0]
    doc = json.loads(page.read_text("utf-8"))
    for item in doc["data"]["items"]:
        item["estimate_type_code"] = int(item["estimate_type_code"])
    doc["data"]["items"][0]["teacher_id"] = 77
    page.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    notes = _convert(folder, tmp_path)
    out = tmp_path / "out"
    assert (out / "marks.csv").read_text("utf-8").strip().count("\n") == 7
    assert (out / "attendance.csv").read_text("utf-8").strip().count("\n") == 13
    (unknown,) = [n for n in notes if n.field == "teacher_id"]
    assert (unknown.location, unknown.message) == (
        "data.items[0]",
        "неизвестное поле: не загружено (проверьте версию выгрузки)",
    )


def test_an_error_answer_is_refused_with_the_servers_words(tmp_path):
    folder = with_tables(tmp_path / "b")
    error = {"data": None, "validations": [{"field": None, "message": "Требуется авторизация"}], "messages": []}
    (folder / "1" / TABLES[0]).write_text(json.dumps(error, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(ExportRefused) as refused:
        _convert(folder, tmp_path)
    assert (
        str(refused.value)
        == f"1/{TABLES[0]}, validations, поле «message»: сервер ответил ошибкой: Требуется авторизация"
    )


def test_an_item_of_another_pupil_is_refused_with_its_path(tmp_path):
    folder = with_tables(tmp_path / "b")
    page = folder / "1" / TABLES[0]
    doc = json.loads(page.read_text("utf-8"))
    doc["data"]["items"][4]["education_id"] = 100
    page.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(ExportRefused) as refused:
        _convert(folder, tmp_path)
    assert str(refused.value) == (
        f"1/{TABLES[0]}, data.items[4], поле «education_id»: отметка обучения 100 в ответе обучения 1"
    )


def test_an_item_without_its_date_is_refused_and_nothing_is_stored(tmp_path):
    folder = with_tables(tmp_path / "b")
    page = folder / "1" / TABLES[1]
    doc = json.loads(page.read_text("utf-8"))
    del doc["data"]["items"][0]["date"]
    page.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    db = tmp_path / "w.duckdb"
    (batch,) = ingest(folder, db).results
    issue = batch.issues[0]
    assert (issue.file_name, issue.message) == (f"1/{TABLES[1]}", "data.items[0], поле «date»: нет обязательного поля")
    assert not db.exists() or duckdb.connect(str(db)).execute("select count(*) from fct_mark").fetchone()[0] == 0


def test_a_pupil_with_only_estimate_pages_gets_period_marks(tmp_path):
    folder = tmp_path / "b"
    folder.mkdir()
    for name in ("related-child-list.json", "get-list-period.json"):
        shutil.copy(FIXTURES / name, folder / name)
    (folder / "1").mkdir()
    for name in TABLES:
        shutil.copy(FIXTURES / name, folder / "1" / name)
    notes = [n.message for n in _convert(folder, tmp_path)]
    period_marks = (tmp_path / "out" / "period_marks.csv").read_text("utf-8").strip().splitlines()
    assert len(period_marks) == 1 + 8
    assert (tmp_path / "out" / "marks.csv").read_text("utf-8").strip().count("\n") == 0
    lost = [int(m.group(1)) for n in notes if (m := re.search(r"не загружено отметок и пропусков: (\d+)", n))]
    assert sum(lost) == sum(1 for i in raw_table() if i["estimate_type_name"] not in PERIOD_TYPES)


def _lesson_with(estimates: list[dict], tmp_path: Path) -> tuple[list[str], str, str]:
    folder = bundle(tmp_path / "b")
    page = folder / "1" / PAGES[0]
    doc = json.loads(page.read_text("utf-8"))
    for i, estimate in enumerate(estimates):
        doc["data"]["items"][i]["estimates"] = [estimate]
    page.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    notes = [n.message for n in _convert(folder, tmp_path)]
    out = tmp_path / "out"
    return notes, (out / "attendance.csv").read_text("utf-8"), (out / "marks.csv").read_text("utf-8")


def _estimate(type_code: str, type_name: str, value_code: str, value_name: str) -> dict:
    return {
        "estimate_type_code": type_code,
        "estimate_type_name": type_name,
        "estimate_value_code": value_code,
        "estimate_value_name": value_name,
        "estimate_comment": None,
    }


def test_attendance_value_names_the_clients_show(tmp_path):
    names = ["Н", "Б", "УП", "ОП", "", "Н"]
    estimates = [_estimate("30000", "Посещаемость", "", name) for name in names[:5]]
    estimates.append(_estimate("1058", "Работа на уроке", "", "Н"))  # «Н» put as a mark
    notes, attendance, _ = _lesson_with(estimates, tmp_path)
    codes = {line.split(";")[1]: line.split(";")[2] for line in attendance.replace('"', "").splitlines()[1:]}
    assert [codes[f"l-90000000{n}"] for n in range(1, 7)] == ["н", "б", "у", "оп", "оп", "н"]
    assert "посещаемость без кода и названия считается опозданием «оп»" in notes
    assert "«Н» вместо отметки — пропуск урока: загружен как пропуск" in notes


def test_a_remark_and_a_period_mark_inside_a_lesson(tmp_path):
    estimates = [_estimate("1058", "Работа на уроке", "", "Замечание"), _estimate("7", "Годовая", "5/5", "5")]
    notes, _, marks = _lesson_with(estimates, tmp_path)
    assert "замечание учителя — не отметка: не загружено" in notes
    assert "l-900000001" not in marks and "l-900000002" not in marks
    period_marks = (tmp_path / "out" / "period_marks.csv").read_text("utf-8")
    assert ";year;;5;" in period_marks


def test_half_year_periods_are_periods_not_the_year(tmp_path):
    folder = with_tables(tmp_path / "b")
    periods = json.loads((folder / "get-list-period.json").read_text("utf-8"))
    items = periods["data"]["items"]
    items[1:] = [
        {**items[1], "name": "1 полугодие", "date_to": "28.12.2021"},
        {**items[3], "name": "2 полугодие", "date_to": "25.05.2022"},
    ]
    (folder / "get-list-period.json").write_text(json.dumps(periods, ensure_ascii=False), encoding="utf-8")
    page = folder / "1" / TABLES[1]
    doc = json.loads(page.read_text("utf-8"))
    for item in doc["data"]["items"]:
        item["estimate_type_name"] = {"Четвертная": "Полугодовая", "3 четверть": "Полугодовая"}.get(
            item["estimate_type_name"], item["estimate_type_name"]
        )
    page.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    _convert(folder, tmp_path)
    out = tmp_path / "out"
    assert "half_year;1;1 полугодие" in (out / "periods.csv").read_text("utf-8")
    period_marks = (out / "period_marks.csv").read_text("utf-8")
    assert period_marks.count("half_year-1") == 4 and period_marks.count("half_year-2") == 1


def test_the_parent_of_the_periods_is_the_year_whatever_its_name(tmp_path):
    folder = with_tables(tmp_path / "b")
    periods = json.loads((folder / "get-list-period.json").read_text("utf-8"))
    periods["data"]["items"][0]["name"] = "2021/2022"
    (folder / "get-list-period.json").write_text(json.dumps(periods, ensure_ascii=False), encoding="utf-8")
    _convert(folder, tmp_path)
    names = [line.split(";")[4] for line in (tmp_path / "out" / "periods.csv").read_text("utf-8").splitlines()[1:]]
    assert names == ["1 четверть", "2 четверть", "3 четверть", "4 четверть"]
