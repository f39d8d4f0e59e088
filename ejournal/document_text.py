"""The text of a document the app wrote (PDF, XLSX, DOCX, CSV, plain text), or of an export a
school dropped in (a .zip of CSV, JSON, HTML or XLSX files), to find a pupil in it.

A PDF is read the way a viewer sees it, not by its bytes: every compressed stream is inflated,
the fonts' ToUnicode maps are read, and the glyph codes of every text operator are turned back
into letters. Which map belongs to which font would take a full PDF parser; instead the text is
decoded with every map in turn (a wrong map gives noise, the right one the words), which is
enough to find a name and costs a few milliseconds per document.
"""

from __future__ import annotations

import html
import io
import re
import zipfile
import zlib
from pathlib import Path

_STREAM = re.compile(rb"stream\r?\n(.*?)\r?\nendstream", re.S)
_BFCHAR = re.compile(rb"beginbfchar(.*?)endbfchar", re.S)
_BFRANGE = re.compile(rb"beginbfrange(.*?)endbfrange", re.S)
_HEX = re.compile(rb"<([0-9a-fA-F]*)>")
_TEXT_RUN = re.compile(rb"\[((?:[^\]])*)\]\s*TJ|(<[0-9a-fA-F]*>)\s*Tj")
_XML_TEXT = re.compile(r"<[^>]+>")
ZIP_SUFFIXES = (".xlsx", ".docx", ".pptx", ".zip")


def document_text(path: Path) -> str:
    """Everything a reader of the file would see as text, whitespace collapsed (empty if unreadable)."""
    try:
        data = path.read_bytes()
    except OSError:
        return ""
    suffix = path.suffix.lower()
    if suffix == ".pdf" or data.startswith(b"%PDF"):
        text = pdf_text(data)
    elif suffix in ZIP_SUFFIXES:
        text = _zip_text(path)
    else:
        text = data.decode("utf-8", "ignore")
    return " ".join(text.split())


def export_text(path: Path) -> str:
    """Everything an export file holds as text: a .zip member by member (CSV, JSON, HTML in UTF-8
    or Windows-1251; XLSX by its cells), any other file as its own text. Empty if unreadable."""
    if path.suffix.lower() == ".zip":
        try:
            with zipfile.ZipFile(path) as archive:
                parts = [_member_text(archive, m) for m in archive.infolist() if not m.is_dir()]
        except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError, EOFError):
            return ""
        return " ".join(parts)
    if path.suffix.lower() in ZIP_SUFFIXES:
        return document_text(path)
    try:
        return " ".join(_decoded(path.read_bytes()).split())
    except OSError:
        return ""


def _member_text(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> str:
    data = archive.read(member)
    if member.filename.lower().endswith(ZIP_SUFFIXES):
        return _xml_text_of(data)
    return " ".join(_decoded(data).split())


def _xml_text_of(data: bytes) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as inner:
            parts = [inner.read(m).decode("utf-8", "ignore") for m in inner.namelist() if m.endswith(".xml")]
    except (zipfile.BadZipFile, RuntimeError, NotImplementedError, EOFError):
        return ""
    return " ".join(html.unescape(_XML_TEXT.sub(" ", part)) for part in parts)


def _decoded(data: bytes) -> str:
    """UTF-8 text, else Windows-1251 (the two encodings journal systems export in)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1251", "replace")


def _zip_text(path: Path) -> str:
    try:
        with zipfile.ZipFile(path) as archive:
            parts = [archive.read(m).decode("utf-8", "ignore") for m in archive.namelist() if m.endswith(".xml")]
    except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError):
        return ""
    return " ".join(html.unescape(_XML_TEXT.sub(" ", part)) for part in parts)


def pdf_text(data: bytes) -> str:
    streams = [_inflate(raw) for raw in _STREAM.findall(data)]
    maps = [_cmap(s) for s in streams if b"begincmap" in s]
    runs = [_run_codes(match) for s in streams if b"BT" in s for match in _TEXT_RUN.finditer(s)]
    decoded = [" ".join(_decode(codes, cmap) for codes in runs) for cmap in maps if cmap]
    return "\n".join(decoded)


def _inflate(raw: bytes) -> bytes:
    try:
        return zlib.decompressobj().decompress(raw)
    except zlib.error:
        return raw


def _cmap(stream: bytes) -> dict[bytes, str]:
    """Glyph code (hex, lower case) → text, from the bfchar and bfrange sections of a ToUnicode map."""
    mapping: dict[bytes, str] = {}
    for section in _BFCHAR.findall(stream):
        codes = _HEX.findall(section)
        for src, dst in zip(codes[::2], codes[1::2], strict=False):
            mapping[src.lower()] = _utf16(dst)
    for section in _BFRANGE.findall(stream):
        for line in section.splitlines():
            codes = _HEX.findall(line)
            if len(codes) == 3 and b"[" not in line:
                _add_range(mapping, codes[0], codes[1], codes[2])
    return mapping


def _add_range(mapping: dict[bytes, str], low: bytes, high: bytes, first: bytes) -> None:
    start, end, width = int(low, 16), int(high, 16), len(low)
    if not first or end - start > 0xFFFF:
        return
    base = int(first, 16)
    for offset in range(end - start + 1):
        code = format(start + offset, f"0{width}x").encode()
        mapping[code] = chr(base + offset) if base + offset < 0x110000 else ""


def _utf16(hex_text: bytes) -> str:
    try:
        return bytes.fromhex(hex_text.decode()).decode("utf-16-be", "ignore")
    except ValueError:
        return ""


def _run_codes(match: re.Match[bytes]) -> list[bytes]:
    """The hex strings of one text operator (a TJ array or one Tj), in order."""
    body = match.group(1) if match.group(1) is not None else match.group(2)
    return [code.lower() for code in _HEX.findall(body)]


def _decode(codes: list[bytes], cmap: dict[bytes, str]) -> str:
    letters = []
    for code in codes:
        for i in range(0, len(code), 4):  # two-byte glyph codes (Identity-H, as WeasyPrint writes)
            letters.append(cmap.get(code[i : i + 4], "\ufffd"))
    return "".join(letters)
