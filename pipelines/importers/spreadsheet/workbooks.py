"""The spreadsheets a deputy director actually has: Excel journal sheets (one class and subject
per sheet) and sheets of period marks, with merged header cells. Layouts: sheets.py
and docs/importers.md."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from pipelines.importers.absences import map_absence_code
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
from pipelines.importers.marks import canonical_mark, canonical_period_mark
from pipelines.importers.names import class_grade, normalise_name, split_full_name
from pipelines.importers.notes import Notes
from pipelines.importers.periods import parse_period_name, period_id
from pipelines.importers.spreadsheet.sheets import (
    Sheet,
    SheetHead,
    column_date,
    find_head,
    is_title_line,
    period_label,
    read_workbook,
    subject_of_sheet,
)
from pipelines.importers.subjects import load_subject_catalogue
from pipelines.importers.work_types import WorkTypes
from pipelines.issues import ExportRefused

TITLE = "Таблицы Excel (журнал, итоговые отметки)"
PLAIN_WORK = "Ответ на уроке"
SUFFIXES = {
    "кр": "Контрольная работа",
    "к": "Контрольная работа",
    "ср": "Самостоятельная работа",
    "пр": "Практическая работа",
    "лр": "Лабораторная работа",
    "д": "Диктант",
    "дикт": "Диктант",
    "т": "Тест",
    "тест": "Тест",
    "дз": "Домашнее задание",
    "соч": "Сочинение",
    "изл": "Изложение",
}
ABSENCES = {"н", "нб", "у", "уп", "б", "бол", "оп", "о", "п"}
_SKIP_ROWS = re.compile(r"^(итого|всего|средн|ср\.)")
# a list's own numbering written in the name's cell: «1. Андреев Антон», «12) Борисова Вера»
_NUMBERED = re.compile(r"^\d{1,3}\s*(?:[.)]\s*|\s+)")
_IGNORED_HEADERS = re.compile(r"^(№|n|средн\w*( балл)?|ср\.? ?балл|ср\.?|пропуски|примечани\w*)$")
PERIOD_SHEETS = {"периоды", "учебные периоды"}
_PERIOD_RU = {"quarter": "четверть", "trimester": "триместр", "half_year": "полугодие", "semester": "семестр"}


def _books(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() == ".xlsx")
    return [path]


class SpreadsheetImporter:
    name = "spreadsheet"
    title = TITLE

    def detect(self, path: Path) -> bool:
        books = _books(path)
        return bool(books) and all(b.suffix.lower() == ".xlsx" for b in books)

    def convert(self, path: Path, out_dir: Path, context: ImportContext) -> list[ImportNote]:
        books = _books(path)
        if not books:
            raise ExportRefused(path.name, None, None, "в папке нет книг Excel (.xlsx)")
        notes = Notes()
        builder = Builder(context, notes)
        for book in books:
            builder.add_book(book)
        builder.finish(max(file_timestamp(b) for b in books)).write(out_dir)
        return notes


class Builder:
    """Collects the sheets of one or more workbooks into one canonical export."""

    def __init__(self, context: ImportContext, notes: Notes):
        self.context, self.notes = context, notes
        self.tables = CanonicalTables()
        self.catalogue = load_subject_catalogue()
        self.work_types = WorkTypes(context.norms, notes)
        self.school_id = context.school_id or "school"
        self.year_ids: set[str] = set()
        self.periods: dict[str, dict[str, str]] = {}
        self.lesson_dates: list[dt.date] = []
        self.period_refs: list[tuple[str, str, str]] = []  # (period id, file, place)
        self.class_ids: dict[str, str] = {}
        self.n_marks_without_time = 0
        self.first_file = ""

    # --- sheets ------------------------------------------------------------------------------

    def add_book(self, path: Path) -> None:
        sheets = read_workbook(path)
        self.first_file = self.first_file or path.name
        heads = {}
        for sheet in sheets:
            if normalise_name(sheet.title) in PERIOD_SHEETS:
                self._periods_sheet(sheet)
                continue
            head = find_head(sheet)
            if head is None:
                if any(any(v is not None for v in row) for row in sheet.rows):
                    self.notes.add(
                        sheet.file_name,
                        f"лист «{sheet.title}»",
                        "ФИО",
                        None,
                        "на листе нет столбца «ФИО»: лист пропущен",
                    )
                continue
            heads[sheet.title] = head
            if head.year_id:
                self.year_ids.add(head.year_id)
        year_id = self._year_id(path.name)
        for sheet in sheets:
            head = heads.get(sheet.title)
            if head is None:
                continue
            dated = [c for c in self._columns(sheet, head) if column_date(sheet, head, c, year_id)]
            if dated:
                self._journal(sheet, head, year_id)
            else:
                self._period_marks(sheet, head, year_id)

    def _year_id(self, file_name: str) -> str:
        years = set(self.year_ids) | {
            academic_year_of(parse_date(p["start_date"], "", "", "")) for p in self.periods.values()
        }
        if len(years) > 1:
            raise ExportRefused(
                file_name, None, "Учебный год", f"в книге несколько учебных годов: {', '.join(sorted(years))}"
            )
        if not years:
            raise ExportRefused(
                file_name, None, "Учебный год", "не указан учебный год: добавьте над таблицей «Учебный год: 2025/2026»"
            )
        return years.pop()

    def _columns(self, sheet: Sheet, head: SheetHead) -> range:
        width = max(len(r) for r in sheet.rows[head.header_row : head.header_row + 1] or [[]])
        return range(max(head.name_cols) + 1, width)

    def _pupil_rows(self, sheet: Sheet, head: SheetHead):
        for r in range(head.header_row + 1, len(sheet.rows)):
            name = _NUMBERED.sub("", " ".join(part for c in head.name_cols if (part := sheet.text(r, c))))
            if not name or _SKIP_ROWS.match(normalise_name(name)):
                continue
            if len(name.split()) < 2 or any(ch.isdigit() for ch in name):
                raise ExportRefused(
                    sheet.file_name, sheet.where(r, head.name_col), "ФИО", "не ФИО ученика (фамилия и имя, без цифр)"
                )
            yield r, name

    def _class(self, sheet: Sheet, head: SheetHead, year_id: str) -> str:
        name = head.class_name or self.context.class_name
        if not name or class_grade(name) is None:
            raise ExportRefused(
                sheet.file_name,
                f"лист «{sheet.title}»",
                "Класс",
                "не указан класс: «Класс: 7А» над таблицей или --class",
            )
        if name not in self.class_ids:
            class_id = source_id("class", f"{year_id[:4]}-{name}")
            self.class_ids[name] = class_id
            self.tables.add(
                "classes",
                {"class_id": class_id, "academic_year_id": year_id, "class_name": name, "grade": class_grade(name)},
            )
        return self.class_ids[name]

    def _pupil(self, class_id: str, name: str, year_id: str) -> str:
        pupil_id = stable_id("p", class_id, normalise_name(name))
        self.tables.add("pupils", {"pupil_id": pupil_id, **split_full_name(name), "has_consent": "нет"})
        self.tables.add(
            "enrolments", {"pupil_id": pupil_id, "class_id": class_id, "start_date": f"01.09.{year_id[:4]}"}
        )
        return pupil_id

    def _journal(self, sheet: Sheet, head: SheetHead, year_id: str) -> None:
        class_id = self._class(sheet, head, year_id)
        subject = head.subject or subject_of_sheet(sheet.title)
        if not subject:
            raise ExportRefused(
                sheet.file_name,
                f"лист «{sheet.title}»",
                "Предмет",
                "не указан предмет: «Предмет: Математика» над таблицей или название листа «7А Математика»",
            )
        subject_id = self.catalogue.resolve(subject, self.notes, sheet.file_name, f"лист «{sheet.title}»")
        teacher_id = self._teacher(head.teacher)
        dates, period_cols = {}, {}
        for c in self._columns(sheet, head):
            header = sheet.text(head.header_row, c)
            date = column_date(sheet, head, c, year_id)
            if date:
                dates[c] = date
            elif label := period_label(header):
                period_cols[c] = self._period_of(label, head, sheet, c, year_id)
            elif header and _IGNORED_HEADERS.match(normalise_name(header)):
                continue
            elif header:
                self.notes.add(
                    sheet.file_name, sheet.where(head.header_row, c), header, None, "столбец не распознан: пропущен"
                )
            elif any(sheet.text(r, c) for r in range(head.header_row + 1, len(sheet.rows))):
                raise ExportRefused(
                    sheet.file_name, sheet.where(head.header_row, c), "дата", "столбец отметок без даты урока"
                )
        self.lesson_dates += dates.values()
        for r, name in self._pupil_rows(sheet, head):
            pupil_id = self._pupil(class_id, name, year_id)
            for c, date in dates.items():
                text = sheet.text(r, c)
                if text:
                    self._journal_cell(sheet, r, c, text, date, pupil_id, class_id, subject_id, teacher_id)
            for c, (kind, pid) in period_cols.items():
                self._period_mark(sheet, r, c, pupil_id, subject_id, kind, pid, year_id, teacher_id)

    def _journal_cell(self, sheet, r, c, text, date, pupil_id, class_id, subject_id, teacher_id) -> None:
        where = sheet.where(r, c)
        origin = (sheet.file_name, where)
        lesson_id = stable_id("L", self.school_id, class_id, subject_id, date)
        self.tables.add(
            "lessons",
            {
                "lesson_id": lesson_id,
                "lesson_date": fmt_date(date),
                "lesson_number": 1,
                "class_id": class_id,
                "subject_id": subject_id,
                "teacher_id": teacher_id,
            },
            origin,
        )
        marks: list[list[str]] = []  # [value, suffix]
        absence = None
        tokens = re.sub(r"(\d)\s*([а-яё])", r"\1 \2", text.lower().replace(",", " ")).split()
        for token in tokens:
            mark = canonical_mark(token) if re.match(r"^[1-5](/[1-5])?$", token) else None
            word = token.rstrip(".")
            if mark is None and re.match(r"^[1-5][+\-−]$", token):
                mark = token[0]
                self.notes.add(sheet.file_name, where, "отметка", token, f"отметка «{token}» загружена как «{mark}»")
            if mark:
                marks.append([mark, ""])
            elif any(ch.isdigit() for ch in token):
                raise ExportRefused(
                    sheet.file_name, where, "отметка", f"«{text}» — не отметка (ожидается 1–5, «4/5», «5 кр»)"
                )
            elif marks and not marks[-1][1] and word not in ABSENCES:
                marks[-1][1] = word
            elif absence is None and (word in ABSENCES or len(word) <= 2):
                absence = map_absence_code(word, self.notes, sheet.file_name, where, "посещаемость")
            else:
                raise ExportRefused(sheet.file_name, where, "отметка", f"«{text}» — не отметка и не код посещаемости")
        for k, (value, suffix) in enumerate(marks, start=1):
            work = SUFFIXES.get(suffix, suffix.capitalize() if suffix else PLAIN_WORK)
            if suffix and suffix not in SUFFIXES:
                self.notes.add(
                    sheet.file_name, where, "вид работы", suffix, f"неизвестное сокращение вида работы «{suffix}»"
                )
            self.n_marks_without_time += 1
            self.tables.add(
                "marks",
                {
                    "mark_id": stable_id("M", self.school_id, pupil_id, subject_id, date, k),
                    "pupil_id": pupil_id,
                    "lesson_id": lesson_id,
                    "mark_value": value,
                    "work_type_id": self.work_types.resolve(work, sheet.file_name, where),
                    "entered_at": fmt_datetime(dt.datetime.combine(date, dt.time())),
                    "entered_by": teacher_id,
                },
                origin,
            )
        if absence:
            row = {"pupil_id": pupil_id, "lesson_id": lesson_id, "absence_code": absence}
            self.tables.add("attendance", row, origin)

    def _period_marks(self, sheet: Sheet, head: SheetHead, year_id: str) -> None:
        class_id = self._class(sheet, head, year_id)
        # under a subject, a period may be its number alone: «I», «II» … «Год», «1», «2» … «год»
        labels = {c: period_label(sheet.text(head.header_row, c), bare=True) for c in self._columns(sheet, head)}
        # a sheet of one subject («Предмет: …» above it, no subject over its columns): periods alone
        above = {c: sheet.text(head.header_row - 1, c) for c in labels} if head.header_row > 0 else {}
        subjects_above = {c: text for c, text in above.items() if text and not is_title_line(text)}
        one_subject = bool(head.subject) and not subjects_above
        two_level = not one_subject and head.header_row > 0 and any(labels.values())
        bare_kind = self._kind_of_numbers([n for kind, n, of in filter(None, labels.values()) if of == "bare"], head)
        columns = {}
        for c in self._columns(sheet, head):
            if one_subject:
                subject, label, header = head.subject, labels[c], sheet.text(head.header_row, c)
                if not header or _IGNORED_HEADERS.match(normalise_name(header)):
                    continue
                if label is None and normalise_name(header) == normalise_name(subject):
                    label = ("period", 0, None)  # the subject's own name: the title's period
            else:
                subject = subjects_above.get(c) if two_level else sheet.text(head.header_row, c)
                label = labels[c] if two_level else ("period", 0, None)
                if not subject or _IGNORED_HEADERS.match(normalise_name(subject)):
                    continue
            if label is not None and label[2] == "bare":
                label = ("period", label[1], bare_kind)
            if label is None:
                not_what = "не дата урока (например «08.09») и не период (например «1 четверть», «Год»)"
                raise ExportRefused(
                    sheet.file_name,
                    sheet.where(head.header_row, c),
                    "период",
                    f"«{sheet.text(head.header_row, c)}» — {not_what if one_subject else 'не период'}",
                )
            subject_id = self.catalogue.resolve(subject, self.notes, sheet.file_name, sheet.where(head.header_row, c))
            columns[c] = (subject_id, self._period_of(label, head, sheet, c, year_id))
        if not columns:  # neither a lesson's date nor a subject's period mark: said, never lost in silence
            self.notes.add(
                sheet.file_name,
                f"лист «{sheet.title}»",
                None,
                None,
                "на листе нет ни столбцов уроков (заголовок — дата, например «08.09»), ни итоговых отметок "
                "по предметам: лист пропущен",
            )
            return
        teacher_id = self._teacher(head.teacher)  # a summary sheet names none: «Не указан»
        for r, name in self._pupil_rows(sheet, head):
            pupil_id = self._pupil(class_id, name, year_id)
            for c, (subject_id, (kind, pid)) in columns.items():
                self._period_mark(sheet, r, c, pupil_id, subject_id, kind, pid, year_id, teacher_id)

    def _period_of(self, label, head: SheetHead, sheet: Sheet, c: int, year_id: str) -> tuple[str, str | None]:
        kind, number, period_kind = label
        if kind in ("year", "exam") or (kind == "final" and head.period is None):
            return kind, None
        if kind == "final" or number == 0:
            if head.period is None:
                raise ExportRefused(
                    sheet.file_name,
                    sheet.where(head.header_row, c),
                    "период",
                    "не указан период: «Период: 1 четверть» над таблицей",
                )
            number, period_kind = head.period
        pid = period_id(year_id, period_kind or "quarter", number)
        self.period_refs.append((pid, sheet.file_name, sheet.where(head.header_row, c)))
        return "period", pid

    def _kind_of_numbers(self, numbers: list[int], head: SheetHead) -> str | None:
        """The kind of the periods a sheet numbers alone («I», «II», «Год»): the one kind of the
        book's periods sheet, else the sheet's «Период: …», else by how many there are (two
        halves, three trimesters, four quarters)."""
        if not numbers:
            return None
        kinds = {p["period_kind_code"] for p in self.periods.values()}
        by_count = {2: "half_year", 3: "trimester", 4: "quarter"}.get(max(numbers), "quarter")
        if len(kinds) == 1:
            return kinds.pop()
        if head.period is not None:
            return head.period[1]
        return by_count

    def _period_mark(self, sheet, r, c, pupil_id, subject_id, kind, pid, year_id, teacher_id) -> None:
        text = sheet.text(r, c)
        if not text:
            return
        value = canonical_period_mark(text)
        if value is None:
            raise ExportRefused(sheet.file_name, sheet.where(r, c), "отметка", f"«{text}» — не итоговая отметка")
        when = self.periods.get(pid, {}).get("end_date") if pid else None
        stored = self.tables.add(
            "period_marks",
            {
                "pupil_id": pupil_id,
                "subject_id": subject_id,
                "academic_year_id": year_id,
                "mark_kind_code": kind,
                "period_id": pid or "",
                "mark_value": value,
                "entered_at": f"{when or '31.05.' + year_id[5:]} 12:00",
                "entered_by": teacher_id,
            },
            (sheet.file_name, sheet.where(r, c)),
        )
        if stored["mark_value"] != value:
            raise ExportRefused(
                sheet.file_name,
                sheet.where(r, c),
                "отметка",
                f"итоговая отметка «{text}» расходится с «{stored['mark_value']}» на другом листе",
            )

    def _periods_sheet(self, sheet: Sheet) -> None:
        for r in range(1, len(sheet.rows)):
            name = sheet.text(r, 0)
            if not name:
                continue
            where = sheet.where(r, 0)
            parsed = parse_period_name(name)
            if parsed is None:
                raise ExportRefused(sheet.file_name, where, "Период", f"«{name}» — не период вида «1 четверть»")
            start = self._sheet_date(sheet, r, 1)
            end = self._sheet_date(sheet, r, 2)
            if end < start:
                raise ExportRefused(sheet.file_name, sheet.where(r, 2), "Окончание", "окончание раньше начала")
            year_id = academic_year_of(start)
            pid = period_id(year_id, parsed[1], parsed[0])
            self.periods[pid] = {
                "period_id": pid,
                "academic_year_id": year_id,
                "period_kind_code": parsed[1],
                "period_number": str(parsed[0]),
                "period_name": f"{parsed[0]} {_PERIOD_RU[parsed[1]]}",
                "start_date": fmt_date(start),
                "end_date": fmt_date(end),
                "grades": "",
            }

    def _sheet_date(self, sheet: Sheet, r: int, c: int) -> dt.date:
        value = sheet.rows[r][c] if c < len(sheet.rows[r]) else None
        if isinstance(value, dt.datetime):
            return value.date()
        return parse_date(sheet.text(r, c), sheet.file_name, sheet.where(r, c), "дата")

    def _teacher(self, name: str | None) -> str:
        if not name or len(name.split()) < 2:
            self.tables.add("teachers", UNKNOWN_TEACHER)
            return UNKNOWN_TEACHER_ID
        teacher_id = stable_id("t", self.school_id, normalise_name(name))
        self.tables.add("teachers", {"teacher_id": teacher_id, **split_full_name(name), "position": "учитель"})
        return teacher_id

    # --- the export ----------------------------------------------------------------------------

    def finish(self, exported: dt.datetime) -> CanonicalTables:
        if not self.class_ids:
            raise ExportRefused(
                self.first_file, None, None, "в книге нет ни журнала, ни итоговых отметок (нет столбца «ФИО»)"
            )
        year_id = self._year_id(self.first_file)
        for pid, file_name, where in self.period_refs:
            if pid not in self.periods:
                raise ExportRefused(
                    file_name,
                    where,
                    "период",
                    "даты периода неизвестны: добавьте лист «Периоды» (Период, Начало, Окончание)",
                )
        year = academic_year_row(year_id)
        start, end = (parse_date(year[k], "", "", "") for k in ("start_date", "end_date"))
        self.tables.add("export", export_row(self.school_id, "Excel", exported, start, end))
        self.tables.add(
            "school",
            {
                "school_id": self.school_id,
                "school_name": self.context.school_name or "Школа (таблицы Excel)",
                "short_name": self.context.school_name or "Школа",
                "region_id": "00",
            },
        )
        self.tables.add("academic_years", year)
        self.tables.extend("periods", self.periods.values())
        self.tables.extend("subjects", self.catalogue.table())
        self.tables.extend("work_types", self.work_types.table())
        if not self.periods:
            self.notes.add(
                self.first_file, "", "периоды", None, "в книге нет листа «Периоды»: отметки не отнесены к периодам"
            )
        if self.n_marks_without_time:
            self.notes.add(
                self.first_file,
                "",
                "выставлено",
                self.n_marks_without_time,
                f"в таблице нет момента выставления {self.n_marks_without_time} отметок: записана дата урока",
            )
        self.notes.add(
            self.first_file, "", "согласие_пдн", None, "согласие на обработку ПДн неизвестно: записано «нет»"
        )
        return self.tables
