"""Render «Отчет по активности пользователей» to PDF/A and XLSX with the same figures."""

from __future__ import annotations

from report_templates.table_document import Renderer

RENDERER = Renderer("user_activity/template.html.j2")
html, pdf, xlsx = RENDERER.html, RENDERER.pdf, RENDERER.xlsx
