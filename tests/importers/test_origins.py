"""A row of a journal system's data that the checks refuse is named where the school can find it:
the file it sent and the place in it (a JSON path, a sheet's cell), not the canonical CSV file the
importer wrote in between («lessons.csv, строка 2»), in the ingest's issues and in its quarantine."""

from __future__ import annotations

import copy
import datetime as dt
import json

import duckdb

from tests.importers.api_scenario import write_json
from tests.importers.dnevnik.test_api import dnevnik_payload
from tests.importers.figures import load_source
from tests.importers.netschool.test_real_diary import WEB_2019, _copy
from tests.importers.spreadsheet.test_workbooks import write_workbook


def _quarantined(db) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute("select file_name, row_number, message from meta_quarantine order by all").fetchall()


def test_a_dnevnik_lesson_out_of_the_year_and_its_marks_are_named_in_their_json_files(tmp_path):
    files = copy.deepcopy(dnevnik_payload())
    lesson = files["lessons.json"][0]
    lesson["date"] = "2026-09-08T00:00:00"  # the next school year: the checks refuse the lesson
    marks = [i for i, mark in enumerate(files["marks.json"]) if mark["lesson"] == lesson["id"]]
    (result,) = load_source(write_json(tmp_path / "dnevnik", files), tmp_path / "w.duckdb").results
    assert result.status == "loaded_with_rejections"
    about_lesson = [i for i in result.issues if i.rule_code == "date_outside_year"]
    assert [(i.file_name, i.row_number, i.column_name) for i in about_lesson] == [("lessons.json", None, "lesson_date")]
    assert about_lesson[0].message.startswith("[0]: Дата урока вне учебного года 2025/2026")
    of_marks = sorted(i.message.split(":")[0] for i in result.issues if i.file_name == "marks.json")
    assert marks and of_marks == sorted(f"[{i}]" for i in marks)
    assert not [i for i in result.issues if i.file_name.endswith(".csv")]
    quarantined = _quarantined(tmp_path / "w.duckdb")
    assert ("lessons.json", None) in {row[:2] for row in quarantined}
    assert not [row for row in quarantined if row[0].endswith(".csv")]


def test_a_sgo_lesson_number_out_of_range_is_named_at_its_json_path(tmp_path):
    folder = _copy(tmp_path, WEB_2019)
    week = next(folder.glob("diary_*.json"))
    diary = json.loads(week.read_text(encoding="utf-8"))
    day = next(i for i, d in enumerate(diary["weekDays"]) if d.get("lessons"))
    diary["weekDays"][day]["lessons"][0]["number"] = 20
    week.write_text(json.dumps(diary, ensure_ascii=False), encoding="utf-8")
    (result,) = load_source(folder, tmp_path / "w.duckdb", class_name="5Г").results
    (issue,) = [i for i in result.issues if i.rule_code == "range"]
    assert (issue.file_name, issue.row_number, issue.column_name, issue.cell_value) == (
        week.name,
        None,
        "lesson_number",
        "20",
    )
    assert issue.message.startswith(f"weekDays[{day}].lessons[0]: Столбец «номер_урока»")


def test_a_sheet_column_dated_before_the_year_is_named_by_its_cells(tmp_path):
    from openpyxl import load_workbook

    book = write_workbook(tmp_path / "src.xlsx")
    workbook = load_workbook(book)
    sheet = workbook["Русский"]
    sheet["B2"].value = dt.datetime(2025, 8, 15)  # the first lesson column: before 1 September
    marked = [f"строка {row}" for row in range(3, sheet.max_row + 1) if sheet.cell(row, 2).value]
    folder = tmp_path / "sheets"
    folder.mkdir()
    workbook.save(folder / "журнал.xlsx")
    (result,) = load_source(folder, tmp_path / "w.duckdb").results
    refused = [i for i in result.issues if i.rule_code != "import_note"]
    assert refused and all(i.file_name == "журнал.xlsx" and i.row_number is None for i in refused)
    assert all(i.message.startswith("лист «Русский», строка ") for i in refused)
    assert any("Дата урока вне учебного года" in i.message for i in refused)
    assert {i.message.split(", ")[1] for i in refused} <= set(marked)


def test_rows_of_a_sgo_report_are_named_by_its_table_row_and_day(tmp_path):
    """The report as saved long before its dates (the file's time is the export's moment): every
    lesson's date is implausible, and each is named at its cell of the report's table."""
    import os
    import shutil

    from tests.importers.netschool.test_report import FIXTURES

    name = "netschool_report_two_months.html"
    folder = tmp_path / "sgo"
    folder.mkdir()
    shutil.copy(FIXTURES / name, folder / name)
    os.utime(folder / name, (1262304000, 1262304000))  # 1 January 2010
    (result,) = load_source(folder, tmp_path / "w.duckdb", class_name="7А").results
    of_lessons = [i for i in result.issues if i.column_name == "lesson_date"]
    assert of_lessons and all((i.file_name, i.row_number) == (name, None) for i in of_lessons)
    assert all(i.message.startswith("строка ") and " («" in i.message.split(":")[0] for i in of_lessons)
    assert not [i for i in result.issues if i.file_name in ("lessons.csv", "marks.csv", "attendance.csv")]
