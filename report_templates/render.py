"""Rendering: a typed context → HTML (Jinja2, autoescape, StrictUndefined, control characters
dropped from printed values) → PDF/A (WeasyPrint)."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

import jinja2
from markupsafe import Markup

from ejournal.formatting import decimal, figure_text

TEMPLATES_DIR = Path(__file__).resolve().parent
FONTS_DIR = TEMPLATES_DIR / "fonts"
PDF_VARIANT = "pdf/a-3b"
# Characters XML and PDF text cannot hold (an export's terminal escape, a NUL): never printed.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")

MONTHS_GENITIVE = (
    "января",
    "февраля",
    "марта",
    "апреля",
    "мая",
    "июня",
    "июля",
    "августа",
    "сентября",
    "октября",
    "ноября",
    "декабря",
)


def ru_date(value: dt.date | None) -> str:
    """01.09.2026"""
    return value.strftime("%d.%m.%Y") if value else "—"


def ru_long_date(value: dt.date) -> str:
    """«1 сентября 2026 г.»"""
    return f"{value.day} {MONTHS_GENITIVE[value.month - 1]} {value.year} г."


def formed_text(formed_on: dt.date, data_as_of: dt.date | None) -> str:
    """The line under every document: when it was formed and from which export."""
    return f"Сформировано {ru_long_date(formed_on)} по данным электронного журнала (выгрузка от {ru_date(data_as_of)})."


def printable(value: object) -> object:
    """A value a template prints, without control characters (our own markup, e.g. SVG, untouched);
    a figure rounded for print (a Decimal from ejournal.formatting.half_up) with the decimal comma."""
    if isinstance(value, Decimal):
        return figure_text(value)
    if isinstance(value, str) and not isinstance(value, Markup):
        return _CONTROL.sub("", value)
    return value


def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)),
        autoescape=jinja2.select_autoescape(["html", "j2"], default_for_string=True),
        finalize=printable,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(ru_date=ru_date, ru_long_date=ru_long_date, decimal=decimal)
    env.globals["fonts_url"] = FONTS_DIR.as_uri()
    env.globals["formed_text"] = formed_text
    return env


def render_html(template: str, **context: object) -> str:
    return environment().get_template(template).render(**context)


def write_pdf(html: str, path: Path, *, title: str) -> Path:
    """Write an archival PDF (PDF/A-3b) with embedded fonts."""
    from weasyprint import HTML

    path.parent.mkdir(parents=True, exist_ok=True)
    HTML(string=html, base_url=str(TEMPLATES_DIR)).write_pdf(str(path), pdf_variant=PDF_VARIANT)
    del title  # the title travels in the HTML <title>, which WeasyPrint writes to the metadata
    return path
