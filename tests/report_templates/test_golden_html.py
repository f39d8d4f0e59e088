"""The class documents' HTML for the committed sample equals the golden files
(regenerate: .venv/bin/python -m tests.report_templates.golden, then review the diff)."""

from __future__ import annotations

import difflib

import pytest

from tests.factories import copy_warehouse, small_sample_warehouse
from tests.report_templates.golden import CASES, GOLDEN_DIR, golden_name, render_cases


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    db = tmp_path_factory.mktemp("golden") / "w.duckdb"
    copy_warehouse(small_sample_warehouse(tmp_path_factory), db)  # the sample, ingested once
    return render_cases(db)


@pytest.mark.parametrize(("kind", "period"), CASES)
def test_html_matches_the_golden_file(pages, kind, period):
    name = golden_name(kind, period)
    expected = (GOLDEN_DIR / name).read_text(encoding="utf-8")
    got = pages[name]
    if got != expected:
        diff = "".join(list(difflib.unified_diff(expected.splitlines(True), got.splitlines(True), name, "now"))[:40])
        pytest.fail(f"{name} drifted from the golden file (python -m tests.report_templates.golden):\n{diff}")
