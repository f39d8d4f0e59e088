"""Output injection into documents (issue #20, item 7): with every name of the export hostile
(markdown, HTML, rich markup, escape sequences, formulas), every document of the catalogue and the
parent-council deck print them as text: the HTML escapes them, no XLSX cell is a runnable formula."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from ejournal.access.accounts import Role
from ejournal.access.viewer import Viewer
from ejournal.settings import load_norms
from pipelines.ingest import ingest_path
from report_templates.catalogue import CATALOGUE
from report_templates.choices import Choice
from report_templates.document_norms import DocumentNorms
from report_templates.presentation import context as deck_context
from report_templates.presentation import render as deck_render
from tests.factories import SCHOOL, hostile_export, write_export
from tests.output_checks import formula_like_cells, texts_of

DEPUTY = Viewer("zavuch", Role.DEPUTY, SCHOOL)
RAW_HTML = "<img src=x onerror=alert(1)>"
ESCAPED_HTML = "&lt;img src=x onerror=alert(1)&gt;"


@pytest.fixture(scope="module")
def hostile_db(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile-docs")
    db = folder / "hostile.duckdb"
    (result,) = ingest_path(write_export(hostile_export(), folder / "export"), db)
    assert result.status == "loaded", result.issues
    with duckdb.connect(str(db), read_only=True) as con:
        yield con


def _choice(con, needs: tuple[str, ...]) -> Choice:
    """What the page would pick in the hostile school: its class, its second quarter, a pupil, a week."""
    class_name = con.execute("select min(class_name) from dim_class").fetchone()[0]
    period_name = con.execute("select max(period_name) from dim_period").fetchone()[0]
    day = con.execute("select max(lesson_date) from fct_lesson").fetchone()[0]
    if "pupil" in needs:
        return Choice(class_name, period_name, pupil_id="p1", start=dt.date(2025, 9, 1), end=dt.date(2025, 12, 31))
    return Choice(class_name, period_name, day=day)


@pytest.mark.parametrize("kind", list(CATALOGUE))
def test_every_document_prints_hostile_names_as_text(hostile_db, kind, tmp_path):
    entry = CATALOGUE[kind]
    for one in entry.choices(hostile_db, DEPUTY, _choice(hostile_db, entry.needs)):
        ctx = entry.builder(hostile_db, DEPUTY, one, DocumentNorms())
        html = entry.renderer.html(ctx)
        assert RAW_HTML not in html and "\x1b" not in html
        xlsx = entry.renderer.xlsx(ctx, tmp_path / f"{kind}.xlsx")
        assert formula_like_cells(xlsx) == [], kind


@pytest.mark.parametrize("kind", ["ledger", "journal-printout", "user-activity"])
def test_documents_carry_the_hostile_names(hostile_db, kind, tmp_path):
    """The check above proves something: the documents hold the hostile names, escaped."""
    entry = CATALOGUE[kind]
    (one, *_) = entry.choices(hostile_db, DEPUTY, _choice(hostile_db, entry.needs))
    ctx = entry.builder(hostile_db, DEPUTY, one, DocumentNorms())
    html = entry.renderer.html(ctx)
    assert ESCAPED_HTML in html and "[bold red]красный[/]" in html
    assert any("evil.example" in text for text in texts_of(entry.renderer.xlsx(ctx, tmp_path / "doc.xlsx")))


def test_the_deck_prints_hostile_names_as_text(hostile_db):
    # the deputy's deck: the director's would drop every slide of this school of 3 pupils («< 5» only)
    period_name = hostile_db.execute("select max(period_name) from dim_period").fetchone()[0]
    deck = deck_context.build(hostile_db, DEPUTY, period_name, load_norms())
    html = deck_render.html(deck)
    assert RAW_HTML not in html and ESCAPED_HTML in html
    xlsx = deck_render.xlsx_bytes(deck)
    assert formula_like_cells(xlsx) == []
    assert any("evil.example" in text for text in texts_of(xlsx))
