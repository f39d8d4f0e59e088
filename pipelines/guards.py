"""Checks on a file before anything parses it: the bounds of ``pipelines.limits``, in Russian.

A zip is extracted once, here, counting the bytes actually written (not the sizes the archive
declares); encrypted entries, unsupported compression, symbolic links and unsafe paths are
refused. An export folder is walked without following links: a link or a special file (FIFO,
device) refuses the export before any file is opened. An XLSX package is checked for the size of
its parts, its sheets' dimensions and merged ranges before a spreadsheet library loads it. JSON
and HTML texts are checked for their nesting depth before they are parsed. Every refusal is an
:class:`~pipelines.issues.ExportRefused` naming the file and the place.
"""

from __future__ import annotations

import lzma
import os
import re
import shutil
import stat
import zipfile
import zlib
from array import array
from collections.abc import Iterator
from itertools import accumulate
from pathlib import Path
from typing import IO

from pipelines import limits
from pipelines.issues import ExportRefused

SUPPORTED_COMPRESSION = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA}
_ZIP_ERRORS = (zipfile.BadZipFile, EOFError, NotImplementedError, RuntimeError, zlib.error, lzma.LZMAError, ValueError)
_BLOCK = 1024 * 1024


def megabytes(n_bytes: int) -> str:
    """A size for a message: «64 МБ», «1 МБ», «64 КБ»."""
    if n_bytes >= 1024**3:
        return f"{n_bytes / 1024**3:g} ГБ"
    if n_bytes >= 1024**2:
        return f"{n_bytes / 1024**2:g} МБ"
    return f"{n_bytes / 1024:g} КБ"


def refuse(file_name: str, rule: str, problem: str, location: str | None = None) -> ExportRefused:
    """The refusal of a file, its problem written as a sentence."""
    return ExportRefused(file_name, location, None, problem[:1].upper() + problem[1:], rule=rule)


# -- archives ------------------------------------------------------------------------------------


class ByteBudget:
    """How many bytes an archive may unpack to: absolute, and relative to the archive's size."""

    def __init__(self, archive: Path, what: str = "распакованный архив", rule: str = "zip_too_large"):
        by_ratio = max(limits.RATIO_FREE_BYTES, limits.MAX_COMPRESSION_RATIO * archive.stat().st_size)
        self.allowed = min(limits.MAX_EXTRACTED_BYTES, by_ratio)
        self.used = 0
        self.name = archive.name
        self.what, self.rule = what, rule

    def spend(self, n_bytes: int) -> None:
        self.used += n_bytes
        if self.used > self.allowed:
            raise refuse(
                self.name,
                self.rule,
                f"{self.what} больше {megabytes(self.allowed)} (предел — {megabytes(limits.MAX_EXTRACTED_BYTES)} "
                f"и не больше чем в {limits.MAX_COMPRESSION_RATIO} раз больше сжатого файла): похоже на "
                "«zip-бомбу», выгрузка не распакована и не прочитана",
            )


def _is_link(member: zipfile.ZipInfo) -> bool:
    return stat.S_ISLNK(member.external_attr >> 16)


def check_members(archive: zipfile.ZipFile, name: str) -> list[zipfile.ZipInfo]:
    """The archive's file entries, refused when too many, encrypted, links, oddly compressed or unsafe."""
    members = archive.infolist()
    if len(members) > limits.MAX_ARCHIVE_ENTRIES:
        raise refuse(
            name, "zip_too_large", f"в архиве {len(members)} записей, допустимо не больше {limits.MAX_ARCHIVE_ENTRIES}"
        )
    names = [m.filename.rstrip("/") for m in members]
    twice = sorted({n for n in names if names.count(n) > 1}) if len(set(names)) < len(names) else []
    if twice:
        raise refuse(name, "zip_unsafe_path", f"запись «{twice[0]}» встречается в архиве дважды")
    for member in members:
        where = f"«{member.filename}»"
        path = Path(member.filename)
        if path.is_absolute() or ".." in path.parts or "\\" in member.filename or ":" in member.filename:
            raise refuse(name, "zip_unsafe_path", f"недопустимый путь в архиве: {where}")
        if member.flag_bits & 0x1:
            raise refuse(name, "zip_encrypted", f"файл {where} в архиве зашифрован: нужен архив без пароля")
        if member.compress_type not in SUPPORTED_COMPRESSION:
            raise refuse(
                name,
                "zip_compression",
                f"файл {where} сжат неподдерживаемым способом (код {member.compress_type}): "
                "пересоздайте архив обычным сжатием (Deflate)",
            )
        if _is_link(member):
            raise refuse(name, "symlink", f"в архиве символическая ссылка {where}: ссылки не принимаются")
    return [m for m in members if not m.is_dir()]


def stream_member(archive: zipfile.ZipFile, member: zipfile.ZipInfo, budget: ByteBudget) -> Iterator[bytes]:
    """The member's bytes block by block, each block counted against the budget before it is used."""
    with archive.open(member) as source:
        while block := _read_block(source):
            budget.spend(len(block))
            yield block


def _read_block(source: IO[bytes]) -> bytes:
    """The next block of a member; a damaged compressed stream (bz2 says so with an OSError, not
    with an error of its own) is a damaged archive, never an error of the disk."""
    try:
        return source.read(_BLOCK)
    except OSError as error:
        raise zipfile.BadZipFile(f"сжатые данные повреждены: {error}") from error


# Names a zip stores without its UTF-8 flag are in whatever code page the archiver used: Windows
# Explorer writes the DOS code page (cp866 in Russia), some archivers the Windows one (cp1251),
# macOS UTF-8 without saying so. Python reads them all as cp437, which makes «Выгрузка 7А» of
# «éδúαπº¬á 7А» and hides «журнал.xlsx» from the importers that look for Cyrillic names.
_UTF8_FLAG = 0x800
_NAME_CODE_PAGES = ("cp866", "cp1251")
_CYRILLIC = re.compile("[А-Яа-яЁё]")


def names_encoding(path: Path) -> str | None:
    """The encoding of the archive's names written without the UTF-8 flag (``None``: they are
    ASCII, or there are none): UTF-8 if every one of them is valid UTF-8, otherwise the Russian
    code page that reads more of their letters as Cyrillic (cp866 on a tie)."""
    with zipfile.ZipFile(path) as archive:
        raw = [m.orig_filename.encode("cp437") for m in archive.infolist() if not m.flag_bits & _UTF8_FLAG]
    raw = [name for name in raw if not name.isascii()]
    if not raw:
        return None
    try:
        for name in raw:
            name.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    joined = b"".join(raw)
    readable = {}
    for code in _NAME_CODE_PAGES:  # cp866 reads every byte; cp1251 has a hole at 0x98
        try:
            readable[code] = len(_CYRILLIC.findall(joined.decode(code)))
        except UnicodeDecodeError:
            continue
    return max(readable, key=readable.__getitem__)


def open_zip(path: Path) -> zipfile.ZipFile:
    """The archive, its names read in their own encoding (:func:`names_encoding`)."""
    return zipfile.ZipFile(path, metadata_encoding=names_encoding(path))


def extract_zip(path: Path, target: Path) -> None:
    """Extract the archive into ``target`` within the limits; on refusal nothing stays extracted."""
    budget = ByteBudget(path)
    target.mkdir(parents=True, exist_ok=True)
    try:
        with open_zip(path) as archive:
            for member in check_members(archive, path.name):
                out = target / Path(member.filename)
                out.parent.mkdir(parents=True, exist_ok=True)
                with out.open("wb") as sink:
                    _copy(stream_member(archive, member, budget), sink)
    except _ZIP_ERRORS as error:
        shutil.rmtree(target, ignore_errors=True)
        raise refuse(path.name, "zip_damaged", f"архив повреждён или не читается ({type(error).__name__})") from None
    except (NotADirectoryError, IsADirectoryError, FileExistsError):
        shutil.rmtree(target, ignore_errors=True)
        raise refuse(path.name, "zip_unsafe_path", "в архиве файл и папка с одним и тем же именем") from None
    except ExportRefused:
        shutil.rmtree(target, ignore_errors=True)
        raise


def _copy(blocks: Iterator[bytes], sink: IO[bytes]) -> None:
    for block in blocks:
        sink.write(block)


# -- folders -------------------------------------------------------------------------------------


def check_folder(folder: Path) -> None:
    """Walk the export folder without following links: refuse links, special files, too many entries."""
    pending: list[tuple[Path, int]] = [(folder, 0)]
    seen = 0
    while pending:
        current, depth = pending.pop()
        with os.scandir(current) as entries:
            for entry in entries:
                seen += 1
                if seen > limits.MAX_FOLDER_ENTRIES:
                    raise refuse(
                        folder.name, "folder_too_large", f"в папке больше {limits.MAX_FOLDER_ENTRIES} файлов и папок"
                    )
                shown = str(Path(entry.path).relative_to(folder))
                if entry.is_symlink():
                    raise refuse(
                        shown,
                        "symlink",
                        "символическая ссылка в папке выгрузки: ссылки не принимаются, положите сам файл",
                    )
                if entry.is_dir(follow_symlinks=False):
                    if depth + 1 > limits.MAX_FOLDER_DEPTH:
                        raise refuse(shown, "folder_too_large", f"вложенность папок больше {limits.MAX_FOLDER_DEPTH}")
                    pending.append((Path(entry.path), depth + 1))
                elif not entry.is_file(follow_symlinks=False):
                    raise refuse(shown, "not_a_file", "это не обычный файл (канал, устройство или сокет)")


def check_path(path: Path, *, workbooks: bool = True) -> None:
    """The data as given: a folder is walked (links refused), a file must be a regular file;
    with ``workbooks`` every .xlsx is checked by :func:`check_xlsx` too."""
    if not path.exists():
        raise refuse(path.name, "not_found", f"путь «{path}» не найден")
    if path.is_dir():
        check_folder(path)
        if workbooks:
            check_xlsx_files(path)
    elif not path.is_file():
        raise refuse(path.name, "not_a_file", "это не обычный файл и не папка")
    elif workbooks and path.suffix.lower() == ".xlsx":
        check_xlsx(path)


def check_xlsx_files(folder: Path) -> None:
    """Every workbook of an export folder, checked by :func:`check_xlsx`."""
    for book in sorted(folder.rglob("*")):
        if book.suffix.lower() == ".xlsx" and book.is_file():
            check_xlsx(book)


# -- XLSX ----------------------------------------------------------------------------------------

_CELL = re.compile(rb"\$?([A-Za-z]{1,3})\$?([0-9]{1,10})")
_REF = rb"""\bref\s*=\s*["']\s*(\$?[A-Za-z]{1,3}\$?[0-9]{1,10})\s*(?::\s*(\$?[A-Za-z]{1,3}\$?[0-9]{1,10}))?"""
_DIMENSION = re.compile(rb"<(?:[\w.-]+:)?dimension\b[^>]*?" + _REF, re.IGNORECASE)
_MERGE = re.compile(rb"<(?:[\w.-]+:)?mergeCell\b[^>]*?" + _REF, re.IGNORECASE)
_OVERLAP = 512


def _cell(ref: bytes) -> tuple[int, int]:
    match = _CELL.fullmatch(ref)
    if match is None:
        return 1, 1
    column = 0
    for letter in match.group(1).upper():
        column = column * 26 + letter - 64
    return int(match.group(2)), column


def range_cells(first: bytes, last: bytes | None) -> int:
    """How many cells a range «A1:C3» covers (9); one cell when there is no second corner."""
    row1, col1 = _cell(first)
    row2, col2 = _cell(last) if last else (row1, col1)
    return (abs(row2 - row1) + 1) * (abs(col2 - col1) + 1)


def check_xlsx(path: Path) -> None:
    """Refuse a workbook whose parts unpack too large, or whose sheets declare too many cells or merge too many."""
    name = path.name
    if path.stat().st_size == 0 or not zipfile.is_zipfile(path):
        return  # not a package at all: the reader refuses it in its own words
    budget = ByteBudget(path)
    merged = 0
    try:
        with zipfile.ZipFile(path) as package:
            for member in check_members(package, name):
                part = 0
                tail = b""
                for block in stream_member(package, member, budget):
                    part += len(block)
                    if part > limits.MAX_XLSX_PART_BYTES:
                        raise refuse(
                            name,
                            "xlsx_too_large",
                            f"часть книги «{member.filename}» больше {megabytes(limits.MAX_XLSX_PART_BYTES)}",
                        )
                    if part == len(block) and _is_utf16(block):
                        raise refuse(name, "xlsx_broken", f"часть книги «{member.filename}» не в UTF-8")
                    window = tail + block  # every part: a sheet may be stored under any name
                    merged += _check_sheet_block(name, member.filename, window, len(tail))
                    tail = window[-_OVERLAP:]
                    _check_merged(name, merged)
    except _ZIP_ERRORS as error:
        raise refuse(name, "xlsx_broken", f"книга Excel повреждена или это не .xlsx ({type(error).__name__})") from None


def _is_utf16(head: bytes) -> bool:
    """XML in UTF-16 (a byte-order mark, or «<» next to a zero byte): the scan could not read it."""
    return head.startswith((b"\xff\xfe", b"\xfe\xff", b"<\x00", b"\x00<"))


def _check_sheet_block(name: str, part: str, window: bytes, counted: int) -> int:
    """Cells merged by the ranges that end past the first ``counted`` bytes (those were counted before)."""
    for match in _DIMENSION.finditer(window):
        cells = range_cells(match.group(1), match.group(2))
        if cells > limits.MAX_SHEET_CELLS:
            raise refuse(
                name,
                "xlsx_too_large",
                f"лист «{part}» объявляет {cells:,} ячеек (диапазон {match.group(0).split(b'ref=')[-1].decode()}), "
                f"допустимо не больше {limits.MAX_SHEET_CELLS:,}".replace(",", " "),
            )
    return sum(range_cells(m.group(1), m.group(2)) for m in _MERGE.finditer(window) if m.end() > counted)


def _check_merged(name: str, merged: int) -> None:
    if merged > limits.MAX_MERGED_CELLS:
        raise refuse(
            name,
            "xlsx_merged_cells",
            f"объединённые ячейки книги покрывают больше {limits.MAX_MERGED_CELLS:,} ячеек: "
            "книга не похожа на журнал (проверьте объединения)".replace(",", " "),
        )


# -- JSON and HTML -------------------------------------------------------------------------------

_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"')
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_STEPS = bytes.maketrans(b"[{]}", b"\x01\x01\xff\xff")


def json_depth(text: str) -> int:
    """How deep arrays and objects nest in the JSON text (strings skipped)."""
    brackets = _NOT_BRACKET.sub("", _JSON_STRING.sub("", text)).encode("ascii")
    steps = array("b", brackets.translate(_STEPS))  # +1 for «[» and «{», −1 for «]» and «}»
    return max(accumulate(steps), default=0)


def check_json_depth(text: str, file_name: str) -> None:
    if json_depth(text) > limits.MAX_NESTING_DEPTH:
        raise refuse(
            file_name,
            "json_too_deep",
            f"массивы и объекты JSON вложены глубже {limits.MAX_NESTING_DEPTH} уровней: это не ответ журнала",
        )


_HTML_TOKEN = re.compile(r"<!--|<(/?)([a-zA-Z][a-zA-Z0-9:-]*)[^<>]*?(/?)>")
# Elements without an end tag, or whose end tag may be left out: they do not deepen the page.
_FLAT_ELEMENTS = frozenset(
    [
        *("area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source"),
        *("track", "wbr", "html", "head", "body", "p", "li", "dt", "dd", "rt", "rp", "optgroup", "option"),
        *("colgroup", "caption", "thead", "tbody", "tfoot", "tr", "td", "th"),
    ]
)
_RAW_TEXT = ("script", "style", "textarea", "title")


def html_depth(text: str) -> int:
    """How deep the page's elements nest (a loose, linear count: comments and script text skipped,
    void and optional-end elements not counted); stops once past the limit."""
    lowered = text.lower()
    stack: list[str] = []
    deepest = pos = 0
    while (match := _HTML_TOKEN.search(text, pos)) is not None:
        pos = match.end()
        if match.group(0) == "<!--":
            pos = lowered.find("-->", pos)
        else:
            closing, tag, self_closing = match.group(1), match.group(2).lower(), match.group(3)
            if tag in _RAW_TEXT and not closing:
                pos = lowered.find(f"</{tag}", pos)
            elif closing:
                if tag in stack:
                    del stack[len(stack) - 1 - stack[::-1].index(tag) :]
            elif tag not in _FLAT_ELEMENTS and not self_closing:
                stack.append(tag)
                deepest = max(deepest, len(stack))
                if deepest > limits.MAX_NESTING_DEPTH:
                    break
        if pos < 0:
            break
    return deepest


def check_html_depth(text: str, file_name: str) -> None:
    if html_depth(text) > limits.MAX_NESTING_DEPTH:
        raise refuse(
            file_name,
            "html_too_deep",
            f"элементы страницы вложены глубже {limits.MAX_NESTING_DEPTH} уровней: страница повреждена или это не страница журнала",
        )
