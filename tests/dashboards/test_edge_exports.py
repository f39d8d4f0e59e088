"""Schools whose exports hold less than the sample: the committed sample with its lessons (and so
its marks, absences and mark changes) left out, and with its period marks left out. Every page
of the deputy director opens on them without an error and without a «nan» or «None» in its text
(the director's page failed: its attendance against the previous period is a share of no lessons,
0 / 0); «ВПР и журнал» says in words that there is nothing to compare instead of a table of no
columns; «Муниципалитет / регион» reads a lake made of the school without lessons."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from dashboards.navigation import page_files_for
from ejournal.access.accounts import Role
from pipelines.ingest import ingest_path
from tests.dashboards.test_app_pages import page_text, signed_in
from tests.factories import sample_export, write_export

LEFT_OUT = {
    "no_lessons": ("lessons", "marks", "attendance", "mark_changes"),
    "no_period_marks": ("period_marks",),
}
NOT_A_WORD = re.compile(r"\b(nan|NaN|None|inf|NaT|null)\b")


@pytest.fixture(scope="module")
def warehouses(tmp_path_factory) -> dict[str, Path]:
    built = {}
    for kind, names in LEFT_OUT.items():
        folder = tmp_path_factory.mktemp(kind)
        data = sample_export()
        for name in names:
            data[name] = []
        write_export(data, folder / "export")
        (result,) = ingest_path(folder / "export", folder / "w.duckdb", run_by="test")
        assert result.status == "loaded", result.issues[:3]
        built[kind] = folder / "w.duckdb"
    return built


def test_every_page_of_the_deputy_opens_on_a_school_without_lessons(warehouses, access_db, monkeypatch):
    monkeypatch.setenv("EJOURNAL_DB", str(warehouses["no_lessons"]))
    monkeypatch.setenv("EJOURNAL_ACCESS_DB", str(access_db))
    at = signed_in("zavuch")
    for page in page_files_for(Role.DEPUTY):
        at.switch_page(page).run()
        assert not at.exception, (page, at.exception)
        assert not NOT_A_WORD.findall(page_text(at)), page


def test_vpr_without_period_marks_says_there_is_nothing_to_compare(warehouses, access_db, monkeypatch):
    monkeypatch.setenv("EJOURNAL_DB", str(warehouses["no_period_marks"]))
    monkeypatch.setenv("EJOURNAL_ACCESS_DB", str(access_db))
    at = signed_in("zavuch")
    at.switch_page("app_pages/vpr.py").run()
    assert not at.exception, at.exception
    assert "Результатов ВПР, которые можно сравнить с отметкой журнала за период, нет." in [i.value for i in at.info]
    assert all(frame.value.shape[1] for frame in at.dataframe)  # every table shown has its columns


def test_the_deck_of_a_school_without_lessons_is_made(warehouses, access_db, monkeypatch):
    monkeypatch.setenv("EJOURNAL_DB", str(warehouses["no_lessons"]))
    monkeypatch.setenv("EJOURNAL_ACCESS_DB", str(access_db))
    at = signed_in("director")
    at.switch_page("app_pages/director.py").run()
    at.button(key="director_make").click().run()
    assert not at.exception, at.exception
    assert {b.proto.label for b in at.get("download_button")} >= {"Скачать PDF", "Скачать XLSX"}


@pytest.mark.parametrize("before", [float("nan"), None, 55.0])
def test_a_change_against_a_figure_that_is_not_a_number_is_a_dash(before):
    from warehouse.director import change_text, delta_text, delta_tone

    assert delta_text(float("nan"), before) == "—"
    assert delta_tone(float("nan"), before) is None
    assert change_text("Посещаемость", float("nan"), before, "1 четвертью", gender="f") is None
    assert delta_text(before, float("nan")) == "—"


def test_the_region_page_reads_a_lake_without_lessons(warehouses, access_db, monkeypatch, tmp_path):
    """The page's «На дату» fell back on the last lesson of a lesson table the lake's connection
    does not have: «Table with name fct_lesson does not exist»."""
    import duckdb

    from tests.dashboards.test_app_pages import direct
    from warehouse import lake

    with duckdb.connect(str(warehouses["no_lessons"]), read_only=True) as con:
        lake.export_warehouse(con, tmp_path / "lake", ("src_", "mart_"))
    monkeypatch.setenv("EJOURNAL_DB", str(warehouses["no_lessons"]))
    monkeypatch.setenv("EJOURNAL_ACCESS_DB", str(access_db))
    monkeypatch.setenv("EJOURNAL_LAKE", str(tmp_path / "lake"))
    at = direct("app_pages/region.py", "zavuch")
    assert not at.exception, at.exception
    text = page_text(at)
    assert "не читается" not in text and "Источник: озеро" in text
    assert not NOT_A_WORD.findall(text)
