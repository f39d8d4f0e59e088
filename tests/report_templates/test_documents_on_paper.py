"""Documents as staff read them on paper and in XLSX (issue #17, item 4): no page holds only the
signature block, «М. П.» or a heading; a subject's rows never part from its name; the XLSX of
«Итоги» holds the PDF's heading, lists and signature lines with the same numbers; the parent
statement's XLSX names the pupil and class; namesake teachers are told apart; the signing deputy
director is a setting; a grade-1 class's preliminary report says it is taught without marks and
`ejournal report results` without `--class` forms it.

Two schools, each built once: the small sample with two teachers renamed to share surname and
initials («Богданова В. Р.»), and a generated school of grades 1 and 8 (a class of ~24 pupils and
~20 subjects: its documents run over several pages). Expectations come from the raw CSV files and
the documents' own HTML headings, never from the code under test."""

from __future__ import annotations

import csv
import datetime as dt
import re
import shutil
import subprocess
from pathlib import Path

import duckdb
import openpyxl
import pytest
from PIL import Image
from typer.testing import CliRunner

from cli.main import app
from data_samples.generator.school import generate_school
from ejournal.access.accounts import Role
from ejournal.access.viewer import Viewer
from pipelines.ingest import ingest_path
from report_templates.catalogue import CATALOGUE, SCHOOL_SET
from report_templates.choices import Choice
from report_templates.output import build_context, render_document, write
from tests.factories import SAMPLE
from tests.report_templates.page_checks import pdf_lines

SAMPLE_SCHOOL, SAMPLE_CLASS, SAMPLE_PERIOD = "sch-0001", "7А", "4 четверть"
NAMESAKES = {  # teacher_id → (last, first, middle): both print as «Богданова В. Р.» by initials
    "t-0001-002": ("Богданова", "Валентина", "Романовна"),
    "t-0001-003": ("Богданова", "Вера", "Руслановна"),
}
SIGNATURE_ROLES = ("Классный руководитель", "Заместитель директора по УВР", "Директор")


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle, delimiter=";"))


def _write_csv(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), delimiter=";")
        writer.writeheader()
        writer.writerows(rows)


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    """The small sample with two teachers renamed into namesakes, loaded once; (db, export folder)."""
    home = tmp_path_factory.mktemp("paper-sample")
    export = home / "export"
    shutil.copytree(SAMPLE, export, ignore=shutil.ignore_patterns("_truth"))
    teachers = _read_csv(export / "teachers.csv")
    for row in teachers:
        if row["teacher_id"] in NAMESAKES:
            row["last_name"], row["first_name"], row["middle_name"] = NAMESAKES[row["teacher_id"]]
    _write_csv(export / "teachers.csv", teachers)
    db = home / "w.duckdb"
    (outcome,) = ingest_path(export, db)
    assert outcome.status == "loaded", outcome.status
    return db, export


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """A generated school of grades 1 and 8, loaded once; (db, export folder, 8th class, its period)."""
    home = tmp_path_factory.mktemp("paper-generated")
    export = home / "export"
    generate_school(export, n_pupils=70, grades=[1, 8], seed=7)
    db = home / "w.duckdb"
    (outcome,) = ingest_path(export, db)
    assert outcome.status in ("loaded", "loaded_with_rejections"), outcome.status
    classes = {row["class_id"]: row for row in _read_csv(export / "classes.csv")}
    (eighth,) = [row["class_name"] for row in classes.values() if row["grade"] == "8"]
    return db, export, eighth


def _deputy(school_id: str) -> Viewer:
    return Viewer("z", Role.DEPUTY, school_id)


def _school_id(export: Path) -> str:
    return _read_csv(export / "school.csv")[0]["school_id"]


def _last_marked_period(export: Path, class_name: str) -> str:
    """The name of the latest period with period marks of the class, from the raw CSV files."""
    class_id = next(r["class_id"] for r in _read_csv(export / "classes.csv") if r["class_name"] == class_name)
    pupils = {r["pupil_id"] for r in _read_csv(export / "enrolments.csv") if r["class_id"] == class_id}
    marked = {r["period_id"] for r in _read_csv(export / "period_marks.csv") if r["pupil_id"] in pupils}
    periods = [r for r in _read_csv(export / "periods.csv") if r["period_id"] in marked]
    return max(periods, key=lambda r: dt.datetime.strptime(r["end_date"], "%d.%m.%Y"))["period_name"]


# --- pages ---------------------------------------------------------------------------------------


def page_count(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))


def page_lines(pdf: Path, page: int) -> list[str]:
    """The page's text lines (pdftotext -layout -f N -l N), whitespace collapsed."""
    text = subprocess.run(
        ["pdftotext", "-layout", "-f", str(page), "-l", str(page), str(pdf), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]


def headings_of(html: str) -> set[str]:
    """The texts of the document's headings (h1, h2) and of its school header lines."""
    found = re.findall(r'<(h1|h2)[^>]*>(.*?)</\1>|<p class="school[^"]*">(.*?)</p>', html, re.S)
    texts = {re.sub(r"<[^>]+>", " ", heading or school) for _, heading, school in found}
    return {" ".join(text.replace("&nbsp;", " ").split()) for text in texts if text.strip()}


def is_closing_line(line: str) -> bool:
    """A line of the closing block: the «formed» line, a signature line, «подпись», «М. П.»."""
    return (
        line.startswith("Сформировано ")
        or line.startswith(SIGNATURE_ROLES)
        or line in ("М. П.", "подпись")
        or re.fullmatch(r"стр\. \d+ из \d+", line) is not None
    )


def body_lines(lines: list[str], headings: set[str]) -> list[str]:
    """What a page holds besides the closing block, the page number and headings."""
    return [line for line in lines if not is_closing_line(line) and line not in headings]


def body_ink(pdf: Path, page: int, workdir: Path) -> int:
    """Dark pixels of one page rendered at 30 dpi (pdftoppm) inside the body, without the running
    header and the page number in the margins."""
    prefix = workdir / f"{pdf.stem}-ink"
    subprocess.run(
        [
            "pdftoppm",
            "-r",
            "30",
            "-gray",
            "-png",
            "-f",
            str(page),
            "-l",
            str(page),
            "-singlefile",
            str(pdf),
            str(prefix),
        ],
        check=True,
    )
    image = Image.open(prefix.with_suffix(".png")).convert("L")
    margin = round(30 / 25.4 * 16)  # the smallest page margin is 12 mm, the running header sits above 14 mm
    body = image.crop((margin, margin, image.width - margin, image.height - margin))
    return sum(body.histogram()[:128])


def test_the_page_checks_can_tell_a_lonely_closing_block():
    lines = ["МБОУ «СОШ № 1»", "Сформировано 1 июня 2026 г. по данным …", "Директор подпись Михеева С. В.", "М. П."]
    assert body_lines([*lines, "стр. 2 из 2"], {"МБОУ «СОШ № 1»"}) == []
    assert body_lines(["Итого по классу 20 18", *lines], {"МБОУ «СОШ № 1»"}) == ["Итого по классу 20 18"]


# the generated class's documents that run over pages in a few seconds each (its ledger and
# preliminary report take long to render; the sample's, checked here too, run over pages as well)
GENERATED_KINDS = ("results", "attendance", "attendance-ledger", "class-teacher")


@pytest.fixture(scope="module")
def school_sets(sample, generated, tmp_path_factory):
    """The PDFs of the school set of 7А (sample) and some of the generated 8th class, with each one's HTML."""
    out = tmp_path_factory.mktemp("paper-sets")
    made = {}
    db, _ = sample
    gdb, gexport, eighth = generated
    cases = (
        (db, SAMPLE_SCHOOL, SAMPLE_CLASS, SAMPLE_PERIOD, SCHOOL_SET),
        (gdb, _school_id(gexport), eighth, _last_marked_period(gexport, eighth), GENERATED_KINDS),
    )
    for path, school_id, class_name, period, kinds in cases:
        with duckdb.connect(str(path), read_only=True) as con:
            for kind in kinds:
                viewer = _deputy(school_id)
                pdf = render_document(con, viewer, kind, class_name, period, out / class_name, ["pdf"]).paths[0]
                html = CATALOGUE[kind].renderer.html(build_context(con, viewer, kind, class_name, period))
                made[(class_name, kind)] = (pdf, html)
    return made


def test_no_page_holds_only_the_signatures_seal_or_a_heading(school_sets, tmp_path):
    several_pages = 0
    for (class_name, kind), (pdf, html) in school_sets.items():
        headings = headings_of(html)
        pages = page_count(pdf)
        several_pages += pages > 1
        for page in range(1, pages + 1):
            lines = page_lines(pdf, page)
            assert body_lines(lines, headings), f"{class_name} {kind}: page {page} of {pages} holds only {lines}"
        last = page_lines(pdf, pages)
        assert any(line.startswith("Директор") for line in last) and "М. П." in last, (class_name, kind)
        assert body_ink(pdf, pages, tmp_path) > 50, (class_name, kind)
    assert several_pages >= 4  # the check met documents that do run over pages


def _subject_names(export: Path, class_name: str) -> list[str]:
    """The names of the subjects of the class's curriculum (raw CSV), longest first."""
    class_id = next(r["class_id"] for r in _read_csv(export / "classes.csv") if r["class_name"] == class_name)
    taught = {r["subject_id"] for r in _read_csv(export / "curriculum.csv") if r["class_id"] == class_id}
    names = {r["subject_name"] for r in _read_csv(export / "subjects.csv") if r["subject_id"] in taught}
    return sorted(names, key=len, reverse=True)


def test_a_subjects_rows_stay_with_its_name_on_every_page(school_sets, generated):
    _, export, eighth = generated
    period = _last_marked_period(export, eighth)
    pdf, _ = school_sets[(eighth, "results")]
    names = _subject_names(export, eighth)
    pages = page_count(pdf)
    assert pages >= 2  # the table runs over a page break
    rows_seen = 0
    for page in range(1, pages + 1):
        lines = page_lines(pdf, page)
        current = sum(1 for line in lines if re.search(rf"(^| ){period} \d+ \d+ \d+ \d+ \d+ \d+ ", line))
        previous = sum(1 for line in lines if re.search(r"(^| )\d четверть \d+ \d+ \d+ \d+ \d+ \d+ ", line)) - current
        table_end = next((i for i, line in enumerate(lines) if line.startswith(("Без отметок", "Класс:"))), None)
        text = " ".join(lines[:table_end])  # the table's lines, not the list of subjects without marks
        named = 0
        for name in names:  # longest first, so «История» is not found inside «История России»
            named += text.count(name)
            text = text.replace(name, " ")
        assert current == named, f"page {page}: {current} subjects' rows, {named} subject names"
        if previous:
            assert previous == current, f"page {page}: a subject's two rows are on different pages"
        rows_seen += current
    assert rows_seen >= 15


# --- «Итоги» in XLSX as on paper -------------------------------------------------------------------


def _printed(cell) -> str:
    """A number cell as the PDF prints it: «81,3» for 81.3 shown as 0.0, «3,63» as 0.00, «12»."""
    if "." not in cell.number_format:
        assert float(cell.value).is_integer(), (cell.value, cell.number_format)
        return str(int(cell.value))
    digits = len(cell.number_format.split(".")[1])
    return f"{cell.value:.{digits}f}".replace(".", ",")


def test_results_xlsx_holds_the_pdfs_heading_lists_numbers_and_signatures(sample, tmp_path):
    db, export = sample
    with duckdb.connect(str(db), read_only=True) as con:
        made = write(
            con, _deputy(SAMPLE_SCHOOL), "results", Choice(SAMPLE_CLASS, SAMPLE_PERIOD), tmp_path, ["pdf", "xlsx"]
        )
    pdf, xlsx = made.paths
    lines = pdf_lines(pdf)
    text = " ".join(lines)
    sheet = openpyxl.load_workbook(xlsx)["Документ"]
    rows = [[cell for cell in row if cell.value not in (None, "")] for row in sheet.iter_rows()]
    rows = [row for row in rows if row]
    school = _read_csv(export / "school.csv")[0]
    assert rows[0][0].value == school["school_name"] and school["school_name"] in text
    assert rows[2][0].value == "Итоги успеваемости класса за учебный период" and rows[2][0].value in text
    assert rows[3][0].value == f"Класс {SAMPLE_CLASS}, {SAMPLE_PERIOD}" and rows[3][0].value in text
    figures_rows = 0
    for row in rows:
        numbers = [cell for cell in row if cell.data_type == "n"]
        texts = [str(cell.value) for cell in row if cell.data_type != "n"]
        if numbers:  # a subject's line: «4 четверть 24 5 …» printed as in the PDF
            figures_rows += 1
            assert f"{texts[1]} {' '.join(_printed(c) for c in numbers)}" in lines, [c.value for c in row]
        elif texts[0] == "Предмет":  # the table's header: two rows in the PDF, one in the sheet
            assert all(title in text for title in texts), texts
        elif texts[0] in SIGNATURE_ROLES:
            continue
        else:
            assert " ".join(" ".join(texts).split()) in text, texts
    assert figures_rows >= 8  # every subject, this period and the previous one
    signatures = [[str(c.value) for c in row] for row in rows if str(row[0].value) in SIGNATURE_ROLES]
    assert [s[0] for s in signatures] == list(SIGNATURE_ROLES)
    for role, _, *name in signatures:
        assert f"{role} подпись {' '.join(name)}".strip() in lines
    sheet_texts = {str(cell.value) for row in rows for cell in row}
    bullets = [name.strip() for line in lines if line.startswith("•") for name in line.split("•") if name.strip()]
    assert bullets and set(bullets) <= sheet_texts  # every pupil of the PDF's lists is in the XLSX
    for title in ("Отличники", "Хорошисты", "С одной «3»", "С одной «4»", "Неуспевающие"):
        (line,) = [t for t in sheet_texts if t.startswith(title) and re.search(r": \d+$", t)]
        assert line in text
    assert "М. П." in sheet_texts and any(t.startswith("Сформировано ") and t in text for t in sheet_texts)
    # the first sheet is still the table to count with: header in the first row
    assert [c.value for c in openpyxl.load_workbook(xlsx)["Итоги"][1]][:3] == ["Предмет", "Период", "N"]


# --- the parent statement's XLSX -------------------------------------------------------------------


def test_parent_statement_xlsx_names_the_pupil_and_class(sample, tmp_path):
    db, export = sample
    class_id = next(r["class_id"] for r in _read_csv(export / "classes.csv") if r["class_name"] == SAMPLE_CLASS)
    pupil_id = next(r["pupil_id"] for r in _read_csv(export / "enrolments.csv") if r["class_id"] == class_id)
    pupil = next(r for r in _read_csv(export / "pupils.csv") if r["pupil_id"] == pupil_id)
    full_name = " ".join(part for part in (pupil["last_name"], pupil["first_name"], pupil["middle_name"]) if part)
    choice = Choice(pupil_id=pupil_id, start=dt.date(2025, 9, 1), end=dt.date(2025, 9, 30))
    with duckdb.connect(str(db), read_only=True) as con:
        pdf, xlsx = write(con, _deputy(SAMPLE_SCHOOL), "parent-statement", choice, tmp_path, ["pdf", "xlsx"]).paths
    assert full_name in " ".join(pdf_lines(pdf))
    book = openpyxl.load_workbook(xlsx)
    for sheet in book.worksheets:
        cells = [str(c) for row in sheet.iter_rows(max_row=5, values_only=True) for c in row if c]
        assert any(f"Ученик: {full_name}" in c and f"Класс: {SAMPLE_CLASS}" in c for c in cells), sheet.title


# --- namesakes -----------------------------------------------------------------------------------


def expected_teacher_names(export: Path) -> dict[str, str]:
    """teacher_id → the name documents print: surname and initials, or the full name where another
    teacher of the school has the same surname and initials."""
    teachers = _read_csv(export / "teachers.csv")

    def initials(t: dict[str, str]) -> str:
        parts = [t["last_name"], f"{t['first_name'][0]}."] + ([f"{t['middle_name'][0]}."] if t["middle_name"] else [])
        return " ".join(parts)

    counts: dict[str, int] = {}
    for t in teachers:
        counts[initials(t)] = counts.get(initials(t), 0) + 1
    return {
        t["teacher_id"]: " ".join(p for p in (t["last_name"], t["first_name"], t["middle_name"]) if p)
        if counts[initials(t)] > 1
        else initials(t)
        for t in teachers
    }


def test_namesake_teachers_are_told_apart_in_every_document(sample, tmp_path):
    db, export = sample
    expected = expected_teacher_names(export)
    assert expected["t-0001-002"] == "Богданова Валентина Романовна"
    assert expected["t-0001-003"] == "Богданова Вера Руслановна"
    assert expected["t-0001-001"] == "Климова С. И."  # no namesake: surname and initials as before
    viewer = _deputy(SAMPLE_SCHOOL)
    with duckdb.connect(str(db), read_only=True) as con:
        activity = write(con, viewer, "user-activity", Choice(period_name="1 четверть"), tmp_path, ["pdf", "xlsx"])
        others = [
            write(con, viewer, "journal-analysis", Choice(day=dt.date(2025, 10, 15)), tmp_path, ["pdf"]),
            write(con, viewer, "mark-changes", Choice(SAMPLE_CLASS, "1 четверть"), tmp_path, ["pdf"]),
        ]
    pdf, xlsx = activity.paths
    names = {str(row[0]) for row in openpyxl.load_workbook(xlsx).active.iter_rows(min_row=6, values_only=True)}
    assert set(expected.values()) <= names
    activity_text = " ".join(pdf_lines(pdf))
    assert all(name in activity_text for name in expected.values())
    for made in [activity, *others]:
        text = " ".join(pdf_lines(made.paths[0]))
        assert "Богданова В. Р." not in text, made.kind
    analysis_text = " ".join(pdf_lines(others[0].paths[0]))
    assert "Богданова Валентина Романовна" in analysis_text or "Богданова Вера Руслановна" in analysis_text


# --- the signing deputy director -----------------------------------------------------------------


def test_the_signing_deputy_director_is_a_school_setting(sample, tmp_path, monkeypatch):
    db, _ = sample
    viewer = _deputy(SAMPLE_SCHOOL)
    with duckdb.connect(str(db), read_only=True) as con:
        blank = write(con, viewer, "results", Choice(SAMPLE_CLASS, SAMPLE_PERIOD), tmp_path / "blank", ["pdf"])
        norms = tmp_path / "norms.toml"
        norms.write_text('[documents]\ndeputy_director = "Климова С. И."\n', encoding="utf-8")
        monkeypatch.setenv("EJOURNAL_NORMS", str(norms))
        signed = [
            write(con, viewer, "results", Choice(SAMPLE_CLASS, SAMPLE_PERIOD), tmp_path / "set", ["pdf", "xlsx"]),
            write(con, viewer, "user-activity", Choice(period_name="1 четверть"), tmp_path / "set", ["pdf"]),
        ]
    assert "Заместитель директора по УВР подпись" in pdf_lines(blank.paths[0])  # a blank line to sign by hand
    assert "Климова С. И." not in " ".join(pdf_lines(blank.paths[0]))
    for made in signed:
        assert "Заместитель директора по УВР подпись Климова С. И." in pdf_lines(made.paths[0]), made.kind
    rows = openpyxl.load_workbook(signed[0].paths[1])["Документ"].iter_rows(values_only=True)
    assert ("Заместитель директора по УВР", "________________", "Климова С. И.") in [r[:3] for r in rows]


# --- grade 1 -------------------------------------------------------------------------------------


def test_a_first_grade_preliminary_report_says_it_is_taught_without_marks(generated, tmp_path):
    db, export, _ = generated
    firsts = sorted(r["class_name"] for r in _read_csv(export / "classes.csv") if r["grade"] == "1")
    period = next(r["period_name"] for r in _read_csv(export / "periods.csv") if r["period_kind_code"] == "quarter")
    with duckdb.connect(str(db), read_only=True) as con:
        pdf, xlsx = write(
            con, _deputy(_school_id(export)), "preliminary", Choice(firsts[0], period), tmp_path, ["pdf", "xlsx"]
        ).paths
    text = " ".join(pdf_lines(pdf))
    assert "Класс обучается без отметок: итоги успеваемости за период не подводятся." in text
    assert "ср. взв." not in text and "Прогноз модели" not in text
    cells = [c for row in openpyxl.load_workbook(xlsx).active.values for c in row if c]
    assert "Класс обучается без отметок: итоги успеваемости за период не подводятся" in cells


def test_report_results_without_class_forms_every_class_with_grade_1(generated, tmp_path):
    db, export, _ = generated
    out = tmp_path / "out"
    args = ["report", "results", "--format", "xlsx", "--workers", "1", "--out", str(out), "--db", str(db)]
    outcome = CliRunner().invoke(app, args)
    assert outcome.exit_code == 0, outcome.output
    classes = sorted(r["class_name"] for r in _read_csv(export / "classes.csv"))
    made = sorted(path.name for path in out.iterdir())
    assert len(made) == len(classes)
    for class_name in classes:
        assert any(f"-{class_name}-" in name for name in made), (class_name, made)
