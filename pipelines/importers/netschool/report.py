"""«Сетевой город»: the report «Отчёт об успеваемости и посещаемости ученика» saved as HTML.

The report heads with the pupil («Ученик: …»), the class («Класс: 7А») and the period
(«Период: 1 четверть, 01.09.2025 – 26.10.2025»), then a table: a row per subject, a column per
day grouped under month names (merged header cells), then «Средн.» and «Итог». A day's cell holds
marks (digits, several separated by spaces), «.» for an overdue task, or an absence letter.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree.ElementTree import Element

import tinyhtml5

from ejournal.formatting import MONTHS as MONTH_NAMES
from pipelines.importers.absences import map_absence_code
from pipelines.importers.dates import parse_date
from pipelines.importers.notes import Notes
from pipelines.importers.periods import parse_period_name
from pipelines.importers.reading import read_text_file
from pipelines.issues import ExportRefused

REPORT_TITLE = "Отчёт об успеваемости и посещаемости ученика"
MONTHS = {name: number for number, name in enumerate(MONTH_NAMES, start=1)}
_DATE = r"(\d{2}\.\d{2}\.\d{4})"
_PERIOD_DATES = re.compile(_DATE + r"\s*(?:-|–|—|по)\s*" + _DATE)
_MARK = re.compile(r"^[1-5](?:/[1-5])?$")
KNOWN_COLUMNS = {"предмет", "средн.", "итог"}  # besides the days under month names


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
    period_number: int
    period_kind: str
    period_start: dt.date
    period_end: dt.date
    cells: list[ReportCell] = field(default_factory=list)
    finals: dict[str, tuple[str, str]] = field(default_factory=dict)  # subject → (value, where)
    n_overdue: int = 0


def is_report(path: Path) -> bool:
    head = path.read_bytes()[:100_000].decode("utf-8", errors="ignore").replace("Отчет", "Отчёт")
    return REPORT_TITLE.lower() in head.lower()


def read_report(path: Path, notes: Notes) -> Report:
    """Parse the report; a page that is not the whole report refuses the import."""
    name = path.name
    text = read_text_file(path)
    if "</html>" not in text.lower():
        raise ExportRefused(name, None, None, "отчёт сохранён не полностью (нет закрывающего </html>)")
    root = tinyhtml5.parse(text, namespace_html_elements=False)
    body_text = " ".join(" ".join(root.itertext()).split())
    pupil = _after(body_text, "Ученик")
    if not pupil or len(pupil.split()) < 2:
        raise ExportRefused(name, "шапка отчёта", "Ученик", "не указан ученик (Фамилия Имя)")
    class_name = _after(body_text, "Класс")
    period_text = body_text[body_text.find("Период") :] if "Период" in body_text else ""
    dates = _PERIOD_DATES.search(period_text)
    kind = re.search(r"(\d)\s*-?\s*(?:я\s*)?(четверть|полугодие|триместр|семестр)", period_text)
    if not dates or not kind:
        raise ExportRefused(
            name, "шапка отчёта", "Период", "не указан период с датами («1 четверть, 01.09.2025 – 26.10.2025»)"
        )
    number, period_kind = parse_period_name(f"{kind.group(1)} {kind.group(2)}") or (0, "")
    start = parse_date(dates.group(1), name, "шапка отчёта", "Период")
    end = parse_date(dates.group(2), name, "шапка отчёта", "Период")
    if end < start:
        raise ExportRefused(name, "шапка отчёта", "Период", "конец периода раньше начала")
    report = Report(name, pupil, class_name, number, period_kind, start, end)
    table = next((t for t in root.iter("table") if "Итог" in "".join(t.itertext())), None)
    if table is None:
        raise ExportRefused(name, None, None, "в отчёте нет таблицы с колонкой «Итог»")
    _read_table(table, report, notes)
    if report.n_overdue:
        notes.add(
            name, "таблица", "«.»", report.n_overdue, f"просроченных заданий («.»): {report.n_overdue}; это не отметки"
        )
    return report


def _after(text: str, label: str) -> str | None:
    match = re.search(label + r"\s*:\s*(.+?)(?=\s+(?:Ученик|Класс|Период|Учебный год)\s*:|$)", text)
    return match.group(1).strip() if match else None


def _rows(table: Element) -> list[list[Element]]:
    return [[c for c in tr if c.tag in ("td", "th")] for tr in table.iter("tr")]


def _text(cell: Element) -> str:
    return " ".join("".join(cell.itertext()).split())


def _span(cell: Element) -> int:
    value = cell.get("colspan") or "1"
    return int(value) if value.isdigit() and 0 < int(value) < 100 else 1


def _read_table(table: Element, report: Report, notes: Notes) -> None:
    name = report.file_name
    rows = _rows(table)
    if len(rows) < 3:
        raise ExportRefused(name, "таблица", None, "в таблице нет строк предметов")
    months, days = rows[0], rows[1]
    month_of_column: list[str] = []
    titles: list[str] = []
    for cell in months:
        month_of_column += [_text(cell).lower()] * _span(cell)
        titles += [_text(cell)] * _span(cell)
    # Row 1 holds day numbers under the month cells; «Предмет», «Средн.», «Итог» span both rows.
    first_day_col = next((i for i, m in enumerate(month_of_column) if m in MONTHS), None)
    if first_day_col is None:
        raise ExportRefused(
            name, "заголовок таблицы", None, "нет месяцев над днями (ожидается «Сентябрь», «Октябрь» …)"
        )
    day_columns = [i for i, m in enumerate(month_of_column) if m in MONTHS]
    if len(days) != len(day_columns):
        raise ExportRefused(
            name, "заголовок таблицы", None, f"дней под месяцами {len(days)}, а столбцов месяцев {len(day_columns)}"
        )
    headers = [m if m not in MONTHS else "" for m in month_of_column]
    try:
        final_col = headers.index("итог")
    except ValueError:
        raise ExportRefused(name, "заголовок таблицы", "Итог", "нет столбца «Итог»") from None
    for column, header in enumerate(headers):
        if column and header and header not in KNOWN_COLUMNS:  # column 0 holds the subjects
            notes.unknown_column(name, f"заголовок таблицы, столбец {column + 1}", titles[column])
    dates: dict[int, dt.date] = {}
    for column, cell in zip(day_columns, days, strict=True):
        where = f"заголовок таблицы, столбец {column + 1}"
        text = _text(cell)
        if not text.isdigit():
            raise ExportRefused(name, where, "день", f"«{text}» — не число месяца")
        month = MONTHS[month_of_column[column]]
        year = report.period_start.year if month >= report.period_start.month else report.period_end.year
        try:
            dates[column] = dt.date(year, month, int(text))
        except ValueError:
            raise ExportRefused(name, where, "день", f"нет такой даты: {text} {month_of_column[column]}") from None
    for number, row in enumerate(rows[2:], start=3):
        if not row:
            continue
        subject = _text(row[0])
        if not subject:
            raise ExportRefused(name, f"строка {number}", "Предмет", "нет названия предмета")
        if len(row) != len(month_of_column):
            raise ExportRefused(
                name, f"строка {number} («{subject}»)", None, f"ячеек {len(row)}, а столбцов {len(month_of_column)}"
            )
        for column, day in dates.items():
            _cell(report, subject, day, _text(row[column]), f"строка {number} («{subject}»), {day:%d.%m}", notes)
        final = _text(row[final_col])
        if final:
            report.finals[subject] = (final, f"строка {number} («{subject}»), «Итог»")


def _cell(report: Report, subject: str, day: dt.date, text: str, where: str, notes: Notes) -> None:
    """A day's cell: marks («5», «4/5», several), «.» for an overdue task, an absence letter, or a mix
    (a pupil late to the lesson can still get a mark: «2 ОП»)."""
    tokens = re.sub(r"\s*/\s*", "/", text).split()
    marks = [t for t in tokens if _MARK.match(t)]
    report.n_overdue += tokens.count(".")
    letters = [t for t in tokens if t != "." and not _MARK.match(t)]
    if len(letters) > 1:
        raise ExportRefused(report.file_name, where, "посещаемость", f"два кода посещаемости в одной ячейке: «{text}»")
    absence = map_absence_code(letters[0], notes, report.file_name, where, "посещаемость") if letters else None
    if marks or absence:
        report.cells.append(ReportCell(subject, day, marks, absence, where))
