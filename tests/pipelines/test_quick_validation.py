"""The quick pass of validation (every pandera check of a model in one polars query) must agree
with pandera itself: a batch it lets through is one pandera passes, and every per-file rule that
pandera reports makes it step aside, so pandera names the failures exactly as before.

The oracle is ``model.validate`` on the same typed rows; the cases are the per-file rules of
tests/pipelines/test_validation_rules.py (each bad export and its near-identical good one).
"""

from __future__ import annotations

import datetime as dt
import re
import tempfile
from pathlib import Path

import pandera.polars as pa
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipelines.canonical import validate
from pipelines.canonical.reader import ROW_COLUMN, FileFacts, locate_files, read_batches
from pipelines.canonical.schemas import FILES_BY_NAME, CanonicalFile
from pipelines.canonical.validate import parse_frame, passes_quickly
from tests.factories import tiny_export, write_export
from tests.pipelines.test_validation_rules import CASES

ROOT = Path(__file__).resolve().parents[2]
PER_FILE_RULES = {"required", "allowed_values", "format", "range", "duplicate", "row_rule"}
PER_FILE_CASES = [case for case in CASES if case[0] in PER_FILE_RULES]


def typed_bodies(folder: Path, workdir: Path, only: str | None = None) -> dict[str, pl.DataFrame]:
    """Per file (or only the file named), the rows that parsed into the model's types, as pandera
    gets them."""
    files, _ = locate_files(folder)
    bodies = {}
    for file in files:
        if only and file.spec.name != only:
            continue
        (raw,) = read_batches(file, workdir, FileFacts(), 1_000_000)
        typed, parse_issues = parse_frame(file.spec, raw)
        unparsed = [issue.row_number for issue in parse_issues]
        bodies[file.spec.name] = typed.filter(~pl.col(ROW_COLUMN).is_in(unparsed)).drop(ROW_COLUMN)
    return bodies


def pandera_passes(spec: CanonicalFile, body: pl.DataFrame) -> bool:
    try:
        spec.model.validate(body, lazy=True)
    except pa.errors.SchemaErrors:
        return False
    return True


def verdicts(bodies: dict[str, pl.DataFrame]) -> dict[str, tuple[bool, bool]]:
    """Per file: (quick pass lets it through, pandera passes it)."""
    return {
        name: (passes_quickly(FILES_BY_NAME[name], body), pandera_passes(FILES_BY_NAME[name], body))
        for name, body in bodies.items()
    }


@pytest.mark.parametrize("export", ["committed_small", "tiny"])
def test_a_clean_export_takes_the_quick_pass_in_every_file(export, tmp_path):
    folder = ROOT / "data_samples" / "small" if export == "committed_small" else write_export(tiny_export(), tmp_path)
    found = verdicts(typed_bodies(folder, tmp_path))
    assert len(found) >= 14  # every required file and the optional ones present
    assert found == {name: (True, True) for name in found}


@pytest.mark.parametrize("which", ["bad", "good"])
@pytest.mark.parametrize(
    ("rule", "file", "bad", "good"),
    [(c[0], c[1], c[3], c[4]) for c in PER_FILE_CASES],
    ids=[f"{c[0]}-{c[1]}-{c[2]}" for c in PER_FILE_CASES],
)
def test_quick_pass_agrees_with_pandera_on_every_per_file_rule(rule, file, bad, good, which, tmp_path):
    data = tiny_export()
    (bad if which == "bad" else good)(data)
    found = verdicts(typed_bodies(write_export(data, tmp_path / "export"), tmp_path, only=file))
    assert found == {file: (False, False) if which == "bad" else (True, True)}


def test_a_frame_not_in_the_model_types_goes_to_pandera(tmp_path):
    bodies = typed_bodies(ROOT / "data_samples" / "small", tmp_path)
    as_text = bodies["classes"].with_columns(pl.col("grade").cast(pl.String))
    extra_column = bodies["classes"].with_columns(pl.lit("x").alias("unexpected"))
    assert not passes_quickly(FILES_BY_NAME["classes"], as_text)
    assert not passes_quickly(FILES_BY_NAME["classes"], extra_column)
    assert passes_quickly(FILES_BY_NAME["classes"], bodies["classes"])


# --- dates typed in one query and format by format ------------------------------------------------

_MOMENTS = st.datetimes(min_value=dt.datetime(1990, 1, 1), max_value=dt.datetime(2040, 12, 31))
_SPELLINGS = [
    "%d.%m.%Y",
    "%Y-%m-%d",
    "%d.%m.%y",
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%d %H:%M:%S.%f",
    "%Y-%m-%d 00:00",
    "%d/%m/%Y",
]
_CELLS = st.one_of(
    st.builds(
        lambda moment, spelling, pad: pad + moment.strftime(spelling) + pad,
        _MOMENTS,
        st.sampled_from(_SPELLINGS),
        st.sampled_from(["", " ", "\t"]),
    ),
    st.sampled_from(["", " ", "31.02.2026", "2026-13-01", "00.00.0000", "завтра", "04.10.2025 25:00"]),
    st.text(max_size=12),
)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lesson_dates=st.lists(_CELLS, min_size=1, max_size=25), data=st.data())
def test_dates_are_typed_alike_in_one_query_and_format_by_format(lesson_dates, data):
    # the lessons file has a date and two timestamps; the rows around them are the sample's own
    file = next(f for f in locate_files(ROOT / "data_samples" / "small")[0] if f.spec.name == "lessons")
    (sample,) = read_batches(file, Path(tempfile.gettempdir()), FileFacts(), 1_000_000)
    height = len(lesson_dates)
    stamps = {
        name: data.draw(st.lists(_CELLS, min_size=height, max_size=height))
        for name in ("lesson_entered_at", "homework_entered_at")
    }
    raw = sample.head(height).with_columns(
        pl.Series("lesson_date", lesson_dates, dtype=pl.String),
        *(pl.Series(name, cells, dtype=pl.String) for name, cells in stamps.items()),
    )
    results = []
    for rows in (10**9, 0):  # everything in one query; a query per format tried
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(validate, "ONE_QUERY_ROWS", rows)
            results.append(parse_frame(file.spec, raw))
    (one_query, one_issues), (by_format, by_format_issues) = results
    assert one_query.equals(by_format, null_equal=True)
    assert one_issues == by_format_issues
    # compared as ISO text: a year written with two digits reads as year 0, which Python's date lacks
    for cell, typed in zip(lesson_dates, one_query.get_column("lesson_date").cast(pl.String), strict=True):
        if re.fullmatch(r"[0-9]{2}\.[0-9]{2}\.[1-9][0-9]{3}", cell.strip(" \t")):  # Python has no year 0
            try:
                expected = dt.datetime.strptime(cell.strip(" \t"), "%d.%m.%Y").date().isoformat()
            except ValueError:
                expected = None  # no such day
            assert typed == expected, cell
