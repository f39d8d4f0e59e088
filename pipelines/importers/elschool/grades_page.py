"""ELSCHOOL «Табель успеваемости» page (``/users/diaries/grades?...``) saved as HTML: the pupil's
current marks. The table ``#grades-table`` (class ``GradesTable``) has a row per subject
(``td.grades-lesson``); per period («1 четверть», «1 триместр», «1 полугодие») a «Сред балл» cell
and a cell of marks, each ``<span class="mark-span" data-popover-content="Дата урока: ДД.ММ.ГГГГ<p>
Дата проставления: ДД.ММ.ГГГГ">N</span>``. A page saved after a tooltip was shown may hold the
dates in ``data-original-title``/``title`` instead. The mobile layout ``MobileGrades`` repeats
every mark and is the integrity check."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from xml.etree.ElementTree import Element

from pipelines.importers.dates import parse_date
from pipelines.importers.elschool.page_html import (
    PageHead,
    classes,
    header_texts,
    load_tree,
    main_table,
    note_other_tables,
    period_of,
    read_head,
    text_of,
)
from pipelines.importers.marks import resolve_mark
from pipelines.importers.notes import Notes
from pipelines.issues import ExportRefused

TABLE = "#grades-table"
_DATES = re.compile(
    r"Дата урока:\s*(?P<lesson>[\d.]+).*?Дата проставления:\s*(?P<entered>[\d.]+)", re.IGNORECASE | re.DOTALL
)
# Where a mark's dates may be: the popover as rendered, or the attributes bootstrap moves it to.
_DATE_ATTRIBUTES = ("data-popover-content", "data-content", "data-original-title", "title")
KNOWN_HEADERS = {"предмет", "сред балл", "средний балл"}  # besides the periods («1 четверть»)


@dataclass(frozen=True)
class PageMark:
    subject: str
    period_number: int
    period_kind: str
    value: str
    lesson_date: dt.date
    entered_date: dt.date
    where: str


@dataclass
class GradesPage:
    file_name: str
    head: PageHead
    marks: list[PageMark]
    subjects: list[str]


def is_grades_page(text: str) -> bool:
    return ("grades-table" in text or "GradesTable" in text) and "grades-lesson" in text


def read_grades_page(path: Path, notes: Notes) -> GradesPage:
    """Parse one saved grades page; anything that makes it untrustworthy refuses the import."""
    name = path.name
    root = load_tree(path)
    table = main_table(root, "grades-table", "GradesTable", "MobileGrades")
    if table is None:
        raise ExportRefused(name, None, None, "на странице нет таблицы оценок (#grades-table): это не табель ELSCHOOL")
    head = read_head(root, name)
    headers = header_texts(table, name, TABLE)
    _note_unknown_headers(headers, name, notes)
    inside = {id(t) for t in table.iter("table")}  # the grades table and any table nested in it
    note_other_tables(root, lambda t: id(t) in inside or "MobileGrades" in classes(t), name, notes)
    rows = [tr for tr in table.iter("tr") if any("grades-lesson" in classes(td) for td in tr)]
    if not rows:
        raise ExportRefused(name, TABLE, None, "в таблице оценок нет ни одного предмета")
    marks, subjects = [], []
    for number, tr in enumerate(rows, start=1):
        subject, row_marks = _row(tr, headers, name, f"таблица оценок, строка {number}", notes)
        subjects.append(subject)
        marks += row_marks
    _check_against_mobile(root, marks, name)
    return GradesPage(name, head, marks, subjects)


def _row(tr: Element, headers: list[str], name: str, where_row: str, notes: Notes) -> tuple[str, list[PageMark]]:
    cells = [td for td in tr if td.tag == "td"]
    subject = text_of(next(td for td in cells if "grades-lesson" in classes(td)))
    if not subject:
        raise ExportRefused(name, where_row, "Предмет", "нет названия предмета")
    marks = []
    for index, td in enumerate(cells):
        if "grades-marks" not in classes(td):
            continue
        header = headers[index] if index < len(headers) else ""
        period = period_of(header)
        if period is None:
            raise ExportRefused(name, where_row, header or f"столбец {index + 1}", "столбец отметок без периода")
        for k, span in enumerate(e for e in td.iter("span") if "mark-span" in classes(e)):
            where = f"{where_row} («{subject}»), «{header}», отметка {k + 1}"
            marks.append(_mark(span, subject, period, name, where, notes))
    return subject, marks


def _mark(span: Element, subject: str, period: tuple[int, str], name: str, where: str, notes: Notes) -> PageMark:
    """One mark with its dates; a value that is not a mark keeps an empty value (noted, not loaded)."""
    found = next((m for m in (_DATES.search(span.get(a) or "") for a in _DATE_ATTRIBUTES) if m), None)
    if not found:
        shown = next((span.get(a) for a in _DATE_ATTRIBUTES if span.get(a)), "")
        raise ExportRefused(name, where, "Дата урока / Дата проставления", f"нет дат отметки («{shown[:60]}»)")
    lesson = parse_date(found["lesson"], name, where, "Дата урока")
    entered = parse_date(found["entered"], name, where, "Дата проставления")
    value = resolve_mark(text_of(span), notes, name, where, "отметка")
    return PageMark(subject, period[0], period[1], value or "", lesson, entered, where)


def _note_unknown_headers(headers: list[str], name: str, notes: Notes) -> None:
    for index, header in enumerate(headers):
        if header and header.lower() not in KNOWN_HEADERS and period_of(header) is None:
            notes.unknown_column(name, f"{TABLE}, заголовок, столбец {index + 1}", header)


def _check_against_mobile(root: Element, marks: list[PageMark], name: str) -> None:
    """The page repeats every mark in a mobile layout: a different count means a damaged page."""
    mobile = [t for t in root.iter("table") if "MobileGrades" in classes(t)]
    if not mobile:
        return
    count = sum(
        1
        for table in mobile
        for td in table.iter("td")
        if "grades-period-name" not in classes(td) and "grades-average" not in classes(td)
        for _ in td.iter("span")
    )
    if count != len(marks):
        raise ExportRefused(
            name, TABLE, None, f"страница повреждена: в таблице {len(marks)} отметок, в мобильной — {count}"
        )
