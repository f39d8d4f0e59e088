"""«Итоги успеваемости класса за учебный период»: every figure in the PDF (pdftotext) and the XLSX
against a computation from the raw sample CSV made here; PDF/A metadata; rendered pages inside
their margins; role rules; names escaped."""

from __future__ import annotations

import datetime as dt
import subprocess
from fractions import Fraction
from pathlib import Path

import duckdb
import polars as pl
import pytest
from PIL import Image
from typer.testing import CliRunner

from cli.main import app
from ejournal.access.accounts import AccessError, Role
from ejournal.access.viewer import Viewer
from pipelines.ingest import ingest_path
from report_templates.period_results.context import build
from tests.factories import copy_warehouse, raw, small_sample_warehouse, tiny_export, write_export
from tests.report_templates.raw_expect import comma
from warehouse.class_results import categorise

PERIOD = "2 четверть"


def expected_rows() -> dict[str, str]:
    """Subject name → the figures as one line: N n5 n4 n3 n2 н/а успеваемость качество СОУ средний."""
    period = next(p for p in raw("periods") if p["period_name"] == PERIOD)
    end = dt.datetime.strptime(period["end_date"], "%d.%m.%Y").date()

    def on_roll(e: dict[str, str]) -> bool:
        start = dt.datetime.strptime(e["start_date"], "%d.%m.%Y").date()
        stop = dt.datetime.strptime(e["end_date"], "%d.%m.%Y").date() if e["end_date"] else None
        return start <= end and (stop is None or stop >= end)

    roll = {e["pupil_id"] for e in raw("enrolments") if on_roll(e)}
    names = {s["subject_id"]: s["subject_name"] for s in raw("subjects")}
    by_subject: dict[str, list[str]] = {}
    for m in raw("period_marks"):
        in_period = m["mark_kind_code"] == "period" and m["period_id"] == period["period_id"]
        if in_period and m["pupil_id"] in roll and m["mark_value"] in ("1", "2", "3", "4", "5", "н/а"):
            by_subject.setdefault(m["subject_id"], []).append(m["mark_value"])
    lines = {}
    for subject, values in by_subject.items():
        n = len(values)
        c = {v: values.count(v) for v in ("5", "4", "3", "2", "1", "н/а")}
        n2 = c["2"] + c["1"]
        numeric = [int(v) for v in values if v != "н/а"]
        figures = [
            n,
            c["5"],
            c["4"],
            c["3"],
            n2,
            c["н/а"],
            comma(Fraction(100 * (c["5"] + c["4"] + c["3"]), n)),
            comma(Fraction(100 * (c["5"] + c["4"]), n)),
            comma(Fraction(100 * c["5"] + 64 * c["4"] + 36 * c["3"] + 16 * n2 + 7 * c["н/а"], n)),
            comma(Fraction(sum(numeric), len(numeric)), 2),
        ]
        lines[names[subject]] = " ".join(str(f) for f in figures)
    return lines


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    home = tmp_path_factory.mktemp("docs")
    db = copy_warehouse(small_sample_warehouse(tmp_path_factory), home / "w.duckdb")  # the sample, ingested once
    outcome = CliRunner().invoke(
        app, ["report", "results", "--class", "7А", "--period", PERIOD, "--out", str(home / "out"), "--db", str(db)]
    )
    assert outcome.exit_code == 0, outcome.output
    pdf = next((home / "out").glob("*.pdf"))
    xlsx = next((home / "out").glob("*.xlsx"))
    return db, pdf, xlsx


def pdf_text(pdf: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout


def test_every_figure_in_the_pdf_matches_the_raw_export(rendered):
    _, pdf, _ = rendered
    text = pdf_text(pdf)
    lines = [" ".join(line.split()) for line in text.splitlines()]
    for subject, figures in expected_rows().items():
        current = [line for line in lines if line.startswith(f"{PERIOD} {figures}")]
        assert current, f"{subject}: «{PERIOD} {figures}» not in the PDF"
        assert subject in text
    assert "Итоги успеваемости класса за учебный период" in text
    assert "Класс 7А, 2 четверть" in text
    assert "стр. 1 из" in text
    assert "Классный руководитель" in text and "Директор" in text


def test_pupil_categories_match_the_raw_export(rendered):
    _, pdf, _ = rendered
    period_id = next(p["period_id"] for p in raw("periods") if p["period_name"] == PERIOD)
    marks: dict[str, list[int | None]] = {}
    for m in raw("period_marks"):
        if (
            m["mark_kind_code"] == "period"
            and m["period_id"] == period_id
            and m["mark_value"] in ("1", "2", "3", "4", "5", "н/а")
        ):
            marks.setdefault(m["pupil_id"], []).append(None if m["mark_value"] == "н/а" else int(m["mark_value"]))
    failing = [p for p, values in marks.items() if any(v is None or v <= 2 for v in values)]
    excellent = [p for p, values in marks.items() if all(v == 5 for v in values)]
    text = " ".join(pdf_text(pdf).split())
    assert f"Неуспевающие (есть «2» или н/а): {len(failing)}" in text
    assert f"Отличники: {len(excellent)}" in text
    names = {p["pupil_id"]: f"{p['last_name']} {p['first_name']}" for p in raw("pupils")}
    assert all(names[p] in text for p in failing)


def test_categories_rule():
    # shared/DOMAIN.md: a pupil with one «4» is a хорошист too, also listed apart
    assert categorise([5, 5, 5]) == ("excellent",)
    assert categorise([5, 4, 5]) == ("good", "one_4")
    assert categorise([4, 4, 5]) == ("good",)
    assert categorise([3, 4, 5]) == ("one_3",)
    assert categorise([3, 3, 5]) == ()
    assert categorise([5, None]) == ("failing",)
    assert categorise([2, 5]) == ("failing",)


def test_xlsx_holds_the_same_numbers_as_the_pdf(rendered):
    _, pdf, xlsx = rendered
    sheet = pl.read_excel(xlsx).filter(pl.col("Период") == PERIOD)
    expected = expected_rows()
    got = {
        row["Предмет"]: " ".join(
            str(row[c]) if isinstance(row[c], int) else comma(row[c], 2 if c == "Средний балл" else 1)
            for c in (
                "N",
                "«5»",
                "«4»",
                "«3»",
                "«2»",
                "н/а",
                "Успеваемость, %",
                "Качество, %",
                "СОУ, %",
                "Средний балл",
            )
        )
        for row in sheet.iter_rows(named=True)
    }
    assert got == expected
    pdf_lines = {" ".join(line.split()) for line in pdf_text(pdf).splitlines()}
    assert all(f"{PERIOD} {figures}" in pdf_lines for figures in got.values())


def test_pdf_is_pdf_a(rendered):
    _, pdf, _ = rendered
    meta = subprocess.run(["pdfinfo", "-meta", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "pdfaid:part" in meta and ("<pdfaid:part>3</pdfaid:part>" in meta or 'pdfaid:part="3"' in meta)
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "Итоги успеваемости класса за учебный период" in info
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    embedded = [line for line in fonts.splitlines()[2:] if line.strip()]
    assert embedded and all("Doc-Sans" in line and " yes yes " in line for line in embedded)


def test_pages_have_content_inside_the_margins(rendered, tmp_path):
    _, pdf, _ = rendered
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(pdf), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert pages
    for page in pages:
        image = Image.open(page).convert("L")
        width, height = image.size
        margin = int(40 / 25.4 * 8)  # 8 mm of the 14–20 mm page margins must stay blank
        dark = [(x, y) for x in range(width) for y in range(height) if image.getpixel((x, y)) < 128]
        assert dark, f"{page.name} is empty"
        assert all(margin <= x < width - margin and margin <= y < height - margin for x, y in dark), page.name


def test_roles_without_the_class_are_refused(rendered):
    db, _, _ = rendered
    other_teacher = next(
        t["teacher_id"] for t in raw("teachers") if t["teacher_id"] != raw("classes")[0]["class_teacher_id"]
    )
    with duckdb.connect(str(db), read_only=True) as con:
        for viewer in (
            Viewer("d", Role.DIRECTOR, "sch-0001"),
            Viewer("s", Role.PARENT_COUNCIL, "sch-0001"),
            Viewer("a", Role.ADMIN),
        ):
            with pytest.raises(AccessError, match="недоступен"):
                build(con, viewer, "7А", PERIOD)
        assert build(
            con, Viewer("k", Role.CLASS_TEACHER, "sch-0001", raw("classes")[0]["class_teacher_id"]), "7А", PERIOD
        )
        teacher = Viewer("t", Role.TEACHER, "sch-0001", other_teacher)
        # a subject teacher of the class may build it; a stranger may not
        stranger = Viewer("x", Role.TEACHER, "sch-0001", "t-nobody")
        with pytest.raises(AccessError):
            build(con, stranger, "7А", PERIOD)
        assert build(con, teacher, "7А", PERIOD).class_name == "7А"


def test_names_with_html_are_escaped(tmp_path):
    data = tiny_export()
    data["pupils"][0]["last_name"] = "<b>Жирный</b>"
    data["period_marks"][1]["mark_value"], data["period_marks"][1]["na_reason_code"] = "2", ""
    db = tmp_path / "w.duckdb"
    ingest_path(write_export(data, tmp_path / "e"), db)
    from report_templates.period_results.render import html

    with duckdb.connect(str(db), read_only=True) as con:
        page = html(build(con, Viewer("z", Role.DEPUTY, "sch-test"), "5А", "1 четверть"))
    assert "&lt;b&gt;Жирный&lt;/b&gt;" in page and "<b>Жирный" not in page
