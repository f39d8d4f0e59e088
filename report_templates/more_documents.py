"""Render functions of documents 5–9 of the official forms (movement, statement for parents, mark
changes, journal-keeping analysis, journal printout, control works), in the style of
:func:`report_templates.documents.render_period_results`: build the context for the viewer (which
refuses what the role may not see), then write the PDF/A and/or XLSX into ``out``."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb

from ejournal.access.viewer import Viewer
from report_templates.control_works import context as control_works
from report_templates.control_works.render import RENDERER as CONTROL_WORKS
from report_templates.documents import Rendered, safe_file_part
from report_templates.journal_analysis import context as journal_analysis
from report_templates.journal_analysis.render import RENDERER as JOURNAL_ANALYSIS
from report_templates.journal_printout import context as journal_printout
from report_templates.journal_printout.render import RENDERER as JOURNAL_PRINTOUT
from report_templates.mark_changes import context as mark_changes
from report_templates.mark_changes.render import RENDERER as MARK_CHANGES
from report_templates.movement import context as movement
from report_templates.movement.render import RENDERER as MOVEMENT
from report_templates.parent_statement import context as parent_statement
from report_templates.parent_statement.render import RENDERER as PARENT_STATEMENT
from report_templates.table_document import Document, Renderer


def write(doc: Document, renderer: Renderer, stem: Path, formats: list[str]) -> list[Path]:
    paths = []
    if "pdf" in formats:
        paths.append(renderer.pdf(doc, stem.with_suffix(".pdf")))
    if "xlsx" in formats:
        paths.append(renderer.xlsx(doc, stem.with_suffix(".xlsx")))
    return paths


def _stem(out: Path, *parts: str) -> Path:
    return out / "-".join(safe_file_part(p) for p in parts if p)


def render_movement(
    con: duckdb.DuckDBPyConnection, viewer: Viewer, class_name: str, period_name: str, out: Path, formats: list[str]
) -> Rendered:
    doc = movement.build_ledger(con, viewer, class_name, period_name)
    paths = write(doc, MOVEMENT, _stem(out, "движение", class_name, period_name), formats)
    return Rendered("movement", class_name, period_name, paths)


def render_occupancy(
    con: duckdb.DuckDBPyConnection, viewer: Viewer, period_name: str, out: Path, formats: list[str]
) -> Rendered:
    doc = movement.build_occupancy(con, viewer, period_name)
    paths = write(doc, MOVEMENT, _stem(out, "наполняемость", period_name), formats)
    return Rendered("occupancy", "вся школа", period_name, paths)


def render_movement_dynamics(
    con: duckdb.DuckDBPyConnection, viewer: Viewer, period_name: str, out: Path, formats: list[str]
) -> Rendered:
    doc = movement.build_dynamics(con, viewer, period_name)
    paths = write(doc, MOVEMENT, _stem(out, "динамика-движения", period_name), formats)
    return Rendered("movement-dynamics", "вся школа", period_name, paths)


def render_parent_statement(
    con: duckdb.DuckDBPyConnection,
    viewer: Viewer,
    pupil_id: str,
    start: dt.date,
    end: dt.date,
    out: Path,
    formats: list[str],
) -> Rendered:
    doc = parent_statement.build(con, viewer, pupil_id, start, end)
    stem = _stem(out, "выписка", pupil_id, f"{start:%d.%m.%Y}", f"{end:%d.%m.%Y}")
    paths = write(doc, PARENT_STATEMENT, stem, formats)
    return Rendered("parent-statement", doc.facts[1][1], f"{start:%d.%m.%Y}–{end:%d.%m.%Y}", paths)


def render_parent_statements(
    con: duckdb.DuckDBPyConnection, viewer: Viewer, class_name: str, period_name: str, out: Path, formats: list[str]
) -> Rendered:
    """A statement for every pupil of the class in the period (files named by the pupil's id, not name)."""
    pupils, start, end = parent_statement.pupils_of_class(con, viewer, class_name, period_name)
    paths: list[Path] = []
    for pupil_id, _ in pupils:
        doc = parent_statement.build(con, viewer, pupil_id, start, end)
        stem = _stem(out, "выписка", class_name, period_name, pupil_id)
        paths.extend(write(doc, PARENT_STATEMENT, stem, formats))
    return Rendered("parent-statement", class_name, period_name, paths)


def render_mark_changes(
    con: duckdb.DuckDBPyConnection, viewer: Viewer, class_name: str, period_name: str, out: Path, formats: list[str]
) -> Rendered:
    doc = mark_changes.build(con, viewer, class_name, period_name)
    paths = write(doc, MARK_CHANGES, _stem(out, "изменения-отметок", class_name, period_name), formats)
    return Rendered("mark-changes", class_name, period_name, paths)


def render_journal_analysis(
    con: duckdb.DuckDBPyConnection, viewer: Viewer, day: dt.date, out: Path, formats: list[str]
) -> Rendered:
    doc = journal_analysis.build(con, viewer, day)
    start, _ = journal_analysis.week_of(day)
    stem = _stem(out, "анализ-ведения-журнала", f"{start:%d.%m.%Y}")
    return Rendered("journal-analysis", "вся школа", doc.subtitle, write(doc, JOURNAL_ANALYSIS, stem, formats))


def render_journal_printout(
    con: duckdb.DuckDBPyConnection,
    viewer: Viewer,
    class_name: str,
    period_name: str,
    out: Path,
    formats: list[str],
    subject: str | None = None,
) -> Rendered:
    """The printout of one subject, or of every subject the viewer may see when ``subject`` is None."""
    subjects = [subject] if subject else journal_printout.subjects_of(con, viewer, class_name, period_name)
    paths: list[Path] = []
    for name in subjects:
        doc = journal_printout.build(con, viewer, class_name, period_name, name)
        stem = _stem(out, "журнал", class_name, name, period_name)
        paths.extend(write(doc, JOURNAL_PRINTOUT, stem, formats))
    return Rendered("journal-printout", class_name, period_name, paths)


def render_control_works(
    con: duckdb.DuckDBPyConnection, viewer: Viewer, class_name: str, period_name: str, out: Path, formats: list[str]
) -> Rendered:
    doc = control_works.build(con, viewer, class_name, period_name)
    stem = _stem(out, "контрольные-работы", class_name, period_name)
    return Rendered("control-works", class_name, period_name, write(doc, CONTROL_WORKS, stem, formats))
