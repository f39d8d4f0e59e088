"""The two validation paths agree on any spelling, not only on the listed ones: hypothesis writes
tricky cells into the tiny export (dates, moments, numbers and yes/no in the shapes exports and
spreadsheets produce, identifiers, Unicode spaces around them, a row repeated, the same key with
spaces), with any batch size, delimiter and byte-order mark, and both paths must report the same
issues and accept the same typed rows (tests/pipelines/test_validation_paths.py compares them).

A fuzz like this one found a row whose odd spelling polars reads, refused by a rule of its own,
hiding a repeat of its key from the SQL path; that class is checked case by case in
test_validation_paths.py (``test_an_oddly_spelled_row_meets_its_repeat_either_way``), which this
random search hits only now and then."""

from __future__ import annotations

import tempfile
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipelines.canonical.schemas import FILES_BY_NAME, columns_of
from pipelines.canonical.validate import _kind
from tests.factories import tiny_export, write_export
from tests.pipelines.test_validation_paths import _changed, _compare

SPACES = ["", " ", "\u00a0", "\u2009", "\t", "\u3000", "\u202f", "\u200b", "\ufeff", "\u0085"]
OTHER_DIGITS = "٣۵०１"  # digits of other scripts: \d in polars' regex, not in the SQL's plain spelling

_DAY_FORMS = [
    "{d:02d}.{m:02d}.{y}",
    "{d}.{m}.{y}",
    "{y}-{m:02d}-{d:02d}",
    "{y}-{m}-{d}",
    "{d:02d}/{m:02d}/{y}",
    "{y}{m:02d}{d:02d}",
    "+{y}-{m:02d}-{d:02d}",
    "{d:02d}.{m:02d}.{y}г.",
]
_TIME_FORMS = [
    "",
    " {h:02d}:{mi:02d}",
    " {h:02d}:{mi:02d}:{s:02d}",
    "T{h:02d}:{mi:02d}",
    "T{h:02d}:{mi:02d}:{s:02d}",
    " {h}:{mi:02d}",
    " {h:02d}:{mi:02d}:{s:02d}.5",
    " {h:02d}.{mi:02d}",
    " {h:02d}:{mi:02d}Z",
    "  {h:02d}:{mi:02d}",
]
_YEARS = [99, 1999, 2000, 2014, 2024, 2025, 2028, 10000]

days = st.builds(
    lambda form, d, m, y: form.format(d=d, m=m, y=y),
    st.sampled_from(_DAY_FORMS),
    st.integers(0, 32),
    st.integers(0, 13),
    st.sampled_from(_YEARS),
)
moments = st.builds(
    lambda day, form, h, mi, s: day + form.format(h=h, mi=mi, s=s),
    days,
    st.sampled_from(_TIME_FORMS),
    st.integers(0, 25),
    st.integers(0, 61),
    st.integers(0, 61),
)
digit_runs = st.text(alphabet="0123456789" + OTHER_DIGITS, min_size=1, max_size=20)
integers = st.one_of(
    st.integers(-(10**20), 10**20).map(str),
    digit_runs,
    st.sampled_from(
        ["+5", "5.0", "5,0", "1e1", "-0", "+-1", "1_0", "007", "9223372036854775808", "-9223372036854775808"]
    ),
)
floats = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.builds(lambda a, b: f"{a},{b}", st.integers(-9, 99), st.integers(0, 999)),
    digit_runs,
    st.sampled_from(["4.", ".5", "1E2", "inf", "nan", "-0.0", "+1.5", "1,5,1", "0x10", "1 000", "1\u00a0000", "٣,٥"]),
)
truths = st.sampled_from(
    ["да", "Да", "ДА", "нет", "Нет", "true", "false", "1", "0", "yes", "no", "д", "н", "истина", "+"]
)
identifiers = st.one_of(
    st.sampled_from(["p1", "p 1", "p-1", "p.1", "p:1", "р1", "Ё1", "p/1", "p1" * 40, "p_1", "ǅ1", "ß1", "p\u03011"]),
    st.text(alphabet="pLt1-_.:Ёё ", min_size=0, max_size=6),
)
texts = st.sampled_from(
    ["Иванов", "Ivanov", "", "  ", "O'Brien", "x" * 300, "🙂", "a;b", 'a"b', "a\nb", "NULL", "None"]
)
BY_KIND = {"date": days, "datetime": moments, "int": integers, "float": floats, "bool": truths}

FILES = sorted(name for name in tiny_export() if name != "export")


@st.composite
def mutations(draw) -> dict[str, list[dict[str, str]]]:
    """The tiny export with one to six cells of one file rewritten, some rows repeated (rows of
    one file meet in its repeats and batches)."""
    data = tiny_export()
    name = draw(st.sampled_from([f for f in FILES if data[f]]))
    rows = data[name]
    for _ in range(draw(st.integers(1, 6))):
        columns = columns_of(FILES_BY_NAME[name].model)
        column = draw(st.sampled_from(sorted(columns)))
        index = draw(st.integers(0, len(rows) - 1))
        kind = _kind(columns[column].dtype)
        if kind in BY_KIND:
            value = draw(BY_KIND[kind])
        elif column.endswith("_id") or column == "entered_by":
            value = draw(identifiers)
        else:
            value = draw(st.one_of(texts, st.just(rows[index].get(column, ""))))
        value = draw(st.sampled_from(SPACES)) + value + draw(st.sampled_from(SPACES))
        repeat = draw(st.sampled_from(["row", "none", "key with spaces"]))
        if repeat == "row":
            rows.append(dict(rows[index]))
        elif repeat == "key with spaces" and column.endswith("_id"):
            padded = draw(st.sampled_from(SPACES)) + str(rows[index].get(column, "")) + draw(st.sampled_from(SPACES))
            rows.append({**rows[index], column: padded})
        rows[index][column] = value
    return data


@pytest.fixture(scope="module")
def con():
    with duckdb.connect() as connection:
        yield connection


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    data=mutations(),
    batch_rows=st.sampled_from([1, 2, 3, 1_000_000]),
    delimiter=st.sampled_from([";", ","]),
    bom=st.booleans(),
)
def test_any_spelling_gets_the_same_issues_and_rows_both_ways(con, data, batch_rows, delimiter, bom):
    with tempfile.TemporaryDirectory() as work:
        folder = write_export(data, Path(work) / "export", delimiter=delimiter, bom=bom)
        changed = _changed(data)
        ended = _compare(con, folder, Path(work), changed, batch_rows=batch_rows)
    assert set(ended) == changed  # every file a mutation changed was checked both ways
