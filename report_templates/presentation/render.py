"""Render the parent-council deck: 16:9 PDF/A (one slide a page, charts as inline SVG) and the same
tables as an XLSX workbook, a sheet per slide."""

from __future__ import annotations

import dataclasses
import io
import re
from decimal import Decimal
from pathlib import Path

from markupsafe import Markup

from ejournal.files import scratch_folder
from ejournal.xlsx import new_workbook
from report_templates.presentation.charts import to_svg
from report_templates.presentation.context import Deck
from report_templates.render import render_html, ru_date, write_pdf


def html(deck: Deck) -> str:
    slides = [
        {
            **{f.name: getattr(s, f.name) for f in dataclasses.fields(s)},
            "chart_svg": Markup(to_svg(s.chart, chart_id=f"c{i}")) if s.chart is not None else None,
        }
        for i, s in enumerate(deck.slides)
    ]
    return render_html("presentation/template.html.j2", deck=_View(deck, slides))


@dataclasses.dataclass
class _View:
    """The deck as the template reads it: slides with their chart already drawn to SVG."""

    deck: Deck
    slides: list[dict]

    def __getattr__(self, name: str):
        return getattr(self.deck, name)


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
