"""Output injection on the dashboard (issue #20, item 7): an export whose school, class, subject,
teacher, topic and period names carry markdown links and images, HTML, rich markup, escape
sequences and formulas. Every element that reads markdown shows them as written: no link, no
image, no emphasis is made of them, no chart label is HTML (plotly makes links of <a href>), and
the region page names the school literally."""

from __future__ import annotations

import json
import re

import pytest

from dashboards.navigation import page_files_for
from ejournal.access.accounts import AccountStore, Role
from ejournal.access.viewer import Viewer
from pipelines.ingest import ingest_path
from tests.dashboards.conftest import PASSWORD
from tests.dashboards.test_app_pages import direct, signed_in
from tests.factories import MARKUP, SCHOOL, hostile_export, write_export
from tests.output_checks import links_made_of, rendered, shown_text

LOGINS = {"zavuch": Role.DEPUTY, "director": Role.DIRECTOR}
# The part of every hostile name a markdown renderer would turn into a link, an image or emphasis.
VISIBLE_MARKUP = MARKUP.split(" \x1b")[0]


@pytest.fixture(scope="module")
def hostile_warehouse(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile-dash")
    db = folder / "hostile.duckdb"
    (result,) = ingest_path(write_export(hostile_export(), folder / "export"), db)
    assert result.status == "loaded", result.issues
    access = folder / "access.sqlite"
    store = AccountStore(access)
    for login, role in LOGINS.items():
        store.add(login, login.title(), role, PASSWORD, school_id=SCHOOL, must_change_password=False)
    return db, access


@pytest.fixture
def hostile_env(hostile_warehouse, monkeypatch):
    db, access = hostile_warehouse
    monkeypatch.setenv("EJOURNAL_DB", str(db))
    monkeypatch.setenv("EJOURNAL_ACCESS_DB", str(access))
    monkeypatch.delenv("EJOURNAL_LAKE", raising=False)


def _markdown_sources(at) -> list[str]:
    """The source of every element of the page that Streamlit reads as markdown."""
    elements = (*at.title, *at.header, *at.subheader, *at.markdown, *at.caption)
    alerts = (*at.error, *at.warning, *at.info, *at.success)
    return [e.value for e in (*elements, *alerts)] + [m.label for m in at.metric]


def _chart_specs(at) -> list[str]:
    """The plotly figures of the page as the browser gets them (JSON, texts unescaped)."""
    specs = [element.proto.spec for element in at.get("plotly_chart")]
    return [json.dumps(json.loads(spec), ensure_ascii=False) for spec in specs]


@pytest.mark.parametrize("login", list(LOGINS))
def test_no_page_turns_hostile_names_into_links_or_markup(hostile_env, login):
    at = signed_in(login)
    assert not at.exception, at.exception
    seen_hostile = 0
    for page in page_files_for(LOGINS[login]):
        at.switch_page(page).run()
        assert not at.exception, (login, page, at.exception)
        for source in _markdown_sources(at):
            assert links_made_of(source) == [], (login, page, source)
            assert "<strong>жирно</strong>" not in rendered(source), (login, page, source)
            seen_hostile += VISIBLE_MARKUP in shown_text(source)
        for spec in _chart_specs(at):
            assert not re.search(r"<(a|img)\b", spec, re.IGNORECASE), (login, page, "a chart label is HTML")
            seen_hostile += "&lt;a href" in spec
    assert seen_hostile, f"no page of {login} showed a hostile name: the check proves nothing"


def test_the_region_page_names_the_school_as_written(hostile_env):
    at = direct("app_pages/region.py", "director", Viewer("director", Role.DIRECTOR, SCHOOL))
    assert not at.exception, at.exception
    (heading,) = [h.value for h in at.subheader if "Ваша школа" in h.value]
    assert links_made_of(heading) == []
    assert shown_text(heading).startswith('Ваша школа: =HYPERLINK("http://evil.example","школа") ' + VISIBLE_MARKUP)
