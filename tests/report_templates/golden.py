"""Golden HTML of the class documents for the committed sample (data_samples/small): the test
fails on any drift of a template, a context or the data they read.

Regenerate after an intended change, then review the diff in git:

    .venv/bin/python -m tests.report_templates.golden
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import sys
import tempfile
from pathlib import Path

import duckdb

from ejournal.access.accounts import Role
from ejournal.access.viewer import Viewer
from report_templates.catalogue import CATALOGUE as KINDS
from report_templates.output import build_context

GOLDEN_DIR = Path(__file__).resolve().parent / "golden"
FORMED_ON = dt.date(2026, 6, 1)
CASES = [
    ("results", "2 четверть"),
    ("movement", "2 четверть"),
    ("mark-changes", "2 четверть"),
    ("control-works", "2 четверть"),
    ("ledger", "4 четверть"),
    ("attendance", "2 четверть"),
    ("attendance-ledger", "2 четверть"),
    ("preliminary", "2 четверть"),
    ("class-teacher", "2 четверть"),
]


def golden_name(kind: str, period: str) -> str:
    return f"{kind}-7А-{period.replace(' ', '-')}.html"


def render_cases(db: Path) -> dict[str, str]:
    """File name → HTML of every case, formed on a fixed date so that the output is stable."""
    pages = {}
    with duckdb.connect(str(db), read_only=True) as con:
        for kind, period in CASES:
            ctx = build_context(con, Viewer("golden", Role.DEPUTY, "sch-0001"), kind, "7А", period)
            if hasattr(ctx, "where"):
                ctx.where = dataclasses.replace(ctx.where, formed_on=FORMED_ON)
            else:  # the table documents and «Итоги» carry the date themselves
                ctx = dataclasses.replace(ctx, formed_on=FORMED_ON)
            pages[golden_name(kind, period)] = KINDS[kind].renderer.html(ctx)
    return pages


def main() -> None:
    from pipelines.ingest import ingest_path
    from tests.factories import SAMPLE

    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "w.duckdb"
        ingest_path(SAMPLE, db)
        GOLDEN_DIR.mkdir(exist_ok=True)
        for name, html in render_cases(db).items():
            (GOLDEN_DIR / name).write_text(html, encoding="utf-8")
            print(GOLDEN_DIR / name, file=sys.stderr)


if __name__ == "__main__":
    main()
