"""The documents the CLI and the demo can produce, and rendering a set of them for a school."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from ejournal.access.viewer import Viewer
from report_templates.period_results import render as period_results_render
from report_templates.period_results.context import build as build_period_results


@dataclass(frozen=True)
class Rendered:
    class_name: str
    period_name: str
    paths: list[Path]


def safe_file_part(text: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_ " else "_" for ch in text).strip().replace(" ", "-")


def render_period_results(
    con: duckdb.DuckDBPyConnection, viewer: Viewer, class_name: str, period_name: str, out: Path, formats: list[str]
) -> Rendered:
    ctx = build_period_results(con, viewer, class_name, period_name)
    stem = out / f"итоги-{safe_file_part(class_name)}-{safe_file_part(period_name)}"
    paths = []
    if "pdf" in formats:
        paths.append(period_results_render.pdf(ctx, stem.with_suffix(".pdf")))
    if "xlsx" in formats:
        paths.append(period_results_render.xlsx(ctx, stem.with_suffix(".xlsx")))
    return Rendered(class_name, period_name, paths)


def latest_periods(con: duckdb.DuckDBPyConnection, school_id: str | None) -> list[tuple[str, str]]:
    """(class name, name of the latest period with period marks) for every class of the school."""
    return con.execute(
        "select c.class_name, p.period_name from mart_period_results as m "
        "join dim_class as c on c.school_id = m.school_id and c.class_id = m.class_id "
        "join dim_period as p on p.school_id = m.school_id and p.period_id = m.period_id "
        "where $school_id is null or m.school_id = $school_id "
        "qualify row_number() over (partition by m.school_id, m.class_id order by p.end_date desc) = 1 "
        "order by c.grade, c.class_name",
        {"school_id": school_id},
    ).fetchall()
