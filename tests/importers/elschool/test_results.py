"""ELSCHOOL «Итоговые» page, alone and with the «Табель» page of the same pupil: the real saved pages
load every current and period mark (counted from the raw HTML here, independently of the
importer); damaged results pages are refused in Russian and load nothing."""

from __future__ import annotations

import re
import shutil
from collections import Counter
from pathlib import Path

import duckdb
import pytest

from tests.importers.figures import load_source, table_counts

FIXTURES = Path(__file__).parent / "fixtures"
# The same pupil's «Табель» and «Итоговые» pages (Ilya-Repin/Elschooler; fixtures/README.md).
GRADES = FIXTURES / "elschooler_grades.html"
RESULTS = FIXTURES / "elschooler_results.html"
# The full saved «Табель» page, with its years menu (Ilya-Repin/elschool-api).
FULL_GRADES = FIXTURES / "elschool_test.html"

SPAN = re.compile(r'<span class="mark-span"[^>]*data-popover-content="Дата урока: ([\d.]+)<p>[^"]*"[^>]*>(\d)</span>')


def raw_period_marks(text: str) -> Counter:
    """(subject, column header, value) of every non-empty cell of the desktop results table."""
    desktop = text[text.index('id="result-marks-table"') : text.index("MobileResults")]
    headers = re.findall(r"<th>([^<]*)</th>", desktop)
    found = Counter()
    for row in re.findall(r"<tr>(.*?)</tr>", desktop.split("<tbody>")[1], re.S):
        cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        for header, value in zip(headers[1:], cells[1:], strict=True):
            if value:
                found[(cells[0], header, value)] += 1
    return found


def raw_marks(text: str) -> Counter:
    desktop = text[text.index('id="grades-table"') : text.index("MobileGrades")]
    found = Counter()
    for row in desktop.split('<td class="grades-lesson">')[1:]:
        subject = row[: row.index("<")].strip()
        for lesson, value in SPAN.findall(row):
            d, m, y = lesson.split(".")
            found[(subject, f"{y}-{m}-{d}", value)] += 1
    return found


def loaded_period_marks(db: Path) -> Counter:
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute(
            """select s.subject_name,
                      coalesce(d.period_name, case f.mark_kind_code when 'year' then 'Год' when 'exam' then 'Экзамен'
                                                                    when 'final' then 'Итог' end),
                      f.mark_value
               from fct_period_mark f
               join dim_subject s on s.school_id = f.school_id and s.subject_id = f.subject_id
               left join dim_period d on d.school_id = f.school_id and d.period_id = f.period_id"""
        ).fetchall()
    return Counter(rows)


def loaded_marks(db: Path) -> Counter:
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute(
            """select s.subject_name, strftime(m.lesson_date, '%Y-%m-%d'), m.mark_value
               from fct_mark m join dim_subject s using (school_id, subject_id)"""
        ).fetchall()
    return Counter(rows)


def _pair(folder: Path, results_text: str | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(GRADES, folder / GRADES.name)
    (folder / RESULTS.name).write_text(results_text or RESULTS.read_text(encoding="utf-8"), encoding="utf-8")
    return folder


def _years_menu() -> str:
    """The years menu of the real full «Табель» page (school year 2022/2023, class «2А»)."""
    text = FULL_GRADES.read_text(encoding="utf-8")
    start = text.index('<div class="navigation__years dropright">')
    return text[start : text.index("</div>", text.index("</div>", start) + 6) + 6]


def test_real_grades_and_results_pages_of_one_pupil_load_every_mark_and_period_mark(tmp_path):
    db = tmp_path / "w.duckdb"
    (result,) = load_source(_pair(tmp_path / "pages"), db, class_name="2А").results
    assert result.status == "loaded", result.issues
    expected_period_marks = raw_period_marks(RESULTS.read_text(encoding="utf-8"))
    expected_marks = raw_marks(GRADES.read_text(encoding="utf-8"))
    assert loaded_period_marks(db) == expected_period_marks
    assert loaded_marks(db) == expected_marks
    assert (sum(expected_period_marks.values()), sum(expected_marks.values())) == (19, 91)
    # Hand-read from the page: Алхимия 3 for the first quarter and 4 for the year; the first
    # subject has no first half-year and no year mark, but 5 for the second half-year.
    got = loaded_period_marks(db)
    assert got[("Алхимия", "1 четверть", "3")] == got[("Алхимия", "Год", "4")] == 1
    language = "Эльфийский язык как государственный язык Лесного Королевства"
    assert got[(language, "2 полугодие", "5")] == 1
    assert not [k for k in got if k[0] == language and k[1] in ("1 полугодие", "Год")]
    with duckdb.connect(str(db), read_only=True) as con:
        # One pupil: the grades page has no pupilId, its name matches the results page («…<» trimmed).
        assert con.execute("select pupil_id, full_name from dim_pupil").fetchall() == [
            ("elschool-p-111111111", "Рюрикович Иван Васильевич")
        ]
        periods = dict(con.execute("select period_name, strftime(end_date, '%d.%m.%Y') from dim_period").fetchall())
        year = con.execute("select academic_year_id from fct_period_mark group by 1").fetchall()
    assert year == [("2022/2023",)]
    # The half-years are made of the quarters dated by the lessons.
    assert periods["1 полугодие"] == periods["2 четверть"] and periods["2 полугодие"] == periods["4 четверть"]
    fields = Counter(w.column_name for w in result.warnings)
    assert fields["выставлено"] == 1 and fields["периоды"] == 2


def test_real_results_page_without_its_year_is_refused_with_a_hint(tmp_path):
    (result,) = load_source(RESULTS, tmp_path / "w.duckdb", class_name="2А").results
    assert result.status == "refused"
    assert "не указан учебный год" in result.issues[0].message
    assert result.issues[0].file_name == RESULTS.name
    assert not (tmp_path / "w.duckdb").exists()


def test_real_results_page_with_its_years_menu_loads_alone_with_the_class_of_the_menu(tmp_path):
    text = RESULTS.read_text(encoding="utf-8")
    text = text.replace('<div class="navigation__years dropright">\n            </div>', _years_menu())
    page = tmp_path / "results.html"
    page.write_text(text, encoding="utf-8")
    db = tmp_path / "w.duckdb"
    (result,) = load_source(page, db).results  # no --class: «2А» from the menu
    assert result.status == "loaded", result.issues
    assert loaded_period_marks(db) == raw_period_marks(text)
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("select class_name from dim_class").fetchall() == [("2А",)]
        assert con.execute("select count(*) from fct_mark").fetchone() == (0,)
        periods = con.execute(
            "select period_name, strftime(start_date, '%d.%m.%Y') from dim_period order by start_date, end_date"
        ).fetchall()
    assert periods[0] == ("1 четверть", "01.09.2022")
    assert {name for name, _ in periods} == {f"{n} четверть" for n in range(1, 5)} | {"1 полугодие", "2 полугодие"}


def test_results_page_of_another_year_than_the_grades_page_is_refused(tmp_path):
    menu = (
        _years_menu()
        .replace('model-start-year="2022" model-end-year="2023"', "x")
        .replace('model-start-year="2023" model-end-year="2024"', 'model-start-year="2022" model-end-year="2023"')
    )
    menu = menu.replace("dropdown-item navigation__years_selected", "dropdown-item").replace(
        'class="dropdown-item " model-start-year="2022"',
        'class="dropdown-item navigation__years_selected" model-start-year="2023"',
    )
    text = RESULTS.read_text(encoding="utf-8").replace(
        '<div class="navigation__years dropright">\n            </div>', menu
    )
    (result,) = load_source(_pair(tmp_path / "pages", text), tmp_path / "w.duckdb", class_name="2А").results
    assert result.status == "refused"
    assert "итоговые отметки за 2023/2024, а текущие — за 2022/2023" in result.issues[0].message


def _old_layout(text: str) -> str:
    """The older results table (a client of 2019 reads 10 cells: …, «Год», exam, final): two more
    columns; the mobile layout left out (it is optional)."""
    text = (
        text[: text.index('<table class="ResultsTable MobileResults')]
        + text[text.index("</table>", text.index("MobileResults")) + 8 :]
    )
    text = text.replace("<th>Год</th>", "<th>Год</th>\n<th>Экзамен</th>\n<th>Итог</th>")
    return text.replace(
        '<td class="results-mark mark5">\n                    <i>5</i>\n                </td>\n            </tr>',
        '<td class="results-mark mark5">\n                    <i>5</i>\n                </td>'
        '<td class="results-mark mark4"><i>4</i></td><td class="results-mark mark5"><i>5</i></td>\n            </tr>',
    )


def test_older_results_table_with_exam_and_final_columns_loads_them(tmp_path):
    text = _old_layout(RESULTS.read_text(encoding="utf-8"))
    db = tmp_path / "w.duckdb"
    (result,) = load_source(_pair(tmp_path / "pages", text), db, class_name="2А").results
    assert result.status == "loaded", result.issues
    got = loaded_period_marks(db)
    assert got[("Дезинформатика", "Экзамен", "4")] == got[("Дезинформатика", "Итог", "5")] == 1
    assert sum(got.values()) == 19 + 2


def _break(text: str, how: str) -> str:
    if how == "mobile":
        return text.replace(
            '<td colspan="3" class="results-mark mark2">2</td>', '<td colspan="3" class="results-mark"></td>'
        )
    if how == "not_a_mark":
        return text.replace("<i>2</i>", "<i>7</i>", 1)
    if how == "no_table":
        return text.replace('id="result-marks-table"', 'id="other"').replace("ResultsTable", "OtherTable")
    if how == "no_periods":
        return re.sub(r"<th>(\d) (четверть|полугодие)</th>|<th>Год</th>", "<th>Колонка</th>", text)
    if how == "mark_without_column":
        return text.replace("<th>Год</th>", "")
    raise AssertionError(how)


@pytest.mark.parametrize(
    ("how", "words"),
    [
        ("mobile", "в таблице 19 итоговых отметок, в мобильной — 18"),
        ("not_a_mark", "«7» — не итоговая отметка"),
        ("no_table", "нет таблицы итоговых отметок"),
        ("no_periods", "в заголовке нет ни одного периода"),
        ("mark_without_column", "в столбце без периода"),
    ],
)
def test_damaged_results_page_is_refused_and_loads_nothing(tmp_path, preloaded, how, words):
    good = _pair(tmp_path / "good")
    db = preloaded("elschool-results", lambda path: load_source(good, path, class_name="2А"))
    before = table_counts(db)
    assert before["fct_period_mark"] == 19
    bad = _pair(tmp_path / "bad", _break(RESULTS.read_text(encoding="utf-8"), how))
    (result,) = load_source(bad, db, source="elschool", class_name="2А").results
    assert result.status == "refused"
    assert result.issues[0].file_name == RESULTS.name
    assert words in result.issues[0].message
    assert table_counts(db) == before


def test_unknown_results_column_is_warned_once_and_its_cells_are_not_loaded(tmp_path):
    text = RESULTS.read_text(encoding="utf-8").replace("<th>Год</th>", "<th>Год</th>\n<th>Пропуски</th>")
    text = text.replace("</td>\n            </tr>", "</td><td>12</td>\n            </tr>")
    db = tmp_path / "w.duckdb"
    (result,) = load_source(_pair(tmp_path / "pages", text), db, class_name="2А").results
    assert result.status == "loaded", result.issues
    assert sum(loaded_period_marks(db).values()) == 19
    unknown = [(w.column_name, w.message) for w in result.warnings if "не распознан" in w.message]
    assert unknown == [
        (
            "Пропуски",
            "#result-marks-table, заголовок, столбец 9: столбец не распознан: не загружен (проверьте версию страницы)",
        )
    ]
