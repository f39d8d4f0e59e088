"""Property-based tests: arbitrary bytes and malformed CSV/XLSX never crash the readers and never
load part of an export."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipelines.canonical.reader import ExportFile, FileFacts, read_batches
from pipelines.canonical.schemas import FILES_BY_NAME
from pipelines.canonical.validate import check_batch
from pipelines.ingest import ingest_path
from pipelines.issues import ExportRefused
from tests.factories import tiny_export, write_export
from tests.pipelines.test_ingest_acceptance import snapshot

MARKS = FILES_BY_NAME["marks"]
HEADER = "mark_id;pupil_id;lesson_id;mark_value;work_type_id;weight;entered_at;entered_by"

cell = st.text(alphabet=st.sampled_from(list('0123456789;,"\n\r .:/-абвгнуКзачpLMt\t\\\x00')), max_size=12)
csv_body = st.lists(st.lists(cell, min_size=0, max_size=10).map(";".join), max_size=20).map("\n".join)


def _read_all(path: Path, name: str = "marks") -> tuple[int, int]:
    """Read and validate a file; returns (rows read, issues) or raises ExportRefused."""
    spec = FILES_BY_NAME[name]
    n_rows = n_issues = 0
    with tempfile.TemporaryDirectory() as work:
        for raw in read_batches(ExportFile(spec, path), Path(work), FileFacts(), 1000):
            valid, issues = check_batch(spec, raw)
            n_rows += raw.height
            n_issues += len(issues)
            assert valid.height + len({i.row_number for i in issues if i.row_number}) == raw.height
    return n_rows, n_issues


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(payload=st.binary(max_size=2000))
def test_arbitrary_bytes_are_read_or_refused(tmp_path, payload):
    path = tmp_path / "marks.csv"
    path.write_bytes(payload)
    try:
        _read_all(path)
    except ExportRefused as refused:
        assert refused.issue.message and refused.issue.file_name == "marks.csv"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=csv_body, with_header=st.booleans())
def test_malformed_csv_is_read_or_refused(tmp_path, body, with_header):
    path = tmp_path / "marks.csv"
    path.write_text((HEADER + "\n" if with_header else "") + body, encoding="utf-8")
    try:
        _read_all(path)
    except ExportRefused as refused:
        assert refused.issue.message


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(payload=st.binary(min_size=0, max_size=3000), zip_magic=st.booleans())
def test_malformed_xlsx_is_refused_cleanly(tmp_path, payload, zip_magic):
    path = tmp_path / "marks.xlsx"
    path.write_bytes((b"PK\x03\x04" if zip_magic else b"") + payload)
    try:
        _read_all(path)
    except ExportRefused as refused:
        assert refused.issue.rule_code in {"xlsx_broken", "empty_file", "header"}


@pytest.fixture(scope="module")
def loaded(tmp_path_factory) -> Path:
    """A warehouse holding the tiny export: every example starts from a copy of it."""
    tmp = tmp_path_factory.mktemp("loaded")
    (first,) = ingest_path(write_export(tiny_export(), tmp / "good"), tmp / "w.duckdb")
    assert first.status == "loaded"
    return tmp / "w.duckdb"


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=csv_body, target=st.sampled_from(["marks", "lessons", "pupils", "attendance"]))
def test_hostile_file_in_a_real_export_never_loads_partially_under_strict(loaded, tmp_path_factory, body, target):
    tmp = tmp_path_factory.mktemp("hostile")
    db = tmp / "w.duckdb"
    shutil.copyfile(loaded, db)
    before = snapshot(db)
    data = tiny_export()
    data["export"][0]["exported_at"] = "09.06.2026 09:00"
    folder = write_export(data, tmp / "bad")
    header = (folder / f"{target}.csv").read_text(encoding="utf-8").splitlines()[0]
    (folder / f"{target}.csv").write_text(header + "\n" + body, encoding="utf-8")
    (result,) = ingest_path(folder, db, strict=True)
    if result.issues:
        assert result.status == "refused"
        assert snapshot(db) == before
    else:
        with duckdb.connect(str(db), read_only=True) as con:
            assert con.execute("select count(*) from meta_batch").fetchone()[0] == 2
