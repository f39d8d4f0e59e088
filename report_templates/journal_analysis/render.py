"""Render the journal_analysis documents to PDF/A and XLSX with the same figures."""

from __future__ import annotations

from report_templates.table_document import Renderer

RENDERER = Renderer("journal_analysis/template.html.j2")
html, pdf, xlsx = RENDERER.html, RENDERER.pdf, RENDERER.xlsx
