"""Property-based campaigns, one per reader (1,000 cases each): whatever the bytes, a reader either
reads or refuses with ``ExportRefused`` in Russian — never another exception — and what it reads
stays inside the limits. The limits are lowered for the campaigns so that small inputs reach them."""

from __future__ import annotations

import io
import json
import tempfile
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from pipelines import guards, limits
from pipelines.canonical import reader
from pipelines.canonical.reader import ExportFile, FileFacts, LineLengths, read_batches, unpack
from pipelines.canonical.schemas import FILES_BY_NAME
from pipelines.importers.reading import read_json_file
from pipelines.issues import ExportRefused

pytestmark = pytest.mark.filterwarnings("ignore:Duplicate name")  # duplicates are part of the attack
CAMPAIGN = settings(max_examples=1000, deadline=None, suppress_health_check=list(HealthCheck))
SMALL_LIMITS = {
    "MAX_LINE_BYTES": 300,
    "MAX_HEADER_BYTES": 200,
    "MAX_COLUMNS": 12,
    "MAX_ARCHIVE_ENTRIES": 6,
    "RATIO_FREE_BYTES": 4_000,
    "MAX_COMPRESSION_RATIO": 20,
    "MAX_MERGED_CELLS": 40,
    "MAX_SHEET_CELLS": 5_000,
    "MAX_NESTING_DEPTH": 30,
    "MAX_NUMBER_CHARS": 12,
}
MARKS = FILES_BY_NAME["marks"]
MARKS_HEADER = "mark_id;pupil_id;lesson_id;mark_value;work_type_id;weight;entered_at;entered_by"


@pytest.fixture(scope="module", autouse=True)
def small_limits():
    with pytest.MonkeyPatch.context() as patch:
        for name, value in SMALL_LIMITS.items():
            patch.setattr(limits, name, value)
        yield


@pytest.fixture(scope="module")
def work(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("campaign")


def _read_rows(path: Path, work: Path) -> int:
    """Rows the canonical reader yields for the file, or ExportRefused."""
    return sum(frame.height for frame in read_batches(ExportFile(MARKS, path), work, FileFacts(), 50))


# --- CSV -------------------------------------------------------------------------------------

line = st.one_of(
    st.text(alphabet=st.sampled_from(list('M1p;L5t"\n\r ,\tа\\x')), max_size=40),
    st.integers(250, 400).map(lambda n: "M1;" + "x" * n),  # around MAX_LINE_BYTES
)
header = st.one_of(
    st.just(MARKS_HEADER),
    st.lists(st.sampled_from(["mark_id", "c", "отметка", "", '"a;b"']), max_size=20).map(";".join),
    st.integers(150, 260).map(lambda n: "m" * n),  # around MAX_HEADER_BYTES
)


@CAMPAIGN
@given(head=header, lines=st.lists(line, max_size=8), cp1251=st.booleans(), noise=st.binary(max_size=6))
def test_csv_reader_reads_or_refuses(work, head, lines, cp1251, noise):
    path = work / "marks.csv"
    text = "\n".join([head, *lines])
    path.write_bytes(text.encode("cp1251" if cp1251 else "utf-8", errors="replace") + noise)
    try:
        _read_rows(path, work)
    except ExportRefused as refused:
        assert refused.issue.message and refused.issue.file_name == "marks.csv"
        return
    assert max(len(raw) for raw in path.read_bytes().split(b"\n")) <= limits.MAX_LINE_BYTES


@CAMPAIGN
@given(
    lengths=st.lists(st.integers(0, 700), min_size=1, max_size=12),
    cuts=st.lists(st.integers(1, 900), max_size=6),
    ends_with_newline=st.booleans(),
)
def test_line_lengths_name_the_first_line_over_the_limit_however_the_file_is_cut(lengths, cuts, ends_with_newline):
    """The limit check sees the file chunk by chunk and searches stretches, not lines: the line it
    refuses is the first one longer than the limit, counted here from the whole file's lines."""
    data = b"\n".join(b"x" * n for n in lengths) + (b"\n" if ends_with_newline else b"")
    too_long = [number for number, raw in enumerate(data.split(b"\n"), start=1) if len(raw) > limits.MAX_LINE_BYTES]
    checker, at = LineLengths("marks.csv"), 0
    refused = None
    try:
        for cut in [*cuts, len(data)]:
            chunk = bytearray(data[at : at + cut]) + bytearray(b"\n" * 5)  # bytes past ``size`` are stale
            checker.feed(chunk, len(chunk) - 5)
            at += cut
            if at >= len(data):
                break
        checker.finish()
    except ExportRefused as refusal:
        refused = refusal.location
    if too_long:
        assert refused == f"строка {too_long[0]}"
    else:
        assert refused is None


@CAMPAIGN
@given(
    parts=st.lists(st.sampled_from([b"a", b";", b"\n", "я".encode(), "Ж".encode(), b"\xd0", b"\xaf", b"\xff"])),
    chunk=st.integers(1, 9),
)
@example(parts=[b"\xd0", b"a", b"\xaf"], chunk=1)  # a letter begun, ASCII, then its end: not UTF-8
def test_the_encoding_is_utf8_exactly_when_the_bytes_decode_so_however_they_are_read(work, parts, chunk):
    """The encoding pass reads the file in chunks and lets ASCII chunks through undecoded: a letter
    cut between chunks, and one left unfinished before an ASCII chunk, still decide as the whole
    file's bytes do (read here in one piece)."""
    data = b"".join(parts)
    path = work / "marks.csv"
    path.write_bytes(data + b"abc")
    try:
        (data + b"abc").decode("utf-8")
        expected = "utf-8"
    except UnicodeDecodeError:
        expected = "cp1251"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(reader, "_CHUNK", chunk)
        assert reader._detect_encoding(path, FileFacts()) == expected


# --- zip -------------------------------------------------------------------------------------

member = st.tuples(
    st.sampled_from(["export.csv", "a/marks.csv", "../up.csv", "/abs.csv", "b\\c.csv", "d/", "e:f", "x", "x/y", "a"]),
    st.one_of(st.binary(max_size=60), st.integers(1_000, 20_000).map(lambda n: b"0" * n)),
    st.sampled_from([zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2]),  # LZMA: by patching the method
    st.booleans(),  # a link
)


def _archive(members: list, method: int | None, flag: int | None, cut: int | None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data, compression, is_link in members:
            info = zipfile.ZipInfo(name)
            info.compress_type = compression
            if is_link:
                info.external_attr = 0o120777 << 16
            archive.writestr(info, data)
    data = buffer.getvalue()
    out = bytearray(data)
    for signature, flag_at, method_at in ((b"PK\x03\x04", 6, 8), (b"PK\x01\x02", 8, 10)):
        at = out.find(signature)
        while at >= 0:
            if flag is not None:
                out[at + flag_at] = flag
            if method is not None:
                out[at + method_at] = method
            at = out.find(signature, at + 4)
    return bytes(out[:cut] if cut is not None else out)


@CAMPAIGN
@given(
    members=st.lists(member, max_size=8),
    method=st.one_of(st.none(), st.sampled_from([0, 8, 9, 12, 14, 99])),
    flag=st.one_of(st.none(), st.sampled_from([0, 1, 8, 9])),
    cut=st.one_of(st.none(), st.integers(0, 400)),
)
def test_zip_unpack_extracts_within_bounds_or_refuses(work, members, method, flag, cut):
    archive = work / "data.zip"
    archive.write_bytes(_archive(members, method, flag, cut))
    with tempfile.TemporaryDirectory(dir=work) as scratch:
        try:
            folder = unpack(archive, Path(scratch))
        except ExportRefused as refused:
            assert refused.issue.message and refused.issue.file_name == "data.zip"
            return
        written = [p for p in Path(scratch).rglob("*")]
        assert not any(p.is_symlink() for p in written)
        assert all(p.resolve().is_relative_to(Path(scratch).resolve()) for p in written)
        budget = max(limits.RATIO_FREE_BYTES, limits.MAX_COMPRESSION_RATIO * archive.stat().st_size)
        assert sum(p.stat().st_size for p in written if p.is_file()) <= budget
        assert folder.resolve().is_relative_to(Path(scratch).resolve())


# --- XLSX ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def workbook_parts() -> dict[str, bytes]:
    """The parts of a small, valid marks.xlsx written by openpyxl."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(MARKS_HEADER.split(";"))
    sheet.append(["M1", "p1", "L1", "5", "answer", "", "08.09.2025 14:01", "t1"])
    sheet.merge_cells("A5:B6")
    buffer = io.BytesIO()
    book.save(buffer)
    with zipfile.ZipFile(buffer) as package:
        return {name: package.read(name) for name in package.namelist()}


cell_ref = st.tuples(st.sampled_from(["A", "B", "H", "Z", "AA", "XFD", "a", "$C"]), st.integers(1, 1_048_576)).map(
    lambda t: f"{t[0]}{t[1]}"
)
merge_ref = st.tuples(cell_ref, cell_ref).map(":".join)


@CAMPAIGN
@given(
    dimension=merge_ref,
    merges=st.lists(merge_ref, max_size=4),
    quote=st.sampled_from(['"', "'"]),
    flip=st.one_of(st.none(), st.tuples(st.integers(0, 5_000), st.integers(0, 255))),
)
def test_xlsx_reader_reads_or_refuses(work, workbook_parts, dimension, merges, quote, flip):
    path = work / "marks.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as package:
        for name, data in workbook_parts.items():
            if name.startswith("xl/worksheets/"):
                cells = "".join(f"<mergeCell ref={quote}{ref}{quote}/>" for ref in merges)
                data = data.replace(b'<mergeCell ref="A5:B6"/>', cells.encode())
                data = data.replace(b'<dimension ref="A1:H2"/>', f"<dimension ref={quote}{dimension}{quote}/>".encode())
            package.writestr(name, data)
    if flip is not None:
        data = bytearray(path.read_bytes())
        data[flip[0] % len(data)] = flip[1]
        path.write_bytes(bytes(data))
    try:
        _read_rows(path, work)
    except ExportRefused as refused:
        assert refused.issue.message and refused.issue.file_name == "marks.xlsx"
        return
    assert sum(guards.range_cells(*ref.encode().split(b":")) for ref in merges) <= limits.MAX_MERGED_CELLS


# --- JSON ------------------------------------------------------------------------------------

json_text = st.one_of(
    st.text(alphabet=st.sampled_from(list('[]{}",:0123456789.-eE truefalsn\\/a')), max_size=60),
    st.tuples(st.integers(0, 60), st.sampled_from(["[", '{"a":']), st.sampled_from(["1", '"x"', "[]"])).map(
        lambda t: t[1] * t[0] + t[2] + ("]" if t[1] == "[" else "}") * t[0]
    ),
    st.tuples(st.integers(1, 30), st.sampled_from(["", "-", "0.", "1e"])).map(lambda t: f'{{"n": {t[1]}{"9" * t[0]}}}'),
)


@CAMPAIGN
@given(text=json_text, comments=st.booleans())
def test_json_reader_reads_or_refuses(work, text, comments):
    path = work / "answer.json"
    path.write_text(text, encoding="utf-8")
    try:
        value = read_json_file(path, allow_comments=comments)
    except ExportRefused as refused:
        assert refused.issue.message and refused.issue.file_name == "answer.json"
        return
    assert _depth(value) <= limits.MAX_NESTING_DEPTH
    numbers = [n for n in _numbers(value) if not isinstance(n, bool)]
    assert all(len(json.dumps(n)) <= limits.MAX_NUMBER_CHARS + 8 for n in numbers)


def _depth(value: object) -> int:
    if isinstance(value, dict):
        return 1 + max(map(_depth, value.values()), default=0)
    if isinstance(value, list):
        return 1 + max(map(_depth, value), default=0)
    return 0


def _numbers(value: object) -> list:
    if isinstance(value, dict):
        return [n for v in value.values() for n in _numbers(v)]
    if isinstance(value, list):
        return [n for v in value for n in _numbers(v)]
    return [value] if isinstance(value, int | float) else []


# --- HTML pages --------------------------------------------------------------------------------

markup = st.lists(
    st.sampled_from(
        ["<div>", "</div>", "<b>", "</b>", "<td>", "<br/>", "<!--", "-->", "<script>", "</script>", "x", "<"]
    ),
    max_size=80,
).map("".join)


@CAMPAIGN
@given(page=markup, depth=st.integers(0, 60))
def test_page_reader_reads_or_refuses(work, page, depth):
    from pipelines.importers.reading import read_text_file

    path = work / "page.html"
    path.write_text("<html>" + "<span>" * depth + page, encoding="utf-8")
    try:
        read_text_file(path)
    except ExportRefused as refused:
        assert refused.issue.rule_code == "html_too_deep" and refused.issue.file_name == "page.html"
        # At most: <html>, the spans, and one element opened by every other «<» of the page.
        assert 1 + depth + page.count("<") > limits.MAX_NESTING_DEPTH
        return
    assert depth <= limits.MAX_NESTING_DEPTH


def test_a_damaged_bzip2_member_is_a_damaged_archive(tmp_path):
    """Found by the zip campaign: bz2 reports a broken stream with a bare OSError."""
    archive = tmp_path / "выгрузка.zip"
    with zipfile.ZipFile(archive, "w") as out:
        out.writestr("export.csv", b"not bzip2 at all")
    data = bytearray(archive.read_bytes())
    for header in (b"PK\x03\x04", b"PK\x01\x02"):  # both headers say BZIP2 (12) for the stored bytes
        at = data.find(header)
        offset = 8 if header == b"PK\x03\x04" else 10
        data[at + offset : at + offset + 2] = (12).to_bytes(2, "little")
    archive.write_bytes(bytes(data))
    with pytest.raises(ExportRefused, match="повреждён"):
        unpack(archive, tmp_path / "work")
    assert not any((tmp_path / "work").rglob("*.csv"))
