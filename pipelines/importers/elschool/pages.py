"""ELSCHOOL: a pupil's diary pages saved as HTML (one page or a folder of pages): «Табель
успеваемости» (current marks, ``grades_page.py``) and «Итоговые» (period and year marks,
``results_page.py``), either or both. Pages of one pupil are matched by ``pupilId`` (by the full
name when a page has no ``pupilId``): current marks come from the grades page, period marks from
the results page. The pages name neither period dates nor work types: periods are dated by the
lessons (else estimated, with a note), every mark gets the work type «Вид работы не указан» with
the school's default weight. The class comes from ``--class``, else from the page's years menu.
Field mapping: docs/importers.md."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

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
from pipelines.importers.elschool.grades_page import GradesPage, is_grades_page, read_grades_page
from pipelines.importers.elschool.page_html import PageHead
from pipelines.importers.elschool.results_page import ResultsPage, is_results_page, read_results_page
from pipelines.importers.ids import source_id, stable_id
from pipelines.importers.names import class_grade, normalise_name, split_full_name
from pipelines.importers.notes import Notes
from pipelines.importers.periods import periods_from_dates
from pipelines.importers.reading import PAGE_SUFFIXES, read_text_file
from pipelines.importers.subjects import SubjectCatalogue, load_subject_catalogue
from pipelines.importers.work_types import WorkTypes
from pipelines.issues import ExportRefused

TITLE = "ELSCHOOL"
NO_WORK_TYPE = "Вид работы не указан"
PERIODS_IN_YEAR = {"quarter": 4, "trimester": 3, "half_year": 2, "semester": 2}
_HEAD_BYTES = 400_000


@dataclass
class Pupil:
    """One pupil's pages: matched by pupilId, or by the full name when a page has none."""

    name: str
    key: str | None
    grades: list[GradesPage] = field(default_factory=list)
    results: list[ResultsPage] = field(default_factory=list)

    def matches(self, head: PageHead) -> bool:
        if self.key and head.pupil_key:
            return self.key == head.pupil_key
        return normalise_name(self.name) == normalise_name(head.pupil_name)


def _pages(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in PAGE_SUFFIXES)
    return [path]


def _head_text(page: Path) -> str:
    return page.read_bytes()[:_HEAD_BYTES].decode("utf-8", errors="ignore")


class ElschoolImporter:
    name = "elschool"
    title = TITLE

    def detect(self, path: Path) -> bool:
        pages = _pages(path)
        if not pages or any(p.suffix.lower() not in PAGE_SUFFIXES for p in pages):
            return False
        head = _head_text(pages[0])
        return (is_grades_page(head) and "mark-span" in head) or is_results_page(head)

    def convert(self, path: Path, out_dir: Path, context: ImportContext) -> list[ImportNote]:
        pages = _pages(path)
        if not pages:
            raise ExportRefused(path.name, None, None, "в папке нет страниц HTML ELSCHOOL («Табель», «Итоговые»)")
        notes = Notes()
        grades, results = [], []
        for page in pages:
            text = read_text_file(page)  # refuses empty and binary files
            if is_results_page(text) and not is_grades_page(text):
                results.append(read_results_page(page, notes))
            else:
                grades.append(read_grades_page(page, notes))
        class_name = context.class_name or next(
            (p.head.class_name for p in [*grades, *results] if p.head.class_name), None
        )
        if not class_name:
            raise ExportRefused(
                pages[0].name, None, None, "на странице ELSCHOOL не указан класс: задайте его, например --class 7А"
            )
        grade = class_grade(class_name)
        if grade is None:
            raise ExportRefused(pages[0].name, None, "класс", f"«{class_name}» — не класс вида «7А»")
        build = Build(context, class_name, grade, notes, _pupils(grades, results))
        build.run(max(file_timestamp(p) for p in pages)).write(out_dir)
        return notes


def _pupils(grades: list[GradesPage], results: list[ResultsPage]) -> list[Pupil]:
    pupils: list[Pupil] = []
    for page in [*grades, *results]:
        pupil = next((p for p in pupils if p.matches(page.head)), None)
        if pupil is None:
            pupil = Pupil(page.head.pupil_name, page.head.pupil_key)
            pupils.append(pupil)
        pupil.key = pupil.key or page.head.pupil_key
        (pupil.grades if isinstance(page, GradesPage) else pupil.results).append(page)
    return pupils


class Build:
    """The canonical tables of a set of pages."""

    def __init__(self, context: ImportContext, class_name: str, grade: int, notes: Notes, pupils: list[Pupil]):
        self.context, self.class_name, self.grade, self.notes, self.pupils = context, class_name, grade, notes, pupils
        self.grades = [g for p in pupils for g in p.grades]
        self.results = [r for p in pupils for r in p.results]
        self.first_file = (self.grades or self.results)[0].file_name
        self.tables = CanonicalTables()
        self.catalogue: SubjectCatalogue = load_subject_catalogue()
        self.institute = next((p.head.institute for p in [*self.grades, *self.results] if p.head.institute), None)
        self.school_id = context.school_id or source_id("elschool", self.institute or "school")
        self.year_id = self._year_id()
        self.year_start, self.year_end = (
            parse_date(academic_year_row(self.year_id)[k], "", "", "") for k in ("start_date", "end_date")
        )
        self.class_id = source_id("class", f"{self.year_id[:4]}-{class_name}")
        self.periods: dict[tuple[int, str], dict[str, str]] = {}

    def run(self, exported: dt.datetime) -> CanonicalTables:
        self._periods()
        tables = self.tables
        tables.add("export", export_row(self.school_id, TITLE, exported, self.year_start, self.year_end))
        tables.add(
            "school",
            {
                "school_id": self.school_id,
                "school_name": self.context.school_name or f"Школа ELSCHOOL {self.institute or ''}".strip(),
                "short_name": self.context.school_name or "ELSCHOOL",
                "region_id": "00",
            },
        )
        tables.add("academic_years", academic_year_row(self.year_id))
        tables.extend("periods", sorted(self.periods.values(), key=lambda r: r["period_id"]))
        tables.add("teachers", UNKNOWN_TEACHER)
        tables.add(
            "classes",
            {
                "class_id": self.class_id,
                "academic_year_id": self.year_id,
                "class_name": self.class_name,
                "grade": self.grade,
            },
        )
        self.notes.add(
            self.first_file, "страница", "согласие_пдн", None, "согласие на обработку ПДн неизвестно: записано «нет»"
        )
        work_type_id = self._work_type() if self.grades else ""
        for pupil in self.pupils:
            pupil_id = source_id("elschool-p", pupil.key) if pupil.key else stable_id("p", self.class_id, pupil.name)
            tables.add("pupils", {"pupil_id": pupil_id, **split_full_name(pupil.name), "has_consent": "нет"})
            tables.add(
                "enrolments", {"pupil_id": pupil_id, "class_id": self.class_id, "start_date": fmt_date(self.year_start)}
            )
            for page in pupil.grades:
                self._marks(page, pupil_id, work_type_id)
            for page in pupil.results:
                self._period_marks(page, pupil_id)
        tables.extend("subjects", self.catalogue.table())
        return tables

    def _year_id(self) -> str:
        """The school year: from the lesson dates of the grades pages, else from the years menu of
        the results pages; a results page of another year is refused."""
        year_id, other = self._lesson_year(), "текущие"
        named = {p.file_name: f"{p.head.start_year}/{p.head.start_year + 1}" for p in self.results if p.head.start_year}
        if year_id is None and named:
            year_id, other = next(iter(named.values())), "на других страницах"
        for page in self.results:
            if page.file_name in named and named[page.file_name] != year_id:
                message = f"итоговые отметки за {named[page.file_name]}, а {other} — за {year_id}"
                raise ExportRefused(page.file_name, "меню учебных лет", "учебный год", message)
            if year_id is None:
                raise ExportRefused(
                    page.file_name,
                    "меню учебных лет",
                    "учебный год",
                    "на странице «Итоговые» не указан учебный год: сохраните её вместе со страницей «Табель»"
                    " того же ученика или целиком (с меню учебных лет)",
                )
        return year_id

    def _lesson_year(self) -> str | None:
        dates = [m.lesson_date for p in self.grades for m in p.marks if m.value]
        if self.grades and not dates:
            raise ExportRefused(self.first_file, "#grades-table", None, "на странице нет ни одной отметки")
        if not dates:
            return None
        year_id = academic_year_of(min(dates))
        if academic_year_of(max(dates)) != year_id:
            raise ExportRefused(self.first_file, "#grades-table", "Дата урока", "отметки из разных учебных годов")
        return year_id

    def _periods(self) -> None:
        """Periods of the grades pages dated by their lessons; periods named only by the results
        pages are estimated (half-years from the quarters, else equal parts of the school year)."""
        kinds = {m.period_kind for p in self.grades for m in p.marks}
        if len(kinds) > 1:
            raise ExportRefused(self.first_file, "#grades-table", None, "в таблице смешаны четверти и полугодия")
        by_number: dict[int, list[dt.date]] = defaultdict(list)
        for page in self.grades:
            for mark in page.marks:
                by_number[mark.period_number].append(mark.lesson_date)
        if kinds:
            kind = kinds.pop()
            for row in periods_from_dates(self.year_id, kind, by_number, self.year_start, self.year_end):
                self.periods[(int(row["period_number"]), kind)] = row
            self.notes.add(
                self.first_file,
                "#grades-table",
                "периоды",
                None,
                "на странице нет дат четвертей: границы выведены по датам уроков",
            )
        named = {m.period for p in self.results for m in p.marks if m.period}
        missing = sorted(named - set(self.periods), key=lambda p: (p[1], p[0]))
        for number, kind in missing:
            self.periods[(number, kind)] = self._estimated_period(number, kind)
        if missing:
            names = ", ".join(self.periods[p]["period_name"] for p in missing)
            self.notes.add(
                self.results[0].file_name,
                "#result-marks-table",
                "периоды",
                names,
                "дат периодов нет ни на одной странице: полугодия — по четвертям, прочие — равные части учебного года",
            )

    def _estimated_period(self, number: int, kind: str) -> dict[str, str]:
        count = max(PERIODS_IN_YEAR[kind], number)
        quarters = {n: self.periods.get((n, "quarter")) for n in (1, 3)}
        if kind == "half_year" and all(quarters.values()):
            starts = {n: [parse_date(quarters[2 * n - 1]["start_date"], "", "", "")] for n in (1, 2)}
        else:
            study_days = (dt.date(self.year_start.year + 1, 5, 31) - self.year_start).days + 1
            starts = {
                n: [self.year_start + dt.timedelta(days=study_days * (n - 1) // count)] for n in range(1, count + 1)
            }
        rows = periods_from_dates(self.year_id, kind, starts, self.year_start, self.year_end)
        return next(r for r in rows if r["period_number"] == str(number))

    def _work_type(self) -> str:
        work_types = WorkTypes(self.context.norms, self.notes)
        work_type_id = work_types.resolve(NO_WORK_TYPE, self.first_file, "#grades-table")
        self.tables.extend("work_types", work_types.table())
        return work_type_id

    def _marks(self, page: GradesPage, pupil_id: str, work_type_id: str) -> None:
        seen: dict[tuple, int] = defaultdict(int)
        for mark in page.marks:
            if not mark.value:
                continue
            subject_id = self.catalogue.resolve(mark.subject, self.notes, page.file_name, mark.where)
            lesson_id = stable_id("L", self.school_id, self.class_id, subject_id, mark.lesson_date)
            self.tables.add(
                "lessons",
                {
                    "lesson_id": lesson_id,
                    "lesson_date": fmt_date(mark.lesson_date),
                    "lesson_number": 1,
                    "class_id": self.class_id,
                    "subject_id": subject_id,
                    "teacher_id": UNKNOWN_TEACHER_ID,
                },
                (page.file_name, mark.where),
            )
            key = (pupil_id, subject_id, mark.lesson_date)
            seen[key] += 1
            entered = mark.entered_date
            if entered < mark.lesson_date:
                self.notes.add(
                    page.file_name,
                    mark.where,
                    "Дата проставления",
                    fmt_date(entered),
                    f"дата проставления раньше даты урока {fmt_date(mark.lesson_date)}: записана дата урока",
                )
                entered = mark.lesson_date
            self.tables.add(
                "marks",
                {
                    "mark_id": stable_id("M", self.school_id, *key, seen[key]),
                    "pupil_id": pupil_id,
                    "lesson_id": lesson_id,
                    "mark_value": mark.value,
                    "work_type_id": work_type_id,
                    "entered_at": fmt_datetime(dt.datetime.combine(entered, dt.time())),
                    "entered_by": UNKNOWN_TEACHER_ID,
                },
                (page.file_name, mark.where),
            )

    def _period_marks(self, page: ResultsPage, pupil_id: str) -> None:
        if page.marks:
            self.notes.add(
                page.file_name,
                "#result-marks-table",
                "выставлено",
                None,
                "дат выставления итоговых отметок на странице нет: записан последний день периода (года — 31 мая)",
            )
        year_mark_day = f"31.05.{self.year_id[5:]}"
        for mark in page.marks:
            subject_id = self.catalogue.resolve(mark.subject, self.notes, page.file_name, mark.where)
            period = self.periods[mark.period] if mark.period else None
            stored = self.tables.add(
                "period_marks",
                {
                    "pupil_id": pupil_id,
                    "subject_id": subject_id,
                    "academic_year_id": self.year_id,
                    "mark_kind_code": mark.kind,
                    "period_id": period["period_id"] if period else "",
                    "mark_value": mark.value,
                    "entered_at": f"{period['end_date'] if period else year_mark_day} 12:00",
                    "entered_by": UNKNOWN_TEACHER_ID,
                },
                (page.file_name, mark.where),
            )
            if stored["mark_value"] != mark.value:
                raise ExportRefused(
                    page.file_name,
                    mark.where,
                    "отметка",
                    f"итоговая отметка «{mark.value}» расходится с «{stored['mark_value']}» на другой странице",
                )
