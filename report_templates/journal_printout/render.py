"""Render the journal_printout documents to PDF/A and XLSX with the same figures."""

from __future__ import annotations

from pathlib import Path

from report_templates import common
from report_templates.common import Document

TEMPLATE = "journal_printout/template.html.j2"


def html(doc: Document) -> str:
    return common.html(doc, TEMPLATE)


def pdf(doc: Document, path: Path) -> Path:
    return common.pdf(doc, TEMPLATE, path)


def xlsx(doc: Document, path: Path) -> Path:
    return common.xlsx(doc, path)
