"""«Сетевой город»: the report «Отчет об успеваемости и посещаемости ученика» as the server sends it.

The server (``reports/studenttotal/queue``, then ``files/<id>``; on old servers
``/asp/Reports/StudentTotal.asp``) returns an HTML fragment: no ``<html>``/``<body>`` and no
``</html>``, in UTF-8 or Windows-1251. Its head is a list of labelled values, each label in its own
element or several on one line: «Учебный год: 2026/2027», «Класс:» (often empty), «Учебный
период:» (often empty), «Период: с 1.09.2026 по 30.11.2026», «Ученик: Фамилия Имя Отчество» (also
in ``data-sheet-name``). Then ``table.table-print``: «Предмет», the months (merged cells) over the
day numbers, «Средн. оценка 1 триместр» (not loaded: the warehouse computes averages) and
«Итог.оценка 1 триместр» (the period mark). A day's cell holds marks (several, separated by spaces
or ``&nbsp;&nbsp;``, or in child elements; «5/4»), «.» for an overdue task, and the report's
attendance codes (its legend: УП, Б, НП, ОТ, ОП, ОСВ). Under the table: the legend and the footer.

Attendance: УП → у, Б → б, НП and Н → н, ОП → оп (pipelines/importers/absences.py); ОТ
(«Отсутствовал», no reason given) → н; ОСВ («Освобожден от посещения») is not an absence at all:
it is not loaded and is counted in a note.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree.ElementTree import Element

import tinyhtml5

from ejournal.formatting import MONTHS as MONTH_NAMES
from pipelines.importers.absences import map_absence_code
from pipelines.importers.dates import parse_date
from pipelines.importers.marks import canonical_mark, resolve_mark
from pipelines.importers.names import normalise_name
from pipelines.importers.notes import Notes
from pipelines.importers.periods import PERIOD_NUMBER, parse_period_name
from pipelines.importers.reading import read_text_file
from pipelines.issues import ExportRefused

REPORT_TITLE = "Отчёт об успеваемости и посещаемости ученика"
MONTHS = {name: number for number, name in enumerate(MONTH_NAMES, start=1)}
HEAD = "шапка отчёта"
GRID = "заголовок таблицы"
_LABEL = re.compile(r"(Учебный год|Учебный период|Ученица|Ученик|Класс|Период)\s*:")
_DATE = r"(\d{1,2}\.\d{1,2}\.\d{4})"
_PERIOD_DATES = re.compile(_DATE + r"\s*(?:-|–|—|по)\s*" + _DATE)
_TERM = re.compile(
    rf"{PERIOD_NUMBER}\s*-?\s*(?:я\s*)?(четверт\w*|четв\.?|триместр\w*|полугоди\w*|семестр\w*)", re.IGNORECASE
)
_TOKEN = re.compile(r"\d+(?:\s*/\s*\d+)?[+\-−]?|\.|[^\s\d.]+")
# Elements that do not end a line of the report's head: a label in <b> and its value stay together.
_INLINE = {"b", "i", "strong", "em", "u", "font", "a", "small", "big", "sup", "sub", "nobr", "label", "abbr"}
# The report's own attendance codes beyond the shared table: «ОТ — Отсутствовал» (no reason given).
ATTENDANCE_CODES = {"от": "н"}
RELEASED = "осв"  # «ОСВ — Освобожден от посещения»: not an absence


@dataclass
class ReportCell:
    subject: str
    day: dt.date
    marks: list[str]
    absence: str | None
    where: str


@dataclass
class Report:
    file_name: str
    pupil_name: str
    class_name: str | None
    period_number: int | None  # the term of «Итог.оценка …» or «Учебный период»; None if not named
    period_kind: str | None
    period_start: dt.date
    period_end: dt.date
    cells: list[ReportCell] = field(default_factory=list)
    finals: dict[str, tuple[str, str]] = field(default_factory=dict)  # subject → (value, where)
    n_overdue: int = 0
    n_released: int = 0


@dataclass
class Grid:
    """The columns of the report's table: days, the period-mark column and its term."""

    dates: dict[int, dt.date]
    width: int
    header_rows: int
    final_column: int | None
    final_term: tuple[int, str] | None


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1251", errors="ignore")


def is_report(path: Path) -> bool:
    head = _decode(path.read_bytes()[:100_000]).replace("Отчет", "Отчёт")
    return REPORT_TITLE.lower() in head.lower()


def read_report(path: Path, notes: Notes) -> Report:
    """Parse the report; a page that is not the whole report refuses the import."""
    name = path.name
    text = read_text_file(path)
    if len(re.findall(r"<table\b", text, re.IGNORECASE)) > len(re.findall(r"</table\s*>", text, re.IGNORECASE)):
        raise ExportRefused(name, None, None, "отчёт сохранён не полностью: таблица не закрыта (нет </table>)")
    root = tinyhtml5.parse(text, namespace_html_elements=False)
    table = next((t for t in root.iter("table") if _is_grid(t)), None)
    if table is None:
        raise ExportRefused(name, None, None, "в отчёте нет таблицы отметок (строка «Предмет» и месяцы над днями)")
    labels = _labels(_head_lines(root, table))
    start, end = _period_dates(labels, name)
    report = Report(name, _pupil(labels, root, name), labels.get("Класс") or None, None, None, start, end)
    grid = _read_grid(table, report, notes)
    _read_rows(table, grid, report, notes)
    _set_term(report, grid, labels, notes)
    if report.n_overdue:
        notes.add(
            name, "таблица", "«.»", report.n_overdue, f"просроченных заданий («.»): {report.n_overdue}; это не отметки"
        )
    if report.n_released:
        notes.add(
            name,
            "таблица",
            "ОСВ",
            report.n_released,
            f"«ОСВ» (освобождён от посещения): {report.n_released}; это не пропуск, не загружено",
        )
    return report


# --- the head: labelled values ------------------------------------------------------------------


def _head_lines(root: Element, grid: Element) -> list[str]:
    """The page's text outside the grid, one line per block element (a label in <b> keeps its value)."""
    parts: list[str] = []

    def walk(node: Element) -> None:
        if node is grid or not isinstance(node.tag, str):
            return
        block = node.tag not in _INLINE
        parts.append("\n" if block else "")
        parts.append((node.text or "").replace("\n", " "))
        for child in node:
            walk(child)
            parts.append((child.tail or "").replace("\n", " "))
        parts.append("\n" if block else "")

    walk(root)
    return [" ".join(line.split()) for line in "".join(parts).split("\n") if line.strip()]


def _labels(lines: list[str]) -> dict[str, str]:
    """Each label's value: up to the next label on the line or the line's end; an empty value
    followed by a line without a label (label and value in two cells) takes that line."""
    found: dict[str, str] = {}
    for number, line in enumerate(lines):
        matches = list(_LABEL.finditer(line))
        for match, following in zip(matches, [*matches[1:], None], strict=False):
            value = line[match.end() : following.start() if following else len(line)].strip()
            is_last = following is None and number + 1 < len(lines)
            if not value and is_last and not _LABEL.search(lines[number + 1]):
                value = lines[number + 1]
            found.setdefault(match.group(1), value)
    return found


def _pupil(labels: dict[str, str], root: Element, name: str) -> str:
    pupil = labels.get("Ученик") or labels.get("Ученица")
    if not pupil:
        pupil = next((e.get("data-sheet-name", "") for e in root.iter() if e.get("data-sheet-name")), "")
    if len(pupil.split()) < 2:
        raise ExportRefused(name, HEAD, "Ученик", f"не указан ученик (Фамилия Имя), найдено «{pupil}»")
    return " ".join(pupil.split())


def _period_dates(labels: dict[str, str], name: str) -> tuple[dt.date, dt.date]:
    dates = _PERIOD_DATES.search(labels.get("Период", ""))
    if not dates:
        raise ExportRefused(
            name,
            HEAD,
            "Период",
            f"не указан период с датами («с 1.09.2026 по 30.11.2026»), найдено «{labels.get('Период', '')}»",
        )
    start = parse_date(dates.group(1), name, HEAD, "Период")
    end = parse_date(dates.group(2), name, HEAD, "Период")
    if end < start:
        raise ExportRefused(name, HEAD, "Период", "конец периода раньше начала")
    return start, end


def _term(text: str) -> tuple[int, str] | None:
    match = _TERM.search(text)
    return parse_period_name(f"{match.group(1)} {match.group(2)}") if match else None


def _set_term(report: Report, grid: Grid, labels: dict[str, str], notes: Notes) -> None:
    """The period the marks belong to: the «Итог.оценка …» column's, else «Учебный период», else
    a term named in «Период»; period marks without a named period refuse the import."""
    term = grid.final_term or _term(labels.get("Учебный период", "")) or _term(labels.get("Период", ""))
    if term:
        report.period_number, report.period_kind = term
    elif report.finals:
        raise ExportRefused(
            report.file_name,
            HEAD,
            "Период",
            "не указан период, к которому относятся итоговые отметки "
            "(ожидается «Итог.оценка 1 триместр» или «Учебный период: 1 четверть»)",
        )
    else:
        notes.add(report.file_name, HEAD, "Учебный период", None, "учебный период не назван: период не создан")


# --- the table ----------------------------------------------------------------------------------


def _rows(table: Element) -> list[list[Element]]:
    return [[c for c in tr if c.tag in ("td", "th")] for tr in table.iter("tr")]


def _text(cell: Element) -> str:
    return " ".join(" ".join(cell.itertext()).split())


def _span(cell: Element, attribute: str = "colspan") -> int:
    value = cell.get(attribute) or "1"
    return int(value) if value.isdigit() and 0 < int(value) < 100 else 1


def _is_grid(table: Element) -> bool:
    rows = _rows(table)
    first = [normalise_name(_text(c)) for c in rows[0]] if rows else []
    return bool(first) and first[0].startswith("предмет")


def _read_grid(table: Element, report: Report, notes: Notes) -> Grid:
    name = report.file_name
    rows = _rows(table)
    titles = [_text(cell) for cell in rows[0] for _ in range(_span(cell))]
    months = [MONTHS.get(normalise_name(title)) for title in titles]
    day_columns = [i for i, month in enumerate(months) if month]
    two_rows = bool(day_columns) or any(_span(cell, "rowspan") > 1 for cell in rows[0])
    days = rows[1] if two_rows and len(rows) > 1 else []
    if len(days) != len(day_columns):
        raise ExportRefused(name, GRID, None, f"дней под месяцами {len(days)}, а столбцов месяцев {len(day_columns)}")
    finals = []
    for column, title in enumerate(titles):
        kind = normalise_name(title)
        if column == 0 or months[column] or kind.startswith("средн"):
            continue
        if kind.startswith("итог"):
            finals.append(column)
        else:
            notes.unknown_column(name, f"{GRID}, столбец {column + 1}", title)
    if len(finals) > 1:
        found = ", ".join(f"«{titles[c]}»" for c in finals)
        raise ExportRefused(
            name, GRID, "Итог", f"несколько столбцов итоговых отметок ({found}): сохраните отчёт за каждый период"
        )
    dates = {c: _day(cell, c, months[c] or 0, report) for c, cell in zip(day_columns, days, strict=True)}
    final = finals[0] if finals else None
    final_term = _term(titles[final]) if final is not None else None
    return Grid(dates, len(titles), 2 if two_rows else 1, final, final_term)


def _day(cell: Element, column: int, month: int, report: Report) -> dt.date:
    where = f"{GRID}, столбец {column + 1}"
    text = _text(cell)
    if not text.isdigit():
        raise ExportRefused(report.file_name, where, "день", f"«{text}» — не число месяца")
    year = report.period_start.year if month >= report.period_start.month else report.period_end.year
    try:
        return dt.date(year, month, int(text))
    except ValueError:
        raise ExportRefused(report.file_name, where, "день", f"нет такой даты: {text}.{month:02d}.{year}") from None


def _read_rows(table: Element, grid: Grid, report: Report, notes: Notes) -> None:
    name = report.file_name
    for number, row in enumerate(_rows(table)[grid.header_rows :], start=grid.header_rows + 1):
        if not row:
            continue
        subject = _text(row[0])
        if not subject:
            raise ExportRefused(name, f"строка {number}", "Предмет", "нет названия предмета")
        columns = [cell for cell in row for _ in range(_span(cell))]
        if len(columns) != grid.width:
            raise ExportRefused(
                name, f"строка {number} («{subject}»)", None, f"ячеек {len(columns)}, а столбцов {grid.width}"
            )
        for column, day in grid.dates.items():
            where = f"строка {number} («{subject}»), {day:%d.%m}"
            _cell(report, subject, day, " ".join(columns[column].itertext()), where, notes)
        final = _text(columns[grid.final_column]) if grid.final_column is not None else ""
        if final:
            report.finals[subject] = (final, f"строка {number} («{subject}»), «Итог»")


def _tokens(text: str) -> Iterator[str]:
    """Marks («5», «5/4», «4-»), dots and letter codes of a day's cell, whatever separates them."""
    return (re.sub(r"\s+", "", token) for token in _TOKEN.findall(text))


def _cell(report: Report, subject: str, day: dt.date, text: str, where: str, notes: Notes) -> None:
    """A day's cell: marks, «.» for an overdue task, attendance codes, or a mix (a pupil late to the
    lesson can still get a mark: «2 ОП»)."""
    name = report.file_name
    marks: list[str] = []
    codes: list[str] = []
    for token in _tokens(text):
        if token == ".":
            report.n_overdue += 1
        elif token[0].isdigit() or canonical_mark(token) is not None:
            mark = resolve_mark(token, notes, name, where, "отметка")
            marks += [mark] if mark else []
        elif normalise_name(token) == RELEASED:
            report.n_released += 1
        else:
            codes.append(token)
    absence = None
    if codes:
        absence = map_absence_code(codes[0], notes, name, where, "посещаемость", extra=ATTENDANCE_CODES)
        if len(codes) > 1:
            notes.add(
                name, where, "посещаемость", text, f"несколько кодов посещаемости «{' '.join(codes)}»: учтён первый"
            )
    if marks or absence:
        report.cells.append(ReportCell(subject, day, marks, absence, where))
