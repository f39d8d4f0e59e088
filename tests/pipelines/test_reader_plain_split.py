"""A small CSV file of plain text is split by Python instead of DuckDB's reader (1.4 ms a file):
the rows, their numbers, the nulls and the refusals must be exactly DuckDB's, whatever the text.

Each case reads the same bytes twice, once as it comes (split where the text is plain) and once
with the split turned off (DuckDB's reader), and compares the frames, or the refusals' messages."""

from __future__ import annotations

import tempfile
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from pipelines.canonical import reader
from pipelines.canonical.reader import ExportFile, FileFacts, read_batches
from pipelines.canonical.schemas import FILES_BY_NAME
from pipelines.issues import ExportRefused

SUBJECTS = FILES_BY_NAME["subjects"]
HEADER = "subject_id;subject_name;short_name;fipi_code"


def _read(path: Path, workdir: Path, *, split: bool) -> list[pl.DataFrame] | str:
    """The file's batches (of 3 rows, so that batching is compared too), or the refusal's text."""
    limit = reader.PLAIN_SPLIT_MAX_BYTES
    try:
        reader.PLAIN_SPLIT_MAX_BYTES = limit if split else -1
        return list(read_batches(ExportFile(SUBJECTS, path), workdir, FileFacts(), 3))
    except ExportRefused as refused:
        return f"{refused.issue.rule_code}: {refused.issue.message}"
    finally:
        reader.PLAIN_SPLIT_MAX_BYTES = limit


def _same_either_way(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "subjects.csv"
        path.write_bytes(data)
        split, duck = _read(path, Path(tmp), split=True), _read(path, Path(tmp), split=False)
    if isinstance(duck, str) or isinstance(split, str):
        assert split == duck
        return
    assert len(split) == len(duck)
    for ours, theirs in zip(split, duck, strict=True):
        assert ours.schema == theirs.schema
        assert ours.to_dicts() == theirs.to_dicts()


@pytest.mark.parametrize(
    "body",
    [
        "rus;Русский язык;Рус. яз.;11\nalg;Алгебра;;9\n",  # an empty field is null
        "rus;  Русский язык ;Рус. яз.;11\n eng ; ; ;\t2\n",  # spaces are kept for the checks to trim
        "rus;Русский язык;Рус. яз.;11",  # no newline at the end
        "rus;Русский язык;Рус. яз.;11\r\nalg;Алгебра;Алг;9\r\n",  # Windows line ends
        "rus;Русский язык;Рус. яз.;11\rnalg;Алгебра;Алг;9\n",  # a bare CR: DuckDB decides
        "rus;Русский язык;Рус. яз.;11\n\nalg;Алгебра;Алг;9\n",  # an empty line: DuckDB decides
        "rus;Русский язык;Рус. яз.;11\n\n",  # an empty last line
        "rus;Русский язык;Рус. яз.\nalg;Алгебра;Алг;9\n",  # a short row: refused by DuckDB's words
        "rus;Русский язык;Рус. яз.;11;\n",  # a long row
        'rus;"Русский; язык";Рус. яз.;11\n',  # quotes: DuckDB reads them
        "",  # the header alone
        "a;b;c;d\n" * 8,  # several batches
    ],
)
def test_a_plain_file_reads_as_duckdb_reads_it(body: str):
    _same_either_way(f"\ufeff{HEADER}\n{body}".encode())
    _same_either_way(f"{HEADER}\r\n{body}".encode("cp1251", errors="replace"))


def test_the_small_sample_is_split_where_plain():
    folder = Path(__file__).resolve().parents[2] / "data_samples" / "small"
    split = 0
    for name in ("subjects", "pupils", "enrolments", "period_marks"):
        plan = reader.plan_csv(ExportFile(FILES_BY_NAME[name], folder / f"{name}.csv"), folder, FileFacts())
        split += reader._split_plain(plan) is not None
    assert split == 4


ALPHABET = st.sampled_from(["a", "Я", " ", ";", ",", "\t", '"', "\r", "\n", "\r\n", "1", "\ufeff", "ё"])


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(body=st.lists(ALPHABET, max_size=60).map("".join), crlf=st.booleans())
@example(body="x;y;z;w\n;;;\n", crlf=False)
def test_any_text_reads_as_duckdb_reads_it(body: str, crlf: bool):
    _same_either_way(f"{HEADER}{chr(13) if crlf else ''}\n{body}".encode())
