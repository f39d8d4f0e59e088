"""Reading the deputy director's Excel workbooks: merged cells expanded, sheets classified.

Three kinds of sheet (docs/importers.md, «Таблицы Excel»):
- a journal sheet of one class and subject: title rows («Класс: 7А», «Предмет: Математика»,
  «Учитель: …», «Учебный год: 2025/2026»), then a header row with «ФИО» (or the name in columns
  «Фамилия», «Имя», «Отчество») and a column per lesson (a date, «8 сент.», or a day number under
  a merged month name), optionally period-mark columns («Итог»,
  «1 четверть»); a pupil per row; cells «5», «4/5», «н», «5 кр»;
- a period-marks sheet: «ФИО», then subjects (merged over their period columns «1 ч.», «2 ч.», «год»)
  or subjects only with the period in the title; or, under «Предмет: …», the one subject's periods
  alone («I | II | III | IV | Год»);
- a sheet «Периоды»: Период | Начало | Окончание.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ejournal.formatting import MONTHS as MONTH_NAMES
from pipelines import guards
from pipelines.importers.dates import is_plausible
from pipelines.importers.names import normalise_name
from pipelines.importers.periods import PERIOD_NUMBER, parse_period_name, period_number
from pipelines.importers.reading import unreadable_file
from pipelines.issues import ExportRefused

MONTHS = {name: number for number, name in enumerate(MONTH_NAMES, start=1)}
# «ФИО», «Ф.И.О. обучающегося», «Фамилия, имя», «Ученик», «Учащиеся», «Обучающийся (ФИО)»: a short
# header without digits (a title such as «Ученики 7Б класса» above the table is not it)
_NAME_HEADER = re.compile(r"^(?!.*\d)(фио|ф\.\s*и\.\s*о\.?|фамилия|ученик|учащи|обучающ)[^\d]{0,40}$")
# the name in columns of its own: «Фамилия», «Имя», and «Отчество» if there is one
_NAME_PARTS = ("фамилия", "имя", "отчество")
_DAY_MONTH = re.compile(r"^(\d{1,2})\.(\d{1,2})(?:\.(\d{2}|\d{4}))?$")
# a day of the week beside the date in a lesson's header: «01.09 пн», «Пн, 01.09», «01.09 (вт)»
_WEEKDAY = re.compile(
    r"\b(пн|вт|ср|чт|пт|сб|вс|понедельник|вторник|среда|четверг|пятница|суббота|воскресенье)\b\.?", re.IGNORECASE
)
# «1 сен», «8 сент.», «15 сентября», «3.окт»: a day and a month in words
_DAY_MONTH_WORD = re.compile(r"^(\d{1,2})\s*[.\s]?\s*([а-я]{3,})\.?$")
# «2025/2026», «2025-2026», «2025/26»
_YEAR = re.compile(r"(20\d{2})\s*[/-]\s*(20\d{2}|\d{2})(?!\d)")
# «7А», «7 «Б»», «10-В»: the letter in capitals where the title's text is searched; a class stated
# as such («Класс: 7б») or a sheet's name («7б алгебра») may have it in small letters
_CLASS = re.compile(r"(?<!\d)(\d{1,2})\s*[-\s]?\s*[«\"]?([А-ЯЁ])[»\"]?(?![А-ЯЁа-яё])")
_CLASS_ANY_CASE = re.compile(_CLASS.pattern, re.IGNORECASE)
# «Класс: 7А», «Класс - 7А», «Класс 7А», several on a line; a key is a whole word in any case
# («Классный руководитель» is not «Класс»)
_KEYS = ("Класс", "Предмет", "Учитель", "Учебный год", "Период")
_KEY_NAMES = {key.lower(): key for key in _KEYS}
_KEY = rf"(?<![а-яё])(?:{'|'.join(_KEYS)})(?![а-яё])"
_TITLE_LINE = re.compile(rf"\s*{_KEY}", re.IGNORECASE)
_KEY_VALUE = re.compile(rf"({_KEY})[ \t]*[:\-–—]?[ \t]*(.+?)[ \t]*(?={_KEY}|$)", re.IGNORECASE | re.MULTILINE)
# Excel's own names of a new sheet: never a subject
_DEFAULT_SHEET = re.compile(r"^(лист|sheet)\s*\d*$", re.IGNORECASE)
_PERIOD_LABELS = {"год": ("year", 0), "годовая": ("year", 0), "экз": ("exam", 0), "экзамен": ("exam", 0)}
_PERIOD_LABELS |= {"итог": ("final", 0), "итоговая": ("final", 0)}


def cell_place(row: int, column: int) -> str:
    """«строка 5, столбец C» as Excel shows it (both 1-based)."""
    letters = ""
    n = column
    while n:
        n, rest = divmod(n - 1, 26)
        letters = chr(65 + rest) + letters
    return f"строка {row}, столбец {letters}"


@dataclass
class Sheet:
    file_name: str
    title: str
    rows: list[list[Any]]  # merged cells expanded; 0-based here, reported 1-based

    def text(self, r: int, c: int) -> str:
        value = self.rows[r][c] if r < len(self.rows) and c < len(self.rows[r]) else None
        if value is None:
            return ""
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return " ".join(str(value).split())

    def where(self, r: int, c: int) -> str:
        return f"лист «{self.title}», {cell_place(r + 1, c + 1)}"


def read_workbook(path: Path) -> list[Sheet]:
    """Every sheet's values with merged cells filled in; an unreadable file refuses the import."""
    from openpyxl import load_workbook

    if path.stat().st_size == 0:
        raise ExportRefused(path.name, None, None, "файл пуст")
    if problem := unreadable_file(path):
        raise ExportRefused(path.name, None, None, problem)
    if not zipfile.is_zipfile(path):
        raise ExportRefused(path.name, None, None, "файл повреждён или это не книга Excel (.xlsx)")
    guards.check_xlsx(path)  # sizes and merged ranges bounded before openpyxl builds anything
    try:
        book = load_workbook(path, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a damaged package
        raise ExportRefused(path.name, None, None, f"книга Excel не читается ({type(error).__name__})") from None
    sheets = []
    for ws in book.worksheets:
        rows = [list(r) for r in ws.iter_rows(values_only=True)]
        for merged in ws.merged_cells.ranges:
            value = ws.cell(merged.min_row, merged.min_col).value
            for r in range(merged.min_row - 1, merged.max_row):
                for c in range(merged.min_col - 1, merged.max_col):
                    while len(rows) <= r:
                        rows.append([])
                    while len(rows[r]) <= c:
                        rows[r].append(None)
                    rows[r][c] = value
        sheets.append(Sheet(path.name, ws.title, rows))
    return sheets


@dataclass
class SheetHead:
    """What the title rows and the header say about a sheet."""

    header_row: int
    name_cols: tuple[int, ...]  # the columns the name is written in: «ФИО», or «Фамилия», «Имя», …
    class_name: str | None = None
    subject: str | None = None
    teacher: str | None = None
    year_id: str | None = None
    period: tuple[int, str] | None = None
    facts: dict[str, str] = field(default_factory=dict)

    @property
    def name_col(self) -> int:
        """The column of the name's header («ФИО», or «Фамилия» of the name in columns)."""
        return self.name_cols[0]


def find_head(sheet: Sheet) -> SheetHead | None:
    """The header row (the one with «ФИО») and the facts stated above it; None if there is none."""
    for r in range(min(len(sheet.rows), 30)):
        for c in range(min(len(sheet.rows[r]), 10)):
            if _NAME_HEADER.match(normalise_name(sheet.text(r, c))):
                head = SheetHead(r, _name_columns(sheet, r, c))
                # «ФИО» merged over two header rows: the lower row holds the days or period labels.
                while head.header_row + 1 < len(sheet.rows) and sheet.text(head.header_row + 1, c) == sheet.text(r, c):
                    head.header_row += 1
                # a cell a line (a value ends with its cell); a merged cell's copies once
                cells = (sheet.text(i, j) for i in range(r) for j in range(len(sheet.rows[i])))
                title = "\n".join(dict.fromkeys(cell for cell in cells if cell))
                _read_title(title, sheet.title, head)
                return head
    return None


def _name_columns(sheet: Sheet, r: int, c: int) -> tuple[int, ...]:
    """The columns of a pupil's name from the header's name column: one, or «Фамилия», «Имя» and
    «Отчество» side by side."""
    columns = [c]
    if normalise_name(sheet.text(r, c)).rstrip(".") == _NAME_PARTS[0]:
        for part in _NAME_PARTS[1:]:
            if normalise_name(sheet.text(r, columns[-1] + 1)).rstrip(".") != part:
                break
            columns.append(columns[-1] + 1)
    return tuple(columns)


def _read_title(title: str, sheet_title: str, head: SheetHead) -> None:
    """The facts of the rows above the header (``title``) and of the sheet's name."""
    text = f"{title}\n{sheet_title}"
    for key, value in _KEY_VALUE.findall(text):
        head.facts.setdefault(_KEY_NAMES[" ".join(key.lower().split())], value.strip(" ,;"))
    head.subject = head.facts.get("Предмет")
    head.teacher = head.facts.get("Учитель")
    found = (
        _CLASS_ANY_CASE.search(head.facts.get("Класс", ""))
        or _CLASS.search(title)
        or _CLASS_ANY_CASE.search(sheet_title)
    )
    if found:
        head.class_name = f"{found.group(1)}{found.group(2).upper()}"
    year = _YEAR.search(head.facts.get("Учебный год", "")) or _YEAR.search(text)
    if year:
        start, end = int(year.group(1)), int(year.group(2))
        if end == start + 1 or (end < 100 and end == (start + 1) % 100):
            head.year_id = f"{start}/{start + 1}"
    term = rf"{PERIOD_NUMBER}\s*-?\s*(?:я\s*)?(четверт\w*|полугоди\w*|триместр\w*)"
    period = re.search(term, head.facts.get("Период", ""), re.IGNORECASE) or re.search(term, text, re.IGNORECASE)
    if period:
        head.period = parse_period_name(f"{period.group(1)} {period.group(2)}")


def is_title_line(text: str) -> bool:
    """Whether a cell states a fact of the title («Учебный год: 2025/2026», «Класс 7А»), as a title
    row merged across the table does over every column: never a subject."""
    return _TITLE_LINE.match(text) is not None


def subject_of_sheet(sheet_title: str) -> str | None:
    """The subject a sheet's name gives when the title rows do not: the name without its class
    («7А Математика» → «Математика»); None for a name Excel gives a new sheet («Лист1», «Sheet2»)."""
    subject = _CLASS_ANY_CASE.sub("", sheet_title).strip(" -–—,.")
    return None if not subject or _DEFAULT_SHEET.match(subject) else subject


def period_label(text: str, *, bare: bool = False) -> tuple[str, int, str | None] | None:
    """A period-mark column header: («period», number, kind), («year», 0, None) …; None if not one.
    ``bare``: a number alone, «I» … «IV» or «1» … «4» (under a subject of a period-marks sheet, not
    under a month of a journal, where it is a day), is («period», number, «bare»): its kind is the
    sheet's to tell."""
    key = normalise_name(text).rstrip(".")
    if key in _PERIOD_LABELS:
        kind, number = _PERIOD_LABELS[key]
        return kind, number, None
    if bare and (alone := re.fullmatch(PERIOD_NUMBER, key, re.IGNORECASE)) and 1 <= (n := period_number(alone[1])) <= 4:
        return "period", n, "bare"
    short = re.match(rf"^{PERIOD_NUMBER}\s*(ч|чет|четв|п|пол|полуг|т|трим)\.?$", key)
    if short:
        kind = {"ч": "quarter", "п": "half_year", "т": "trimester"}[short.group(2)[0]]
        return "period", period_number(short.group(1)), kind
    parsed = parse_period_name(key)
    if parsed:
        return "period", parsed[0], parsed[1]
    return None


def column_date(sheet: Sheet, head: SheetHead, c: int, year_id: str | None) -> dt.date | None:
    """The lesson date of a journal column: a date cell, «08.09[.2025]», or a day under a month."""
    value = sheet.rows[head.header_row][c] if c < len(sheet.rows[head.header_row]) else None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = " ".join(_WEEKDAY.sub(" ", sheet.text(head.header_row, c)).strip(" ,()").split()).strip(" ,()")
    match = _DAY_MONTH.match(text)
    if match:
        day, month, year = int(match.group(1)), int(match.group(2)), match.group(3)
        return _date(day, month, int(year) if year and len(year) == 4 else None, year_id)
    if (worded := _DAY_MONTH_WORD.match(normalise_name(text))) and (month := _month_of(worded.group(2))):
        return _date(int(worded.group(1)), month, None, year_id)
    if text.isdigit() and head.header_row > 0:
        month = _month_of(normalise_name(sheet.text(head.header_row - 1, c)).rstrip("."))  # «Сентябрь», «сент.»
        if month:
            return _date(int(text), month, None, year_id)
    return None


def _month_of(word: str) -> int | None:
    """«сен», «сент», «сентября», «мая» → the month's number; None for another word (and for
    fewer than three letters: «» or «ма» is no month)."""
    if len(word) < 3:
        return None
    for name, number in MONTHS.items():
        # a short form of the name («сент»), or the name with another ending («сентября», «мая»)
        if (
            name.startswith(word)
            or (word[:3] == name[:3] and word.startswith(name[:-1]))
            or (name, word) == ("май", "мая")
        ):
            return number
    return None


def _date(day: int, month: int, year: int | None, year_id: str | None) -> dt.date | None:
    if year is None:
        if year_id is None:
            return None
        year = int(year_id[:4]) if month >= 9 else int(year_id[5:])
    try:
        parsed = dt.date(year, month, day)
    except ValueError:
        return None
    return parsed if is_plausible(parsed) else None
