"""Helpers every importer shares: reading JSON safely, dates, ids, the canonical tables and CSV
writing, work types with the school's default weight, the subject catalogue, absence codes.

Everything here either returns a clean value, records an ``ImportNote`` (mapped with a default,
never dropped), or raises ``ExportRefused`` naming the file, the place, the field and the problem.
The function names and signatures are stable: other importers import them.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ejournal.settings import Norms, environment
from pipelines.canonical.schemas import FILES_BY_NAME, columns_of
from pipelines.importers.base import ImportNote
from pipelines.issues import ExportRefused
from pipelines.keys import NATURAL_KEYS

_ID_OK = re.compile(r"^[0-9A-Za-zА-Яа-яЁё_.:\-]{1,64}$")
_ID_BAD_CHARS = re.compile(r"[^0-9A-Za-zА-Яа-яЁё_.:\-]+")
_SPACES = re.compile(r"\s+")

UNKNOWN_TEACHER_ID = "unknown"
UNKNOWN_TEACHER = {
    "teacher_id": UNKNOWN_TEACHER_ID,
    "last_name": "Не указан",
    "first_name": "Учитель",
    "middle_name": "",
    "position": "",
}


# --- notes -------------------------------------------------------------------------------------


UNKNOWN_FIELD = "неизвестное поле: не загружено (проверьте версию выгрузки)"
UNKNOWN_COLUMN = "столбец не распознан: не загружен (проверьте версию страницы)"


class Notes(list[ImportNote]):
    """The notes of one conversion, in order; ``add`` is the short way to record one.

    ``add_once`` and ``unknown_fields`` keep a repeated note (the same unknown field in every
    lesson of a diary) to one per file, field and kind, so warnings stay readable.
    """

    def __init__(self) -> None:
        super().__init__()
        self._seen: set[tuple[str, str, str]] = set()

    def add(self, file_name: str, location: str, field_name: str, value: object, message: str) -> None:
        self.append(ImportNote(file_name, location, field_name, None if value is None else str(value), message))

    def add_once(self, kind: str, file_name: str, location: str, field_name: str, value: object, message: str) -> None:
        """Record the note only the first time this file, field and ``kind`` come up."""
        key = (file_name, field_name, kind)
        if key not in self._seen:
            self._seen.add(key)
            self.add(file_name, location, field_name, value, message)

    def unknown_fields(self, obj: Any, known: Iterable[str], file_name: str, location: str) -> None:
        """Each field of the JSON object ``obj`` that is not in ``known``: one note per file and field.

        ``location`` is the JSON path of ``obj`` («weekDays[0].lessons[2]»; empty for the root).
        The data still loads: the note says what was left out, nothing is refused.
        """
        if not isinstance(obj, dict):
            return
        known = set(known)
        for name in sorted(str(k) for k in obj if k not in known):
            self.add_once("unknown field", file_name, location or "корень файла", name, None, UNKNOWN_FIELD)

    def unknown_column(self, file_name: str, location: str, header: str) -> None:
        """A table column of an HTML page the importer does not read: one note per file and header."""
        self.add_once("unknown column", file_name, location, header, None, UNKNOWN_COLUMN)


# --- reading -----------------------------------------------------------------------------------


def read_text_file(path: Path) -> str:
    """A file's text (UTF-8 with or without BOM, else Windows-1251); an empty file is refused."""
    data = path.read_bytes()
    if not data.strip():
        raise ExportRefused(path.name, None, None, "файл пуст")
    if b"\x00" in data[:4096]:
        raise ExportRefused(path.name, None, None, "файл двоичный, а ожидается текст (JSON или HTML)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        utf8_error = error
    try:
        return data.decode("cp1251")
    except UnicodeDecodeError:
        raise ExportRefused(
            path.name, f"байт {utf8_error.start + 1}", None, "текст не в UTF-8 и не в Windows-1251: файл повреждён"
        ) from None


def strip_json_comments(text: str) -> str:
    """Remove ``//`` line comments outside strings (СГО documentation samples carry them)."""
    out, i, in_string = [], 0, False
    while i < len(text):
        ch = text[i]
        if in_string:
            out.append(ch)
            if ch == "\\" and i + 1 < len(text):
                out.append(text[i + 1])
                i += 1
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
            out.append(ch)
        elif text.startswith("//", i):
            while i < len(text) and text[i] != "\n":
                i += 1
            continue
        else:
            out.append(ch)
        i += 1
    return "".join(out)


# json's messages are English; the user reads Russian.
_JSON_ERRORS = {
    "Expecting value": "ожидалось значение",
    "Expecting property name enclosed in double quotes": "ожидалось имя поля в двойных кавычках",
    "Expecting ',' delimiter": "ожидалась запятая",
    "Expecting ':' delimiter": "ожидалось двоеточие",
    "Unterminated string starting at": "незакрытая строка",
    "Extra data": "лишние данные после конца JSON",
    "Invalid control character at": "недопустимый управляющий символ",
    "Invalid \\escape": "неверная escape-последовательность",
}


def read_json_file(path: Path, *, allow_comments: bool = True) -> Any:
    """Parse a JSON file; broken JSON is refused with the line and column of the fault."""
    text = read_text_file(path)
    if allow_comments:
        text = strip_json_comments(text)
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise ExportRefused(
            path.name,
            f"строка {error.lineno}, позиция {error.colno}",
            None,
            f"повреждённый JSON: {_JSON_ERRORS.get(error.msg.split(':')[0], 'синтаксическая ошибка')}",
        ) from None


_KINDS = {
    "text": (str,),
    "number": (int, float),
    "integer": (int,),
    "object": (dict,),
    "list": (list,),
    "bool": (bool,),
}
_KIND_RU = {
    "text": "текст",
    "number": "число",
    "integer": "целое число",
    "object": "объект",
    "list": "список",
    "bool": "да/нет",
}


def field_of(obj: Any, key: str, kind: str, file_name: str, where: str, *, required: bool = True) -> Any:
    """``obj[key]`` checked against ``kind`` (text, number, integer, object, list, bool).

    A missing or null value is refused when ``required`` (else None); a value of another type is
    always refused. ``where`` is the JSON path of ``obj``, e.g. «weekDays[2].lessons[0]».
    """
    if not isinstance(obj, dict):
        raise ExportRefused(file_name, where or "корень", None, f"ожидается объект, а не {_type_ru(obj)}")
    value = obj.get(key)
    if value is None:
        if required:
            raise ExportRefused(file_name, where or "корень", key, "обязательное поле отсутствует или пусто")
        return None
    types = _KINDS[kind]
    if (isinstance(value, bool) and kind != "bool") or not isinstance(value, types):
        raise ExportRefused(
            file_name, where or "корень", key, f"ожидается {_KIND_RU[kind]}, а не {_type_ru(value)} ({_short(value)})"
        )
    return value


def _type_ru(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "да/нет"
    for kind, types in _KINDS.items():
        if kind not in ("integer", "bool") and isinstance(value, types):
            return _KIND_RU[kind]
    return type(value).__name__


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value
    return text if len(text) <= 40 else text[:37] + "..."


# --- dates ---------------------------------------------------------------------------------------

_DATE_FORMATS = ("%d.%m.%Y", "%Y-%m-%d", "%d.%m.%y")
_DATETIME_FORMATS = ("%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M")


def parse_datetime(text: Any, file_name: str, where: str, field_name: str) -> dt.datetime:
    """A date or date-time in the forms journals use (ISO with or without «T», ДД.ММ.ГГГГ [ЧЧ:ММ])."""
    if isinstance(text, str):
        value = text.strip()
        try:
            parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
            return parsed.replace(tzinfo=None) if parsed.tzinfo else parsed
        except ValueError:
            pass
        for fmt in _DATETIME_FORMATS + _DATE_FORMATS:
            try:
                return dt.datetime.strptime(value, fmt)
            except ValueError:
                continue
    raise ExportRefused(file_name, where, field_name, f"не дата: «{_short(text)}» (ожидается ДД.ММ.ГГГГ или ISO)")


def parse_date(text: Any, file_name: str, where: str, field_name: str) -> dt.date:
    return parse_datetime(text, file_name, where, field_name).date()


def fmt_date(value: dt.date) -> str:
    return value.strftime("%d.%m.%Y")


def fmt_datetime(value: dt.datetime) -> str:
    return value.strftime("%d.%m.%Y %H:%M")


def academic_year_of(day: dt.date) -> str:
    """«2025/2026» for any date from 1 September 2025 to 31 August 2026."""
    start = day.year if day.month >= 9 else day.year - 1
    return f"{start}/{start + 1}"


def academic_year_row(year_id: str, start: dt.date | None = None, end: dt.date | None = None) -> dict[str, str]:
    """An academic_years row; without dates, 1 September to 31 August."""
    first = int(year_id[:4])
    return {
        "academic_year_id": year_id,
        "start_date": fmt_date(start or dt.date(first, 9, 1)),
        "end_date": fmt_date(end or dt.date(first + 1, 8, 31)),
    }


def file_timestamp(path: Path) -> dt.datetime:
    """When the source file was saved: the export moment of data that does not state one."""
    return dt.datetime.fromtimestamp(int(path.stat().st_mtime))


# --- ids -----------------------------------------------------------------------------------------


def short_hash(*parts: object) -> str:
    return hashlib.sha1("\x1f".join(str(p) for p in parts).encode("utf-8")).hexdigest()[:12]


def stable_id(prefix: str, *parts: object) -> str:
    """A stable id from the parts (the same parts always give the same id): «prefix-<hash>»."""
    return f"{prefix}-{short_hash(*parts)}"


def source_id(prefix: str, value: object) -> str:
    """An id built from a source system's own id, kept readable when it fits the canonical pattern."""
    text = f"{prefix}-{value}"
    return text if _ID_OK.match(text) else stable_id(prefix, value)


def slug_id(text: str, prefix: str = "") -> str:
    """A readable id from a name («Контрольная работа» → «Контрольная_работа»), hashed if too long."""
    slug = _ID_BAD_CHARS.sub("_", normalise_name(text)).strip("_")
    candidate = f"{prefix}{slug}"
    if not slug or len(candidate) > 64:
        return stable_id(prefix.rstrip("-_:") or "id", text)
    return candidate


def normalise_name(text: str) -> str:
    """Lower case, «ё» as «е», single spaces: the form names are compared in."""
    return _SPACES.sub(" ", text.replace("ё", "е").replace("Ё", "Е")).strip().lower()


# --- marks and absences ------------------------------------------------------------------------

_MARK = re.compile(r"^\s*([1-5])\s*(?:/\s*([1-5]))?\s*$")
_MARK_WORDS = {"зач": "зач", "зачет": "зач", "зачтено": "зач", "незач": "незач", "незачет": "незач", "к": "К"}


def canonical_mark(raw: Any) -> str | None:
    """A current mark in canonical form («5», «4/5», «зач», «незач», «К»), or None if it is not one."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int | float) and float(raw).is_integer() and 1 <= raw <= 5:
        return str(int(raw))
    if not isinstance(raw, str):
        return None
    match = _MARK.match(raw)
    if match:
        return match.group(1) + (f"/{match.group(2)}" if match.group(2) else "")
    return _MARK_WORDS.get(normalise_name(raw).rstrip("."))


_PERIOD_MARKS = {"1", "2", "3", "4", "5", "зач", "незач", "н/а", "осв", "неосв"}


def canonical_period_mark(raw: Any) -> str | None:
    """A period mark in canonical form (1–5, «зач», «незач», «н/а», «осв», «неосв»), or None."""
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        raw = str(int(raw)) if float(raw).is_integer() else str(raw)
    if not isinstance(raw, str):
        return None
    text = normalise_name(raw).rstrip(".").replace("зачет", "зач").replace("зачтено", "зач")
    text = {"на": "н/а", "н/a": "н/а", "незачтено": "незач"}.get(text, text)
    return text if text in _PERIOD_MARKS else None


# Absence codes of the journal systems → canonical н (unexcused), у (excused), б (illness),
# оп (late). Keys are compared after normalise_name. None = present.
ABSENCE_CODES: dict[str, str | None] = {
    "": None,
    "attend": None,
    "present": None,
    "н": "н",
    "нб": "н",
    "нп": "н",
    "absent": "н",
    "неуважительная": "н",
    "у": "у",
    "уп": "у",
    "п": "у",
    "pass": "у",
    "уважительная": "у",
    "б": "б",
    "бл": "б",
    "бол": "б",
    "ill": "б",
    "болезнь": "б",
    "оп": "оп",
    "о": "оп",
    "late": "оп",
    "опоздание": "оп",
}


def map_absence_code(
    raw: Any, notes: Notes, file_name: str, where: str, field_name: str, *, extra: dict[str, str | None] | None = None
) -> str | None:
    """A source absence code in canonical form; None means present.

    An unknown code is not dropped: it is taken as an absence without a good reason («н») and
    recorded as a note, so the administrator sees it and can ask the system's meaning.
    """
    text = normalise_name(str(raw)).rstrip(".") if raw is not None else ""
    table = {**ABSENCE_CODES, **{normalise_name(k): v for k, v in (extra or {}).items()}}
    if text in table:
        return table[text]
    notes.add(file_name, where, field_name, raw, f"неизвестный код посещаемости «{raw}»: учтён как пропуск «н»")
    return "н"


# --- work types ----------------------------------------------------------------------------------


@dataclass
class WorkTypes:
    """Work types met in the data, with weights: the source's own, else the school's, else default.

    ``resolve`` returns the canonical work_type_id. A type the source gives without a weight and
    the school's table (norms [importers] work_type_weights) does not list gets the default
    weight (norms [importers] default_work_weight) and a note.
    """

    norms: Norms
    notes: Notes
    rows: dict[str, dict[str, str]] = field(default_factory=dict)

    def resolve(
        self,
        name: str | None,
        file_name: str,
        where: str,
        *,
        weight: float | None = None,
        is_control: bool | None = None,
        type_id: str | None = None,
    ) -> str:
        label = (name or "").strip() or "Без вида работы"
        work_type_id = type_id or slug_id(label)
        if work_type_id in self.rows:
            return work_type_id
        if weight is None:
            school = {normalise_name(k): v for k, v in self.norms.importers.work_type_weights.items()}
            weight = school.get(normalise_name(label))
            if weight is None:
                weight = self.norms.importers.default_work_weight
                self.notes.add(
                    file_name,
                    where,
                    "вид работы",
                    label,
                    f"вид работы «{label}» без веса и не указан в нормах школы: вес по умолчанию {_num(weight)}",
                )
        if is_control is None:
            is_control = "контрольн" in normalise_name(label)
        self.rows[work_type_id] = {
            "work_type_id": work_type_id,
            "work_type_name": label,
            "weight": _num(weight),
            "is_control": "да" if is_control else "нет",
        }
        return work_type_id

    def table(self) -> list[dict[str, str]]:
        return list(self.rows.values())


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


# --- subjects ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CatalogueSubject:
    subject_id: str
    subject_name: str
    short_name: str
    fipi_code: str


@dataclass
class SubjectCatalogue:
    """Subject names from any system mapped onto one catalogue (ejournal/subjects.toml)."""

    by_name: dict[str, CatalogueSubject]
    path: Path
    used: dict[str, CatalogueSubject] = field(default_factory=dict)

    def resolve(self, name: str, notes: Notes, file_name: str, where: str) -> str:
        """The subject id for a name; an unknown name becomes its own subject, with a note."""
        key = normalise_name(name)
        subject = self.by_name.get(key)
        if subject is None:
            subject = CatalogueSubject(slug_id(name, "s:"), name.strip(), name.strip()[:20], "")
            if subject.subject_id not in self.used:
                notes.add(
                    file_name,
                    where,
                    "предмет",
                    name,
                    f"предмета «{name.strip()}» нет в справочнике {self.path.name}: загружен под своим названием",
                )
            self.by_name[key] = subject
        self.used[subject.subject_id] = subject
        return subject.subject_id

    def table(self) -> list[dict[str, str]]:
        return [
            {
                "subject_id": s.subject_id,
                "subject_name": s.subject_name,
                "short_name": s.short_name,
                "fipi_code": s.fipi_code,
            }
            for s in self.used.values()
        ]


def load_subject_catalogue(path: Path | None = None) -> SubjectCatalogue:
    """Read the catalogue (EJOURNAL_SUBJECTS, default ejournal/subjects.toml); a bad file is refused."""
    path = path or environment().subjects_file
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ExportRefused(path.name, None, None, f"справочник предметов не читается: {error}") from None
    by_name: dict[str, CatalogueSubject] = {}
    for subject_id, entry in data.items():
        if not isinstance(entry, dict) or not _ID_OK.match(subject_id) or not isinstance(entry.get("name"), str):
            raise ExportRefused(path.name, f"[{subject_id}]", "name", "у предмета должно быть название (name)")
        subject = CatalogueSubject(
            subject_id, entry["name"], str(entry.get("short_name") or entry["name"]), str(entry.get("fipi_code", ""))
        )
        aliases = entry.get("aliases", [])
        if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
            raise ExportRefused(path.name, f"[{subject_id}]", "aliases", "ожидается список названий")
        for name in (subject.subject_name, subject.short_name, *aliases):
            other = by_name.get(normalise_name(name))
            if other is not None and other.subject_id != subject_id:
                raise ExportRefused(
                    path.name,
                    f"[{subject_id}]",
                    "aliases",
                    f"название «{name}» уже означает предмет [{other.subject_id}]",
                )
            by_name[normalise_name(name)] = subject
    return SubjectCatalogue(by_name, path)


# --- the canonical tables and writing them ------------------------------------------------------


class CanonicalTables:
    """Rows of each canonical file, one per natural key (a repeated key keeps the first row)."""

    def __init__(self) -> None:
        self.rows: dict[str, dict[tuple, dict[str, str]]] = {}

    def add(self, file: str, row: dict[str, Any]) -> dict[str, str]:
        """Add a row (values become text); returns the row stored under its key (maybe an earlier one)."""
        if file not in FILES_BY_NAME:
            raise KeyError(f"no canonical file {file!r}")
        columns = columns_of(FILES_BY_NAME[file].model)
        unknown = set(row) - set(columns)
        if unknown:
            raise KeyError(f"{file}: no columns {sorted(unknown)}")
        text = {c: "" if row.get(c) is None else str(row[c]) for c in columns}
        key_columns = NATURAL_KEYS.get(file, tuple(columns))
        key = tuple(text[c] for c in key_columns)
        return self.rows.setdefault(file, {}).setdefault(key, text)

    def extend(self, file: str, rows: Iterable[dict[str, Any]]) -> None:
        for row in rows:
            self.add(file, row)

    def get(self, file: str) -> list[dict[str, str]]:
        return list(self.rows.get(file, {}).values())

    def write(self, out_dir: Path) -> list[Path]:
        return write_canonical(out_dir, {name: list(rows.values()) for name, rows in self.rows.items()})


def write_canonical(out_dir: Path, tables: dict[str, list[dict[str, Any]]]) -> list[Path]:
    """Write canonical CSV files (UTF-8, «;», header = the model's columns) into ``out_dir``.

    Required files that have no rows are still written with a header, so the ordinary ingest
    reports them as empty in its own words.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    names = [n for n, spec in FILES_BY_NAME.items() if n in tables or spec.required]
    for name in names:
        columns = list(columns_of(FILES_BY_NAME[name].model))
        path = out_dir / f"{name}.csv"
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, delimiter=";", quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
            writer.writerow(columns)
            for row in tables.get(name, []):
                writer.writerow(["" if row.get(c) is None else str(row.get(c)) for c in columns])
        written.append(path)
    return written


def export_row(
    school_id: str,
    source_system: str,
    exported_at: dt.datetime,
    covers_from: dt.date,
    covers_to: dt.date,
    *,
    kind: str = "full",
) -> dict[str, str]:
    """The single row of export.csv."""
    return {
        "school_id": school_id,
        "source_system": source_system,
        "export_kind_code": kind,
        "exported_at": fmt_datetime(exported_at),
        "covers_from_date": fmt_date(covers_from),
        "covers_to_date": fmt_date(covers_to),
    }


def split_full_name(full_name: str) -> dict[str, str]:
    """«Фамилия Имя Отчество» → last_name, first_name, middle_name (a single word is a surname)."""
    parts = full_name.split()
    last = parts[0] if parts else ""
    first = parts[1] if len(parts) > 1 else "—"
    middle = " ".join(parts[2:])
    return {"last_name": last, "first_name": first, "middle_name": middle}


_CLASS = re.compile(r"^\s*(\d{1,2})\s*[-\s«\"]?\s*([А-ЯЁа-яёA-Za-z]?)[»\"]?\s*$")


def class_grade(class_name: str) -> int | None:
    """The grade of a class name like «7А», «10-Б», «11»; None if it is not one."""
    match = _CLASS.match(class_name)
    if not match or not 1 <= int(match.group(1)) <= 11:
        return None
    return int(match.group(1))


_MARK_SIGN = re.compile(r"^\s*([1-5])\s*[+\-−]\s*$")


def resolve_mark(raw: Any, notes: Notes, file_name: str, where: str, field_name: str) -> str | None:
    """``canonical_mark`` that notes what it changes: «5+»/«4-» keep the digit (with a note);
    a value that is not a mark at all is noted and gives None (the caller skips that mark)."""
    mark = canonical_mark(raw)
    if mark is not None:
        return mark
    match = _MARK_SIGN.match(raw) if isinstance(raw, str) else None
    if match:
        notes.add(
            file_name, where, field_name, raw, f"отметка «{raw}» загружена как «{match.group(1)}» (без плюса/минуса)"
        )
        return match.group(1)
    notes.add(file_name, where, field_name, raw, f"«{_short(raw)}» — не отметка: не загружена")
    return None


PERIOD_KINDS = {"четверть": "quarter", "триместр": "trimester", "полугодие": "half_year", "семестр": "semester"}
_PERIOD_NAME = re.compile(r"^\s*(\d)\s*(?:-?я\s*)?(четверт|чет|триместр|полугоди|семестр)\w*\.?\s*$", re.IGNORECASE)
_PERIOD_STEMS = {"четверт": "четверть", "чет": "четверть", "триместр": "триместр", "полугоди": "полугодие"}


def parse_period_name(text: str) -> tuple[int, str] | None:
    """«1 четверть», «2 чет.», «1 полугодие» → (number, kind code); None if it is not a period."""
    match = _PERIOD_NAME.match(text)
    if not match:
        return None
    kind = PERIOD_KINDS[_PERIOD_STEMS.get(match.group(2).lower(), "семестр")]
    number = int(match.group(1))
    return (number, kind) if 1 <= number <= 4 else None


_PERIOD_RU = {"quarter": "четверть", "trimester": "триместр", "half_year": "полугодие", "semester": "семестр"}


def periods_from_dates(
    year_id: str, kind: str, dates_by_number: dict[int, list[dt.date]], year_start: dt.date, year_end: dt.date
) -> list[dict[str, str]]:
    """Period rows when the source names periods but not their dates: each period runs from its
    first lesson date (the first from the year's start) to the day before the next one's first
    lesson (the last to the year's end). Periods without any date are left out."""
    numbers = sorted(n for n, dates in dates_by_number.items() if dates)
    starts = {n: min(dates_by_number[n]) for n in numbers}
    rows = []
    for i, number in enumerate(numbers):
        start = year_start if i == 0 else starts[number]
        end = starts[numbers[i + 1]] - dt.timedelta(days=1) if i + 1 < len(numbers) else year_end
        rows.append(
            {
                "period_id": period_id(year_id, kind, number),
                "academic_year_id": year_id,
                "period_kind_code": kind,
                "period_number": str(number),
                "period_name": f"{number} {_PERIOD_RU[kind]}",
                "start_date": fmt_date(start),
                "end_date": fmt_date(end),
                "grades": "",
            }
        )
    return rows


def period_id(year_id: str, kind: str, number: int) -> str:
    """«2025-2026-quarter-1»: the same period gets the same id from every importer."""
    return f"{year_id.replace('/', '-')}-{kind}-{number}"
