"""Independent checks that data from an export is shown as text: what a markdown renderer makes of
a page element's source, and which spreadsheet cells a spreadsheet program would run."""

from __future__ import annotations

import html
import io
import re
from pathlib import Path

from markdown_it import MarkdownIt
from openpyxl import load_workbook

# CommonMark with GFM tables and strikethrough, as Streamlit reads st.markdown (react-markdown).
_MARKDOWN = MarkdownIt("commonmark").enable(["table", "strikethrough"])
# What a spreadsheet program runs when it meets it at the start of a cell (OWASP «CSV injection»).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")
_SIGNED_NUMBER = re.compile(r"[+-]\d+([.,]\d+)?( ?%)?")
# GFM makes a link of a bare address even after its escapes are read.
_BARE_LINK = re.compile(r"https?://|www\.|\w@\w", re.IGNORECASE)


def rendered(source: str) -> str:
    """The HTML a markdown renderer makes of an element's source."""
    return _MARKDOWN.render(source)


def shown_text(source: str) -> str:
    """The characters a reader sees of an element's source (tags dropped, invisible spaces too)."""
    return html.unescape(re.sub(r"<[^>]+>", "", rendered(source))).replace("\u200b", "")


def links_made_of(source: str) -> list[str]:
    """Links and images the source becomes: markdown ones, raw HTML ones, and bare addresses GFM
    would turn into links."""
    made = re.findall(r"<(?:a|img)\b[^>]*>", rendered(source))
    text = html.unescape(re.sub(r"<[^>]+>", "", rendered(source)))
    return made + _BARE_LINK.findall(text)


def formula_like_cells(xlsx: bytes | Path) -> list[str]:
    """Every text cell of every sheet that a spreadsheet would run as a formula."""
    data = xlsx.read_bytes() if isinstance(xlsx, Path) else xlsx
    book = load_workbook(io.BytesIO(data), read_only=True)
    found = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows(values_only=True):
            for value in row:
                if isinstance(value, str) and value.startswith(_FORMULA_START) and not _SIGNED_NUMBER.fullmatch(value):
                    found.append(value)
    return found


def texts_of(xlsx: bytes | Path) -> list[str]:
    """Every text cell of every sheet."""
    data = xlsx.read_bytes() if isinstance(xlsx, Path) else xlsx
    book = load_workbook(io.BytesIO(data), read_only=True)
    return [
        v for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for v in row if isinstance(v, str)
    ]
