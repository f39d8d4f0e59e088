"""Data as plain text on a page: the one way a value from an export (a school, class, subject,
teacher or pupil name, a topic, a period, a file name, an ingest message) reaches an element that
reads markdown (st.markdown, st.caption, st.title, st.subheader, st.info, st.metric labels …)."""

from __future__ import annotations

import re

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
