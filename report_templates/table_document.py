"""What the table documents of this folder share: the school header, the access rule and a document
made of plain tables that the PDF and the XLSX both show.

A :class:`Section` holds its cells already as the document prints them (integers stay integers,
decimals are texts with a comma), so the XLSX cannot disagree with the PDF.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import duckdb

from ejournal.access.accounts import AccessError
from ejournal.access.viewer import Viewer
from ejournal.xlsx import new_workbook
from report_templates.document_norms import signing_deputy
from report_templates.render import render_html, write_pdf
from warehouse.class_documents import school_facts

Cell = str | int | None
DEPUTY_DIRECTOR = "Заместитель директора по УВР"


@dataclass(frozen=True)
class School:
    name: str
    details: str
    director: str | None
    # the deputy director who signs (norms.toml [documents] deputy_director); None: a blank line
    deputy: str | None = None


@dataclass(frozen=True)
class Section:
    """One table of a document: a heading, column names and rows of printed cells."""

    title: str
    columns: list[str]
    rows: list[list[Cell]]
    note: str = ""
    # column indexes printed right-aligned (numbers)
    numeric: frozenset[int] = frozenset()
    # column indexes whose long texts may wrap (topics, homework); others stay on one line
    wrap: frozenset[int] = frozenset()
    # a css class for the table (e.g. "grid" for the journal's marks grid)
    css: str = ""
    # a page break before this section
    new_page: bool = False


@dataclass
class Document:
    """A document of tables with the school header, title, subtitle and signature lines."""

    school: School
    document_title: str
    subtitle: str
    sections: list[Section]
    signatures: list[tuple[str, str | None]]
    data_as_of: dt.date | None = None
    formed_on: dt.date = field(default_factory=dt.date.today)
    landscape: bool = False
    # free lines printed under the subtitle (pupil, date range …)
    facts: list[tuple[str, str]] = field(default_factory=list)


def school_header(con: duckdb.DuckDBPyConnection, school_id: str) -> tuple[School, dt.date | None]:
    """The school's name, details and director, and the date of its latest export."""
    name, details, director, as_of = school_facts(con, school_id)
    return School(name, details, director, signing_deputy()), (as_of.date() if as_of else None)


def require_pupils(viewer: Viewer, title: str) -> None:
    if not viewer.sees_pupils:
        raise AccessError(f"Документ «{title}» содержит имена учеников и недоступен для вашей роли")


def class_signatures(class_teacher: str | None, school: School) -> list[tuple[str, str | None]]:
    return [
        ("Классный руководитель", class_teacher),
        (DEPUTY_DIRECTOR, school.deputy),
        ("Директор", school.director),
    ]


def school_signatures(school: School) -> list[tuple[str, str | None]]:
    return [(DEPUTY_DIRECTOR, school.deputy), ("Директор", school.director)]


def pct(part: int, whole: int) -> float | None:
    return 100 * part / whole if whole else None


def html(doc: Document, template: str) -> str:
    values = {f.name: getattr(doc, f.name) for f in dataclasses.fields(doc)}
    return render_html(template, **values)


def pdf(doc: Document, template: str, path: Path) -> Path:
    return write_pdf(html(doc, template), path, title=doc.document_title)


def xlsx_bytes(doc: Document) -> bytes:
    """One sheet per section, the cells exactly as printed; a title block above each table (title,
    subtitle, section, and the document's facts such as the pupil and class)."""
    buffer = io.BytesIO()
    workbook = new_workbook(buffer)
    bold = workbook.add_format({"bold": True, "bg_color": "#EEEEEE", "border": 1, "text_wrap": True})
    heading = workbook.add_format({"bold": True})
    used: set[str] = set()
    for number, section in enumerate(doc.sections, start=1):
        name = _sheet_name(section.title or doc.document_title, number, used)
        sheet = workbook.add_worksheet(name)
        sheet.write_string(0, 0, doc.document_title, heading)
        sheet.write_string(1, 0, doc.subtitle)
        sheet.write_string(2, 0, section.title)
        if doc.facts:  # whom and what the document is about (pupil, class …), as under the PDF's subtitle
            sheet.write_string(3, 0, "; ".join(f"{key}: {value}" for key, value in doc.facts))
        top = 4
        for col, title in enumerate(section.columns):
            sheet.write_string(top, col, title, bold)
            sheet.set_column(col, col, max(6, min(50, len(title) + 2)))
        for r, row in enumerate(section.rows, start=top + 1):
            for c, value in enumerate(row):
                if value is None or value == "":
                    continue
                if isinstance(value, Decimal):
                    workbook.write_figure(sheet, r, c, value)
                elif isinstance(value, int):
                    sheet.write_number(r, c, value)
                else:
                    sheet.write_string(r, c, str(value))
        sheet.freeze_panes(top + 1, 0)
    if not doc.sections:
        workbook.add_worksheet("Документ").write_string(0, 0, doc.document_title, heading)
    workbook.close()
    return buffer.getvalue()


def xlsx(doc: Document, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(xlsx_bytes(doc))
    return path


def _sheet_name(title: str, number: int, used: set[str]) -> str:
    clean = "".join(ch for ch in title if ch not in "[]:*?/\\'")[:28].strip() or "Лист"
    name = clean if clean not in used else f"{clean[:25]} {number}"
    used.add(name)
    return name


@dataclass(frozen=True)
class Renderer:
    """How a document of tables is written: its template (the one place it is named), to HTML,
    PDF/A and XLSX. Each document package's render.py holds one, for the registry and the page."""

    template: str

    def html(self, doc: Document) -> str:
        return html(doc, self.template)

    def pdf(self, doc: Document, path: Path) -> Path:
        return pdf(doc, self.template, path)

    def xlsx(self, doc: Document, path: Path) -> Path:
        return xlsx(doc, path)
