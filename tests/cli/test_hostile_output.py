"""Output injection through the command line (issue #20, item 7): rich markup and terminal escape
sequences from an export reach the terminal as plain text; a file without its header row, or a bad
birth date, never prints a pupil's name or birth date; every XLSX the command writes (the error
report, documents) keeps formula-like text as text. The warehouse is unchanged by refused exports."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from cli.main import app
from tests.factories import HOSTILE_NAMES, SAMPLE, hostile_export, raw, tiny_export, write_export
from tests.output_checks import formula_like_cells, texts_of
from tests.pipelines.test_ingest_acceptance import snapshot

# A header cell an attacker writes: rich markup, a colour, «clear screen» and a terminal hyperlink.
HOSTILE_HEADER = "[bold red]ВЗЛОМ[/] \x1b[31mкрасный\x1b[0m\x1b[2J\x1b]8;;http://evil.example\x07ссылка\x1b]8;;\x07"


def _run(*args: str):
    return CliRunner().invoke(app, [str(a) for a in args])


@pytest.fixture
def loaded_db(tmp_path) -> Path:
    db = tmp_path / "w.duckdb"
    outcome = _run("ingest", write_export(tiny_export(), tmp_path / "tiny"), "--db", db)
    assert outcome.exit_code == 0, outcome.output
    return db


def _pupil_values() -> list[str]:
    """Every name and birth date of the sample's pupils, read from the raw file."""
    return [p[c] for p in raw("pupils") for c in ("last_name", "first_name", "middle_name", "birth_date") if p[c]]


def test_header_markup_and_escapes_are_printed_as_text(tmp_path, loaded_db):
    export = write_export(tiny_export(), tmp_path / "export")
    marks = export / "marks.csv"
    lines = marks.read_text(encoding="utf-8-sig").splitlines()
    marks.write_text(lines[0] + ";" + HOSTILE_HEADER + "\n" + "\n".join(f"{line};" for line in lines[1:]) + "\n")
    before = snapshot(loaded_db)

    outcome = _run("ingest", export, "--db", loaded_db)

    assert outcome.exit_code == 2, outcome.output
    assert "\x1b" not in outcome.output  # no colour, no clear screen, no hyperlink from the data
    assert "[bold red]ВЗЛОМ[/]" in outcome.output  # the markup is shown as it is written
    assert "Traceback" not in outcome.output
    assert snapshot(loaded_db) == before


def test_a_file_without_its_header_prints_no_pupil(tmp_path, loaded_db):
    export = tmp_path / "sample"
    shutil.copytree(SAMPLE, export, ignore=shutil.ignore_patterns("_truth"))
    pupils = export / "pupils.csv"
    pupils.write_text("".join(pupils.read_text(encoding="utf-8-sig").splitlines(keepends=True)[1:]), encoding="utf-8")
    before = snapshot(loaded_db)

    outcome = _run("ingest", export, "--db", loaded_db, "--report", tmp_path / "report.xlsx")

    assert outcome.exit_code == 2, outcome.output
    assert "pupils.csv" in outcome.output and "значения не показываются" in outcome.output
    shown = [value for value in _pupil_values() if value in outcome.output]
    assert shown == []
    assert snapshot(loaded_db) == before


def test_a_bad_birth_date_is_masked_on_the_console(tmp_path, loaded_db):
    data = tiny_export()
    data["pupils"][0]["birth_date"] = "31.02.2014"
    data["pupils"][1]["last_name"] = ""  # a required name missing: the row is quoted by its place only
    name = data["pupils"][0]["last_name"]

    outcome = _run("ingest", write_export(data, tmp_path / "export"), "--db", loaded_db)

    assert outcome.exit_code in (1, 2), outcome.output
    assert "31.02.2014" not in outcome.output
    assert "**.**.****" in outcome.output
    assert name not in outcome.output


def test_hostile_names_in_status_and_documents_are_text(tmp_path):
    db = tmp_path / "hostile.duckdb"
    outcome = _run("ingest", write_export(hostile_export(), tmp_path / "export"), "--db", db)
    assert outcome.exit_code == 0, outcome.output

    status = _run("status", "--db", db)
    assert status.exit_code == 0, status.output
    assert "\x1b" not in status.output
    assert "[bold red]красный[/]" in status.output  # the period names, literally

    with duckdb.connect(str(db), read_only=True) as con:
        (class_name,) = con.execute("select distinct class_name from dim_class").fetchone()
    assert class_name.startswith(HOSTILE_NAMES["class_name"][:5])
    out = tmp_path / "docs"
    report = _run("report", "results", "--class", class_name, "--format", "xlsx", "--out", out, "--db", db)
    assert report.exit_code == 0, report.output
    assert "\x1b" not in report.output
    assert "[bold red]красный[/]" in report.output  # the class and period names, literally
    (xlsx,) = out.rglob("*.xlsx")
    assert any("evil.example" in text for text in texts_of(xlsx))  # the hostile names are in it
    assert formula_like_cells(xlsx) == []


def test_the_error_report_keeps_formulas_as_text(tmp_path, loaded_db):
    data = tiny_export()
    data["marks"][0]["mark_value"] = '=HYPERLINK("http://evil.example","5")'
    data["marks"][1]["mark_value"] = "+cmd|' /C calc'!A0"
    data["pupils"][0]["birth_date"] = "@SUM(A1:A9)"
    data["pupils"][1]["gender_code"] = "-2+3"
    export = write_export(data, tmp_path / "export")

    for suffix in ("xlsx", "csv"):
        report = tmp_path / f"ошибки.{suffix}"
        outcome = _run("ingest", export, "--db", loaded_db, "--report", report)
        assert outcome.exit_code in (1, 2), outcome.output
        assert "@SUM(A1:A9)" not in outcome.output  # a birth date column is masked on screen
        if suffix == "xlsx":
            texts = texts_of(report)
            assert formula_like_cells(report) == []
        else:
            texts = report.read_text(encoding="utf-8-sig").replace('"', "").split(";")
            assert [t for t in texts if t.startswith(("=", "+", "-", "@"))] == []
        assert any("HYPERLINK" in t for t in texts)  # the value is there, kept as text
        assert any("@SUM(A1:A9)" in t for t in texts)  # the report file keeps the true value


def test_a_journal_systems_pupil_field_is_masked_too():
    """An importer's note names its own fields («ФИО», «birthDate»): their values are masked as well."""
    from pipelines.issues import Issue

    note = Issue("отчёт.xlsx", None, "ФИО", "Иванов Алексей Петрович", "import_note", "«Иванов Алексей Петрович»: нет")
    assert (note.shown_value(), note.shown_message()) == ("И*** А. П.", "«И*** А. П.»: нет")
    born = Issue("pupils.json", None, "birthDate", "2014-02-31", "import_note", "дата «2014-02-31» не читается")
    assert born.shown_message() == "дата «****-**-**» не читается"


def test_a_refusal_about_a_personal_field_masks_what_it_quotes():
    from pipelines.issues import ExportRefused

    refused = ExportRefused("отчёт.html", "шапка отчёта", "Ученик", "не указан ученик (Фамилия Имя), найдено «Иванов»")
    shown = refused.issue.shown_message()
    assert "Иванов" not in shown and "«И***»" in shown and "поле «Ученик»" in shown
    # About a field that is not personal, quoted text stays as it is (a class, a subject, a value).
    other = ExportRefused("diary.json", "weekDays[0]", "className", "«7 Б класс» — не класс вида «7А»")
    assert other.issue.shown_message().endswith("«7 Б класс» — не класс вида «7А»")
