"""The Russian page and formats without a browser: Streamlit's own static handler behind
`RussianPage` serves its page in Russian (and its files unchanged); tables' and charts' formats."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

import plotly.express as px
import polars as pl
import streamlit
from streamlit.web.server.starlette.starlette_static_routes import create_streamlit_static_handler

from dashboards.formats import CHART_DATE_FORMAT, column_formats, number_text, russian_chart, table_height
from dashboards.page_locale import LOCALE_SCRIPT, RussianPage

STATIC = Path(streamlit.__file__).parent / "static"


def _get(path: str, headers: list[tuple[bytes, bytes]] = ()) -> tuple[dict[str, str], bytes]:
    """GET the path from Streamlit's static handler behind RussianPage: (headers, body)."""
    app = RussianPage(create_streamlit_static_handler(str(STATIC), None))
    scope = {
        "type": "http",
        "method": "GET",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"127.0.0.1"), *headers],
        "scheme": "http",
        "server": ("127.0.0.1", 8501),
    }
    sent: list[dict] = []

    requests = [{"type": "http.request", "body": b"", "more_body": False}]

    async def receive():  # the request, then the client waits (as a browser does) until the answer
        if requests:
            return requests.pop()
        await asyncio.sleep(3600)
        return {"type": "http.disconnect"}

    async def send(message):
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    start = sent[0]
    body = b"".join(m.get("body", b"") for m in sent[1:])
    return {k.decode().lower(): v.decode() for k, v in start["headers"]}, body


def test_streamlit_page_is_served_in_russian_before_its_scripts():
    for path in ("/", "/timeliness"):  # the root and a page's address (Streamlit's fallback to its page)
        headers, body = _get(path, [(b"accept-encoding", b"gzip"), (b"if-none-match", b'"x"')])
        page = body.decode()
        assert '<html lang="ru">' in page and '<html lang="en">' not in page
        assert page.index(LOCALE_SCRIPT) < page.index('<script type="module"')
        assert int(headers["content-length"]) == len(body)
        assert "content-encoding" not in headers
    original = (STATIC / "index.html").read_bytes()
    assert len(body) == len(original) + len(LOCALE_SCRIPT.encode()) + 1  # nothing else changed


def test_streamlit_files_pass_unchanged():
    _, body = _get("/favicon.png")
    assert body == (STATIC / "favicon.png").read_bytes()


def test_table_and_chart_formats():
    frame = pl.DataFrame(
        {"n": [1], "share": [98.5], "day": [dt.date(2025, 10, 1)], "at": [dt.datetime(2025, 10, 1, 8, 5)], "s": ["a"]}
    )
    formats = {name: config["type_config"] for name, config in column_formats(frame).items()}
    assert set(formats) == {"share", "day", "at"}
    assert formats["share"] == {**formats["share"], "type": "number", "format": "localized"}
    assert formats["day"]["format"] == "DD.MM.YYYY" and formats["at"]["format"] == "DD.MM.YYYY HH:mm"
    assert [number_text(v) for v in (1.5, 0.05, 3.0)] == ["1,5", "0,05", "3"]
    weeks = pl.DataFrame({"week": [dt.date(2025, 9, 1), dt.date(2025, 9, 8)], "share": [98.5, 100.0]})
    figure = russian_chart(px.line(weeks, x="week", y="share"))
    assert figure.layout.separators == ",\u00a0"
    assert figure.layout.xaxis.tickformat == CHART_DATE_FORMAT == figure.layout.xaxis.hoverformat
    assert figure.layout.yaxis.tickformat is None


def test_tables_show_up_to_twenty_rows_without_an_inner_scroll():
    """A class of 20 shows every row; a longer table a box of 20 rows (plus the header), not ten."""
    assert [table_height(n) for n in (0, 1, 20)] == ["content"] * 3
    assert table_height(21) == table_height(500) == 21 * 35 + 3
