"""Forming a document of the catalogue: its context for a viewer (the access rules apply), then
its files (PDF/A, XLSX) in a folder for the command line and the workers, or its bytes for the
dashboard's «Отчёты» page."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import duckdb

from ejournal.access.viewer import Viewer
from ejournal.files import scratch_folder
from report_templates.catalogue import CATALOGUE
from report_templates.choices import Choice
from report_templates.document_norms import DocumentNorms

FORMATS = ("pdf", "xlsx")


@dataclass(frozen=True)
class Rendered:
    kind: str
    class_name: str
    period_name: str
    paths: list[Path]
    seconds: float = 0.0  # building the context and writing the files, in the process that did it
    cpu_seconds: float = 0.0  # the CPU time of the same (what a busy machine does not inflate)


def safe_file_part(text: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_ " else "_" for ch in text).strip().replace(" ", "-")


def file_stem(*parts: str | None) -> str:
    return "-".join(safe_file_part(part) for part in parts if part)


def build_context(
    con: duckdb.DuckDBPyConnection,
    viewer: Viewer,
    kind: str,
    class_name: str,
    period_name: str,
    norms: DocumentNorms | None = None,
) -> object:
    """The context of a document of one class in one period."""
    return CATALOGUE[kind].builder(con, viewer, Choice(class_name, period_name), norms or DocumentNorms())


def write(
    con: duckdb.DuckDBPyConnection,
    viewer: Viewer,
    kind: str,
    asked: Choice,
    out: Path,
    formats: list[str],
    norms: DocumentNorms | None = None,
) -> Rendered:
    """Build the document (or each document the choice stands for: every subject, every pupil) and
    write it into ``out`` in the asked formats."""
    started, cpu_started = time.perf_counter(), time.process_time()
    entry, norms = CATALOGUE[kind], norms or DocumentNorms()
    paths: list[Path] = []
    ctx = None
    for one in entry.choices(con, viewer, asked):
        ctx = entry.builder(con, viewer, one, norms)
        stem = out / file_stem(entry.file_stem, *entry.file_parts(asked, one))
        if "pdf" in formats:
            paths.append(entry.renderer.pdf(ctx, stem.with_suffix(".pdf")))
        if "xlsx" in formats:
            paths.append(entry.renderer.xlsx(ctx, stem.with_suffix(".xlsx")))
    who, when = entry.said_as(asked, ctx)
    return Rendered(kind, who, when, paths, time.perf_counter() - started, time.process_time() - cpu_started)


def render_document(
    con: duckdb.DuckDBPyConnection,
    viewer: Viewer,
    kind: str,
    class_name: str,
    period_name: str,
    out: Path,
    formats: list[str],
    norms: DocumentNorms | None = None,
) -> Rendered:
    """One class's document for one period (the school set's unit of work)."""
    return write(con, viewer, kind, Choice(class_name, period_name), out, formats, norms)


def produce(con: duckdb.DuckDBPyConnection, viewer: Viewer, kind: str, choice: Choice) -> tuple[bytes, bytes]:
    """(PDF/A bytes, XLSX bytes) of one document; AccessError when the viewer may not form it."""
    entry = CATALOGUE[kind]
    ctx = entry.builder(con, viewer, choice, DocumentNorms())
    with scratch_folder("doc") as folder:
        pdf = entry.renderer.pdf(ctx, folder / "document.pdf")
        xlsx = entry.renderer.xlsx(ctx, folder / "document.xlsx")
        return pdf.read_bytes(), xlsx.read_bytes()
