"""ELSCHOOL: the pupil's «Табель успеваемости» page saved as HTML (one page or a folder of pages).

The page has a table ``#grades-table``: a row per subject; per period a «Сред балл» cell and a
cell of marks, each ``<span class="mark-span" data-popover-content="Дата урока: ДД.ММ.ГГГГ<p>Дата
проставления: ДД.ММ.ГГГГ">N</span>``. The page names neither the class nor the period dates nor
work types: the class comes from ``--class``, periods are dated by their lessons, every mark gets
the work type «Вид работы не указан» with the school's default weight. Field mapping:
docs/importers.md.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlparse
from xml.etree.ElementTree import Element

import tinyhtml5

from pipelines.importers.canonical_tables import UNKNOWN_TEACHER, UNKNOWN_TEACHER_ID, CanonicalTables, export_row
from pipelines.importers.contract import ImportContext, ImportNote
from pipelines.importers.dates import (
    academic_year_of,
    academic_year_row,
    file_timestamp,
    fmt_date,
    fmt_datetime,
    parse_date,
)
from pipelines.importers.ids import source_id, stable_id
from pipelines.importers.marks import resolve_mark
from pipelines.importers.names import class_grade, split_full_name
from pipelines.importers.notes import Notes
from pipelines.importers.periods import parse_period_name, periods_from_dates
from pipelines.importers.reading import read_text_file
from pipelines.importers.subjects import load_subject_catalogue
from pipelines.importers.work_types import WorkTypes
from pipelines.issues import ExportRefused

TITLE = "ELSCHOOL"
_POPOVER = re.compile(r"Дата урока:\s*(?P<lesson>[\d.]+)\s*<p>\s*Дата проставления:\s*(?P<entered>[\d.]+)", re.I)
NO_WORK_TYPE = "Вид работы не указан"
KNOWN_HEADERS = {"предмет", "сред балл"}  # besides the periods («1 четверть»)


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
class Page:
    file_name: str
    pupil_name: str
    pupil_key: str | None
    institute: str | None
    marks: list[PageMark]
    subjects: list[str]


def _pages(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in (".html", ".htm"))
    return [path]


class ElschoolImporter:
    name = "elschool"
    title = TITLE

    def detect(self, path: Path) -> bool:
        pages = _pages(path)
        if not pages or any(p.suffix.lower() not in (".html", ".htm") for p in pages):
            return False
        head = pages[0].read_bytes()[:200_000].decode("utf-8", errors="ignore")
        return "grades-table" in head and "mark-span" in head

    def convert(self, path: Path, out_dir: Path, context: ImportContext) -> list[ImportNote]:
        pages = _pages(path)
        if not pages:
            raise ExportRefused(path.name, None, None, "в папке нет страниц HTML «Табель успеваемости» ELSCHOOL")
        notes = Notes()
        parsed = [read_page(p, notes) for p in pages]
        if not context.class_name:
            raise ExportRefused(
                pages[0].name, None, None, "на странице ELSCHOOL не указан класс: задайте его, например --class 7А"
            )
        grade = class_grade(context.class_name)
        if grade is None:
            raise ExportRefused(pages[0].name, None, "класс", f"«{context.class_name}» — не класс вида «7А»")
        _build(parsed, context, grade, notes, max(file_timestamp(p) for p in pages)).write(out_dir)
        return notes


def read_page(path: Path, notes: Notes) -> Page:
    """Parse one saved grades page; anything that makes it untrustworthy refuses the import."""
    text = read_text_file(path)
    name = path.name
    if "</html>" not in text.lower():
        raise ExportRefused(name, None, None, "страница сохранена не полностью (нет закрывающего </html>)")
    root = tinyhtml5.parse(text, namespace_html_elements=False)
    table = _find(root, lambda e: e.tag == "table" and e.get("id") == "grades-table")
    if table is None:
        raise ExportRefused(name, None, None, "на странице нет таблицы оценок (#grades-table): это не табель ELSCHOOL")
    heading = _find(root, lambda e: e.tag == "h4" and "text-center" in (e.get("class") or ""))
    pupil_name = _text(heading) if heading is not None else ""
    if len(pupil_name.split()) < 2:
        raise ExportRefused(name, "заголовок над таблицей", "ФИО", "не найдено ФИО ученика (Фамилия Имя)")
    headers = _headers(table, name)
    _note_unknown_parts(root, table, headers, name, notes)
    marks, subjects = [], []
    rows = [tr for tr in table.iter("tr") if tr.get("lesson") is not None]
    if not rows:
        raise ExportRefused(name, "#grades-table", None, "в таблице оценок нет ни одного предмета")
    for number, tr in enumerate(rows, start=1):
        cells = [td for td in tr if td.tag == "td"]
        subject_cell = next((td for td in cells if "grades-lesson" in _classes(td)), None)
        subject = _text(subject_cell) if subject_cell is not None else ""
        where_row = f"таблица оценок, строка {number}"
        if not subject:
            raise ExportRefused(name, where_row, "Предмет", "нет названия предмета")
        subjects.append(subject)
        for index, td in enumerate(cells):
            if "grades-marks" not in _classes(td):
                continue
            header = headers[index] if index < len(headers) else ""
            period = parse_period_name(header)
            if period is None:
                raise ExportRefused(name, where_row, header or f"столбец {index + 1}", "столбец отметок без периода")
            for k, span in enumerate(e for e in td.iter("span") if "mark-span" in _classes(e)):
                where = f"{where_row} («{subject}»), «{header}», отметка {k + 1}"
                marks.append(_mark(span, subject, period, name, where, notes))
    _check_against_mobile(root, marks, name)
    link = _find(root, lambda e: e.tag == "a" and "pupilId=" in (e.get("href") or ""))
    query = parse_qs(urlparse(link.get("href")).query) if link is not None else {}
    return Page(
        name,
        pupil_name,
        (query.get("pupilId") or [None])[0],
        (query.get("instituteId") or [None])[0],
        marks,
        subjects,
    )


def _mark(span: Element, subject: str, period: tuple[int, str], name: str, where: str, notes: Notes) -> PageMark:
    popover = span.get("data-popover-content") or ""
    match = _POPOVER.search(popover)
    if not match:
        raise ExportRefused(name, where, "Дата урока / Дата проставления", f"нет дат отметки («{popover[:60]}»)")
    lesson = parse_date(match["lesson"], name, where, "Дата урока")
    entered = parse_date(match["entered"], name, where, "Дата проставления")
    value = resolve_mark(_text(span), notes, name, where, "отметка")
    return PageMark(subject, period[0], period[1], value or "", lesson, entered, where)


def _note_unknown_parts(root: Element, table: Element, headers: list[str], name: str, notes: Notes) -> None:
    """Columns of the grades table and tables of the page that the importer does not read."""
    for index, header in enumerate(headers):
        if header and header.lower() not in KNOWN_HEADERS and parse_period_name(header) is None:
            notes.unknown_column(name, f"#grades-table, заголовок, столбец {index + 1}", header)
    inside = {id(t) for t in table.iter("table")}  # the grades table and any table nested in it
    for number, other in enumerate(root.iter("table"), start=1):
        if id(other) in inside or "MobileGrades" in _classes(other):
            continue
        # Named by its id or class, never by its text: it may hold a pupil's name.
        title = f"#{other.get('id')}" if other.get("id") else other.get("class") or f"№ {number} на странице"
        notes.add_once(
            "unknown table", name, "страница", f"таблица «{title}»", None, "таблица не распознана: не загружена"
        )


def _check_against_mobile(root: Element, marks: list[PageMark], name: str) -> None:
    """The page repeats every mark in a mobile layout: a different count means a damaged page."""
    mobile = [t for t in root.iter("table") if "MobileGrades" in _classes(t)]
    if not mobile:
        return
    count = sum(
        1
        for table in mobile
        for td in table.iter("td")
        if "grades-period-name" not in _classes(td) and "grades-average" not in _classes(td)
        for _ in td.iter("span")
    )
    if count != len(marks):
        raise ExportRefused(
            name, "#grades-table", None, f"страница повреждена: в таблице {len(marks)} отметок, в мобильной — {count}"
        )


def _build(pages: list[Page], context: ImportContext, grade: int, notes: Notes, exported: dt.datetime):
    tables = CanonicalTables()
    first = pages[0]
    school_id = context.school_id or source_id("elschool", first.institute or "school")
    dates = [m.lesson_date for p in pages for m in p.marks if m.value]
    if not dates:
        raise ExportRefused(first.file_name, "#grades-table", None, "на странице нет ни одной отметки")
    year_id = academic_year_of(min(dates))
    if academic_year_of(max(dates)) != year_id:
        raise ExportRefused(first.file_name, "#grades-table", "Дата урока", "отметки из разных учебных годов")
    year = academic_year_row(year_id)
    year_start, year_end = (parse_date(year[k], "", "", "") for k in ("start_date", "end_date"))
    kinds = {m.period_kind for p in pages for m in p.marks}
    if len(kinds) > 1:
        raise ExportRefused(first.file_name, "#grades-table", None, "в таблице смешаны четверти и полугодия")
    by_number: dict[int, list[dt.date]] = defaultdict(list)
    for page in pages:
        for mark in page.marks:
            by_number[mark.period_number].append(mark.lesson_date)
    periods = periods_from_dates(year_id, kinds.pop(), by_number, year_start, year_end)
    notes.add(
        first.file_name,
        "#grades-table",
        "периоды",
        None,
        "на странице нет дат четвертей: границы выведены по датам уроков",
    )
    class_id = source_id("class", f"{year_id[:4]}-{context.class_name}")
    tables.add("export", export_row(school_id, TITLE, exported, year_start, year_end))
    tables.add(
        "school",
        {
            "school_id": school_id,
            "school_name": context.school_name or f"Школа ELSCHOOL {first.institute or ''}".strip(),
            "short_name": context.school_name or "ELSCHOOL",
            "region_id": "00",
        },
    )
    tables.add("academic_years", year)
    tables.extend("periods", periods)
    tables.add("teachers", UNKNOWN_TEACHER)
    tables.add(
        "classes",
        {"class_id": class_id, "academic_year_id": year_id, "class_name": context.class_name, "grade": grade},
    )
    catalogue = load_subject_catalogue()
    work_types = WorkTypes(context.norms, notes)
    work_type_id = work_types.resolve(NO_WORK_TYPE, first.file_name, "#grades-table")
    notes.add(
        first.file_name, "#grades-table", "согласие_пдн", None, "согласие на обработку ПДн неизвестно: записано «нет»"
    )
    for page in pages:
        pupil_id = (
            source_id("elschool-p", page.pupil_key) if page.pupil_key else stable_id("p", class_id, page.pupil_name)
        )
        tables.add("pupils", {"pupil_id": pupil_id, **split_full_name(page.pupil_name), "has_consent": "нет"})
        tables.add("enrolments", {"pupil_id": pupil_id, "class_id": class_id, "start_date": fmt_date(year_start)})
        seen: dict[tuple, int] = defaultdict(int)
        for mark in page.marks:
            if not mark.value:
                continue
            subject_id = catalogue.resolve(mark.subject, notes, page.file_name, mark.where)
            lesson_id = stable_id("L", school_id, class_id, subject_id, mark.lesson_date)
            tables.add(
                "lessons",
                {
                    "lesson_id": lesson_id,
                    "lesson_date": fmt_date(mark.lesson_date),
                    "lesson_number": 1,
                    "class_id": class_id,
                    "subject_id": subject_id,
                    "teacher_id": UNKNOWN_TEACHER_ID,
                },
            )
            key = (pupil_id, subject_id, mark.lesson_date)
            seen[key] += 1
            entered = mark.entered_date
            if entered < mark.lesson_date:
                notes.add(
                    page.file_name,
                    mark.where,
                    "Дата проставления",
                    fmt_date(entered),
                    f"дата проставления раньше даты урока {fmt_date(mark.lesson_date)}: записана дата урока",
                )
                entered = mark.lesson_date
            tables.add(
                "marks",
                {
                    "mark_id": stable_id("M", school_id, *key, seen[key]),
                    "pupil_id": pupil_id,
                    "lesson_id": lesson_id,
                    "mark_value": mark.value,
                    "work_type_id": work_type_id,
                    "entered_at": fmt_datetime(dt.datetime.combine(entered, dt.time())),
                    "entered_by": UNKNOWN_TEACHER_ID,
                },
            )
    tables.extend("subjects", catalogue.table())
    tables.extend("work_types", work_types.table())
    return tables


def _find(root: Element, test) -> Element | None:
    return next((e for e in root.iter() if isinstance(e.tag, str) and test(e)), None)


def _classes(element: Element) -> list[str]:
    return (element.get("class") or "").split()


def _text(element: Element | None) -> str:
    return " ".join("".join(element.itertext()).split()) if element is not None else ""


def _headers(table: Element, name: str) -> list[str]:
    """Header texts by column index (colspan expanded)."""
    row = next((tr for tr in table.iter("tr") if any(th.tag == "th" for th in tr)), None)
    if row is None:
        raise ExportRefused(name, "#grades-table", None, "у таблицы оценок нет заголовка")
    headers = []
    for th in (c for c in row if c.tag == "th"):
        span = int(th.get("colspan") or 1) if (th.get("colspan") or "1").isdigit() else 1
        headers += [_text(th)] * span
    return headers
