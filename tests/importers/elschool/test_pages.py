"""ELSCHOOL grades page: the real saved page imports completely; a class-quarter written as pages
gives the same warehouse figures as the same data in the canonical format; damaged pages are
refused and load nothing."""

from __future__ import annotations

import re
import shutil
from collections import Counter, defaultdict
from pathlib import Path

import duckdb
import pytest

from tests.importers.canonical_side import ClassQuarter, write_canonical_side
from tests.importers.figures import expected_figures, load_canonical, load_source, table_counts, warehouse_figures

# The real saved page (shared/reference_formats/elschool/test.html; source in fixtures/README.md).
REFERENCE = Path(__file__).parent / "fixtures" / "elschool_test.html"

SPAN = re.compile(
    r'<span class="mark-span"[^>]*data-popover-content="Дата урока: ([\d.]+)<p>Дата проставления: ([\d.]+)"[^>]*>(\d)</span>'
)


def _iso(date: str) -> str:
    d, m, y = date.split(".")
    return f"{y}-{m}-{d}"


def test_reference_page_imports_every_mark_with_lesson_and_entry_dates(tmp_path):
    text = REFERENCE.read_text(encoding="utf-8")
    desktop = text[text.index('id="grades-table"') : text.index("MobileGrades", text.index('id="grades-table"'))]
    rows = re.split(r'<td class="grades-lesson">', desktop)[1:]
    expected = Counter()
    for row in rows:
        subject = row[: row.index("<")].strip()
        for lesson, entered, value in SPAN.findall(row):
            # A mark entered «before» its lesson (two on this page) keeps the lesson date as entry date.
            entry = entered if _iso(entered) >= _iso(lesson) else lesson
            expected[(subject, _iso(lesson), _iso(entry), value)] += 1
    found = load_source(REFERENCE, tmp_path / "w.duckdb", class_name="7А")
    (result,) = found.results
    assert (found.source, found.detected, result.status) == ("elschool", True, "loaded")
    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as con:
        got = Counter(
            con.execute(
                """select s.subject_name, strftime(m.lesson_date, '%Y-%m-%d'), strftime(m.entered_at, '%Y-%m-%d'),
                          m.mark_value
                   from fct_mark m join dim_subject s using (school_id, subject_id)"""
            ).fetchall()
        )
    assert got == expected
    assert sum(got.values()) == len(SPAN.findall(desktop)) == 91
    notes = [w.message for w in result.warnings if w.rule_code == "import_note"]
    assert sum("раньше даты урока" in n for n in notes) == 2


def test_reference_page_averages_match_the_pages_own_averages(tmp_path):
    """The page prints «Сред балл» per subject and quarter; all marks weigh the same there."""
    text = REFERENCE.read_text(encoding="utf-8")
    desktop = text[text.index('id="grades-table"') : text.index("MobileGrades", text.index('id="grades-table"'))]
    printed = {}
    for row in re.split(r'<td class="grades-lesson">', desktop)[1:]:
        subject = row[: row.index("<")].strip()
        averages = re.findall(r'<td class="grades-average mark\d">([\d,]+)</td>', row)
        for quarter, value in enumerate(averages, start=1):
            printed[(subject, quarter)] = float(value.replace(",", "."))
    load_source(REFERENCE, tmp_path / "w.duckdb", class_name="7А")
    figures = warehouse_figures(tmp_path / "w.duckdb")["weighted_average"]
    ours = {(s, q): round(v, 2) for (_, s, q), v in figures.items()}
    assert ours == printed


# --- a class-quarter written as ELSCHOOL pages and as the canonical export ----------------------

PUPILS = ["Андреев Антон", "Борисова Вера"]
SUBJECTS = ["Математика", "Русский язык"]
# (pupil, subject, lesson date, entered date, value)
MARKS = [
    ("Андреев Антон", "Математика", "08.09.2025", "08.09.2025", "5"),
    ("Андреев Антон", "Математика", "15.09.2025", "17.09.2025", "4"),
    ("Андреев Антон", "Математика", "15.09.2025", "17.09.2025", "3"),
    ("Андреев Антон", "Русский язык", "10.09.2025", "12.09.2025", "2"),
    ("Андреев Антон", "Математика", "10.11.2025", "11.11.2025", "5"),
    ("Борисова Вера", "Математика", "08.09.2025", "09.09.2025", "3"),
    ("Борисова Вера", "Русский язык", "10.09.2025", "10.09.2025", "5"),
    ("Борисова Вера", "Русский язык", "01.10.2025", "20.10.2025", "4"),
    ("Борисова Вера", "Русский язык", "12.11.2025", "14.11.2025", "3"),
]


def _quarter(date: str) -> int:
    return 1 if _iso(date) <= "2025-10-26" else 2


def elschool_page(pupil: str, pupil_key: str, marks) -> str:
    """A page shaped like the real one (docs/importers.md, ELSCHOOL)."""
    rows = []
    for n, subject in enumerate(SUBJECTS, start=1):
        cells = []
        for quarter in (1, 2):
            spans = "".join(
                f'<span class="mark-span" data-html="true" data-popover-content="Дата урока: {lesson}'
                f'<p>Дата проставления: {entered}">{value}</span>\n'
                for p, s, lesson, entered, value in marks
                if p == pupil and s == subject and _quarter(lesson) == quarter
            )
            cells.append(f'<td class="grades-average mark5">5</td><td class="grades-marks">{spans}</td>')
        rows.append(
            f'<tr lesson="{n}"><td class="grades-lesson-number">{n}</td><td class="grades-lesson">{subject}</td>'
            + "".join(cells)
            + "</tr>"
        )
    link = f"details?rooId=00&amp;instituteId=123&amp;departmentId=1&amp;pupilId={pupil_key}"
    return (
        "<!DOCTYPE html><html><head><title>Табель успеваемости</title></head><body>"
        f'<a href="{link}" class="btn">Дневник</a><div class="DivForGradesTable">'
        f'<h4 class="text-center mt-3 mt-lg-2">{pupil}</h4>'
        '<table class="table table-bordered GradesTable" id="grades-table"><thead><tr><th colspan="2">Предмет</th>'
        '<th class="grades-average-th">Сред балл</th><th>1 четверть</th>'
        '<th class="grades-average-th">Сред балл</th><th>2 четверть</th></tr></thead><tbody>'
        + "".join(rows)
        + "</tbody></table></div></body></html>"
    )


def write_pages(folder: Path, marks=MARKS) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for i, pupil in enumerate(PUPILS, start=1):
        (folder / f"pupil{i}.html").write_text(elschool_page(pupil, f"9000{i}", marks), encoding="utf-8")
    return folder


def test_class_quarter_gives_the_same_figures_as_the_canonical_export(tmp_path):
    pages = write_pages(tmp_path / "pages")
    cq = ClassQuarter("5А", PUPILS, SUBJECTS)
    cq.lessons = sorted({(s, d, 1) for _, s, d, _, _ in MARKS})
    cq.marks = [(p, s, d, v, "Вид работы не указан", 1.0, f"{e} 00:00") for p, s, d, e, v in MARKS]
    load_canonical(write_canonical_side(cq, tmp_path / "canonical"), tmp_path / "c.duckdb")
    found = load_source(pages, tmp_path / "e.duckdb", class_name="5А")
    assert found.results[0].status == "loaded", found.results[0].issues
    from_elschool = warehouse_figures(tmp_path / "e.duckdb")
    from_canonical = warehouse_figures(tmp_path / "c.duckdb")
    expected = expected_figures([(p, s, _quarter(d), v, 1.0) for p, s, d, _, v in MARKS])
    assert from_elschool == from_canonical == expected
    assert expected["marks_per_pupil"] == {"Андреев Антон": 5, "Борисова Вера": 4}
    assert expected["weighted_average"][("Андреев Антон", "Математика", 1)] == 4.0


def test_unknown_subject_and_default_weight_are_reported_not_dropped(tmp_path):
    marks = [*MARKS, ("Андреев Антон", "Алхимия", "09.09.2025", "09.09.2025", "4")]
    pages = tmp_path / "pages"
    pages.mkdir()
    text = elschool_page("Андреев Антон", "1", marks).replace(
        "</tbody>",
        '<tr lesson="3"><td class="grades-lesson-number">3</td><td class="grades-lesson">Алхимия</td>'
        '<td class="grades-average">4</td><td class="grades-marks"><span class="mark-span" '
        'data-popover-content="Дата урока: 09.09.2025<p>Дата проставления: 09.09.2025">4</span></td>'
        '<td class="grades-average"></td><td class="grades-marks"></td></tr></tbody>',
    )
    (pages / "p.html").write_text(text, encoding="utf-8")
    (result,) = load_source(pages, tmp_path / "w.duckdb", class_name="5А").results
    assert result.status == "loaded"
    messages = " | ".join(w.message for w in result.warnings)
    assert "«Алхимия» нет в справочнике" in messages
    assert "вес по умолчанию 1" in messages
    assert warehouse_figures(tmp_path / "w.duckdb")["weighted_average"][("Андреев Антон", "Алхимия", 1)] == 4.0


def _break(text: str, how: str) -> str:
    if how == "empty":
        return ""
    if how == "truncated":
        return text[: len(text) // 2]
    if how == "no_table":
        return text.replace('id="grades-table"', 'id="other"')
    if how == "bad_date":
        return text.replace("Дата урока: 08.09.2025", "Дата урока: 31.02.2025", 1)
    if how == "no_dates":
        return text.replace("Дата проставления:", "Проставлено:", 1)
    if how == "no_pupil":
        return re.sub(r"<h4[^>]*>.*?</h4>", "", text)
    if how == "binary":
        return "\x00\x01\x02" * 50
    raise AssertionError(how)


@pytest.mark.parametrize(
    ("how", "words"),
    [
        ("empty", "файл пуст"),
        ("truncated", "сохранена не полностью"),
        ("no_table", "нет таблицы оценок"),
        ("bad_date", "не дата: «31.02.2025»"),
        ("no_dates", "нет дат отметки"),
        ("no_pupil", "ФИО ученика"),
        ("binary", "двоичный"),
    ],
)
def test_damaged_page_is_refused_and_loads_nothing(tmp_path, preloaded, how, words):
    good = write_pages(tmp_path / "good")
    db = preloaded("elschool", lambda path: load_source(good, path, class_name="5А"))
    before = table_counts(db)
    assert before["fct_mark"] == len(MARKS)
    bad = tmp_path / "bad"
    shutil.copytree(good, bad)
    page = bad / "pupil2.html"
    page.write_text(_break(page.read_text(encoding="utf-8"), how), encoding="utf-8")
    found = load_source(bad, db, source="elschool", class_name="5А")
    (result,) = found.results
    assert result.status == "refused"
    assert result.issues[0].file_name == "pupil2.html"
    assert words in result.issues[0].message
    assert table_counts(db) == before


def test_reference_page_with_a_mark_missing_from_one_layout_is_refused(tmp_path):
    text = REFERENCE.read_text(encoding="utf-8")
    first = text.index('<span class="mark-span"')
    damaged = text[:first] + text[text.index("</span>", first) + len("</span>") :]
    (tmp_path / "test.html").write_text(damaged, encoding="utf-8")
    (result,) = load_source(tmp_path / "test.html", tmp_path / "w.duckdb", class_name="7А").results
    assert result.status == "refused"
    assert "в таблице 90 отметок, в мобильной — 91" in result.issues[0].message
    assert not (tmp_path / "w.duckdb").exists()


def test_reference_page_names_its_class_in_the_years_menu(tmp_path):
    (result,) = load_source(REFERENCE, tmp_path / "w.duckdb").results
    assert result.status == "loaded", result.issues
    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as con:
        assert con.execute("select class_name, grade from dim_class").fetchall() == [("2А", 2)]
        # The pupil's id from the page's tab links «details?rooId=00&…&pupilId=0000000».
        assert con.execute("select pupil_id from dim_pupil").fetchall() == [("elschool-p-0000000",)]


def test_page_without_class_is_refused_with_a_hint(tmp_path):
    text = REFERENCE.read_text(encoding="utf-8").replace("navigation__years_selected", "")
    (tmp_path / "test.html").write_text(text, encoding="utf-8")
    (result,) = load_source(tmp_path / "test.html", tmp_path / "w.duckdb").results
    assert result.status == "refused"
    assert "--class" in result.issues[0].message


def _desktop_marks(text: str) -> Counter:
    desktop = text[text.index('id="grades-table"') : text.index("MobileGrades", text.index('id="grades-table"'))]
    return Counter(SPAN.findall(desktop))


def _variant(text: str, how: str) -> str:
    """Real variety of saved pages, made from the real page."""
    if how == "tooltip_shown":  # bootstrap moved the popover to data-original-title; <br> between dates
        text = text.replace('data-original-title="" title="">', ">").replace(
            "data-popover-content=", "data-original-title="
        )
        return text.replace("<p>Дата проставления", "<br>Дата проставления")
    if how == "optional_attributes_missing":  # no lesson=, no data-html, no title, no number cell, no id
        text = re.sub(r'<tr lesson="\d+">', "<tr>", text).replace(' data-html="true"', "")
        text = re.sub(
            r'<td class="grades-lesson-number">\d+</td>', "", text.replace(' data-original-title="" title=""', "")
        )
        return text.replace('<th colspan="2">Предмет</th>', "<th>Предмет</th>").replace(' id="grades-table"', "")
    raise AssertionError(how)


@pytest.mark.parametrize("how", ["tooltip_shown", "optional_attributes_missing"])
def test_reference_page_variants_load_every_mark(tmp_path, how):
    text = REFERENCE.read_text(encoding="utf-8")
    expected = _desktop_marks(text)
    (tmp_path / "test.html").write_text(_variant(text, how), encoding="utf-8")
    (result,) = load_source(tmp_path / "test.html", tmp_path / "w.duckdb", class_name="7А").results
    assert result.status == "loaded", result.issues
    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as con:
        got = Counter(
            con.execute(
                "select strftime(lesson_date, '%d.%m.%Y'), strftime(entered_at, '%d.%m.%Y'), mark_value from fct_mark"
            ).fetchall()
        )
    entered_early = {k: v for k, v in expected.items() if _iso(k[1]) < _iso(k[0])}
    for lesson, entered, value in entered_early:  # loaded with the lesson date as entry date
        expected[(lesson, lesson, value)] += expected.pop((lesson, entered, value))
    assert got == expected and sum(got.values()) == 91


@pytest.mark.parametrize(
    ("word", "kind", "name", "numbers"),
    [
        ("триместр", "trimester", "триместр", (1, 2, 3)),
        ("полугодие", "half_year", "полугодие", (1, 2)),
        ("три.", "trimester", "триместр", (1, 2, 3)),  # the short names of the mobile layout
        ("пол.", "half_year", "полугодие", (1, 2)),
    ],
)
def test_trimester_and_half_year_pages_load_with_their_periods(tmp_path, word, kind, name, numbers):
    marks = [
        ("Андреев Антон", "Математика", "08.09.2025", "08.09.2025", "5"),
        ("Андреев Антон", "Математика", "10.12.2025", "11.12.2025", "4"),
        ("Андреев Антон", "Русский язык", "10.03.2026", "12.03.2026", "3"),
    ]
    page = tmp_path / "p.html"
    page.write_text(period_page("Андреев Антон", marks, word, numbers), encoding="utf-8")
    (result,) = load_source(page, tmp_path / "w.duckdb", class_name="5А").results
    assert result.status == "loaded", result.issues
    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as con:
        periods = con.execute("select period_kind_code, period_name from dim_period order by period_number").fetchall()
        count = con.execute("select count(*) from fct_mark").fetchone()[0]
    assert count == len(marks)
    assert periods == [(kind, f"{n} {name}") for n in numbers]


def _period_of(date: str, numbers) -> int:
    month = int(date.split(".")[1])
    order = [9, 10, 11, 12, 1, 2, 3, 4, 5].index(month)
    return numbers[order * len(numbers) // 9]


def period_page(pupil: str, marks, word: str, numbers) -> str:
    """A page with ``len(numbers)`` periods named «N {word}»; empty cells where no marks."""
    rows = []
    for n, subject in enumerate(SUBJECTS, start=1):
        cells = "".join(
            '<td class="grades-average"></td><td class="grades-marks">'
            + "".join(
                f'<span class="mark-span" data-popover-content="Дата урока: {lesson}<p>Дата проставления: {entered}">'
                f"{value}</span>"
                for p, s, lesson, entered, value in marks
                if p == pupil and s == subject and _period_of(lesson, numbers) == number
            )
            + "</td>"
            for number in numbers
        )
        rows.append(f'<tr lesson="{n}"><td class="grades-lesson">{subject}</td>{cells}</tr>')
    header = "".join(f'<th class="grades-average-th">Сред балл</th><th>{n} {word}</th>' for n in numbers)
    return (
        '<!DOCTYPE html><html><body><div class="DivForGradesTable">'
        f'<h4 class="text-center">{pupil}</h4><table class="table table-bordered GradesTable" id="grades-table">'
        f"<thead><tr><th>Предмет</th>{header}</tr></thead><tbody>{''.join(rows)}</tbody></table></div></body></html>"
    )


def test_extra_attributes_and_page_parts_outside_tables_give_no_warning(tmp_path):
    pages = write_pages(tmp_path / "pages")
    for page in pages.iterdir():
        text = page.read_text(encoding="utf-8").replace('class="mark-span"', 'class="mark-span extra" data-x="1"')
        page.write_text(text.replace("<body>", '<body><div class="banner">Реклама</div>'), encoding="utf-8")
    (result,) = load_source(pages, tmp_path / "w.duckdb", class_name="5А").results
    assert result.status == "loaded"
    per_pupil = defaultdict(int)
    for p, *_ in MARKS:
        per_pupil[p] += 1
    assert warehouse_figures(tmp_path / "w.duckdb")["marks_per_pupil"] == per_pupil
    assert not [w for w in result.warnings if "не распознан" in w.message]


def test_reference_page_warnings_are_few_and_meaningful(tmp_path):
    """The real page yields only what the import really had to supply or could not map: no
    warning about its columns or its second (mobile) table."""
    text = REFERENCE.read_text(encoding="utf-8")
    desktop = text[text.index('id="grades-table"') : text.index("MobileGrades", text.index('id="grades-table"'))]
    n_subjects = len(re.findall(r'<td class="grades-lesson">', desktop))  # all fictional: not in subjects.toml
    n_entered_early = sum(_iso(e) < _iso(lesson) for lesson, e, _ in SPAN.findall(desktop))
    (result,) = load_source(REFERENCE, tmp_path / "w.duckdb", class_name="7А").results
    assert result.status == "loaded"
    fields = Counter(w.column_name for w in result.warnings if w.rule_code == "import_note")
    assert fields == {
        "предмет": n_subjects,
        "Дата проставления": n_entered_early,
        "периоды": 1,
        "вид работы": 1,
        "согласие_пдн": 1,
    }


def test_unrecognised_column_and_table_are_reported_once_per_page_and_the_figures_do_not_change(tmp_path):
    pages = write_pages(tmp_path / "pages")
    for page in pages.iterdir():
        text = page.read_text(encoding="utf-8").replace("<th>2 четверть</th>", "<th>2 четверть</th><th>Итоговая</th>")
        text = text.replace("</tr><tr lesson", '<td class="grades-final">5</td></tr><tr lesson')
        text = text.replace("</tr></tbody></table>", '<td class="grades-final">4</td></tr></tbody></table>')
        text = text.replace("</body>", '<table id="final-results"><tr><td>Итоги года</td></tr></table></body>')
        page.write_text(text, encoding="utf-8")
    (result,) = load_source(pages, tmp_path / "w.duckdb", class_name="5А").results
    assert result.status == "loaded", result.issues
    per_pupil = Counter(p for p, *_ in MARKS)
    assert warehouse_figures(tmp_path / "w.duckdb")["marks_per_pupil"] == per_pupil
    found = sorted((w.file_name, w.column_name, w.message) for w in result.warnings if "не распознан" in w.message)
    # «Предмет» spans 2 columns, then «Сред балл» and a quarter twice: «Итоговая» is column 7.
    assert found == sorted(
        (f"pupil{i}.html", field, message)
        for i in range(1, len(PUPILS) + 1)
        for field, message in (
            (
                "Итоговая",
                "#grades-table, заголовок, столбец 7: столбец не распознан: не загружен (проверьте версию страницы)",
            ),
            ("таблица «#final-results»", "страница: таблица не распознана: не загружена"),
        )
    )
