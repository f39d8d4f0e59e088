"""Data as plain text on a page: the one way a value from an export (a school, class, subject,
teacher or pupil name, a topic, a period, a file name, an ingest message) reaches an element that
reads markdown (st.markdown, st.caption, st.title, st.subheader, st.info, st.metric labels …),
and the labels of a chart (plotly reads <a href>, <b>, <br> in category, series and facet names)."""

from __future__ import annotations

import html
import re

import plotly.graph_objects as go
import polars as pl

# CommonMark lets a backslash escape any ASCII punctuation: links, images, emphasis, headings,
# HTML tags, tables, LaTeX «$», Streamlit's «:red[…]» all become the characters they are written with.
_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")
# GFM turns bare «http://», «www.» and «a@b.c» into links after escapes are read; an invisible
# space before «:», «@» and inside «www.» keeps them text.
_LINK_START = re.compile(r"[:@]|w(?=w\.)", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def as_text(value: object) -> str:
    """``value`` as markdown source that shows exactly its characters, on one line."""
    line = " ".join(_CONTROL.sub(" ", str(value)).split())
    return _PUNCTUATION.sub(r"\\\1", _LINK_START.sub("\u200b\\g<0>", line))


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
