"""Render the mark_changes documents to PDF/A and XLSX with the same figures."""

from __future__ import annotations

from pathlib import Path

from report_templates import table_document
from report_templates.table_document import Document

TEMPLATE = "mark_changes/template.html.j2"


def html(doc: Document) -> str:
    return table_document.html(doc, TEMPLATE)


def pdf(doc: Document, path: Path) -> Path:
    return table_document.pdf(doc, TEMPLATE, path)


def xlsx(doc: Document, path: Path) -> Path:
    return table_document.xlsx(doc, path)
