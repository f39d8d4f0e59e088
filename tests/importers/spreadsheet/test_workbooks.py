"""The deputy director's Excel workbook (journal sheets per class and subject, a period-marks
sheet, merged header cells) gives the same warehouse figures as the canonical export of the same
class-quarter; damaged workbooks are refused and load nothing."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest
import xlsxwriter

from ejournal.settings import ImporterNorms, Norms
from tests.importers.canonical_side import ClassQuarter, write_canonical_side
from tests.importers.figures import expected_figures, load_canonical, load_source, table_counts, warehouse_figures

NORMS = Norms(importers=ImporterNorms(1.0, {"Контрольная работа": 2, "Ответ на уроке": 1}))
PUPILS = ["Андреев Антон", "Борисова Вера"]
MATHS_DAYS = [("Сентябрь", 8), ("Сентябрь", 15), ("Сентябрь", 22), ("Октябрь", 20)]
MATHS = {
    "Андреев Антон": ["5", "4/5", "н", "5 кр"],
    "Борисова Вера": ["3", "б", "4ср", "2 кр"],
}
RUSSIAN_DAYS = [dt.date(2025, 9, 9), dt.date(2025, 9, 16), "30.09"]
RUSSIAN = {"Андреев Антон": ["2", "", "оп 4"], "Борисова Вера": ["5 5", "у", ""]}
MATHS_Q1 = {"Андреев Антон": "5", "Борисова Вера": "3"}
RUSSIAN_Q1 = {"Андреев Антон": "3", "Борисова Вера": "5"}
MATHS_YEAR = {"Андреев Антон": "5", "Борисова Вера": "н/а"}


def write_workbook(
    path: Path, *, maths=MATHS, periods=True, year_title=True, maths_q1=MATHS_Q1, finals_q1=None, roman=False
) -> Path:
    """``roman``: periods named as many school documents write them, «I четверть», «II ч.»."""
    finals_q1 = finals_q1 or maths_q1

    def named(text: str) -> str:
        if not roman:
            return text
        for arabic, numeral in (("1 ", "I "), ("2 ", "II ")):
            text = text.replace(f"{arabic}четверть", f"{numeral}четверть").replace(f"{arabic}ч.", f"{numeral}ч.")
        return text

    book = xlsxwriter.Workbook(str(path))
    merged = book.add_format({"align": "center", "bold": True})
    date_format = book.add_format({"num_format": "dd.mm.yyyy"})

    maths_sheet = book.add_worksheet("5А Математика")
    maths_sheet.merge_range("A1:H1", "Класс: 5А", merged)
    maths_sheet.merge_range("A2:H2", "Предмет: Математика", merged)
    maths_sheet.merge_range("A3:H3", "Учитель: Смирнова Ольга Петровна", merged)
    maths_sheet.merge_range(
        "A4:H4", named("Учебный год: 2025/2026    Период: 1 четверть" if year_title else "Период: 1 четверть"), merged
    )
    maths_sheet.merge_range("A5:A6", "№", merged)
    maths_sheet.merge_range("B5:B6", "ФИО", merged)
    maths_sheet.merge_range("C5:E5", "Сентябрь", merged)
    maths_sheet.write("F5", "Октябрь", merged)
    maths_sheet.merge_range("G5:G6", "Ср. балл", merged)
    maths_sheet.merge_range("H5:H6", named("1 четверть"), merged)
    for c, (_, day) in enumerate(MATHS_DAYS, start=2):
        maths_sheet.write_number(5, c, day)
    for r, pupil in enumerate(PUPILS, start=6):
        maths_sheet.write_number(r, 0, r - 5)
        maths_sheet.write(r, 1, pupil)
        for c, value in enumerate(maths[pupil], start=2):
            if value.isdigit():
                maths_sheet.write_number(r, c, int(value))
            elif value:
                maths_sheet.write(r, c, value)
        maths_sheet.write(r, 6, "4,5")
        maths_sheet.write_number(r, 7, int(maths_q1[pupil]))

    russian = book.add_worksheet("Русский")
    russian.merge_range("A1:E1", named("Класс: 5А, Предмет: Русский язык, Период: 1 четверть"), merged)
    russian.write("A2", "ФИО")
    for c, day in enumerate(RUSSIAN_DAYS, start=1):
        if isinstance(day, dt.date):
            russian.write_datetime(1, c, dt.datetime.combine(day, dt.time()), date_format)
        else:
            russian.write(1, c, day)
    russian.write(1, 4, "Итог")
    for r, pupil in enumerate(PUPILS, start=2):
        russian.write(r, 0, pupil)
        for c, value in enumerate(RUSSIAN[pupil], start=1):
            if value:
                russian.write(r, c, value)
        russian.write(r, 4, RUSSIAN_Q1[pupil])

    finals = book.add_worksheet("Итоговые")
    finals.merge_range("A1:D1", "Итоговые отметки 5А класса", merged)
    finals.merge_range("A2:A3", "ФИО", merged)
    finals.merge_range("B2:C2", "Математика", merged)
    finals.write("D2", "Русский язык", merged)
    finals.write_row("B3", [named("1 ч."), "год", named("1 ч.")])
    for r, pupil in enumerate(PUPILS, start=3):
        finals.write_row(r, 0, [pupil, finals_q1[pupil], MATHS_YEAR[pupil], RUSSIAN_Q1[pupil]])

    if periods:
        sheet = book.add_worksheet("Периоды")
        sheet.write_row(0, 0, ["Период", "Начало", "Окончание"])
        sheet.write_row(1, 0, [named("1 четверть"), "01.09.2025", "26.10.2025"])
        sheet.write_row(2, 0, [named("2 четверть"), "27.10.2025", "31.12.2025"])
    book.close()
    return path


MONTH = {"Сентябрь": 9, "Октябрь": 10}
SUFFIX = {"кр": ("Контрольная работа", 2.0), "ср": ("Самостоятельная работа", 1.0), "": ("Ответ на уроке", 1.0)}
CODES = {"н", "б", "у", "оп"}


def _facts():
    """The fixture as plain facts: (pupil, subject, date, value, work type, weight) and absences."""
    marks, absences = [], []
    days = {
        "Математика": [dt.date(2025, MONTH[m], d) for m, d in MATHS_DAYS],
        "Русский язык": [dt.date(2025, 9, 9), dt.date(2025, 9, 16), dt.date(2025, 9, 30)],
    }
    for subject, table in (("Математика", MATHS), ("Русский язык", RUSSIAN)):
        for pupil, cells in table.items():
            for day, cell in zip(days[subject], cells, strict=True):
                for token in cell.replace("4ср", "4 ср").split():
                    if token in CODES:
                        absences.append((pupil, subject, day, token))
                    elif token in SUFFIX:
                        marks[-1] = (*marks[-1][:4], *SUFFIX[token])
                    else:
                        marks.append((pupil, subject, day, token, *SUFFIX[""]))
    return days, marks, absences


def test_workbook_gives_the_same_figures_as_the_canonical_export(tmp_path):
    book = write_workbook(tmp_path / "журнал.xlsx")
    found = load_source(book, tmp_path / "x.duckdb", norms=NORMS)
    (result,) = found.results
    assert (found.source, result.status) == ("spreadsheet", "loaded"), result.issues
    days, marks, absences = _facts()
    cq = ClassQuarter("5А", PUPILS, ["Математика", "Русский язык"])
    cq.lessons = [(s, d.strftime("%d.%m.%Y"), 1) for s, ds in days.items() for d in ds]
    cq.marks = [(p, s, d.strftime("%d.%m.%Y"), v, w, k, d.strftime("%d.%m.%Y 00:00")) for p, s, d, v, w, k in marks]
    cq.absences = [(p, s, d.strftime("%d.%m.%Y"), c) for p, s, d, c in absences]
    cq.period_marks = (
        [(p, "Математика", "q1", v) for p, v in MATHS_Q1.items()]
        + [(p, "Русский язык", "q1", v) for p, v in RUSSIAN_Q1.items()]
        + [(p, "Математика", "year", v) for p, v in MATHS_YEAR.items()]
    )
    load_canonical(write_canonical_side(cq, tmp_path / "canonical"), tmp_path / "c.duckdb")
    from_excel = warehouse_figures(tmp_path / "x.duckdb")
    from_canonical = warehouse_figures(tmp_path / "c.duckdb")
    want = expected_figures(
        [(p, s, 1, v, k) for p, s, _, v, _, k in marks],
        [(p, c) for p, _, _, c in absences],
        [(p, "Математика", 1, "period", v) for p, v in MATHS_Q1.items()]
        + [(p, "Русский язык", 1, "period", v) for p, v in RUSSIAN_Q1.items()]
        + [(p, "Математика", 0, "year", v) for p, v in MATHS_YEAR.items()],
    )
    assert from_excel == from_canonical == want
    # By hand: Андреев, maths = (5 + 4 + 5 + 5·2) / (1 + 2 + 2) = 24 / 5; Борисова, maths = (3 + 4 + 2·2) / 4.
    assert want["weighted_average"][("Андреев Антон", "Математика", 1)] == 4.8
    assert want["weighted_average"][("Борисова Вера", "Математика", 1)] == 2.75
    messages = " | ".join(w.message for w in result.warnings)
    assert "вид работы «Самостоятельная работа» без веса" in messages


def test_periods_in_roman_numerals_give_the_same_warehouse(tmp_path):
    """«Период: I четверть», «I ч.», «II четверть» on the periods sheet: read as 1 and 2."""
    arabic = load_source(write_workbook(tmp_path / "a.xlsx"), tmp_path / "a.duckdb", norms=NORMS).results[0]
    roman = load_source(write_workbook(tmp_path / "r.xlsx", roman=True), tmp_path / "r.duckdb", norms=NORMS).results[0]
    assert (arabic.status, roman.status) == ("loaded", "loaded"), roman.issues
    assert warehouse_figures(tmp_path / "r.duckdb") == warehouse_figures(tmp_path / "a.duckdb")
    assert table_counts(tmp_path / "r.duckdb") == table_counts(tmp_path / "a.duckdb")


@pytest.mark.parametrize(
    ("name", "parsed"),
    [
        ("I четверть", (1, "quarter")),
        ("iv четв.", (4, "quarter")),
        ("II полугодие", (2, "half_year")),
        ("III триместр", (3, "trimester")),
        ("2-я четверть", (2, "quarter")),
        ("V четверть", None),
        ("XI четверть", None),
        ("Годовая", None),
    ],
)
def test_period_names(name, parsed):
    from pipelines.importers.periods import parse_period_name

    assert parse_period_name(name) == parsed


def _write_text(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("how", "words"),
    [
        ("empty", "файл пуст"),
        ("not_excel", "не книга Excel"),
        ("bad_cell", "лист «5А Математика», строка 7, столбец C, поле «отметка»: «отл» — не отметка"),
        ("no_year", "не указан учебный год"),
        ("no_periods", "даты периода неизвестны"),
        ("conflict", "расходится"),
    ],
)
def test_damaged_workbook_is_refused_and_loads_nothing(tmp_path, preloaded, how, words):
    db = preloaded("spreadsheet", lambda path: load_source(write_workbook(tmp_path / "good.xlsx"), path, norms=NORMS))
    before = table_counts(db)
    assert before["fct_mark"] == len(_facts()[1])
    bad = tmp_path / "bad.xlsx"
    if how == "empty":
        _write_text(bad, "")
    elif how == "not_excel":
        _write_text(bad, "ФИО;5;4\n")
    elif how == "bad_cell":
        write_workbook(bad, maths={**MATHS, "Андреев Антон": ["отл", "4/5", "н", "5 кр"]})
    elif how == "no_year":
        write_workbook(bad, year_title=False, periods=False)
    elif how == "no_periods":
        write_workbook(bad, periods=False)
    elif how == "conflict":
        write_workbook(bad, finals_q1={**MATHS_Q1, "Борисова Вера": "4"})
    (result,) = load_source(bad, db, source="spreadsheet", norms=NORMS).results
    assert result.status == "refused"
    assert result.issues[0].file_name == "bad.xlsx"
    assert words in result.issues[0].message, result.issues[0].message
    assert table_counts(db) == before


def test_unknown_absence_code_and_work_type_are_reported(tmp_path):
    maths = {**MATHS, "Андреев Антон": ["5 зч", "4/5", "ж", "5 кр"]}
    (result,) = load_source(
        write_workbook(tmp_path / "b.xlsx", maths=maths), tmp_path / "w.duckdb", norms=NORMS
    ).results
    assert result.status == "loaded", result.issues
    messages = " | ".join(w.message for w in result.warnings)
    assert "неизвестное сокращение вида работы «зч»" in messages
    assert "неизвестный код посещаемости «ж»: учтён как пропуск «н»" in messages
    assert warehouse_figures(tmp_path / "w.duckdb")["absences"][("Андреев Антон", "н")] == 1


def test_loading_the_same_workbook_again_changes_nothing(tmp_path):
    book = write_workbook(tmp_path / "j.xlsx")
    first = load_source(book, tmp_path / "w.duckdb", norms=NORMS).results[0]
    again = load_source(book, tmp_path / "w.duckdb", norms=NORMS).results[0]
    assert (first.status, again.status) == ("loaded", "unchanged")


def test_the_reader_itself_refuses_a_huge_merged_range_before_openpyxl_builds_it(tmp_path):
    from pipelines.importers.spreadsheet.sheets import read_workbook
    from pipelines.issues import ExportRefused
    from tests.pipelines.test_hostile_files import _workbook_with_merge

    book = _workbook_with_merge(tmp_path / "журнал.xlsx", [["ФИО", "01.09"], ["Андреев Антон", "5"]], "A1:XFD1048576")
    with pytest.raises(ExportRefused, match=r"журнал\.xlsx"):
        read_workbook(book)


TITLES = [
    "Класс: 7Б",
    "Предмет: Алгебра",
    "Учитель: Смирнова Ольга Петровна",
    "Учебный год: 2025/2026    Период: 1 четверть",
]


def _one_sheet(path: Path, header: list, rows: list[list], titles=TITLES, sheet_name="7Б Алгебра") -> Path:
    """One journal sheet of 7Б algebra under the usual title rows, and the periods sheet."""
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet(sheet_name)
    for r, line in enumerate(titles):
        sheet.write(r, 0, line)
    sheet.write_row(len(titles), 0, header)
    for r, row in enumerate(rows, start=len(titles) + 1):
        sheet.write_row(r, 0, row)
    _periods_sheet(book, QUARTERS[:1])  # «1 четверть», 01.09.2025–26.10.2025
    book.close()
    return path


@pytest.mark.parametrize(
    ("header", "rows", "andreev"),
    [
        # the name in columns of its own, the days in words
        (
            ["№", "Фамилия", "Имя", "Отчество", "1 сен", "8 сент.", "15 сентября", "1 четверть"],
            [[1, "Андреев", "Антон", "Ильич", 5, "н", "4/5", 5], [2, "Борисова", "Вера", None, 3, 4, "б", 4]],
            "Андреев Антон Ильич",
        ),
        (
            ["№", "Фамилия", "Имя", "01.09", "08.09", "15.09", "Итог"],
            [[1, "Андреев", "Антон", 5, "н", "4/5", 5], [2, "Борисова", "Вера", 3, 4, "б", 4]],
            "Андреев Антон",
        ),
        (
            ["№ п/п", "Ф.И.О. обучающегося", "1.09", "8 сен.", "15.09.2025", "Итог"],
            [[1, "Андреев Антон Ильич", 5, "н", "4/5", 5], [2, "Борисова Вера", 3, 4, "б", 4]],
            "Андреев Антон Ильич",
        ),
        # the list's numbering in the name's cell, the day of the week beside the date
        (
            ["ФИО", "01.09 пн", "Пн, 08.09", "15.09\n(пн)", "Итог"],
            [["1. Андреев Антон", 5, "н", "4/5", 5], ["2) Борисова Вера", 3, 4, "б", 4]],
            "Андреев Антон",
        ),
    ],
)
def test_sheets_laid_out_as_schools_do_give_the_same_marks(tmp_path, header, rows, andreev):
    """«Фамилия | Имя | Отчество» in columns of their own, «Ф.И.О. обучающегося», days written
    «1 сен», «8 сент.», «15 сентября», «1. Андреев Антон», «01.09 пн»: the same marks, absences and
    period marks as the usual «ФИО | 01.09 | 08.09 | 15.09» sheet (the importer refused the first
    as «не ФИО ученика», took «Ф.И.О. обучающегося» for no header, skipped the days in words, refused
    numbered names, and read a sheet of dates with days of the week as nothing at all)."""
    usual = _one_sheet(
        tmp_path / "usual.xlsx",
        ["ФИО", "01.09", "08.09", "15.09", "Итог"],
        [[andreev, 5, "н", "4/5", 5], ["Борисова Вера", 3, 4, "б", 4]],
    )
    laid_out = _one_sheet(tmp_path / "school.xlsx", header, rows)
    want = load_source(usual, tmp_path / "u.duckdb", norms=NORMS).results[0]
    got = load_source(laid_out, tmp_path / "s.duckdb", norms=NORMS).results[0]
    assert (want.status, got.status) == ("loaded", "loaded"), got.issues
    assert not [w for w in got.warnings if "не распознан" in w.message], got.warnings
    figures = warehouse_figures(tmp_path / "s.duckdb")
    assert figures == warehouse_figures(tmp_path / "u.duckdb")
    # by hand: Андреев 5 and 4/5 (= 4 and 5, each of weight 1), Борисова 3 and 4
    assert figures["weighted_average"] == {
        (andreev, "Алгебра", 1): round(14 / 3, 4),
        ("Борисова Вера", "Алгебра", 1): 3.5,
    }
    assert figures["absences"] == {(andreev, "н"): 1, ("Борисова Вера", "б"): 1}


def test_a_sheet_of_nothing_it_can_read_is_named_in_a_warning(tmp_path):
    """A sheet with pupils but no column read as a lesson's date or a subject's period mark is
    skipped in words, never in silence (a sheet of «01.09 пн» headers loaded as nothing)."""
    book = xlsxwriter.Workbook(str(tmp_path / "j.xlsx"))
    sheet = book.add_worksheet("7Б Алгебра")
    sheet.write(0, 0, "Класс: 7Б, Предмет: Алгебра, Учебный год: 2025/2026")
    sheet.merge_range("A2:A3", "ФИО")
    sheet.write("B2", "")
    sheet.write_row(3, 0, ["Андреев Антон", 5])
    book.close()
    found = load_source(tmp_path / "j.xlsx", tmp_path / "w.duckdb", norms=NORMS)
    messages = [w.message for r in found.results for w in r.warnings] + [
        i.message for r in found.results for i in r.issues
    ]
    assert any("лист «7Б Алгебра»" in m and "лист пропущен" in m for m in messages), messages


USUAL = (["ФИО", "01.09", "08.09", "Итог"], [["Андреев Антон", 5, "н", 5], ["Борисова Вера", 4, 3, 4]])


@pytest.mark.parametrize(
    ("titles", "sheet_name"),
    [
        (
            [
                "Класс 7Б",
                "Предмет Алгебра",
                "Учитель Смирнова Ольга Петровна",
                "Учебный год 2025/2026",
                "Период 1 четверть",
            ],
            "Лист1",
        ),
        (
            [
                "Класс - 7Б",
                "Предмет – Алгебра",
                "Учитель - Смирнова Ольга Петровна",
                "2025-2026 учебный год",
                "I четверть",
            ],
            "Лист1",
        ),
        (
            ["КЛАСС: 7б, ПРЕДМЕТ: Алгебра", "Учитель: Смирнова Ольга Петровна", "Учебный год: 2025/26, 1 четверть"],
            "Лист1",
        ),
        (["Учитель: Смирнова Ольга Петровна", "Учебный год: 2025/2026", "Период: 1 четверть"], "7б алгебра"),
        (
            [
                "Классный руководитель: Петрова Анна Ивановна",
                "Учитель: Смирнова Ольга Петровна",
                "1 четверть 2025/2026",
            ],
            "Алгебра 7Б",
        ),
    ],
)
def test_title_rows_as_schools_write_them(tmp_path, titles, sheet_name):
    """«Класс 7Б» without a colon, «Предмет – Алгебра», «2025/26», keys in capitals, the class in
    small letters in the sheet's name: the same journal as under the usual title rows (the
    importer took «Лист1» for the subject, the rest of the line for the teacher's patronymic,
    and «7б алгебра» for no class)."""
    usual = _one_sheet(tmp_path / "usual.xlsx", *USUAL)
    laid_out = _one_sheet(tmp_path / "school.xlsx", *USUAL, titles=titles, sheet_name=sheet_name)
    want = load_source(usual, tmp_path / "u.duckdb", norms=NORMS).results[0]
    got = load_source(laid_out, tmp_path / "s.duckdb", norms=NORMS).results[0]
    assert (want.status, got.status) == ("loaded", "loaded"), got.issues
    assert warehouse_figures(tmp_path / "s.duckdb") == warehouse_figures(tmp_path / "u.duckdb")
    with duckdb.connect(str(tmp_path / "s.duckdb"), read_only=True) as con:
        assert con.execute("select class_name from src_classes").fetchall() == [("7Б",)]
        assert con.execute("select subject_name from src_subjects").fetchall() == [("Алгебра",)]
        teachers = con.execute(
            "select last_name, first_name, middle_name from src_teachers where teacher_id <> 'unknown'"
        )
        assert teachers.fetchall() == [("Смирнова", "Ольга", "Петровна")]


def test_a_sheet_named_by_excel_is_no_subject(tmp_path):
    titles = ["Класс: 7Б", "Учебный год: 2025/2026", "Период: 1 четверть"]
    book = _one_sheet(tmp_path / "j.xlsx", *USUAL, titles=titles, sheet_name="Лист1")
    (result,) = load_source(book, tmp_path / "w.duckdb", norms=NORMS).results
    assert result.status == "refused"
    assert "лист «Лист1», поле «Предмет»: не указан предмет" in result.issues[0].message


QUARTERS = [("1 четверть", "01.09.2025", "26.10.2025"), ("2 четверть", "05.11.2025", "28.12.2025")]
QUARTERS += [("3 четверть", "12.01.2026", "22.03.2026"), ("4 четверть", "01.04.2026", "26.05.2026")]
HALVES = [("1 полугодие", "01.09.2025", "28.12.2025"), ("2 полугодие", "12.01.2026", "26.05.2026")]


def _ledger(path: Path, labels: list[str], class_name: str, periods: list[tuple[str, str, str]]) -> Path:
    """A summary sheet (сводная ведомость): a subject merged over its period columns, two subjects,
    each pupil's marks 5, 4, 3 … by column; and the periods sheet."""
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Итоговые")
    sheet.write(0, 0, f"Сводная ведомость {class_name} класса, 2025/2026 учебный год")
    sheet.merge_range(1, 0, 2, 0, "ФИО")
    n = len(labels)
    for s, subject in enumerate(["Алгебра", "История"]):
        sheet.merge_range(1, 1 + s * n, 1, (s + 1) * n, subject)
        sheet.write_row(2, 1 + s * n, labels)
    for i, pupil in enumerate(PUPILS):
        sheet.write_row(3 + i, 0, [pupil] + [_ledger_mark(i, c) for c in range(2 * n)])
    _periods_sheet(book, periods)
    book.close()
    return path


def _ledger_mark(pupil: int, column: int) -> int:
    """The mark of the ledger's pupil (by number) in its column of period marks (by number)."""
    return 5 - (3 + pupil + column) % 3


def _periods_sheet(book: xlsxwriter.Workbook, periods: list[tuple[str, str, str]]) -> None:
    sheet = book.add_worksheet("Периоды")
    sheet.write_row(0, 0, ["Период", "Начало", "Окончание"])
    for r, row in enumerate(periods, start=1):
        sheet.write_row(r, 0, list(row))


def _period_marks(db: Path) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(
            "select p.last_name, s.subject_name, m.mark_kind_code, m.period_id, m.mark_value from src_period_marks m "
            "join src_pupils p using (school_id, pupil_id) join src_subjects s using (school_id, subject_id) order by all"
        ).fetchall()


@pytest.mark.parametrize(
    ("labels", "usual", "class_name", "periods"),
    [
        (["I", "II", "III", "IV", "Год"], ["1 ч.", "2 ч.", "3 ч.", "4 ч.", "год"], "7А", QUARTERS),
        (["1", "2", "3", "4", "год"], ["1 ч.", "2 ч.", "3 ч.", "4 ч.", "год"], "7А", QUARTERS),
        # halves in a book whose periods sheet has quarters too: two numbers are two halves
        (["I", "II", "Год"], ["1 полугодие", "2 полугодие", "год"], "10А", QUARTERS + HALVES),
    ],
)
def test_a_summary_sheet_numbers_its_periods_alone(tmp_path, labels, usual, class_name, periods):
    """«I | II | III | IV | Год» under each subject, as summary sheets are drawn: the same period
    marks as «1 ч. | 2 ч. | … | год» (the importer refused «I» as «не период»)."""
    want = load_source(_ledger(tmp_path / "u.xlsx", usual, class_name, periods), tmp_path / "u.duckdb", norms=NORMS)
    got = load_source(_ledger(tmp_path / "s.xlsx", labels, class_name, periods), tmp_path / "s.duckdb", norms=NORMS)
    assert (want.results[0].status, got.results[0].status) == ("loaded", "loaded"), got.results[0].issues
    marks = _period_marks(tmp_path / "s.duckdb")
    assert marks == _period_marks(tmp_path / "u.duckdb")
    assert len(marks) == len(PUPILS) * 2 * len(labels)
    kind = "half_year" if periods[-1] in HALVES else "quarter"
    assert {period for *_, mark_kind, period, _ in marks if mark_kind == "period"} == {
        f"2025-2026-{kind}-{n}" for n in range(1, len(labels))
    }


@pytest.mark.parametrize(("september", "october"), [("Сентябрь", "Октябрь"), ("Сент.", "окт"), ("СЕНТЯБРЬ", "Окт.")])
def test_days_under_a_month_written_short(tmp_path, september, october):
    """Day numbers under a month written in full, short or in capitals: the same lessons (a month
    written «Сент.» left the columns unread and the sheet read as nothing)."""
    book = xlsxwriter.Workbook(str(tmp_path / "j.xlsx"))
    sheet = book.add_worksheet("7Б Алгебра")
    sheet.write(0, 0, "Учебный год: 2025/2026, Период: 1 четверть")
    sheet.merge_range("A2:A3", "ФИО")
    sheet.merge_range("B2:C2", september)
    sheet.write("D2", october)
    sheet.write_row(2, 1, [1, 8, 6])
    sheet.write_row(3, 0, ["Андреев Антон", 5, "н", 4])
    sheet.write("E3", "")
    _periods_sheet(book, QUARTERS[:1])  # «1 четверть», 01.09.2025–26.10.2025
    book.close()
    (result,) = load_source(tmp_path / "j.xlsx", tmp_path / "w.duckdb", norms=NORMS).results
    assert result.status == "loaded", result.issues
    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as con:
        days = con.execute("select strftime(lesson_date, '%d.%m') from src_lessons order by lesson_date").fetchall()
    assert days == [("01.09",), ("08.09",), ("06.10",)]


def test_the_unknown_teacher_comes_only_with_a_sheet_that_names_none(tmp_path):
    """A journal whose sheets name their teacher has only that teacher (the importer added «Не
    указан Учитель» to every school, an empty choice in the pages' teacher filters); a summary
    sheet, which names none, enters its period marks under it."""
    journal = _one_sheet(tmp_path / "j.xlsx", *USUAL)
    load_source(journal, tmp_path / "j.duckdb", norms=NORMS)
    ledger = _ledger(tmp_path / "l.xlsx", ["1 ч.", "2 ч.", "год"], "7А", QUARTERS)
    load_source(ledger, tmp_path / "l.duckdb", norms=NORMS)
    with duckdb.connect(str(tmp_path / "j.duckdb"), read_only=True) as con:
        assert con.execute("select last_name, first_name from dim_teacher").fetchall() == [("Смирнова", "Ольга")]
    with duckdb.connect(str(tmp_path / "l.duckdb"), read_only=True) as con:
        assert con.execute("select teacher_id from dim_teacher").fetchall() == [("unknown",)]
        assert con.execute("select distinct entered_by from src_period_marks").fetchall() == [("unknown",)]


def _one_subject_sheets(
    path: Path, labels: list[str], periods: list[tuple[str, str, str]], merged_title: bool = False
) -> Path:
    """The marks of :func:`_ledger`, a sheet for each subject: «Предмет: …» above it, its periods
    alone in the header (as a teacher's ведомость итоговых отметок is drawn); ``merged_title``:
    the title row just above the header merged across the table."""
    book = xlsxwriter.Workbook(str(path))
    n = len(labels)
    for s, subject in enumerate(["Алгебра", "История"]):
        sheet = book.add_worksheet(f"Итоги {subject}")
        for r, line in enumerate(["Класс: 7А", f"Предмет: {subject}", "Учитель: Смирнова Ольга Петровна"]):
            sheet.write(r, 0, line)
        if merged_title:
            sheet.merge_range(2, 0, 2, n, "Учитель: Смирнова Ольга Петровна")
        sheet.write_row(3, 0, ["ФИО", *labels])
        for i, pupil in enumerate(PUPILS):
            sheet.write_row(4 + i, 0, [pupil] + [_ledger_mark(i, s * n + k) for k in range(n)])
    _periods_sheet(book, periods)
    book.close()
    return path


@pytest.mark.parametrize(
    ("labels", "merged_title"),
    [
        (["I", "II", "III", "IV", "Год"], False),
        (["1 четверть", "2 четверть", "3 ч.", "4 ч.", "год"], False),
        (["I", "II", "III", "IV", "Год"], True),
    ],
)
def test_a_sheet_of_one_subject_gives_its_period_marks(tmp_path, labels, merged_title):
    """A sheet of one subject («Предмет: Алгебра» above it) with its periods alone in the header
    gives the period marks of the summary sheet of both subjects (it was skipped as a sheet of
    nothing: its header was looked for subjects), under the teacher it names; a title row merged
    across the table above the header is no subject (its text was taken for one)."""
    usual = ["1 ч.", "2 ч.", "3 ч.", "4 ч.", "год"]
    want = load_source(_ledger(tmp_path / "u.xlsx", usual, "7А", QUARTERS), tmp_path / "u.duckdb", norms=NORMS)
    book = _one_subject_sheets(tmp_path / "s.xlsx", labels, QUARTERS, merged_title)
    got = load_source(book, tmp_path / "s.duckdb", norms=NORMS)
    assert (want.results[0].status, got.results[0].status) == ("loaded", "loaded"), got.results[0].issues
    assert not [w.message for w in got.results[0].warnings if "пропущен" in w.message]
    marks = _period_marks(tmp_path / "s.duckdb")
    assert marks == _period_marks(tmp_path / "u.duckdb") and len(marks) == len(PUPILS) * 2 * len(labels)
    with duckdb.connect(str(tmp_path / "s.duckdb"), read_only=True) as con:
        teachers = con.execute("select last_name, first_name from src_teachers").fetchall()
        given = con.execute(
            "select distinct t.last_name from src_period_marks m join src_teachers t "
            "on t.school_id = m.school_id and t.teacher_id = m.entered_by"
        ).fetchall()
        assert teachers == [("Смирнова", "Ольга")] and given == [("Смирнова",)]  # entered by her


def test_a_header_of_one_subject_s_sheet_that_is_neither_a_day_nor_a_period_is_refused_by_its_cell(tmp_path):
    """«Урок 1», «Урок 2» under «Предмет: Алгебра»: refused naming the cell (they were read as
    subjects «Урок 1» and «Урок 2» with period marks of the period in the title)."""
    path = _one_sheet(tmp_path / "j.xlsx", ["ФИО", "Урок 1", "Урок 2"], [["Андреев Антон", 5, 4]])
    found = load_source(path, tmp_path / "w.duckdb", norms=NORMS).results[0]
    assert found.status == "refused"
    (issue,) = found.issues
    assert issue.file_name == "j.xlsx" and "лист «7Б Алгебра», строка 5, столбец B" in issue.message
    assert "«Урок 1» — не дата урока" in issue.message
