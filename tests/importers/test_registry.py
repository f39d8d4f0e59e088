"""`ejournal ingest` detects the format by itself, says which it found, and --source forces one;
a refused import exits 2 with a Russian message; importer notes are shown as warnings."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from cli.main import app
from ejournal.settings import Norms
from pipelines.importers.contract import ImportContext
from pipelines.importers.registry import IMPORTERS, SOURCE_NAMES, detect_source, get_importer
from pipelines.issues import ExportRefused
from tests.factories import tiny_export, write_export
from tests.importers.elschool.test_pages import REFERENCE, write_pages
from tests.importers.netschool.test_diary import write_netschool
from tests.importers.spreadsheet.test_workbooks import write_workbook


def test_every_registered_importer_keeps_the_contract():
    assert SOURCE_NAMES[0] == "canonical"
    for name in IMPORTERS:
        importer = get_importer(name)
        assert importer.name == name
        assert importer.title and callable(importer.detect) and callable(importer.convert)


def test_detection_finds_each_format(tmp_path):
    canonical = write_export(tiny_export(), tmp_path / "canonical")
    sgo = write_netschool(tmp_path / "sgo")
    with zipfile.ZipFile(tmp_path / "sgo.zip", "w") as archive:
        for file in sgo.iterdir():
            archive.write(file, f"sgo/{file.name}")
    found = {
        "canonical": detect_source(canonical, tmp_path / "w1"),
        "netschool": detect_source(sgo, tmp_path / "w2"),
        "netschool zip": detect_source(tmp_path / "sgo.zip", tmp_path / "w3"),
        "elschool": detect_source(REFERENCE, tmp_path / "w4"),
        "elschool folder": detect_source(write_pages(tmp_path / "pages"), tmp_path / "w5"),
        "spreadsheet": detect_source(write_workbook(tmp_path / "j.xlsx"), tmp_path / "w6"),
    }
    assert found == {
        "canonical": "canonical",
        "netschool": "netschool",
        "netschool zip": "netschool",
        "elschool": "elschool",
        "elschool folder": "elschool",
        "spreadsheet": "spreadsheet",
    }


def test_unknown_data_is_refused_with_the_list_of_formats(tmp_path):
    (tmp_path / "notes.txt").write_text("hello", encoding="utf-8")
    with pytest.raises(ExportRefused, match="--source"):
        detect_source(tmp_path, tmp_path / "w")


def _cli(*args: str):
    return CliRunner().invoke(app, ["ingest", *args])


def test_cli_says_which_format_it_found_and_shows_notes(tmp_path):
    outcome = _cli(str(REFERENCE), "--class", "7А", "--school", "sch-1", "--db", str(tmp_path / "w.duckdb"))
    assert outcome.exit_code == 0, outcome.output
    assert "Формат: ELSCHOOL (elschool, определён автоматически)" in outcome.output
    assert "предупреждение:" in outcome.output and "раньше даты урока" in outcome.output
    assert "Рюрикович" not in outcome.output  # no pupil names on screen


def test_cli_source_forces_a_format(tmp_path):
    outcome = _cli(str(REFERENCE), "--source", "netschool", "--db", str(tmp_path / "w.duckdb"))
    assert outcome.exit_code == 2
    assert "задан --source" in outcome.output
    assert not (tmp_path / "w.duckdb").exists()


def test_cli_refused_import_exits_2_and_stores_nothing(tmp_path):
    # The page names its class in its years menu: without the menu's selection it names none.
    page = tmp_path / "test.html"
    page.write_text(REFERENCE.read_text(encoding="utf-8").replace("navigation__years_selected", ""), encoding="utf-8")
    outcome = _cli(str(page), "--db", str(tmp_path / "w.duckdb"))
    assert outcome.exit_code == 2
    assert "не указан класс" in outcome.output
    assert not (tmp_path / "w.duckdb").exists()


def test_cli_unknown_source_name(tmp_path):
    outcome = _cli(str(REFERENCE), "--source", "excel", "--db", str(tmp_path / "w.duckdb"))
    assert outcome.exit_code == 2
    assert "неизвестный формат «excel»" in outcome.output


def test_canonical_export_still_loads_through_the_same_command(tmp_path):
    folder = write_export(tiny_export(), tmp_path / "e")
    outcome = _cli(str(folder), "--db", str(tmp_path / "w.duckdb"))
    assert outcome.exit_code == 0, outcome.output
    assert "Формат: каноническая выгрузка (canonical" in outcome.output


@pytest.mark.parametrize("kind", ["canonical", "netschool"])
def test_a_zip_is_extracted_once_and_travels_as_a_folder(tmp_path, monkeypatch, kind):
    from pipelines.canonical import reader
    from pipelines.ingest import ingest_source

    folder = write_export(tiny_export(), tmp_path / "e") if kind == "canonical" else write_netschool(tmp_path / "e")
    shutil.make_archive(str(tmp_path / "data"), "zip", folder)
    calls = []
    extract = reader.extract_zip
    monkeypatch.setattr(reader, "extract_zip", lambda *args: calls.append(args) or extract(*args))
    found = ingest_source(tmp_path / "data.zip", tmp_path / "w.duckdb", norms=Norms(), run_by="test")
    assert found.source == kind and len(calls) == 1


def test_a_damaged_zip_is_refused_with_one_type_and_nothing_stored(tmp_path):
    from pipelines.ingest import ingest_source

    (tmp_path / "data.zip").write_bytes(b"PK\x03\x04 not a zip")
    found = ingest_source(tmp_path / "data.zip", tmp_path / "w.duckdb", norms=Norms(), run_by="test")
    (result,) = found.results
    assert result.status == "refused" and result.issues[0].message.startswith("Архив повреждён")
    assert not (tmp_path / "w.duckdb").exists()
    outcome = _cli(str(tmp_path / "data.zip"), "--db", str(tmp_path / "w.duckdb"))
    assert outcome.exit_code == 2 and "Архив повреждён" in outcome.output


# --- hostile bytes: an importer either converts or refuses in Russian, never crashes -------------

SEEDS = {
    "netschool": lambda d: json.dumps({"weekDays": [{"date": "2025-09-08", "lessons": [{"x": 1}]}]}),
    "elschool": lambda d: REFERENCE.read_text(encoding="utf-8")[:20000],
}


@pytest.mark.parametrize("name", ["netschool", "elschool"])
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_hostile_bytes_are_converted_or_refused(tmp_path, name, data):
    seed = SEEDS[name](data).encode("utf-8")
    cut = data.draw(st.integers(0, len(seed)))
    junk = data.draw(st.binary(max_size=40))
    folder = tmp_path / f"case-{name}"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    suffix = ".json" if name == "netschool" else ".html"
    (folder / f"file{suffix}").write_bytes(seed[:cut] + junk + seed[cut:])
    try:
        get_importer(name).convert(folder, tmp_path / f"out-{name}", ImportContext(norms=Norms(), class_name="5А"))
    except ExportRefused as refused:
        assert refused.file_name and refused.problem
        assert any("а" <= ch <= "я" for ch in refused.problem.lower())


def test_docs_describe_every_importer_and_code():
    from pipelines.importers.absences import ABSENCE_CODES
    from pipelines.importers.spreadsheet.workbooks import SUFFIXES

    text = (Path(__file__).resolve().parents[2] / "docs" / "importers.md").read_text(encoding="utf-8").lower()
    assert [name for name in IMPORTERS if f"(`{name}`)" not in text] == []
    assert [code for code in ABSENCE_CODES if code and f"`{code}`" not in text] == []
    assert [s for s in SUFFIXES if f"`{s}`" not in text] == []
