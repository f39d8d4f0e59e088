"""Render the parent-council deck: 16:9 PDF/A (one slide a page, charts as inline SVG) and the same
tables as an XLSX workbook, a sheet per slide."""

from __future__ import annotations

import io
import re
from decimal import Decimal
from pathlib import Path

from markupsafe import Markup

from ejournal.files import scratch_folder
from ejournal.xlsx import new_workbook
from report_templates.presentation.charts import to_svg
from report_templates.presentation.context import Deck, Slide
from report_templates.render import render_html, ru_date, write_pdf

# The minimum font size of every text of a slide, charts included, in pt on the 16:9 page of
# 720 × 405 pt (254 × 142,875 mm): 14 pt is 24,9 px on a 1280 × 720 projector image, readable from
# the back of a hall. slides.css and the charts use it; tests measure it on the PDF.
MIN_FONT_PT = 14
# The slide's content box (page less margins, slides.css) and a chart's width on it, in pt; a chart
# is drawn at its size on the page (viewBox in pt), so no text of it is scaled down.
CONTENT_HEIGHT_PT, CHART_WIDTH_PT = 349, 656
_LINE_PT = {"headline": 24 * 1.15, "text": MIN_FONT_PT * 1.2}
_CHARS_PER_LINE = {"headline": 38, "text": 74}  # DejaVu Sans at 24 pt bold and at 14 pt across 656 pt


def _lines(text: str | None, kind: str) -> int:
    return -(-len(text) // _CHARS_PER_LINE[kind]) if text else 0


def chart_height(slide: Slide) -> float:
    """The chart fills what the topic, the headline, the note and the footer leave of the slide."""
    taken = 26 + _lines(slide.headline, "headline") * _LINE_PT["headline"] + 10
    taken += (_lines(slide.note, "text") * _LINE_PT["text"] + 6) if slide.note else 0
    return CONTENT_HEIGHT_PT - taken - _LINE_PT["text"] - 8


def pages(deck: Deck) -> list[dict]:
    """The pages after the title page: each slide (its chart drawn to SVG), the conclusions of a slide
    that has them on a page of their own, and a closing page naming the topics without data."""
    out: list[dict] = []
    for i, s in enumerate(deck.slides):
        svg = None
        if s.chart is not None:
            svg = to_svg(s.chart, CHART_WIDTH_PT, chart_height(s), f"c{i}", MIN_FONT_PT, unit="pt")
        out.append({"kind": "slide", "slide": s, "chart_svg": Markup(svg) if svg else None})
        if s.conclusions:
            out.append({"kind": "conclusions", "slide": s})
    if deck.missing:
        out.append({"kind": "missing"})
    return out


def html(deck: Deck) -> str:
    return render_html(
        "presentation/template.html.j2",
        deck=deck,
        pages=pages(deck),
        min_font=MIN_FONT_PT,
    )


def pdf(deck: Deck, path: Path) -> Path:
    return write_pdf(html(deck), path, title=deck.document_title)


_FIGURE = re.compile(r"\d{1,3}(?:\u00a0\d{3})*(?:,\d+)?|\d+(?:,\d+)?")


def _figure(text: str) -> Decimal | None:
    """A slide's unsigned figure as printed («72,4», «1 234») as a number with its decimals."""
    if not _FIGURE.fullmatch(text):
        return None
    return Decimal(text.replace("\u00a0", "").replace(",", "."))


def xlsx_bytes(deck: Deck) -> bytes:
    buffer = io.BytesIO()
    book = new_workbook(buffer)
    bold = book.add_format({"bold": True, "bg_color": "#EEEEEE", "border": 1})
    used: set[str] = set()
    for i, slide in enumerate(deck.slides, start=1):
        name = f"{i} {slide.title}"[:31]
        while name in used:
            name = name[:29] + f"_{i}"
        used.add(name)
        sheet = book.add_worksheet(name)
        sheet.write_string(0, 0, f"{deck.school_name}. {deck.period_title}. Данные на {ru_date(deck.data_as_of)}")
        sheet.write_string(1, 0, slide.title, bold)
        for c, cell in enumerate(slide.header):
            sheet.write_string(3, c, cell, bold)
            sheet.set_column(c, c, 44 if c == 0 else 18)
        for r, row in enumerate(slide.rows, start=4):
            for c, cell in enumerate(row):
                # Names (subjects, classes) come from the export and are guarded by the sheet; a figure
                # («72,4», «1 234») is a number cell showing its printed decimals; «< 5», «—» and the
                # changes («+0,5», signed numbers pass) stay as printed on the slide.
                number = _figure(cell) if c else None
                if number is None:
                    sheet.write_string(r, c, cell)
                else:
                    book.write_figure(sheet, r, c, number)
        extra = len(slide.rows) + 5
        for k, line in enumerate([*slide.conclusions, *([deck.suppression_note] if deck.suppression_note else [])]):
            sheet.write_string(extra + k, 0, line)
    book.close()
    return buffer.getvalue()


def xlsx(deck: Deck, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(xlsx_bytes(deck))
    return path


def file_stem(deck: Deck) -> str:
    from report_templates.output import safe_file_part

    return "презентация-" + safe_file_part(deck.period_title.split(" учебного")[0].replace("/", "-"))


def produce(deck: Deck) -> tuple[bytes, bytes]:
    """The deck's PDF and XLSX as bytes (for the dashboard's download buttons)."""
    with scratch_folder("deck") as folder:
        path = pdf(deck, folder / "deck.pdf")
        return path.read_bytes(), xlsx_bytes(deck)
