"""«Сетевой город. Образование» (IRTech): saved WebAPI and mobile API responses and the HTML
report «Отчёт об успеваемости и посещаемости ученика», in one folder (or zip).

Each JSON file is recognised by its shape, not its name (field mapping: docs/importers.md):
- ``context`` (``productName``/``organizationName``, ``schoolyear``) and ``context/years``;
- ``grade/assignment/types`` (``[{id, name, abbr}]``): type ids differ between servers, so a mark's
  ``typeId`` is only ever looked up here, never assumed;
- ``student/diary/init`` (``students[{studentId, nickName, className}]``);
- the web diary week (``weekStart``, ``weekDays[].lessons[].assignments[]`` with ``typeId``,
  ``weight``, ``mark{mark, dutyMark, studentId}``) and assignment details (``id``,
  ``assignmentName``, ``weight``, ``date``, ``teacher{id, name}``);
- the mobile API (``assignments[]``: ``assignmentTypeName``, ``weight``, ``result``,
  ``resultDate`` = when the mark was entered, ``assignmentDate``/``dueDate`` = the lesson date;
  ``lessons[]``: ``lessonTheme``, ``attendance``).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipelines.importers.absences import map_absence_code
from pipelines.importers.canonical_tables import UNKNOWN_TEACHER, UNKNOWN_TEACHER_ID, CanonicalTables, export_row
from pipelines.importers.contract import ImportContext, ImportNote
from pipelines.importers.dates import academic_year_of, file_timestamp, fmt_date, fmt_datetime, parse_datetime
from pipelines.importers.ids import source_id, stable_id
from pipelines.importers.marks import canonical_period_mark, resolve_mark
from pipelines.importers.names import class_grade, normalise_name, split_full_name
from pipelines.importers.netschool import fields as known_fields
from pipelines.importers.netschool.report import Report, is_report, read_report
from pipelines.importers.notes import Notes
from pipelines.importers.periods import period_id
from pipelines.importers.reading import field_of, read_json_file
from pipelines.importers.subjects import load_subject_catalogue
from pipelines.importers.work_types import WorkTypes
from pipelines.issues import ExportRefused

TITLE = "Сетевой город. Образование"
NO_WORK_TYPE = "Вид работы не указан"


@dataclass
class Lesson:
    key: str
    day: dt.date
    number: int
    subject: str
    where: str
    file_name: str
    teacher: tuple[str, str] | None = None
    topic: str = ""
    homework: str = ""


@dataclass
class Mark:
    key: str
    lesson_key: str
    student: str
    value: Any
    type_name: str | None
    weight: float | None
    entered: dt.datetime | None
    where: str
    file_name: str


@dataclass
class Collected:
    context: dict | None = None
    years: list[dict] = field(default_factory=list)
    types: dict[int, str] = field(default_factory=dict)
    students: dict[str, dict] = field(default_factory=dict)
    details: dict[str, dict] = field(default_factory=dict)
    lessons: dict[str, Lesson] = field(default_factory=dict)
    marks: dict[str, Mark] = field(default_factory=dict)
    absences: dict[tuple[str, str], tuple[Any, str, str]] = field(default_factory=dict)
    reports: list[Report] = field(default_factory=list)
    n_duty: int = 0
    diaries: list[tuple[Path, Any]] = field(default_factory=list)


def _files(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    return sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in (".json", ".html", ".htm"))


class NetschoolImporter:
    name = "netschool"
    title = TITLE

    def detect(self, path: Path) -> bool:
        for file in _files(path)[:50]:
            if file.suffix.lower() in (".html", ".htm"):
                if is_report(file):
                    return True
                continue
            head = file.read_bytes()[:20_000].decode("utf-8", errors="ignore")
            if any(k in head for k in ('"weekDays"', '"assignmentTypeName"', "Сетевой Город", '"lessonTheme"')):
                return True
        return False

    def convert(self, path: Path, out_dir: Path, context: ImportContext) -> list[ImportNote]:
        files = _files(path)
        if not files:
            raise ExportRefused(path.name, None, None, "нет файлов JSON или HTML «Сетевого города»")
        notes = Notes()
        data = Collected()
        for file in files:
            if file.suffix.lower() in (".html", ".htm"):
                if not is_report(file):
                    notes.add(file.name, "", "", None, "страница HTML не похожа на отчёт «Сетевого города»: пропущена")
                    continue
                data.reports.append(read_report(file, notes))
            else:
                _classify(file, read_json_file(file), data, notes)
        for file, diary in data.diaries:  # after the types are known, whatever the file order
            _read_diary(file, diary, data, notes)
        if data.n_duty:
            notes.add("", "", "dutyMark", data.n_duty, f"просроченных заданий (dutyMark) без отметки: {data.n_duty}")
        _build(data, context, notes, max(file_timestamp(f) for f in files)).write(out_dir)
        return notes


# --- reading JSON ------------------------------------------------------------------------------


def _classify(file: Path, doc: Any, data: Collected, notes: Notes) -> None:
    name = file.name
    if isinstance(doc, dict) and "weekDays" in doc:
        data.diaries.append((file, doc))
    elif isinstance(doc, dict) and ("productName" in doc or "schoolyear" in doc):
        data.context = doc
        notes.unknown_fields(doc, known_fields.CONTEXT_FIELDS, name, "")
        for ref in ("user", "organization"):
            notes.unknown_fields(doc.get(ref), known_fields.REF_FIELDS, name, ref)
        _check_year(doc.get("schoolyear"), name, "schoolyear", notes)
    elif isinstance(doc, dict) and "students" in doc:
        notes.unknown_fields(doc, known_fields.INIT_FIELDS, name, "")
        for i, s in enumerate(field_of(doc, "students", "list", name, "")):
            where = f"students[{i}]"
            notes.unknown_fields(s, known_fields.INIT_STUDENT_FIELDS, name, where)
            sid = str(field_of(s, "studentId", "integer", name, where))
            data.students[sid] = {
                "name": field_of(s, "nickName", "text", name, where),
                "class": field_of(s, "className", "text", name, where, required=False),
            }
    elif isinstance(doc, list) and doc and all(isinstance(x, dict) and "globalYear" in x for x in doc):
        data.years = doc
        for i, year in enumerate(doc):
            _check_year(year, name, f"[{i}]", notes)
    elif isinstance(doc, list) and doc and all(isinstance(x, dict) and "abbr" in x for x in doc):
        for i, t in enumerate(doc):
            notes.unknown_fields(t, known_fields.TYPE_FIELDS, name, f"[{i}]")
            data.types[field_of(t, "id", "integer", name, f"[{i}]")] = field_of(t, "name", "text", name, f"[{i}]")
    elif isinstance(doc, dict) and ("assignments" in doc or "lessons" in doc) and "weekDays" not in doc:
        _read_mobile(file, doc, data, notes)
    elif _is_details(doc):
        for i, d in enumerate(doc if isinstance(doc, list) else [doc]):
            where = f"[{i}]" if isinstance(doc, list) else ""
            notes.unknown_fields(d, known_fields.DETAILS_FIELDS, name, where)
            data.details[str(field_of(d, "id", "integer", name, where))] = d
            field_of(d, "weight", "number", name, where, required=False)
            teacher = field_of(d, "teacher", "object", name, where, required=False)
            notes.unknown_fields(teacher, known_fields.REF_FIELDS, name, f"{where}.teacher" if where else "teacher")
    else:
        notes.add(name, "", "", None, "файл JSON не распознан как ответ «Сетевого города»: пропущен")


def _check_year(year: Any, name: str, where: str, notes: Notes) -> None:
    """A school year of ``context`` or ``context/years``: report its unknown fields."""
    notes.unknown_fields(year, known_fields.YEAR_FIELDS, name, where)
    if isinstance(year, dict):
        notes.unknown_fields(year.get("globalYear"), known_fields.GLOBAL_YEAR_FIELDS, name, f"{where}.globalYear")


def _is_details(doc: Any) -> bool:
    items = doc if isinstance(doc, list) else [doc]
    return bool(items) and all(isinstance(d, dict) and "assignmentName" in d and "id" in d for d in items)


def _read_diary(file: Path, doc: dict, data: Collected, notes: Notes) -> None:
    name = file.name
    notes.unknown_fields(doc, known_fields.DIARY_FIELDS, name, "")
    for d, day in enumerate(field_of(doc, "weekDays", "list", name, "")):
        where_day = f"weekDays[{d}]"
        notes.unknown_fields(day, known_fields.DAY_FIELDS, name, where_day)
        date = parse_datetime(field_of(day, "date", "text", name, where_day), name, where_day, "date").date()
        for n, lesson in enumerate(field_of(day, "lessons", "list", name, where_day)):
            where = f"{where_day}.lessons[{n}]"
            notes.unknown_fields(lesson, known_fields.LESSON_FIELDS, name, where)
            subject = field_of(lesson, "subjectName", "text", name, where)
            number = field_of(lesson, "number", "integer", name, where)
            meeting = field_of(lesson, "classmeetingId", "integer", name, where, required=False)
            key = str(meeting) if meeting is not None else f"{subject}|{date}|{number}"
            data.lessons.setdefault(key, Lesson(key, date, number, subject, where, name))
            for a, item in enumerate(field_of(lesson, "assignments", "list", name, where, required=False) or []):
                _diary_assignment(item, f"{where}.assignments[{a}]", key, data, name, notes)


def _diary_assignment(item: Any, where: str, lesson_key: str, data: Collected, name: str, notes: Notes) -> None:
    notes.unknown_fields(item, known_fields.ASSIGNMENT_FIELDS, name, where)
    assignment_id = str(field_of(item, "id", "integer", name, where))
    type_id = field_of(item, "typeId", "integer", name, where)
    if type_id not in data.types:
        raise ExportRefused(
            name, where, "typeId", f"вида задания {type_id} нет в grade/assignment/types: сохраните и этот ответ"
        )
    type_name = data.types[type_id]
    if normalise_name(type_name).startswith("домашн"):
        data.lessons[lesson_key].homework = field_of(item, "assignmentName", "text", name, where, required=False) or ""
    mark = field_of(item, "mark", "object", name, where, required=False)
    if mark is None:
        return
    notes.unknown_fields(mark, known_fields.MARK_FIELDS, name, f"{where}.mark")
    value = mark.get("mark")
    if value is None:
        if field_of(mark, "dutyMark", "bool", name, f"{where}.mark", required=False):
            data.n_duty += 1
        return
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ExportRefused(name, f"{where}.mark", "mark", f"ожидается отметка, а не «{value}»")
    student = str(field_of(mark, "studentId", "integer", name, f"{where}.mark"))
    weight = field_of(item, "weight", "number", name, where, required=False)
    key = f"{assignment_id}-{student}"
    previous = data.marks.get(key)
    data.marks[key] = Mark(
        key, lesson_key, student, value, type_name, weight, previous.entered if previous else None, where, name
    )


def _read_mobile(file: Path, doc: dict, data: Collected, notes: Notes) -> None:
    name = file.name
    notes.unknown_fields(doc, known_fields.MOBILE_FIELDS, name, "")
    for i, lesson in enumerate(field_of(doc, "lessons", "list", name, "", required=False) or []):
        where = f"lessons[{i}]"
        notes.unknown_fields(lesson, known_fields.MOBILE_LESSON_FIELDS, name, where)
        meeting = str(field_of(lesson, "classMeetingId", "integer", name, where))
        day = parse_datetime(field_of(lesson, "day", "text", name, where), name, where, "day").date()
        subject = field_of(lesson, "subjectName", "text", name, where)
        number = field_of(lesson, "number", "integer", name, where, required=False) or 1
        entry = data.lessons.setdefault(meeting, Lesson(meeting, day, number, subject, where, name))
        entry.topic = field_of(lesson, "lessonTheme", "text", name, where, required=False) or entry.topic
        attendance = field_of(lesson, "attendance", "text", name, where, required=False)
        if attendance:
            student = str(field_of(lesson, "studentId", "integer", name, where))
            data.absences[(student, meeting)] = (attendance, where, name)
    for i, item in enumerate(field_of(doc, "assignments", "list", name, "", required=False) or []):
        where = f"assignments[{i}]"
        notes.unknown_fields(item, known_fields.MOBILE_ASSIGNMENT_FIELDS, name, where)
        result = item.get("result") if isinstance(item, dict) else None
        if result is None:
            field_of(item, "assignmentTypeName", "text", name, where)
            continue
        assignment_id = str(field_of(item, "assignmentId", "integer", name, where))
        student = str(field_of(item, "studentId", "integer", name, where))
        meeting = str(field_of(item, "classMeetingId", "integer", name, where))
        lesson_day = field_of(item, "assignmentDate", "text", name, where, required=False) or field_of(
            item, "dueDate", "text", name, where
        )
        day = parse_datetime(lesson_day, name, where, "assignmentDate").date()
        subject = field_of(item, "subjectName", "text", name, where)
        data.lessons.setdefault(meeting, Lesson(meeting, day, 1, subject, where, name))
        entered = parse_datetime(field_of(item, "resultDate", "text", name, where), name, where, "resultDate")
        key = f"{assignment_id}-{student}"
        known = data.marks.get(key)
        if known is not None:  # the web diary has the type id and weight; the mobile API adds the entry time
            known.entered = entered
            continue
        data.marks[key] = Mark(
            key,
            meeting,
            student,
            result,
            field_of(item, "assignmentTypeName", "text", name, where),
            field_of(item, "weight", "number", name, where, required=False),
            entered,
            where,
            name,
        )


# --- building the canonical export ---------------------------------------------------------------


def _year(data: Collected, days: list[dt.date], name: str) -> dict[str, str]:
    candidates = list(data.years)
    if data.context and isinstance(data.context.get("schoolyear"), dict):
        candidates.append(data.context["schoolyear"])
    for year in candidates:
        start = parse_datetime(year.get("startDate"), name, "schoolyear", "startDate").date()
        end = parse_datetime(year.get("endDate"), name, "schoolyear", "endDate").date()
        if start <= min(days) and max(days) <= end:
            return {
                "academic_year_id": f"{start.year}/{start.year + 1}",
                "start_date": fmt_date(start),
                "end_date": fmt_date(end),
            }
    first = int(academic_year_of(min(days))[:4])
    if academic_year_of(max(days)) != f"{first}/{first + 1}":
        raise ExportRefused(name, None, None, "данные из разных учебных годов: загрузите каждый год отдельно")
    return {
        "academic_year_id": f"{first}/{first + 1}",
        "start_date": f"01.09.{first}",
        "end_date": f"31.08.{first + 1}",
    }


def _build(data: Collected, context: ImportContext, notes: Notes, exported: dt.datetime) -> CanonicalTables:
    tables = CanonicalTables()
    first_file = (data.reports[0].file_name if data.reports else "") or "данные"
    by_name = {normalise_name(s["name"]): sid for sid, s in data.students.items()}
    json_students = {m.student for m in data.marks.values()} | {s for s, _ in data.absences}
    for student in json_students:
        if student not in data.students:
            raise ExportRefused(first_file, None, "studentId", f"ученика {student} нет в student/diary/init")
    days = [lesson.day for lesson in data.lessons.values()] + [c.day for r in data.reports for c in r.cells]
    days += [d for r in data.reports for d in (r.period_start, r.period_end)]
    if not days:
        raise ExportRefused(first_file, None, None, "в данных нет ни уроков, ни отметок")
    year = _year(data, days, first_file)
    year_id = year["academic_year_id"]
    ctx = data.context or {}
    school_id = context.school_id or source_id("sgo", ctx.get("schoolId", "school"))
    school_name = context.school_name or ctx.get("organizationName") or "Школа («Сетевой город»)"
    class_names = {s["class"] for s in data.students.values() if s.get("class")} | {
        r.class_name for r in data.reports if r.class_name
    }
    class_name = class_names.pop() if len(class_names) == 1 else context.class_name
    if class_name is None:
        problem = "в данных несколько классов" if class_names else "класс не указан"
        raise ExportRefused(first_file, None, "className", f"{problem}: задайте класс, например --class 7А")
    grade = class_grade(class_name)
    if grade is None:
        raise ExportRefused(first_file, None, "className", f"«{class_name}» — не класс вида «7А»")
    class_id = source_id("class", f"{year_id[:4]}-{class_name}")
    covers = (min(days), max(days))
    tables.add("export", export_row(school_id, TITLE, exported, *covers, kind="incremental"))
    tables.add(
        "school",
        {"school_id": school_id, "school_name": school_name, "short_name": school_name[:40], "region_id": "00"},
    )
    tables.add("academic_years", year)
    tables.add("teachers", UNKNOWN_TEACHER)
    tables.add("classes", {"class_id": class_id, "academic_year_id": year_id, "class_name": class_name, "grade": grade})
    catalogue = load_subject_catalogue()
    work_types = WorkTypes(context.norms, notes)

    pupil_ids: dict[str, str] = {}
    for sid, student in data.students.items():
        pupil_ids[normalise_name(student["name"])] = source_id("sgo-p", sid)
    for report in data.reports:
        pupil_ids.setdefault(normalise_name(report.pupil_name), stable_id("p", class_id, report.pupil_name))
    names = {normalise_name(s["name"]): s["name"] for s in data.students.values()}
    names.update({normalise_name(r.pupil_name): r.pupil_name for r in data.reports})
    for key, pupil_id in pupil_ids.items():
        tables.add("pupils", {"pupil_id": pupil_id, **split_full_name(names[key]), "has_consent": "нет"})
        tables.add("enrolments", {"pupil_id": pupil_id, "class_id": class_id, "start_date": year["start_date"]})
    notes.add(first_file, "", "согласие_пдн", None, "согласие на обработку ПДн неизвестно: записано «нет»")

    lesson_ids: dict[str, str] = {}
    teachers = _lesson_teachers(data, tables)
    for lesson in data.lessons.values():
        subject_id = catalogue.resolve(lesson.subject, notes, lesson.file_name, lesson.where)
        teacher_id = teachers[lesson.key]
        lesson_ids[lesson.key] = source_id("sgo-L", lesson.key) if lesson.key.isdigit() else stable_id("L", lesson.key)
        tables.add(
            "lessons",
            {
                "lesson_id": lesson_ids[lesson.key],
                "lesson_date": fmt_date(lesson.day),
                "lesson_number": lesson.number,
                "class_id": class_id,
                "subject_id": subject_id,
                "teacher_id": teacher_id,
                "topic": lesson.topic,
                "homework": lesson.homework,
            },
        )
    n_no_time = 0
    for mark in data.marks.values():
        lesson = data.lessons[mark.lesson_key]
        value = resolve_mark(mark.value, notes, mark.file_name, mark.where, "mark")
        if value is None:
            continue
        detail = data.details.get(mark.key.split("-")[0], {})
        weight = detail.get("weight", mark.weight)
        # The type keeps the first weight met; each mark states its own weight (marks.weight).
        work_type = work_types.resolve(mark.type_name, mark.file_name, mark.where, weight=weight)
        entered = mark.entered
        if entered is None:
            n_no_time += 1
            entered = dt.datetime.combine(lesson.day, dt.time())
        tables.add(
            "marks",
            {
                "mark_id": source_id("sgo-M", mark.key),
                "pupil_id": source_id("sgo-p", mark.student),
                "lesson_id": lesson_ids[mark.lesson_key],
                "mark_value": value,
                "work_type_id": work_type,
                "weight": "" if weight is None else _num(weight),
                "entered_at": fmt_datetime(entered),
                "entered_by": teachers[mark.lesson_key],
            },
        )
    if n_no_time:
        notes.add(
            "",
            "",
            "resultDate",
            n_no_time,
            f"у {n_no_time} отметок нет момента выставления (нет ответа мобильного API): записана дата урока",
        )
    for (student, meeting), (raw, where, file_name) in data.absences.items():
        code = map_absence_code(raw, notes, file_name, where, "attendance")
        if code is not None:
            tables.add(
                "attendance",
                {"pupil_id": source_id("sgo-p", student), "lesson_id": lesson_ids[meeting], "absence_code": code},
            )
    _add_reports(data, tables, catalogue, work_types, notes, class_id, year_id, pupil_ids, json_students, by_name)
    if not tables.get("periods"):
        notes.add(first_file, "", "периоды", None, "в данных нет учебных периодов: загрузите отчёт или periods.csv")
    tables.extend("subjects", catalogue.table())
    tables.extend("work_types", work_types.table())
    return tables


def _add_reports(data, tables, catalogue, work_types, notes, class_id, year_id, pupil_ids, json_students, by_name):
    for report in data.reports:
        pid = _report_period(report, year_id, tables)  # None: the report names no period and has no finals
        pupil_key = normalise_name(report.pupil_name)
        pupil_id = pupil_ids[pupil_key]
        has_json = by_name.get(pupil_key) in json_students
        for subject, (value, where) in report.finals.items():
            mark = canonical_period_mark(value)
            if mark is None:
                notes.add(report.file_name, where, "Итог", value, f"«{value}» — не итоговая отметка: не загружена")
                continue
            tables.add(
                "period_marks",
                {
                    "pupil_id": pupil_id,
                    "subject_id": catalogue.resolve(subject, notes, report.file_name, where),
                    "academic_year_id": year_id,
                    "mark_kind_code": "period",
                    "period_id": pid,
                    "mark_value": mark,
                    "entered_at": fmt_datetime(dt.datetime.combine(report.period_end, dt.time(12))),
                    "entered_by": UNKNOWN_TEACHER_ID,
                },
            )
        if has_json:
            continue  # the JSON already brings this pupil's marks and attendance, with types and times
        counter: dict[tuple, int] = defaultdict(int)
        for cell in report.cells:
            subject_id = catalogue.resolve(cell.subject, notes, report.file_name, cell.where)
            lesson_id = stable_id("L", class_id, subject_id, cell.day)
            tables.add(
                "lessons",
                {
                    "lesson_id": lesson_id,
                    "lesson_date": fmt_date(cell.day),
                    "lesson_number": 1,
                    "class_id": class_id,
                    "subject_id": subject_id,
                    "teacher_id": UNKNOWN_TEACHER_ID,
                },
            )
            if cell.absence:
                tables.add("attendance", {"pupil_id": pupil_id, "lesson_id": lesson_id, "absence_code": cell.absence})
            for value in cell.marks:
                counter[(subject_id, cell.day)] += 1
                tables.add(
                    "marks",
                    {
                        "mark_id": stable_id("M", pupil_id, subject_id, cell.day, counter[(subject_id, cell.day)]),
                        "pupil_id": pupil_id,
                        "lesson_id": lesson_id,
                        "mark_value": value,
                        "work_type_id": work_types.resolve(NO_WORK_TYPE, report.file_name, cell.where),
                        "entered_at": fmt_datetime(dt.datetime.combine(cell.day, dt.time())),
                        "entered_by": UNKNOWN_TEACHER_ID,
                    },
                )


def _report_period(report: Report, year_id: str, tables: CanonicalTables) -> str | None:
    if report.period_kind is None or report.period_number is None:
        return None
    pid = period_id(year_id, report.period_kind, report.period_number)
    row = {
        "period_id": pid,
        "academic_year_id": year_id,
        "period_kind_code": report.period_kind,
        "period_number": report.period_number,
        "period_name": f"{report.period_number} {_PERIOD_RU[report.period_kind]}",
        "start_date": fmt_date(report.period_start),
        "end_date": fmt_date(report.period_end),
    }
    stored = tables.add("periods", row)
    if stored["start_date"] != row["start_date"] or stored["end_date"] != row["end_date"]:
        raise ExportRefused(
            report.file_name,
            "шапка отчёта",
            "Период",
            f"даты периода {row['start_date']}–{row['end_date']} расходятся с другим отчётом "
            f"({stored['start_date']}–{stored['end_date']}): сохраните отчёты за весь учебный период",
        )
    return pid


_PERIOD_RU = {"quarter": "четверть", "trimester": "триместр", "half_year": "полугодие", "semester": "семестр"}


def _lesson_teachers(data: Collected, tables: CanonicalTables) -> dict[str, str]:
    """The teacher of each lesson: from the details of any of its assignments, else unknown."""
    teachers: dict[str, str] = defaultdict(lambda: UNKNOWN_TEACHER_ID)
    for mark in data.marks.values():
        teacher = data.details.get(mark.key.split("-")[0], {}).get("teacher")
        if mark.lesson_key in teachers or not isinstance(teacher, dict):
            continue
        if teacher.get("id") is not None and isinstance(teacher.get("name"), str) and teacher["name"].strip():
            teacher_id = source_id("sgo-t", teacher["id"])
            tables.add(
                "teachers", {"teacher_id": teacher_id, **split_full_name(teacher["name"]), "position": "учитель"}
            )
            teachers[mark.lesson_key] = teacher_id
    return teachers


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)
