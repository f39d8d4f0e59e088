"""A file checked in DuckDB in which no two readable rows share a value of a unique key within
its natural key stages no repeated natural key: the cross-file checks skip their search for
repeats in it, and find the repeats they must (across batches of a big file, in a file without a
unique key) as before. The rows refused, and why, are those of the polars path."""

from __future__ import annotations

import pytest

from pipelines.canonical import validate_sql
from pipelines.load import TABLE_FILES, BatchStage
from tests.factories import ingest_export, tiny_export


@pytest.fixture
def searched(monkeypatch) -> list[set[str]]:
    """The files each batch's cross-file checks search for repeated natural keys."""
    found: list[set[str]] = []
    original = BatchStage._row_rules

    def recorded(stage):
        rules = original(stage)
        found.append({rule.table for rule in rules if "count(distinct s.nk)" in rule.signal})
        return rules

    monkeypatch.setattr(BatchStage, "_row_rules", recorded)
    return found


def _export_with_repeats() -> dict:
    data = tiny_export()
    marks = data["marks"]
    marks.insert(1, dict(marks[0]))  # rows 2 and 3 repeat a mark_id
    marks.append(dict(marks[3]))  # the last row repeats row 5, far from it
    holidays = data["holidays"]
    holidays.append(dict(holidays[0]))  # no unique key in the file's model: the cross-file rule's
    return data


def _issues(result) -> list[tuple]:
    return sorted(
        (i.file_name, i.row_number or 0, i.column_name or "", i.cell_value or "", i.rule_code, i.message)
        for i in result.issues
    )


@pytest.mark.parametrize("batch_rows", [1_000_000, 2], ids=["one_batch", "batches_of_two"])
def test_repeats_are_refused_as_on_the_polars_path(tmp_path, monkeypatch, searched, batch_rows):
    monkeypatch.setattr(validate_sql, "DUCKDB_MIN_BYTES", 1 << 62)
    by_polars = ingest_export(_export_with_repeats(), tmp_path / "polars", tmp_path / "p.duckdb", batch_rows=batch_rows)
    assert searched.pop() == set(TABLE_FILES)  # polars claims nothing

    monkeypatch.setattr(validate_sql, "DUCKDB_MIN_BYTES", 0)
    by_duckdb = ingest_export(_export_with_repeats(), tmp_path / "duckdb", tmp_path / "d.duckdb", batch_rows=batch_rows)
    (skipped,) = [set(TABLE_FILES) - found for found in searched]

    assert by_duckdb.status == by_polars.status == "loaded_with_rejections"
    assert _issues(by_duckdb) == _issues(by_polars)
    refused = {(i.file_name, i.row_number, i.rule_code) for i in by_duckdb.issues}
    assert {("marks.csv", 2, "duplicate"), ("marks.csv", 3, "duplicate")} <= refused
    n_marks = len(_export_with_repeats()["marks"])
    assert {("marks.csv", 5, "duplicate"), ("marks.csv", n_marks + 1, "duplicate")} <= refused
    assert any(i.file_name == "holidays.csv" and i.rule_code == "duplicate" for i in by_duckdb.issues)
    assert by_duckdb.counts.total("inserted") == by_polars.counts.total("inserted")
    # every file that repeats no value of a unique key within its natural key, in one batch or in
    # many; a file with repeats (marks), or with no unique key (holidays), is searched as before
    assert skipped == {n for n in TABLE_FILES if n not in ("marks", "holidays")}
