"""Find the files of a canonical export and read them as batches of text columns.

CSV (UTF-8 with or without BOM, or Windows-1251; `;`, `,` or tab), XLSX and Parquet. A file that
cannot be read as a whole (wrong encoding, binary, truncated, ragged rows, empty) raises
:class:`~pipelines.issues.ExportRefused`: its data cannot be trusted, so the whole export is refused.
"""

from __future__ import annotations

import codecs
import contextlib
import contextvars
import csv
import functools
import hashlib
import io
import os
import re
import shutil
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl

from ejournal.errors import first_line
from ejournal.files import SCRATCH_PREFIX, owner_tag, sha256_of
from pipelines import guards, limits
from pipelines.canonical.schemas import FILES, CanonicalFile, columns_of
from pipelines.issues import ExportRefused, Issue

EXTENSIONS = (".csv", ".xlsx", ".parquet")
ROW_COLUMN = "_row"
_CHUNK = 16 * 1024 * 1024
_SAMPLE = 256 * 1024
_CYRILLIC = re.compile("[а-яёА-ЯЁ]")
_CYRILLIC_UPPER = re.compile("[А-ЯЁ]")
# UTF-8 Cyrillic read as Windows-1251 and saved again: «Р°», «Рѕ», «С‚» …
_DOUBLE_ENCODED = re.compile("[РС][\u0402-\u040f\u0452-\u045f\u00a0-\u00bf\u2018-\u203a]")


@dataclass(frozen=True)
class ExportFile:
    """A file of the export matched to its canonical entry."""

    spec: CanonicalFile
    path: Path

    @property
    def label(self) -> str:
        return self.path.name


@dataclass
class FileFacts:
    """What reading a file learned about it (for lineage)."""

    sha256: str = ""
    n_bytes: int = 0
    encoding_code: str | None = None


def _refuse(file_name: str, rule: str, message: str) -> ExportRefused:
    return ExportRefused(file_name, None, None, message, rule=rule)


def discover_exports(path: Path, workdir: Path) -> list[Path]:
    """The export folders under ``path`` (a folder, a folder of folders, or a .zip)."""
    if not path.exists():
        raise _refuse(path.name, "not_found", f"Путь «{path}» не найден")
    path = unpack(path, workdir)
    if path.is_file():
        raise _refuse(path.name, "not_an_export", "Ожидается папка выгрузки или архив .zip")
    if _find(path, FILES[0]) is not None:
        return [path]
    found = sorted(p for p in path.iterdir() if p.is_dir() and not p.name.startswith(("_", ".")) and _find(p, FILES[0]))
    if not found:
        raise _refuse(path.name, "not_an_export", "В папке нет файла export.csv (описание выгрузки): это не выгрузка")
    return found


def unpack(path: Path, workdir: Path) -> Path:
    """What the data travels as from here on: a .zip is extracted once, under ``workdir``, and its
    folder returned; a folder or any other file is returned as it is.

    Before anything reads it, the data is walked without following links: a symbolic link, a
    special file or an archive beyond ``pipelines.limits`` refuses the export (``pipelines.guards``).
    """
    if path.is_symlink() and path.is_dir():
        path = path.resolve()  # the folder named on the command line may be a link; links inside it may not
    guards.check_path(path, workbooks=False)
    if path.suffix.lower() == ".zip" and path.is_file():
        folder = extract_zip(path, workdir)
        guards.check_folder(folder)
        return folder
    return path


def extract_zip(path: Path, workdir: Path) -> Path:
    """Extract a zip safely (no paths outside the target, bounded size, no links, no encrypted or
    oddly compressed entries) and return the folder."""
    target = workdir / path.stem
    guards.extract_zip(path, target)
    inner = [p for p in target.iterdir() if p.is_dir()] if target.exists() else []
    if _find(target, FILES[0]) is None and len(inner) == 1:
        return inner[0]
    return target


def _find(folder: Path, spec: CanonicalFile, entries: list[Path] | None = None) -> Path | None:
    """The folder's file of ``spec`` (``entries``: the folder's files, when already listed)."""
    names = {f"{base}{ext}" for base in (spec.name, spec.ru_name) for ext in EXTENSIONS}
    files = entries if entries is not None else [p for p in folder.iterdir() if p.is_file()]
    matches = [p for p in files if p.name.lower() in names]
    if len(matches) > 1:
        listed = ", ".join(sorted(p.name for p in matches))
        raise _refuse(matches[0].name, "file_twice", f"Файл «{spec.name}» встречается несколько раз: {listed}")
    return matches[0] if matches else None


def locate_files(folder: Path) -> tuple[list[ExportFile], list[Issue]]:
    """Match the folder's files to the canonical entries; a missing required file refuses."""
    found: list[ExportFile] = []
    listed = [p for p in folder.iterdir() if p.is_file()]
    for spec in FILES:
        path = _find(folder, spec, listed)
        if path is None:
            if spec.required:
                raise _refuse(
                    f"{spec.name}.csv", "file_missing", f"Нет обязательного файла «{spec.name}.csv» ({spec.ru_name})"
                )
            continue
        found.append(ExportFile(spec, path))
    known = {f.path.name for f in found}
    warnings = [
        Issue(p.name, None, None, None, "unknown_file", "Файл не входит в формат выгрузки и пропущен")
        for p in sorted(listed)
        if p.suffix.lower() in EXTENSIONS and p.name not in known
    ]
    return found, warnings


# The byte scans started ahead for the export being read in this thread (:func:`scan_ahead`).
_AHEAD: contextvars.ContextVar[dict[Path, Future] | None] = contextvars.ContextVar("scans_ahead", default=None)


@contextlib.contextmanager
def scan_ahead(files: list[ExportFile]) -> Iterator[None]:
    """Scan the bytes of the export's CSV files (:func:`_scan_bytes`) in a thread of their own, in
    the order they are read, while the reading thread checks the files before: a scan is Python
    over every byte (0.26 s of a 1,000-pupil school's 101 MB), and DuckDB's reads and checks let
    the thread run meanwhile. A file's reader takes its scan's result, or its refusal, instead of
    scanning it itself (:func:`_detect_encoding`); scans not begun when the block ends are dropped."""
    paths = [f.path for f in files if f.path.suffix.lower() == ".csv"]
    if not paths:
        yield
        return
    with ahead_in_thread(_AHEAD, "ejournal-scan", {path: functools.partial(_scan_bytes, path) for path in paths}):
        yield


@contextlib.contextmanager
def ahead_in_thread(
    futures: contextvars.ContextVar[dict[Path, Future] | None], name: str, work: dict[Path, Callable[[], object]]
) -> Iterator[None]:
    """Run each file's ``work``, in order, in a thread named ``name``, its future under ``futures``
    while the block runs (for the reading thread to take); work not begun when it ends is dropped."""
    pool = ThreadPoolExecutor(1, thread_name_prefix=name)
    ahead = {path: pool.submit(task) for path, task in work.items()}
    token = futures.set(ahead)
    try:
        yield
    finally:
        futures.reset(token)
        for future in ahead.values():
            future.cancel()
        pool.shutdown(wait=True)


def _detect_encoding(path: Path, facts: FileFacts) -> str:
    """'utf-8' or 'cp1251' (and the file's sha256 into ``facts``): from the scan started ahead for
    it, if any, else scanned now."""
    ahead = _AHEAD.get()
    scan = ahead.pop(path, None) if ahead is not None else None
    encoding, facts.sha256 = scan.result() if scan is not None else _scan_bytes(path)
    return encoding


def _scan_bytes(path: Path) -> tuple[str, str]:
    """The file's encoding, 'utf-8' or 'cp1251', and its sha256 (for the lineage), in one pass over
    its bytes; refuses binary, UTF-16, double-encoded and KOI8-R text and too long lines."""
    name = path.name
    decoder = codecs.getincrementaldecoder("utf-8")()
    digest = hashlib.sha256()
    is_utf8 = True
    lines = LineLengths(name)
    with path.open("rb") as handle:
        # one buffer read into again and again: no new memory per chunk; no bigger than the file
        # (+1 so that its end is found by the second read): a new buffer is zeroed page by page
        buffer = bytearray(max(1, min(_CHUNK, os.fstat(handle.fileno()).st_size + 1)))
        while size := handle.readinto(buffer):
            chunk = memoryview(buffer)[:size]
            digest.update(chunk)
            lines.feed(buffer, size)
            if buffer.find(b"\x00", 0, size) >= 0:
                raise _refuse(
                    name,
                    "encoding",
                    "Файл двоичный или в кодировке UTF-16: сохраните его как CSV в UTF-8 или Windows-1251",
                )
            # ASCII after a whole character is UTF-8 as it stands (marks and attendance mostly are)
            ascii_only = decoder.getstate()[0] == b"" and (buffer if size == len(buffer) else chunk.tobytes()).isascii()
            if is_utf8 and not ascii_only:
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    is_utf8 = False
        sha256 = digest.hexdigest()
        lines.finish()
        if is_utf8:
            try:
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                is_utf8 = False
        handle.seek(0)
        sample = handle.read(_SAMPLE)
    if is_utf8:
        text = sample.decode("utf-8", errors="ignore")
        if _double_encoded(text):
            raise _refuse(
                name, "encoding", "Русский текст перекодирован дважды («РђР±», «Ð°Ð±»): выгрузите файл заново в UTF-8"
            )
        return "utf-8", sha256
    try:
        text = sample.decode("cp1251")
    except UnicodeDecodeError as error:
        raise _refuse(name, "encoding", "Неизвестная кодировка: ожидается UTF-8 или Windows-1251") from error
    letters = len(_CYRILLIC.findall(text))
    upper = len(_CYRILLIC_UPPER.findall(text))
    if letters > 50 and upper > 0.6 * letters:
        raise _refuse(name, "encoding", "Похоже на кодировку KOI8-R: сохраните файл в UTF-8 или Windows-1251")
    return "cp1251", sha256


def _double_encoded(text: str) -> bool:
    """Whether UTF-8 text was read as another encoding and saved as UTF-8 again: «Ð°Ð±» (from
    Latin-1) outnumbering the Cyrillic letters, or «РђР±» (from Windows-1251) a fifth of them.
    The letters (a scan of the whole sample) are counted only when a sign of either is there."""
    mojibake = text.count("Ð") + text.count("Ñ")
    doubled = len(_DOUBLE_ENCODED.findall(text)) if _DOUBLE_ENCODED.search(text) else 0
    if mojibake < 10 and not doubled:
        return False
    cyrillic = len(_CYRILLIC.findall(text))
    return (mojibake >= 10 and mojibake > cyrillic) or (cyrillic > 50 and doubled > 0.2 * cyrillic)


class LineLengths:
    """Refuses a file with a line longer than ``limits.MAX_LINE_BYTES``, naming the line.

    A chunk is not split into lines: a line longer than the limit holds a whole stretch of half
    the limit's length without a newline, so only the stretches of each chunk are searched, and
    the line around a stretch without one is measured."""

    def __init__(self, file_name: str):
        self.file_name = file_name
        self.line = 1  # the line the next byte belongs to
        self.running = 0  # bytes of that line seen so far

    def feed(self, chunk: bytes | bytearray, size: int | None = None) -> None:
        """Take the next ``size`` bytes of the file (all of ``chunk`` by default)."""
        size = len(chunk) if size is None else size
        most = limits.MAX_LINE_BYTES
        first = chunk.find(b"\n", 0, size)
        if first < 0:
            self.running += size
            if self.running > most:
                self._refuse(self.line)
            return
        if self.running + first > most:
            self._refuse(self.line)
        last = chunk.rfind(b"\n", 0, size)
        stretch = max(1, most // 2)
        start = first + 1
        while start + stretch <= last:
            if chunk.find(b"\n", start, start + stretch) >= 0:
                start += stretch
                continue
            begin = chunk.rfind(b"\n", first, start) + 1
            end = chunk.find(b"\n", start + stretch, last + 1)
            if end - begin > most:
                self._refuse(self.line + chunk.count(b"\n", 0, begin))
            start = end + 1
        if size - last - 1 > most:
            self._refuse(self.line + chunk.count(b"\n", 0, size))
        self.line += chunk.count(b"\n", 0, size)
        self.running = size - last - 1

    def finish(self) -> None:
        if self.running > limits.MAX_LINE_BYTES:
            self._refuse(self.line)

    def _refuse(self, line: int) -> None:
        what = "заголовок" if line == 1 else "строка данных"
        raise ExportRefused(
            self.file_name,
            f"строка {line}",
            None,
            f"{what} длиннее {guards.megabytes(limits.MAX_LINE_BYTES)}: файл повреждён или это не таблица выгрузки",
            rule="line_too_long",
        )


def _transcode(path: Path, workdir: Path) -> Path:
    out = workdir / f"{path.stem}.utf8{path.suffix}"
    with path.open("r", encoding="cp1251", newline="") as src, out.open("w", encoding="utf-8", newline="") as dst:
        shutil.copyfileobj(src, dst, _CHUNK)
    return out


def _header(path: Path, display_name: str) -> tuple[list[str], str]:
    with path.open("r", encoding="utf-8-sig", newline="") as handle:
        first = handle.readline(limits.MAX_HEADER_BYTES + 1)
    if len(first.encode("utf-8")) > limits.MAX_HEADER_BYTES and not first.endswith("\n"):
        raise _refuse(
            display_name,
            "header_too_long",
            f"Строка 1 (заголовок) длиннее {guards.megabytes(limits.MAX_HEADER_BYTES)}: это не заголовок выгрузки",
        )
    line = first.rstrip("\r\n")
    if not line.strip():
        raise _refuse(display_name, "empty_file", "Файл пуст: нет даже строки заголовков")
    delimiter = max((";", ",", "\t"), key=line.count)
    header = next(csv.reader(io.StringIO(line), delimiter=delimiter, quotechar='"'))
    return [h.strip() for h in header], delimiter


def canonical_header(spec: CanonicalFile, header: list[str], file_name: str) -> list[str]:
    """Map header names (English or Russian, any case) to canonical names; refuse unknown or missing."""
    aliases: dict[str, str] = {}
    for name, column in columns_of(spec.model).items():
        aliases[name.lower()] = name
        aliases[column.metadata["ru"].lower()] = name
    if len(header) > limits.MAX_COLUMNS:
        raise _refuse(
            file_name, "header", f"В заголовке {len(header)} столбцов, допустимо не больше {limits.MAX_COLUMNS}"
        )
    mapped, unknown = [], []
    for raw in header:
        name = aliases.get(raw.strip().lower().replace(" ", "_"))
        (mapped if name else unknown).append(name or raw)
    expected = list(columns_of(spec.model))
    missing = [c for c in expected if c not in mapped]
    twice = sorted(name for name, n in Counter(mapped).items() if n > 1)
    problems = []
    no_header = bool(unknown) and not set(mapped) & set(expected)
    if no_header:
        # Not one name is known: the first line is likely a data row (a pupil's name, a birth
        # date), so its values are never quoted (152-ФЗ), only counted.
        problems.append(f"ни один из {len(header)} столбцов первой строки не узнан (значения не показываются)")
    elif unknown:
        problems.append("неизвестные столбцы: " + ", ".join(f"«{u}»" for u in unknown))
    if missing:
        problems.append(
            "нет столбцов: " + ", ".join(f"«{m}» ({columns_of(spec.model)[m].metadata['ru']})" for m in missing)
        )
    if twice:
        problems.append("столбцы повторяются: " + ", ".join(twice))
    if problems:
        hint = " Возможно, в файле нет строки заголовков, неверная кодировка или разделитель." if no_header else ""
        raise _refuse(
            file_name, "header", "Заголовок файла не соответствует формату: " + "; ".join(problems) + "." + hint
        )
    return mapped


def read_batches(file: ExportFile, workdir: Path, facts: FileFacts, batch_rows: int) -> Iterator[pl.DataFrame]:
    """Yield the file's rows as text frames with canonical column names and a ``_row`` column."""
    path = file.path
    facts.n_bytes = path.stat().st_size
    if facts.n_bytes == 0:
        raise _refuse(path.name, "empty_file", "Файл пуст (0 байт)")
    suffix = path.suffix.lower()
    if suffix != ".csv":
        facts.sha256 = sha256_of(path)
    if suffix == ".csv":
        yield from _read_csv(file, workdir, facts, batch_rows)
    elif suffix == ".xlsx":
        yield from _read_xlsx(file, batch_rows)
    else:
        yield from _read_parquet(file, batch_rows)


@dataclass(frozen=True)
class CsvPlan:
    """How DuckDB's reader is to read one CSV file: the UTF-8 file, its delimiter and canonical
    column names (in file order)."""

    readable: Path
    delimiter: str
    names: list[str]

    def query(self, *, keep_rejects: bool = False) -> tuple[str, list]:
        """A read_csv select of the file's columns as text (c0, c1, …), every row exactly as in the
        file. A ragged row (or an unclosed quote, a bad byte) fails the read; ``keep_rejects``
        reads on and keeps such rows in ``reject_errors`` instead (see :func:`read_failure`)."""
        columns = {f"c{i}": "varchar" for i in range(len(self.names))}
        sql = (
            "select * from read_csv(?, header = true, auto_detect = false, delim = ?, quote = '\"', escape = '\"', "
            f"columns = ?, store_rejects = {str(keep_rejects).lower()}, strict_mode = true, null_padding = false)"
        )
        return sql, [str(self.readable), self.delimiter, columns]


def plan_csv(file: ExportFile, workdir: Path, facts: FileFacts) -> CsvPlan:
    """Encoding (with the file's sha256 and line lengths), transcoding to UTF-8 if needed, the
    delimiter and the header mapped to canonical names; refuses what cannot be read."""
    path = file.path
    facts.encoding_code = _detect_encoding(path, facts)
    readable = _transcode(path, workdir) if facts.encoding_code == "cp1251" else path
    header, delimiter = _header(readable, path.name)
    return CsvPlan(readable, delimiter, canonical_header(file.spec, header, path.name))


def read_failure(plan: CsvPlan, file_name: str, error: duckdb.Error) -> ExportRefused:
    """Why DuckDB's reader failed on the file: its ragged lines (the file read again, keeping the
    rejected lines; on this process's own reader connection, as the failed read may have aborted
    its connection's transaction), else the reader's error."""
    con = _reader_connection()
    _drop_rejects(con)
    try:
        sql, params = plan.query(keep_rejects=True)
        for _ in con.sql(sql, params=params).to_arrow_reader(1 << 16):  # every column read, so every line parsed
            pass
        rejects = con.execute("select line, error_type from reject_errors order by line limit 5").fetchall()
    except duckdb.Error:
        rejects = []
    finally:
        _drop_rejects(con)
    if not rejects:
        return _refuse(file_name, "csv_broken", f"Файл CSV не читается: {first_line(error)}")
    detail = "; ".join(f"строка {line}: {_reject_text(kind)}" for line, kind in rejects)
    return _refuse(file_name, "csv_ragged", f"Файл повреждён или обрезан, строки с неверным числом столбцов: {detail}")


def _drop_rejects(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("drop table if exists reject_errors; drop table if exists reject_scans")


def _read_csv(file: ExportFile, workdir: Path, facts: FileFacts, batch_rows: int) -> Iterator[pl.DataFrame]:
    plan = plan_csv(file, workdir, facts)
    split = _split_plain(plan) if plan.readable.stat().st_size <= PLAIN_SPLIT_MAX_BYTES else None
    if split is not None:
        yield from _exact_batches(iter([split]), batch_rows, first_row=2)
        return
    try:
        sql, params = plan.query()
        reader = _reader_connection().sql(sql, params=params).to_arrow_reader(batch_rows)
        yield from _exact_batches((_named(pl.from_arrow(b), plan.names) for b in reader), batch_rows, first_row=2)
    except duckdb.Error as error:
        raise read_failure(plan, file.path.name, error) from error


# A CSV file up to this size is split by Python when its text is plain (:func:`_split_plain`):
# DuckDB's reader costs about 1.4 ms a file whatever its size, where splitting the small files of
# an export takes 0.05–0.9 ms (a file of 100 KB, about 1,000 lines, is still faster split).
PLAIN_SPLIT_MAX_BYTES = 128 << 10


def _split_plain(plan: CsvPlan) -> pl.DataFrame | None:
    """The file's rows exactly as DuckDB's reader gives them (text, an empty field as null), read
    by splitting lines and fields, if the text is plain: no quote character, lines ending all in
    LF or all in CRLF, no empty line, every line with as many fields as the header. None
    otherwise: DuckDB reads such a file, and says what is wrong with it
    (tests/pipelines/test_reader_plain_split.py compares the two readers on any text)."""
    text = plan.readable.read_bytes().decode("utf-8")  # the encoding was checked (or transcoded)
    text = text.removeprefix("\ufeff")
    if '"' in text:
        return None
    if "\r" in text:  # CRLF throughout, or DuckDB decides (it refuses mixed line ends)
        if not text.count("\r") == text.count("\r\n") == text.count("\n"):
            return None
        text = text.replace("\r\n", "\n")
    lines = text.split("\n")[1:]  # the header was read on its own
    if lines and lines[-1] == "":
        lines.pop()
    width = len(plan.names)
    rows = [line.split(plan.delimiter) for line in lines]
    if any(len(row) != width or row == [""] for row in rows):
        return None
    columns = zip(*rows, strict=True) if rows else [()] * width
    return pl.DataFrame(
        [
            pl.Series(name, [value or None for value in column], dtype=pl.String)
            for name, column in zip(plan.names, columns, strict=True)
        ]
    )


def _named(frame: pl.DataFrame, names: list[str]) -> pl.DataFrame:
    frame.columns = names
    return frame


def _exact_batches(frames: Iterator[pl.DataFrame], batch_rows: int, first_row: int) -> Iterator[pl.DataFrame]:
    """The rows again in batches of exactly ``batch_rows`` (the last may be shorter), numbered
    from ``first_row``: a batch is rows ``first_row + k·batch_rows …``, whatever sizes the reader
    handed out, so the DuckDB path (``validate_sql``) can check uniqueness per the same batches."""
    pending: list[pl.DataFrame] = []
    held = offset = 0
    for frame in frames:
        pending.append(frame)
        held += frame.height
        while held >= batch_rows:
            rows = pl.concat(pending)
            yield _numbered(rows.slice(0, batch_rows), offset + first_row)
            offset += batch_rows
            pending, held = [rows.slice(batch_rows)], held - batch_rows
    if held:
        yield _numbered(pl.concat(pending), offset + first_row)


def _numbered(frame: pl.DataFrame, first: int) -> pl.DataFrame:
    return frame.with_columns(pl.int_range(first, first + frame.height, dtype=pl.Int64).alias(ROW_COLUMN))


def _reject_text(kind: str) -> str:
    return {
        "MISSING COLUMNS": "не хватает столбцов (файл обрезан?)",
        "TOO MANY COLUMNS": "лишние столбцы",
        "UNQUOTED VALUE": "незакрытые кавычки",
        "INVALID UNICODE": "недопустимые символы",
        "LINE SIZE OVER MAXIMUM": "запись длиннее допустимого",
    }.get(kind, kind.lower())


def _read_xlsx(file: ExportFile, batch_rows: int) -> Iterator[pl.DataFrame]:
    import fastexcel

    guards.check_xlsx(file.path)
    try:
        sheet = fastexcel.read_excel(str(file.path)).load_sheet(0, dtypes="string")
        frame = sheet.to_polars()
    except Exception as error:  # fastexcel raises its own exception family per damage kind
        raise _refuse(file.path.name, "xlsx_broken", f"Файл Excel не читается: {first_line(error)}") from error
    names = canonical_header(file.spec, [str(c) for c in frame.columns], file.path.name)
    frame.columns = names
    frame = frame.with_columns(pl.all().cast(pl.String))
    frame = frame.with_columns(pl.int_range(2, frame.height + 2, dtype=pl.Int64).alias(ROW_COLUMN))
    for start in range(0, max(frame.height, 1), batch_rows):
        yield frame.slice(start, batch_rows)


def _read_parquet(file: ExportFile, batch_rows: int) -> Iterator[pl.DataFrame]:
    con = _reader_connection()
    try:
        described = con.execute("describe select * from read_parquet(?)", [str(file.path)]).fetchall()
        names = canonical_header(file.spec, [row[0] for row in described], file.path.name)
        casts = ", ".join(f'cast("{row[0]}" as varchar)' for row in described)
        reader = con.sql(f"select {casts} from read_parquet(?)", params=[str(file.path)]).to_arrow_reader(batch_rows)
        offset = 0
        budget = guards.ByteBudget(
            file.path, "Прочитанный файл Parquet", "parquet_too_large"
        )  # dictionaries unpack like a zip
        for record_batch in reader:
            budget.spend(record_batch.nbytes)
            frame = pl.from_arrow(record_batch)
            frame.columns = names
            n = frame.height
            # numbered as the same table in a spreadsheet or CSV file (its header is row 1): a row
            # keeps its number whichever format the school saved it in
            yield frame.with_columns(pl.int_range(offset + 2, offset + 2 + n, dtype=pl.Int64).alias(ROW_COLUMN))
            offset += n
    except duckdb.Error as error:
        message = f"Файл Parquet не читается: {first_line(error)}"
        raise _refuse(file.path.name, "parquet_broken", message) from error


_READER: dict[int, duckdb.DuckDBPyConnection] = {}


# A reader connection of a thread's own (:func:`own_reader`), used instead of the process's.
_OWN_READER: contextvars.ContextVar[list[duckdb.DuckDBPyConnection] | None] = contextvars.ContextVar(
    "own_reader", default=None
)


@contextlib.contextmanager
def own_reader() -> Iterator[contextvars.Context]:
    """A context whose reads use a reader connection of their own, made on first use and closed
    when the block ends: for a thread that reads files while the process's reader may be in use
    (a DuckDB connection serves one thread at a time)."""
    held: list[duckdb.DuckDBPyConnection] = []
    context = contextvars.copy_context()
    context.run(_OWN_READER.set, held)
    try:
        yield context
    finally:
        for con in held:
            con.close()


def _reader_connection() -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB used only to parse files (one per process, reused across files; or the
    connection of :func:`own_reader`)."""
    import os

    own = _OWN_READER.get()
    if own is not None:
        if not own:
            own.append(duckdb.connect())
        return own[0]
    pid = os.getpid()
    if pid not in _READER:
        _READER[pid] = duckdb.connect()
    return _READER[pid]


def scratch_dir() -> tempfile.TemporaryDirectory:
    """A private working folder for extracted archives and transcoded files."""
    return tempfile.TemporaryDirectory(prefix=f"{SCRATCH_PREFIX}ingest-{owner_tag()}-")
