"""«Сетевой город»: the report «Отчет об успеваемости и посещаемости ученика» as real servers send
it (fixtures/README.md): every mark, absence and period mark of the raw page is loaded, counted
here by a separate reading of the HTML; damaged pages are refused in Russian and load nothing."""

from __future__ import annotations

import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import pytest

from pipelines.importers.netschool.report import read_report
from pipelines.importers.notes import Notes
from tests.importers.figures import load_source, table_counts

FIXTURES = Path(__file__).parent / "fixtures"
REAL = "netschool_report_studenttotal.html"  # saved from a 5.56 server, anonymised
TWO_MONTHS = "netschool_report_two_months.html"  # the netschool-api-plus test fragment
CP1251 = "netschool_report_cp1251.html"  # the real page's layout in Windows-1251, more kinds of cells
ALL = [REAL, TWO_MONTHS, CP1251]


class _Tables(HTMLParser):
    """Every table of a page as rows of [attributes, text] cells (Python's own HTML parser)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[dict] = []
        self.sheet_names: list[str] = []
        self.in_cell = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if "data-sheet-name" in attributes:
            self.sheet_names.append(attributes["data-sheet-name"] or "")
        if tag == "table":
            self.tables.append({"class": attributes.get("class") or "", "rows": []})
        elif tag == "tr" and self.tables:
            self.tables[-1]["rows"].append([])
        elif tag in ("td", "th") and self.tables and self.tables[-1]["rows"]:
            self.tables[-1]["rows"][-1].append([attributes, ""])
            self.in_cell = True

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th", "tr", "table"):
            self.in_cell = False

    def handle_data(self, data: str) -> None:
        if self.in_cell:
            self.tables[-1]["rows"][-1][-1][1] += data


def _raw_text(name: str) -> str:
    data = (FIXTURES / name).read_bytes()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1251")


def count_raw(name: str) -> dict:
    """Marks, absences, «ОСВ», dots and period marks of the page, read straight from its table."""
    page = _Tables()
    page.feed(_raw_text(name))
    (grid,) = [t for t in page.tables if "table-print" in t["class"]]
    header, _, *subjects = grid["rows"]
    n_days = sum(int(a["colspan"]) for a, _ in header if "colspan" in a)
    has_final = "Итог" in header[-1][1]
    found = {"marks": 0, "absences": 0, "released": 0, "dots": 0, "period_marks": 0, "pupil": page.sheet_names[0]}
    for row in subjects:
        for _, text in row[1 : 1 + n_days]:
            for token in text.replace("\xa0", " ").split():
                if re.fullmatch(r"[1-5](/[1-5])?", token):
                    found["marks"] += 1
                elif token == ".":
                    found["dots"] += 1
                elif token.upper() == "ОСВ":
                    found["released"] += 1
                else:
                    found["absences"] += 1
        if has_final and row[-1][1].strip():
            found["period_marks"] += 1
    return found


def _load(tmp_path: Path, name: str, class_name: str | None = "7А"):
    folder = tmp_path / "sgo"
    folder.mkdir(exist_ok=True)
    shutil.copy(FIXTURES / name, folder / name)
    found = load_source(folder, tmp_path / "w.duckdb", class_name=class_name)
    assert found.source == "netschool"  # recognised by its title, whatever the encoding
    (result,) = found.results
    return result


def _rows(tmp_path: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_the_raw_count_is_not_empty():
    """The real pages hold what the tests below compare (a count of nothing would prove nothing)."""
    assert count_raw(REAL)["marks"] == 12
    assert {k: count_raw(TWO_MONTHS)[k] for k in ("marks", "absences", "period_marks")} == {
        "marks": 2,
        "absences": 2,
        "period_marks": 1,
    }
    assert {k: count_raw(CP1251)[k] for k in ("marks", "absences", "released", "dots", "period_marks")} == {
        "marks": 8,
        "absences": 6,
        "released": 2,
        "dots": 1,
        "period_marks": 4,
    }


@pytest.mark.parametrize("name", ALL)
def test_every_mark_absence_and_period_mark_of_the_page_is_loaded(tmp_path, name):
    raw = count_raw(name)
    result = _load(tmp_path, name)
    assert result.status == "loaded", result.issues
    (marks,) = _rows(tmp_path, "select count(*) from fct_mark")[0]
    (absences,) = _rows(tmp_path, "select count(*) from fct_attendance where absence_code is not null")[0]
    (period_marks,) = _rows(tmp_path, "select count(*) from fct_period_mark")[0]
    # «4/5» is one mark of the warehouse and one token of the page.
    assert (marks, absences, period_marks) == (raw["marks"], raw["absences"], raw["period_marks"])
    assert _rows(tmp_path, "select full_name from dim_pupil") == [(raw["pupil"],)]
    assert not [w for w in result.warnings if "не распознан" in w.message]  # «Средн. оценка …» is known


def test_real_report_hand_read_values(tmp_path):
    """Read by eye in the saved page: Алгебра 5 on 4 September and 3 on 11 September, and so on."""
    result = _load(tmp_path, REAL)
    assert result.status == "loaded", result.issues
    marks = _rows(
        tmp_path,
        """select s.subject_name, strftime(m.lesson_date, '%d.%m.%Y'), m.mark_value
           from fct_mark m join dim_subject s using (school_id, subject_id) order by all""",
    )
    assert ("Алгебра", "04.09.2026", "5") in marks
    assert ("Алгебра", "11.09.2026", "3") in marks
    assert ("Литература", "02.09.2026", "3") in marks
    assert ("Литература", "16.09.2026", "2") in marks
    assert [m for m in marks if m[0] == "Ин.яз./Английский язык"] == [
        ("Ин.яз./Английский язык", "04.09.2026", "4"),
        ("Ин.яз./Английский язык", "08.09.2026", "4"),
        ("Ин.яз./Английский язык", "11.09.2026", "5"),
    ]
    period = _rows(
        tmp_path,
        """select period_kind_code, period_number, strftime(start_date, '%d.%m.%Y'), strftime(end_date, '%d.%m.%Y')
           from dim_period""",
    )
    assert period == [
        ("trimester", 1, "01.09.2026", "30.11.2026")
    ]  # «Итог.оценка 1 триместр», «с 1.09.2026 по 30.11.2026»
    assert _rows(tmp_path, "select class_name from dim_class") == [("7А",)]  # «Класс:» is empty: --class


def test_two_months_fragment_hand_read_values(tmp_path):
    result = _load(tmp_path, TWO_MONTHS)
    assert result.status == "loaded", result.issues
    assert _rows(
        tmp_path, "select strftime(lesson_date, '%d.%m.%Y'), mark_value from fct_mark order by lesson_date"
    ) == [("15.09.2026", "4"), ("16.10.2026", "5")]
    assert _rows(
        tmp_path,
        "select strftime(lesson_date, '%d.%m.%Y'), absence_code from fct_attendance where absence_code is not null order by 1",
    ) == [("02.09.2026", "у"), ("02.10.2026", "б")]
    assert _rows(tmp_path, "select mark_value from fct_period_mark") == [("5",)]


def test_windows_1251_page_codes_and_released_pupils(tmp_path):
    """ОТ is an absence without a given reason («н»); ОСВ (released from the lesson) is no absence."""
    result = _load(tmp_path, CP1251, class_name=None)  # the page names its class
    assert result.status == "loaded", result.issues
    assert _rows(tmp_path, "select class_name from dim_class") == [("7Б",)]
    codes = _rows(
        tmp_path,
        """select s.subject_name, strftime(a.lesson_date, '%d.%m'), a.absence_code
           from fct_attendance a join dim_subject s using (school_id, subject_id) order by all""",
    )
    assert ("Алгебра", "16.09", "н") in codes  # ОТ
    assert ("Русский язык", "08.09", "н") in codes  # НП
    assert ("Русский язык", "14.10", "оп") in codes  # «ОП 5»: late, and a mark
    assert ("Физическая культура", "02.09", "у") not in codes
    assert not [c for c in codes if c[1] in ("02.09", "08.09") and c[0] == "Физическая культура"]  # ОСВ
    marks = _rows(tmp_path, "select strftime(lesson_date, '%d.%m'), mark_value from fct_mark order by all")
    assert ("02.09", "4") in marks and ("02.09", "5") in marks  # «5&nbsp;&nbsp;4»: two marks
    assert ("01.10", "4/5") in marks
    finals = dict(
        _rows(
            tmp_path,
            "select s.subject_name, f.mark_value from fct_period_mark f join dim_subject s using (school_id, subject_id)",
        )
    )
    assert finals == {"Русский язык": "4", "Алгебра": "3", "Физическая культура": "осв", "Биология": "н/а"}
    messages = " | ".join(w.message for w in result.warnings)
    assert "«ОСВ» (освобождён от посещения): 2" in messages
    assert "просроченных заданий («.»): 1" in messages
    assert "неизвестный код посещаемости" not in messages  # ОТ is known


def test_without_class_the_real_report_is_refused_in_russian(tmp_path):
    result = _load(tmp_path, REAL, class_name=None)
    assert result.status == "refused"
    assert "класс не указан: задайте класс, например --class 7А" in result.issues[0].message
    assert table_counts(tmp_path / "w.duckdb") == {}


LINE = (
    "<div><h2>Отчет об успеваемости и посещаемости ученика</h2>"
    "<p><b>Ученик:</b> Иванов Иван <b>Класс:</b> 5А <b>Период:</b> с 1.09.2026 по 31.10.2026</p></div>"
)


def _grid_of(name: str) -> str:
    text = _raw_text(name)
    return text[text.index('<table class="table-print">') :]


def test_labels_on_one_line_end_at_the_next_label(tmp_path):
    page = tmp_path / "report.html"
    page.write_text(LINE + _grid_of(TWO_MONTHS), encoding="utf-8")
    report = read_report(page, Notes())
    assert (report.pupil_name, report.class_name) == ("Иванов Иван", "5А")
    assert (report.period_number, report.period_kind) == (1, "trimester")
    assert [(c.day.isoformat(), c.marks, c.absence) for c in report.cells] == [
        ("2026-09-02", [], "у"),
        ("2026-09-15", ["4"], None),
        ("2026-10-02", [], "б"),
        ("2026-10-16", ["5"], None),
    ]


def _damage(text: str, how: str) -> tuple[str, str]:
    if how == "truncated":
        return text[: text.index("Литература")], "отчёт сохранён не полностью"
    if how == "no_pupil":
        return text.replace("Соколов Артём Ильич", ""), "не указан ученик"
    if how == "no_dates":
        return text.replace("с 1.09.2026 по 30.11.2026", "1 триместр"), "не указан период с датами"
    if how == "two_finals":
        doubled = '<th rowspan="2">Итог.оценка <br> 1 триместр</th>'
        return text.replace(doubled, doubled + '<th rowspan="2">Итог.оценка <br> 2 триместр</th>').replace(
            '<td class="cell-num-2"></td>\n\t\t\t</tr>', '<td class="cell-num-2"></td><td></td>\n\t\t\t</tr>'
        ), "несколько столбцов итоговых отметок"
    if how == "bad_day":
        return text.replace("<th>10</th>", "<th>10а</th>"), "«10а» — не число месяца"
    if how == "short_row":
        return text.replace(
            '<td class="cell-text">Химия</td>\n\t                    <td></td>', '<td class="cell-text">Химия</td>'
        ), "ячеек 9, а столбцов 10"
    raise AssertionError(how)


@pytest.mark.parametrize("how", ["truncated", "no_pupil", "no_dates", "two_finals", "bad_day", "short_row"])
def test_damaged_real_page_is_refused_and_loads_nothing(tmp_path, how):
    folder = tmp_path / "bad"
    folder.mkdir()
    text, words = _damage(_raw_text(REAL), how)
    (folder / REAL).write_text(text, encoding="utf-8")
    (result,) = load_source(folder, tmp_path / "w.duckdb", class_name="7А").results
    assert result.status == "refused"
    assert result.issues[0].file_name == REAL
    assert words in result.issues[0].message, result.issues[0].message
    assert table_counts(tmp_path / "w.duckdb") == {}


# The old servers' layout as the public Go parser (Nexterot/SchoolServer, reportsparser/report-05.go)
# reads it: compact markup, marks separated by two &nbsp;, only «Средн.» after the days; here the
# labels and values stand in separate cells.
OLD_LAYOUT = (
    "<html><body><h2>Отчет об успеваемости и посещаемости ученика</h2><table>"
    "<tr><td>Ученик:</td><td>Петров Пётр</td></tr><tr><td>Период:</td><td>01.09.2025 - 31.10.2025</td></tr>"
    '</table><table class="table-print"><tr><th rowspan="2">Предмет</th><th colspan="2">Сентябрь</th>'
    '<th colspan="1">Октябрь</th><th rowspan="2">Средн.</th></tr><tr><th>1</th><th>3</th><th>7</th></tr>'
    "<tr><td>Алгебра</td><td>5&nbsp;&nbsp;4</td><td>.</td><td>Н</td><td>4,50</td></tr></table></body></html>"
)


def test_old_layout_without_period_marks_loads_marks_and_names_no_period(tmp_path):
    folder = tmp_path / "old"
    folder.mkdir()
    (folder / "old.html").write_text(OLD_LAYOUT, encoding="cp1251")
    (result,) = load_source(folder, tmp_path / "w.duckdb", class_name="5А").results
    assert result.status == "loaded", result.issues
    assert _rows(tmp_path, "select strftime(lesson_date, '%d.%m.%Y'), mark_value from fct_mark order by all") == [
        ("01.09.2025", "4"),
        ("01.09.2025", "5"),
    ]
    assert _rows(tmp_path, "select absence_code from fct_attendance where absence_code is not null") == [("н",)]
    assert _rows(tmp_path, "select full_name from dim_pupil") == [("Петров Пётр",)]
    assert _rows(tmp_path, "select count(*) from dim_period") == [(0,)]
    assert any("учебный период не назван" in w.message for w in result.warnings)


def test_two_reports_of_one_term_with_other_dates_are_refused(tmp_path):
    folder = tmp_path / "two"
    folder.mkdir()
    text = _raw_text(REAL)
    (folder / "a.html").write_text(text, encoding="utf-8")
    other = text.replace("Соколов Артём Ильич", "Орлова Анна Павловна").replace("по 30.11.2026", "по 16.09.2026")
    (folder / "b.html").write_text(other, encoding="utf-8")
    (result,) = load_source(folder, tmp_path / "w.duckdb", class_name="7А").results
    assert result.status == "refused"
    assert "расходятся с другим отчётом (01.09.2026–30.11.2026)" in result.issues[0].message
    assert table_counts(tmp_path / "w.duckdb") == {}
