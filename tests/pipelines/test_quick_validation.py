"""The quick pass of validation (every pandera check of a model in one polars query) must agree
with pandera itself: a batch it lets through is one pandera passes, and every per-file rule that
pandera reports makes it step aside, so pandera names the failures exactly as before.

The oracle is ``model.validate`` on the same typed rows; the cases are the per-file rules of
tests/pipelines/test_validation_rules.py (each bad export and its near-identical good one).
"""

from __future__ import annotations

from pathlib import Path

import pandera.polars as pa
import polars as pl
import pytest

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
