"""Data as plain text on a page: the one way a value from an export (a school, class, subject,
teacher or pupil name, a topic, a period, a file name, an ingest message) reaches an element that
reads markdown (st.markdown, st.caption, st.title, st.subheader, st.info, st.metric labels …),
and the labels of a chart (plotly reads <a href>, <b>, <br> in category, series and facet names)."""

from __future__ import annotations

import html
import re

import plotly.graph_objects as go
import polars as pl

# The signs that make markdown of a text anywhere in a line: escapes, code, emphasis, links and
# images («[», «]»), HTML and autolinks («<»), tables, strikethrough, LaTeX, entities. A backslash
# before them (CommonMark escapes any ASCII punctuation) shows the sign itself.
_MARKDOWN_SIGNS = re.compile(r"([\\`*_\[\]<>|~$&])")
# At the start of the text: a heading, a quote, a list item.
_BLOCK_START = re.compile(r"^([#>+=-]|\d+(?=[.)]))")
# GFM turns bare «http://», «www.» and «a@b.c» into links after escapes are read, and Streamlit
# reads «:red[…]», «:material/…:», «:smile:»: an invisible space after «:» and «@» and inside
# «www.» keeps them text.
_LINK_SIGNS = re.compile(r"(?<=[:@])|(?<=w)(?=ww\.)", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def as_text(value: object) -> str:
    """``value`` as markdown source that shows exactly its characters, on one line."""
    line = " ".join(_CONTROL.sub(" ", str(value)).split())
    line = _MARKDOWN_SIGNS.sub(r"\\\1", _LINK_SIGNS.sub("\u200b", line))
    return _escape_block_start(line)


def _escape_block_start(line: str) -> str:
    """«# …», «> …», «- …», «1. …» at the start shown as written, not as a heading, quote or list."""
    start = _BLOCK_START.match(line)
    if start is None:
        return line
    sign = start.group(0)
    escaped = f"{sign}\\" if sign[0].isdigit() else f"\\{sign}"
    return escaped + line[len(sign) :]


def chart_text(value: object) -> str:
    """``value`` as a chart label: plotly shows «&lt;a href…&gt;» as the characters, never as a link."""
    return html.escape(str(value), quote=False)


def chart_texts(column: str) -> pl.Expr:
    """A frame's column of names as chart labels (what :func:`chart_text` does to one)."""
    return (
        pl.col(column)
        .str.replace_all("&", "&amp;", literal=True)
        .str.replace_all("<", "&lt;", literal=True)
        .str.replace_all(">", "&gt;", literal=True)
    )


def chart_safe(figure: go.Figure) -> go.Figure:
    """A copy of a ready figure whose title, series and category names are chart texts (the deck's
    figures are drawn to SVG by their own escaping renderer, so the page escapes its copy)."""
    copy = go.Figure(figure)
    for trace in copy.data:
        if isinstance(trace.name, str):
            trace.name = chart_text(trace.name)
        for axis in ("x", "y"):
            values = getattr(trace, axis, None)
            if values is not None:
                setattr(trace, axis, [chart_text(v) if isinstance(v, str) else v for v in values])
    if copy.layout.title.text:
        copy.layout.title.text = chart_text(copy.layout.title.text)
    return copy
